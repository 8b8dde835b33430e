"""Session.run: fetch structures, feeds and their conversion, Tensor.eval / Operation.run
with a default session, InteractiveSession, and sessions' independent state."""
import collections

import numpy as np
import pytest

import tinygraph as tf

Pair = collections.namedtuple("Pair", "a b")


@pytest.fixture
def graph():
    x = tf.placeholder(tf.float32, [None, 2], name="X")
    y = tf.multiply(x, 2.0, name="y")
    return x, y


def test_fetch_single_tensor_op_and_name(graph, backend):
    x, y = graph
    init = tf.no_op(name="init")
    with tf.Session(device=backend) as sess:
        got = sess.run(y, {x: [[1, 2]]})
        assert isinstance(got, np.ndarray) and got.dtype == np.float32
        np.testing.assert_array_equal(got, [[2, 4]])
        assert sess.run(init) is None
        assert sess.run(y.op, {x: [[1, 2]]}) is None
        np.testing.assert_array_equal(sess.run("y:0", {"X:0": [[3, 4]]}), [[6, 8]])
        assert sess.run("init") is None   # an op name fetches the op
        np.testing.assert_array_equal(sess.run(x, {x: [[5, 6]]}), [[5, 6]])


def test_fetch_structures(graph, backend):
    x, y = graph
    z = tf.reduce_sum(y)
    feed = {x: [[1, 2]]}
    with tf.Session(device=backend) as sess:
        a, b = sess.run([y, z], feed)
        np.testing.assert_array_equal(a, [[2, 4]])
        assert b == 6.0
        t = sess.run((z, (z, [z])), feed)
        assert isinstance(t, tuple) and isinstance(t[1], tuple) and isinstance(t[1][1], list)
        assert t == (6.0, (6.0, [6.0]))
        p = sess.run(Pair(a=z, b=y.op), feed)
        assert isinstance(p, Pair) and p.a == 6.0 and p.b is None
        d = sess.run({"k": [z, (z,)], "n": Pair(z, z), "s": "y:0"}, feed)
        assert set(d) == {"k", "n", "s"}
        assert d["k"] == [6.0, (6.0,)] and d["n"] == Pair(6.0, 6.0)
        np.testing.assert_array_equal(d["s"], [[2, 4]])
        od = sess.run(collections.OrderedDict([("b", z), ("a", y)]), feed)
        assert isinstance(od, collections.OrderedDict) and list(od) == ["b", "a"]
        assert sess.run([], feed) == [] and sess.run({}, feed) == {}
        same = sess.run([z, z, y, y], feed)   # the same fetch twice: two values
        assert same[0] == same[1] == 6.0
        np.testing.assert_array_equal(same[2], same[3])


def test_scalar_results_are_numpy_scalars(backend):
    with tf.Session(device=backend) as sess:
        f, i, b = sess.run([tf.constant(1.5), tf.constant(3), tf.constant(True)])
    assert type(f) is np.float32 and type(i) is np.int32 and type(b) is np.bool_
    assert f == 1.5 and i == 3 and b


def test_results_are_copies(backend):
    v = tf.Variable([1.0, 2.0])
    c = tf.constant([5.0, 6.0])
    with tf.Session(device=backend) as sess:
        sess.run(v.initializer)
        got = sess.run(v)
        got[0] = 100.0   # changing a result changes nothing in the session
        np.testing.assert_array_equal(sess.run(v), [1, 2])
        k = sess.run(c)
        k[0] = -1.0
        np.testing.assert_array_equal(sess.run(c), [5, 6])


def test_fetch_errors(graph, backend):
    x, y = graph
    with tf.Session(device=backend) as sess:
        with pytest.raises(TypeError, match="Fetch argument None has invalid type"):
            sess.run(None)
        with pytest.raises(TypeError, match="Fetch argument 3 has invalid type <class 'int'>"):
            sess.run([y, 3], {x: [[1, 2]]})
        with pytest.raises(ValueError, match="Fetch argument 'nope:0' cannot be interpreted "
                                             "as a Tensor."):
            sess.run("nope:0")


def test_feeding_converts_to_the_placeholder_dtype(backend):
    x = tf.placeholder(tf.float32, [None])
    i = tf.placeholder(tf.int32, [2])
    b = tf.placeholder(tf.bool, [])
    with tf.Session(device=backend) as sess:
        for value in ([1, 2, 3], np.array([1, 2, 3], np.int64), (1.0, 2.0, 3.0),
                      np.array([1, 2, 3], np.float64)):
            got = sess.run(x * 1.0, {x: value})
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, [1, 2, 3])
        got = sess.run(i + 1, {i: np.array([4, 5], np.int64)})
        assert got.dtype == np.int32 and got.tolist() == [5, 6]
        assert sess.run(tf.logical_not(b), {b: True}) == False  # noqa: E712
        assert sess.run(x, {x: 7.0 * np.ones(0)}).shape == (0,)


def test_feeding_non_placeholder_tensors(backend):
    x = tf.placeholder(tf.float32, [2])
    v = tf.Variable([1.0, 1.0])   # never initialized
    hidden = x * v
    out = hidden + 1.0
    c = tf.constant(3.0)
    with tf.Session(device=backend) as sess:
        # Feeding `hidden` cuts the graph there: neither x nor v is needed.
        np.testing.assert_array_equal(sess.run(out, {hidden: [5.0, 6.0]}), [6, 7])
        assert sess.run(c * 2.0, {c: 10.0}) == 20.0
        assert sess.run(c) == 3.0   # the feed lasted one run
        with pytest.raises(ValueError, match="Cannot feed value of shape"):
            sess.run(out, {hidden: [1.0, 2.0, 3.0]})


def test_feed_keys_and_values(graph, backend):
    x, y = graph
    with tf.Session(device=backend) as sess:
        np.testing.assert_array_equal(sess.run(y, {"X:0": np.ones((1, 2))}), [[2, 2]])
        with pytest.raises(TypeError, match="The value of a feed cannot be a tf.Tensor"):
            sess.run(y, {x: tf.constant([[1.0, 2.0]])})
        with pytest.raises(TypeError, match="Cannot interpret feed_dict key as Tensor"):
            sess.run(y, {x: np.ones((1, 2)), "nope:0": 1.0})


def test_plans_follow_feed_shapes(graph, backend):
    x, y = graph
    s = tf.reduce_sum(y, 0)
    with tf.Session(device=backend) as sess:
        for n in (3, 1, 3, 0, 5):
            v = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
            np.testing.assert_array_equal(sess.run(s, {x: v}), 2 * v.sum(0))


def test_eval_and_run_with_default_session(backend):
    v = tf.Variable(1.0)
    x = tf.placeholder(tf.float32, [])
    step = tf.assign_add(v, 1.0).op
    with pytest.raises(ValueError, match="No default session is registered"):
        v.initializer.run()
    sess = tf.Session(device=backend)
    with sess.as_default():
        assert tf.get_default_session() is sess
        v.initializer.run()
        step.run()
        assert v.eval() == 2.0
        assert (x * 3.0).eval({x: 2.0}) == 6.0
        assert (x * 3.0).eval(feed_dict={x: 1.0}) == 3.0
    assert tf.get_default_session() is None
    assert v.value().eval(session=sess) == 2.0
    step.run(session=sess)
    assert sess.run(v) == 3.0
    with tf.Session(device=backend) as other:   # `with` makes the session the default
        assert tf.get_default_session() is other
        other.run(v.initializer)
        assert v.eval() == 1.0   # sessions keep separate variable values
    assert tf.get_default_session() is None
    assert sess.run(v) == 3.0
    sess.close()


def test_eval_with_a_session_of_another_graph(backend):
    g = tf.Graph()
    with g.as_default():
        other = tf.constant(1.0)
    with tf.Session(device=backend) as sess:
        with pytest.raises(ValueError, match="graph"):
            other.eval(session=sess)
        with pytest.raises(ValueError, match="is not an element of this graph"):
            sess.run(other)


def test_session_with_explicit_graph(backend):
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(4.0, name="c")
    with tf.Session(graph=g, device=backend) as sess:
        assert sess.graph is g
        assert sess.run(c) == 4.0 and sess.run("c:0") == 4.0
        assert c.eval() == 4.0   # its graph is the session's, even outside g.as_default()


def test_interactive_session(backend):
    v = tf.Variable(5.0)
    sess = tf.InteractiveSession(device=backend)
    try:
        assert tf.get_default_session() is sess
        v.initializer.run()
        assert v.eval() == 5.0
        assert (v * 2.0).eval() == 10.0
    finally:
        sess.close()
    assert tf.get_default_session() is None
    with pytest.raises(RuntimeError, match="Attempted to use a closed Session."):
        sess.run(v)


def test_closed_session(backend):
    sess = tf.Session(device=backend)
    c = tf.constant(1.0)
    assert sess.run(c) == 1.0
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(c)
    with tf.Session(device=backend) as sess2:
        pass
    with pytest.raises(RuntimeError, match="closed Session"):
        sess2.run(c)


def test_config_and_run_options_are_accepted(backend):
    c = tf.constant(2.0)
    config = tf.ConfigProto(allow_soft_placement=True, gpu_options=tf.GPUOptions(
        allow_growth=True))
    with tf.Session(config=config, device=backend) as sess:
        assert sess.run(c, options=tf.RunOptions(), run_metadata=tf.RunMetadata()) == 2.0


def test_sessions_have_independent_state(backend):
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0)
    with tf.Session(device=backend) as a, tf.Session(device=backend) as b:
        a.run(v.initializer)
        b.run(v.initializer)
        a.run(inc)
        a.run(inc)
        b.run(inc)
        assert a.run(v) == 2.0 and b.run(v) == 1.0


def test_each_op_runs_once_per_run(backend):
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0)
    both = inc + inc * 10.0   # one assign feeding two consumers
    with tf.Session(device=backend) as sess:
        sess.run(v.initializer)
        assert sess.run([both, inc]) == [11.0, 1.0]
        assert sess.run(v) == 1.0


def test_random_values_are_shared_within_a_run(backend):
    r = tf.random_uniform([3])
    with tf.Session(device=backend) as sess:
        a, b = sess.run([r, r + 0.0])
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, sess.run(r))
