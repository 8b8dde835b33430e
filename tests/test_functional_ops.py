"""tf.scan, tf.map_fn, tf.foldl, tf.foldr against TF 1.15: values (against numpy loops),
nested elements and results, static shapes, errors, and gradients against finite
differences, on every backend."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_gradients, run

R = np.random.RandomState(3)


def test_tutorial_scan_sums_a_sequence(backend, capsys):
    """The tutorial's scan example: fn is called once, on the loop's tensors."""
    def f(curr_state, x):
        print("curr_state:", curr_state)
        print("x:", x)
        return curr_state + x
    g = tf.Graph()
    with g.as_default():
        init_state = tf.constant(0.0, tf.float32, [], "init")
        seq = tf.constant([1.0, 2.0, 3.0], tf.float32, [3], "seq")
        scan_output = tf.scan(f, seq, initializer=init_state)
        last = scan_output[-1]
        g.finalize()
        with tf.Session(device=backend) as sess:
            out, out_last = sess.run([scan_output, last], {})
    assert str(out) == "[1. 3. 6.]" and out_last == 6.0
    # what TF 1.15 prints for the loop's tensors
    assert capsys.readouterr().out.splitlines() == [
        'curr_state: Tensor("scan/while/Identity_2:0", shape=(), dtype=float32)',
        'x: Tensor("scan/while/TensorArrayReadV3:0", shape=(), dtype=float32)']


def test_scan_values(backend):
    x = R.rand(5, 3)
    init = R.rand(3)
    fetches = [tf.scan(lambda a, e: a * 0.5 + e, x),
               tf.scan(lambda a, e: a * 0.5 + e, x, initializer=init),
               tf.scan(lambda a, e: a * 0.5 + e, x, reverse=True),
               tf.scan(lambda a, e: a * 0.5 + e, x, initializer=init, reverse=True)]
    got = run(backend, fetches)

    def ref(rows, acc=None):
        out = []
        for r in rows:
            acc = r if acc is None else acc * 0.5 + r
            out.append(acc)
        return np.array(out)
    np.testing.assert_allclose(got[0], ref(x))
    np.testing.assert_allclose(got[1], ref(x, init))
    np.testing.assert_allclose(got[2], ref(x[::-1])[::-1])
    np.testing.assert_allclose(got[3], ref(x[::-1], init)[::-1])


def test_scan_nested_elems_and_accumulators(backend):
    a, b = R.rand(4, 2), R.rand(4)
    init = (np.zeros(2), np.float64(1.0))

    def fn(acc, elems):
        total, prod = acc
        x, y = elems
        return total + x * y, prod * y
    totals, prods = run(backend, list(tf.scan(fn, (a, b), initializer=init)))
    np.testing.assert_allclose(totals, np.cumsum(a * b[:, None], axis=0))
    np.testing.assert_allclose(prods, np.cumprod(b))


def test_scan_static_and_dynamic_lengths(backend):
    assert tf.scan(lambda a, e: a + e, tf.zeros([4, 2])).shape.as_list() == [4, 2]
    p = tf.placeholder(tf.float32, [None, 2])
    out = tf.scan(lambda a, e: a + e, p)
    assert out.shape.as_list() == [None, 2]
    v = R.rand(3, 2).astype(np.float32)
    np.testing.assert_allclose(run(backend, out, {p: v}), np.cumsum(v, 0), rtol=1e-6)
    empty = tf.scan(lambda a, e: a + e, np.zeros((0, 3), np.float32),
                    initializer=np.zeros(3, np.float32))
    assert run(backend, empty).shape == (0, 3)


def test_map_fn_values(backend):
    x = R.rand(4, 3)
    ints = np.arange(5)
    got = run(backend, [
        tf.map_fn(lambda e: tf.reduce_sum(e * e), x),
        tf.map_fn(lambda e: tf.cast(e, tf.float32) / 2, ints, dtype=tf.float32),
        list(tf.map_fn(lambda e: (e[0] + e[1], e[0] * e[1]), (x, x[::-1]),
                       dtype=(tf.float64, tf.float64))),
        tf.map_fn(lambda e: e * 2, np.zeros((0, 3), np.float32))])
    np.testing.assert_allclose(got[0], np.sum(x * x, axis=1))
    np.testing.assert_allclose(got[1], ints / 2)
    np.testing.assert_allclose(got[2][0], x + x[::-1])
    np.testing.assert_allclose(got[2][1], x * x[::-1])
    assert got[3].shape == (0, 3)


def test_folds_values(backend):
    x = R.rand(5)
    m = R.rand(3, 2)
    got = run(backend, [tf.foldl(lambda a, e: a * 2 + e, x),
                        tf.foldr(lambda a, e: a * 2 + e, x),
                        tf.foldl(lambda a, e: a * 2 + e, x, initializer=np.float64(1.0)),
                        tf.foldr(lambda a, e: a - e, m, initializer=np.ones(2)),
                        tf.foldl(lambda a, e: a + e[0] * e[1], (x, x[::-1]),
                                 initializer=np.float64(0.0))])

    def fold(rows, acc=None):
        for r in rows:
            acc = r if acc is None else acc * 2 + r
        return acc
    np.testing.assert_allclose(got[0], fold(x))
    np.testing.assert_allclose(got[1], fold(x[::-1]))
    np.testing.assert_allclose(got[2], fold(x, 1.0))
    np.testing.assert_allclose(got[3], np.ones(2) - m.sum(axis=0))
    np.testing.assert_allclose(got[4], np.dot(x, x[::-1]))


def test_errors():
    with pytest.raises(TypeError, match="fn must be callable."):
        tf.map_fn(3, np.ones(3))
    with pytest.raises(TypeError, match="fn must be callable."):
        tf.scan(None, np.ones(3))
    with pytest.raises(ValueError, match="elems must be a 1\\+ dimensional Tensor, not a scalar"):
        tf.map_fn(lambda e: e, np.float32(1))
    with pytest.raises(ValueError, match="elements in elems must be 1\\+ dimensional Tensors"):
        tf.map_fn(lambda e: e, (np.float32(1), np.float32(2)))
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.scan(lambda a, e: (a, a), np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.map_fn(lambda e: (e, e), np.ones((2, 3), np.float32))


def test_fold_of_nothing_fails_as_tf(backend):
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Tried to read from index 0 but array size is: 0"):
        run(backend, tf.foldl(lambda a, e: a + e, np.zeros((0,), np.float32)))


# ---------------------------------------------------------------- gradients
def test_scan_gradient(backend):
    def fn(x, init, w):
        return tf.scan(lambda a, e: tf.tanh(a * w + e), x, initializer=init)
    check_gradients(fn, shapes=[(4, 3), (3,), (3,)], backend=backend)


def test_reverse_scan_without_initializer_gradient(backend):
    def fn(x):
        return tf.scan(lambda a, e: a * e + tf.sin(e), x, reverse=True)
    check_gradients(fn, shapes=[(4, 2)], backend=backend)


def test_map_fn_gradient_nested(backend):
    def fn(x, y):
        return tf.map_fn(lambda e: tf.reduce_sum(e[0] * tf.exp(e[1])), (x, y),
                         dtype=tf.float64)
    check_gradients(fn, shapes=[(3, 2), (3, 2)], backend=backend)


def test_folds_gradient(backend):
    def fn(x, init):
        left = tf.foldl(lambda a, e: a * tf.cos(e) + e, x, initializer=init)
        right = tf.foldr(lambda a, e: a * tf.cos(e) + e, x)
        return tf.stack([left, right])
    check_gradients(fn, shapes=[(4, 2), (2,)], backend=backend)


def test_nested_loops_gradient(backend):
    def fn(x, w):
        return tf.map_fn(lambda row: tf.scan(lambda a, e: tf.tanh(a * w + e), row), x)
    check_gradients(fn, shapes=[(3, 4), ()], backend=backend)


def test_no_back_prop():
    x = tf.placeholder(tf.float32, [3])
    out = tf.scan(lambda a, e: a + e, x, back_prop=False)
    assert tf.gradients(tf.reduce_sum(out), x) == [None]
