"""tf.while_loop and tf.cond against TF 1.15: values (against plain Python / numpy),
return structures, captured tensors, variables and placeholders inside loops and
branches, shape invariants, TF's errors, op names, and gradients (against central finite
differences), including loops and branches nested in each other and random ops inside,
on every backend."""
import collections
import re

import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_gradients, run

Pair = collections.namedtuple("Pair", "a b")


def numeric_grad(f, x, eps=1e-6):
    """Central finite differences of the scalar numpy function f at x (float64)."""
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += eps
        minus[idx] -= eps
        g[idx] = (f(plus) - f(minus)) / (2 * eps)
    return g


# ---------------------------------------------------------------- while_loop: values

def test_counting_loops_with_fed_limits_and_zero_iterations(backend):
    n = tf.placeholder(tf.int32, [])
    i, total = tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + i * i), [0, 0])
    # a condition that is not a counter: doubling a float until it passes a fed bound
    bound = tf.placeholder(tf.float32, [])
    x = tf.while_loop(lambda x: x < bound, lambda x: x * 2.0, [tf.constant(1.5)])
    with tf.Session(device=backend) as sess:
        for limit in (7, 1, 0, -3):
            got_i, got_s = sess.run([i, total], {n: limit})
            assert got_i == max(limit, 0) and got_s == sum(k * k for k in range(limit))
            assert got_i.dtype == np.int32
        assert sess.run(x, {bound: 100.0}) == 192.0
        assert sess.run(x, {bound: 1.0}) == 1.5   # never runs: the initial value


def test_zero_iterations_pass_values_and_gradients_through(backend):
    x = tf.placeholder(tf.float64, [3])
    w = tf.placeholder(tf.float64, [])
    _, y = tf.while_loop(lambda i, y: i < 0, lambda i, y: (i + 1, y * w), [0, x])
    gx, gw = tf.gradients(tf.reduce_sum(y * [1.0, 2.0, 3.0]), [x, w])
    xv = np.array([0.5, -1.0, 2.0])
    got = run(backend, [y, gx, gw], {x: xv, w: 3.0})
    np.testing.assert_array_equal(got[0], xv)
    np.testing.assert_array_equal(got[1], [1.0, 2.0, 3.0])
    assert got[2] == 0.0   # TF: the captured tensor's gradient is zero, not None


def test_nested_loop_variables(backend):
    """Tuples, lists, namedtuples and dicts as loop variables, nested in each other."""
    init = (tf.constant(0), [tf.constant(1.0), Pair(tf.constant(2.0), tf.constant([1, 2]))],
            {"u": tf.constant(3.0), "t": tf.constant(-1.0)})

    def cond(i, lst, d):
        return i < 4

    def body(i, lst, d):
        scale, p = lst
        return (i + 1, [scale * 2.0, Pair(p.a + scale, p.b * 2)],
                {"u": d["u"] - d["t"], "t": d["t"] * -1.0})
    out = tf.while_loop(cond, body, init)
    assert isinstance(out, tuple) and isinstance(out[1], list)
    assert isinstance(out[1][1], Pair) and sorted(out[2]) == ["t", "u"]
    got = run(backend, out)
    # plain Python
    i, scale, a, b, u, t = 0, 1.0, 2.0, np.array([1, 2]), 3.0, -1.0
    while i < 4:
        i, scale, a, b, u, t = i + 1, scale * 2, a + scale, b * 2, u - t, -t
    assert got[0] == i and got[1][0] == scale and got[1][1].a == a
    np.testing.assert_array_equal(got[1][1].b, b)
    assert got[2] == {"u": u, "t": t}


def test_return_structure_rules():
    """TF 1.15: one (flat) loop variable comes back as a tensor, unless
    return_same_structure; otherwise the body's structure is the one returned."""
    c = tf.constant(0)
    f = tf.constant(1.0)
    single = tf.while_loop(lambda x: x < 3, lambda x: x + 1, [c])
    assert isinstance(single, tf.Tensor)
    assert isinstance(tf.while_loop(lambda x: x < 3, lambda x: (x + 1,), [c]), tf.Tensor)
    same = tf.while_loop(lambda x: x < 3, lambda x: [x + 1], [c], return_same_structure=True)
    assert isinstance(same, list) and len(same) == 1 and isinstance(same[0], tf.Tensor)
    body_tuple = tf.while_loop(lambda x, y: x < 3, lambda x, y: (x + 1, y), [c, f])
    assert type(body_tuple) is tuple and len(body_tuple) == 2
    body_list = tf.while_loop(lambda x, y: x < 3, lambda x, y: [x + 1, y], (c, f))
    assert type(body_list) is list
    body_nt = tf.while_loop(lambda x, y: x < 3, lambda x, y: Pair(x + 1, y), [c, f])
    assert type(body_nt) is Pair and body_nt.b.dtype == tf.float32
    # one namedtuple loop variable (two tensors): a list holding the namedtuple
    nt = tf.while_loop(lambda p: p.a < 3, lambda p: [Pair(p.a + 1, p.b)], [Pair(c, f)])
    assert type(nt) is list and type(nt[0]) is Pair
    d = tf.while_loop(lambda d: d["a"] < 3, lambda d: [{"a": d["a"] + 1, "b": d["b"]}],
                      [{"a": c, "b": f}])
    assert type(d) is list and sorted(d[0]) == ["a", "b"]
    # a counter from maximum_iterations is not part of what comes back
    counted = tf.while_loop(lambda x, y: x < 3, lambda x, y: (x + 1, y), (c, f),
                            maximum_iterations=2)
    assert len(counted) == 2 and counted[1].dtype == tf.float32
    assert isinstance(tf.while_loop(lambda x: x < 3, lambda x: x + 1, [c],
                                    maximum_iterations=2), tf.Tensor)


def test_captured_tensors_placeholders_and_passthrough(backend):
    """Tensors from outside (constants, fed placeholders) used in the body and the
    condition; a body may return a loop variable unchanged or an outside tensor."""
    step = tf.placeholder(tf.float32, [2])
    limit = tf.placeholder(tf.float32, [])
    outside = tf.constant([7.0, 8.0])
    scale = tf.constant(2.0)

    def body(i, x, keep, last):
        return i + 1, x + step * scale, keep, outside
    i, x, keep, last = tf.while_loop(lambda i, x, keep, last: tf.reduce_sum(x) < limit, body,
                                     [0, tf.zeros([2]), tf.constant(5), tf.zeros([2])])
    with tf.Session(device=backend) as sess:
        for s, lim in ((np.array([1.0, 0.5]), 10.0), (np.array([0.25, 0.25]), 3.0)):
            got = sess.run([i, x, keep, last], {step: s, limit: lim})
            k, want = 0, np.zeros(2, np.float32)
            while want.sum() < lim:
                k, want = k + 1, want + s.astype(np.float32) * 2
            assert got[0] == k and got[2] == 5
            np.testing.assert_allclose(got[1], want, rtol=1e-6)
            np.testing.assert_array_equal(got[3], [7.0, 8.0])


def test_unknown_dims_fed_with_different_sizes(backend):
    x = tf.placeholder(tf.float64, [None])
    _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * 2.0 + 1.0), [0, x])
    assert y.shape.as_list() == [None]
    with tf.Session(device=backend) as sess:
        for size in (4, 1, 0, 6):
            xv = np.arange(size, dtype=np.float64)
            np.testing.assert_array_equal(sess.run(y, {x: xv}), xv * 8 + 7)


def test_variables_read_and_created_in_the_body(backend):
    outer_var = tf.Variable(3.0, name="scale")
    with tf.variable_scope("rnn"):
        def body(i, x):
            w = tf.get_variable("w", [2], initializer=tf.constant_initializer(0.5))
            return i + 1, x * w + outer_var
        _, y = tf.while_loop(lambda i, x: i < 3, body, [0, tf.ones([2])])
    names = [v.name for v in tf.global_variables()]
    assert names == ["scale:0", "rnn/w:0"]
    assert [v.name for v in tf.trainable_variables()] == names
    w = tf.global_variables()[1]
    assert w.graph is tf.get_default_graph() and w.op.graph is tf.get_default_graph()
    got = run(backend, y)
    want = np.ones(2)
    for _ in range(3):
        want = want * 0.5 + 3.0
    np.testing.assert_allclose(got, want, rtol=1e-6)
    with tf.variable_scope("rnn", reuse=True):   # the same variable, from outside
        assert tf.get_variable("w", [2]) is w


def test_variable_as_loop_variable(backend):
    v = tf.Variable(2.0)
    y = tf.while_loop(lambda y: y < 10.0, lambda y: y * 2.0, [v])
    g, = tf.gradients(y, v)
    assert run(backend, [y, g]) == [16.0, 8.0]


# ------------------------------------------------------- while_loop: shapes and errors

def test_shape_invariants_let_a_tensor_grow(backend):
    start = tf.placeholder(tf.float64, [1, 2], name="start")
    i, x = tf.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, tf.concat([x, x * 2.0], 0)),
                         [0, start], shape_invariants=[tf.TensorShape([]),
                                                       tf.TensorShape([None, 2])])
    assert x.shape.as_list() == [None, 2] and i.shape.as_list() == []
    # a nested structure of invariants, matching the loop variables
    # (one flat loop variable: TF returns the body's dict itself)
    d = tf.while_loop(lambda s: tf.shape(s["v"])[0] < 5,
                      lambda s: [{"v": tf.concat([s["v"], s["v"][:1]], 0)}],
                      [{"v": tf.constant([1.0])}],
                      shape_invariants=[{"v": tf.TensorShape([None])}])
    assert d["v"].shape.as_list() == [None]
    sv = np.array([[1.0, -2.0]])
    got = run(backend, [x, d["v"]], {start: sv})
    want = sv
    for _ in range(3):
        want = np.concatenate([want, want * 2])
    np.testing.assert_array_equal(got[0], want)
    np.testing.assert_array_equal(got[1], np.ones(5))
    # and the gradient through the growing concatenation
    check_gradients(lambda s: tf.while_loop(
        lambda i, x: i < 2, lambda i, x: (i + 1, tf.concat([x, tf.sin(x)], 0)), [0, s],
        shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, 2])])[1],
        shapes=[(1, 2)], backend=backend)


def test_shape_change_without_invariant_is_a_value_error():
    start = tf.zeros([1, 2], name="start")
    msg = ("Input tensor 'start:0' enters the loop with shape (1, 2), but has shape (2, 2) "
           "after one iteration. To allow the shape to vary across iterations, use the "
           "`shape_invariants` argument of tf.while_loop to specify a less-specific shape.")
    with pytest.raises(ValueError, match=re.escape(msg)):
        tf.while_loop(lambda x: tf.shape(x)[0] < 5, lambda x: tf.concat([x, x], 0), [start])
    # within a structure, the message still names the user's initial tensor
    with pytest.raises(ValueError, match=re.escape("Input tensor 'start:0' enters the loop")):
        tf.while_loop(lambda i, x: i < 5, lambda i, x: (i + 1, tf.concat([x, x], 0)),
                      [0, start], maximum_iterations=3)


def test_invariant_incompatible_with_the_initial_shape():
    start = tf.zeros([1, 2], name="start")
    for bad in ([None, 3], [None], [1, 2, 1]):
        msg = ("The shape invariant specified for start:0 is not compatible with the initial "
               "shape of the loop variable. It enters the loop with shape (1, 2), but the "
               f"specified shape invariant is {tf.TensorShape(bad)}.")
        with pytest.raises(ValueError, match=re.escape(msg)):
            tf.while_loop(lambda x: tf.shape(x)[0] < 5, lambda x: tf.concat([x, x], 0),
                          [start], shape_invariants=[tf.TensorShape(bad)])
    assert str(tf.TensorShape([None, 3])) == "(?, 3)"


def test_build_time_errors():
    y = tf.constant(1, name="yint")
    # TF 1.15 fails at run time (Merge's inputs differ); the same mistake, found earlier
    with pytest.raises(TypeError, match="yint:0"):
        tf.while_loop(lambda y: y < 5, lambda y: tf.cast(y, tf.float32), [y])
    with pytest.raises(TypeError):   # TF: LoopCond's input must be bool
        tf.while_loop(lambda y: y, lambda y: y + 1, [y])
    with pytest.raises(ValueError):  # TF: Shape must be rank 0 but is rank 1
        tf.while_loop(lambda y: tf.ones([2], tf.bool), lambda y: y + 1, [y])
    with pytest.raises(TypeError, match="cond must be callable"):
        tf.while_loop(True, lambda y: y, [y])
    with pytest.raises(TypeError, match="body must be callable"):
        tf.while_loop(lambda y: y < 1, None, [y])
    with pytest.raises(ValueError, match="nested structure"):
        tf.while_loop(lambda a, b: a < 1, lambda a, b: (a + 1,), [y, y])


def test_maximum_iterations_int_and_tensor(backend):
    m = tf.placeholder(tf.int32, [])
    fixed = tf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=7)
    fed = tf.while_loop(lambda i: i < 10, lambda i: i + 1, [0], maximum_iterations=m)
    x = tf.placeholder(tf.float64, [])
    # a condition that never ends the loop on its own
    y = tf.while_loop(lambda y: y > -1.0, lambda y: y * 1.5, [x], maximum_iterations=m)
    g, = tf.gradients(y, x)
    with tf.Session(device=backend) as sess:
        assert sess.run(fixed) == 7
        for limit in (13, 4, 0):
            assert sess.run(fed, {m: limit}) == min(limit, 10)
            got_y, got_g = sess.run([y, g], {m: limit, x: 2.0})
            assert got_y == 2.0 * 1.5 ** limit and np.isclose(got_g, 1.5 ** limit, rtol=1e-12)


def test_loop_options_are_accepted_and_back_prop_false_has_no_gradient(backend):
    x = tf.placeholder(tf.float64, [])
    kw = dict(parallel_iterations=1, swap_memory=True)
    _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * y), [0, x], **kw)
    _, frozen = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * y), [0, x],
                              back_prop=False, parallel_iterations=32)
    assert tf.gradients(frozen, x) == [None]   # as TF 1.15
    g, gsum = tf.gradients(y, x)[0], tf.gradients(frozen + x, x)[0]
    i, _ = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * 2.0), [0, x])
    assert tf.gradients(i, x) == [None]        # an int loop variable: no gradient
    got = run(backend, [y, frozen, g, gsum], {x: 1.1})
    assert got[0] == got[1] == ((1.1 ** 2) ** 2) ** 2
    np.testing.assert_allclose(got[2], 8 * 1.1 ** 7, rtol=1e-12)
    assert got[3] == 1.0
    with pytest.raises(TypeError, match="parallel_iterations"):
        tf.while_loop(lambda i: i < 3, lambda i: i + 1, [0], parallel_iterations=0)


def test_gradients_with_no_path_are_none(backend):
    """As TF 1.15: an input that no used output is computed from gets None, not zeros
    (an int loop variable, a tensor only the condition reads, an independent variable);
    an input the used output depends on through another loop variable gets a gradient."""
    x, w, bound = tf.constant(1.5), tf.constant(2.0), tf.constant(10.0)
    i, a, b, c = tf.while_loop(lambda i, a, b, c: tf.logical_and(i < 3, a < bound),
                               lambda i, a, b, c: (i + 1, a * w, b + a, c + 1.0),
                               [0, x, tf.constant(0.0), tf.constant(0.0)])
    assert tf.gradients(i, [x, w, bound]) == [None] * 3
    assert tf.gradients(c, [x, w, bound]) == [None] * 3
    assert tf.gradients(tf.stop_gradient(a) * 2.0, [x, w]) == [None] * 2
    ga = tf.gradients(a, [x, w, bound])
    gb = tf.gradients(b, [x, w, bound])
    assert ga[2] is None and gb[2] is None and None not in ga[:2] + gb[:2]
    # a loop's value computed from outputs through ints only: no gradient either
    assert tf.gradients(tf.cast(tf.cast(a, tf.int32), tf.float32), x) == [None]
    got = run(backend, ga[:2] + gb[:2])
    # three iterations (a is 6 < bound before the third): a = x w^3, b = x (1 + w + w^2)
    np.testing.assert_allclose(got, [8.0, 3 * 1.5 * 4.0, 7.0, 1.5 * (1 + 2 * 2.0)],
                               rtol=1e-6)
    # cond: a tensor neither branch's used output is computed from
    p = tf.placeholder(tf.bool, [])
    u, v = tf.cond(p, lambda: (x * 2.0, w * 3.0), lambda: (x + w, w))
    assert tf.gradients(u, [x, w]) != [None, None] and tf.gradients(v, x) == [None]


def test_loops_nested_in_loops(backend):
    """The inner loop's limit is the outer loop variable, and its body reads an outer loop
    variable and a placeholder captured from the outermost graph."""
    c = tf.placeholder(tf.float64, [])

    def outer(i, acc):
        def inner(j, s):
            return j + 1, s + tf.cast(j, tf.float64) * c + acc * 0.5
        _, s = tf.while_loop(lambda j, s: j < i, inner, [0, tf.constant(0.0, tf.float64)])
        return i + 1, acc + s
    _, acc = tf.while_loop(lambda i, acc: i < 5, outer, [0, tf.constant(1.0, tf.float64)])
    with tf.Session(device=backend) as sess:
        for cv in (2.0, -0.5):
            want = 1.0
            for i in range(5):
                s = 0.0
                for j in range(i):
                    s += j * cv + want * 0.5
                want += s
            np.testing.assert_allclose(sess.run(acc, {c: cv}), want, rtol=1e-12)


# ------------------------------------------------------------- while_loop: gradients

def test_gradient_wrt_initial_values_and_captured_tensors(backend):
    def fn(x, w, b):
        _, y = tf.while_loop(lambda i, y: i < 4,
                             lambda i, y: (i + 1, tf.tanh(y * w + b) + 0.5 * y), [0, x])
        return y
    check_gradients(fn, shapes=[(3,), (3,), ()], backend=backend)


def test_gradient_of_a_second_loop_variable_that_depends_on_the_first(backend):
    def fn(x, w):
        _, a, b = tf.while_loop(lambda i, a, b: i < 4,
                                lambda i, a, b: (i + 1, tf.sin(a * w), b + a * a),
                                [0, x, tf.zeros_like(x)])
        return b   # only b is used: a's gradient comes through b alone
    check_gradients(fn, shapes=[(2,), (2,)], backend=backend)


def _numpy_rnn_loss(W, U, xs, h0, weights):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(h @ W + xs[t] @ U)
    return np.sum(h * weights)


@pytest.mark.parametrize("make", ["outside", "get_variable_in_body"])
def test_rnn_gradients_wrt_variables(backend, make):
    """h = tanh(h W + x_t U) over 5 steps, x_t gathered from a captured tensor; the
    gradients w.r.t. the variables, the sequence and the initial state against finite
    differences of a numpy RNN; then one gradient-descent step through the loop."""
    rng = np.random.RandomState(3)
    T, B, D, H = 5, 2, 3, 4
    W0, U0 = rng.uniform(-0.6, 0.6, (H, H)), rng.uniform(-0.6, 0.6, (D, H))
    xs, h0, weights = rng.uniform(-1, 1, (T, B, D)), rng.uniform(-1, 1, (B, H)), \
        rng.uniform(-1, 1, (B, H))
    x = tf.constant(xs)
    h_init = tf.placeholder(tf.float64, [B, H])
    with tf.variable_scope("rnn"):
        if make == "outside":
            W = tf.get_variable("W", initializer=W0)
            U = tf.get_variable("U", initializer=U0)

        def body(t, h):
            if make == "outside":
                w, u = W, U
            else:
                w = tf.get_variable("W", initializer=W0)
                u = tf.get_variable("U", initializer=U0)
            return t + 1, tf.tanh(tf.matmul(h, w) + tf.matmul(tf.gather(x, t), u))
        _, h = tf.while_loop(lambda t, h: t < T, body, [0, h_init])
    variables = tf.trainable_variables()
    assert [v.name for v in variables] == ["rnn/W:0", "rnn/U:0"]
    loss = tf.reduce_sum(h * weights)
    grads = tf.gradients(loss, variables + [x, h_init])
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        got_loss, *got = sess.run([loss] + grads, {h_init: h0})
        sess.run(train, {h_init: h0})
        stepped = sess.run(variables)
    args = [W0, U0, xs, h0]
    np.testing.assert_allclose(got_loss, _numpy_rnn_loss(*args, weights), rtol=1e-12)
    for k in range(4):
        def f(a, k=k):
            return _numpy_rnn_loss(*(args[:k] + [a] + args[k + 1:]), weights)
        np.testing.assert_allclose(got[k], numeric_grad(f, args[k]), rtol=1e-6, atol=1e-8)
    rate = np.float64(np.float32(0.1))   # TF: a float32 learning rate, cast to the variable's
    np.testing.assert_allclose(stepped[0], W0 - rate * got[0], rtol=1e-12)
    np.testing.assert_allclose(stepped[1], U0 - rate * got[1], rtol=1e-12)


def test_nested_loops_gradient(backend):
    """The inner loop reads the outer loop's variable and a tensor captured from the
    outermost graph; gradients w.r.t. both the initial value and the captured tensor."""
    def fn(x, c):
        def outer(i, y):
            _, z = tf.while_loop(lambda j, z: j < i + 1,
                                 lambda j, z: (j + 1, tf.sin(z * c) + y * 0.3), [0, y])
            return i + 1, z
        _, y = tf.while_loop(lambda i, y: i < 3, outer, [0, x])
        return y
    check_gradients(fn, shapes=[(2,), (2,)], backend=backend)


def test_random_mask_in_body_gradient_matches_the_same_runs_forward(backend):
    """A dropout-like random mask drawn in every iteration: the gradient fetched in a run
    is the gradient of the function that run computed (its masks, fetched too, fixed),
    so the backward pass reuses the forward draws instead of drawing new ones."""
    n, d = 4, 3
    x = tf.placeholder(tf.float64, [d])
    w = tf.placeholder(tf.float64, [d])
    weights = np.array([0.3, -1.2, 0.8])

    def body(i, y, masks):
        keep = tf.cast(tf.random_uniform([d], dtype=tf.float64) < 0.5, tf.float64)
        return (i + 1, tf.tanh(y * w) * keep * 2.0 + 0.1 * y,
                tf.concat([masks, tf.reshape(keep, [1, d])], 0))
    _, y, masks = tf.while_loop(
        lambda i, y, m: i < n, body, [0, x, tf.zeros([0, d], tf.float64)],
        shape_invariants=[tf.TensorShape([]), tf.TensorShape([d]), tf.TensorShape([None, d])])
    loss = tf.reduce_sum(y * weights)
    gx, gw = tf.gradients(loss, [x, w])
    xv, wv = np.array([0.5, -0.4, 0.9]), np.array([1.3, 0.7, -0.8])

    def np_loss(xa, wa, m):
        ya = xa
        for t in range(n):
            ya = np.tanh(ya * wa) * m[t] * 2.0 + 0.1 * ya
        return np.sum(ya * weights)
    seen = []
    with tf.Session(device=backend) as sess:
        for _ in range(3):
            got_loss, got_gx, got_gw, m = sess.run([loss, gx, gw, masks], {x: xv, w: wv})
            assert m.shape == (n, d) and set(np.unique(m)) <= {0.0, 1.0}
            np.testing.assert_allclose(got_loss, np_loss(xv, wv, m), rtol=1e-12)
            np.testing.assert_allclose(got_gx, numeric_grad(lambda a: np_loss(a, wv, m), xv),
                                       rtol=1e-6, atol=1e-9)
            np.testing.assert_allclose(got_gw, numeric_grad(lambda a: np_loss(xv, a, m), wv),
                                       rtol=1e-6, atol=1e-9)
            seen.append(m)
    # the draws differ between runs (else the check above would prove little)
    assert any(not np.array_equal(seen[0], m) for m in seen[1:])


def test_the_backward_record_grows_linearly(backend):
    """A gradient makes the loop keep one entry per iteration, holding only that
    iteration's loop variables: 1000 iterations keep twice what 500 keep."""
    n = tf.placeholder(tf.int32, [])
    x = tf.placeholder(tf.float64, [2])
    _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, tf.sin(y) * 0.5 + y * 0.6),
                         [0, x])
    g, = tf.gradients(tf.reduce_sum(y), x)
    record = y.op.outputs[-1]
    xv = np.array([0.3, -0.7])
    sizes = []
    with tf.Session(device=backend) as sess:
        for steps in (500, 1000):
            got_y, got_g, (history, finals) = sess.run([y, g, record], {x: xv, n: steps})
            assert len(history) == steps and finals[0] == steps
            sizes.append(sum(np.asarray(a).nbytes for values, extra in history
                             for a in list(values) + list(extra)))
    assert sizes[1] == 2 * sizes[0] and sizes[0] <= 500 * (4 + 16)
    want_y, ys = xv, []
    for _ in range(1000):
        ys.append(want_y)
        want_y = np.sin(want_y) * 0.5 + want_y * 0.6
    want_g = np.ones(2)
    for yt in reversed(ys):
        want_g = want_g * (np.cos(yt) * 0.5 + 0.6)
    np.testing.assert_allclose(got_y, want_y, rtol=1e-10)
    np.testing.assert_allclose(got_g, want_g, rtol=1e-9, atol=1e-300)


# -------------------------------------------------------------------------- cond

def test_cond_both_branches_with_different_captures(backend):
    p = tf.placeholder(tf.bool, [])
    a = tf.placeholder(tf.float32, [2])
    b = tf.constant([10.0, 20.0])
    r = tf.cond(p, lambda: a * 2.0, lambda: b - 1.0)
    with tf.Session(device=backend) as sess:
        np.testing.assert_array_equal(sess.run(r, {p: True, a: [1, 2]}), [2, 4])
        np.testing.assert_array_equal(sess.run(r, {p: False, a: [1, 2]}), [9, 19])
        # a pred computed in the graph, and a branch returning an outside tensor as is
        q = tf.cond(tf.reduce_sum(a) > 0, lambda: b, lambda: a)
        np.testing.assert_array_equal(sess.run(q, {a: [1, 2]}), [10, 20])
        np.testing.assert_array_equal(sess.run(q, {a: [-1, -2]}), [-1, -2])


def test_cond_nested_structures_and_strict(backend):
    p = tf.placeholder(tf.bool, [])
    x = tf.constant(3.0)

    def branch(k):
        return lambda: {"n": tf.constant(k), "pair": Pair(x * k, [x + k, tf.constant([k] * 2)])}
    out = tf.cond(p, branch(1), branch(2))
    assert sorted(out) == ["n", "pair"] and type(out["pair"]) is Pair
    assert type(out["pair"].b) is list
    single = tf.cond(p, lambda: [x], lambda: [x * 2])
    strict = tf.cond(p, lambda: [x], lambda: [x * 2], strict=True)
    assert isinstance(single, tf.Tensor) and type(strict) is list and len(strict) == 1
    with tf.Session(device=backend) as sess:
        for pv, k in ((True, 1), (False, 2)):
            got = sess.run([out, single, strict], {p: pv})
            assert got[0]["n"] == k and got[0]["pair"].a == 3.0 * k
            assert got[0]["pair"].b[0] == 3.0 + k
            np.testing.assert_array_equal(got[0]["pair"].b[1], [k, k])
            assert got[1] == 3.0 * k and got[2] == [3.0 * k]


def test_cond_branches_of_different_shapes(backend):
    p = tf.placeholder(tf.bool, [])
    r = tf.cond(p, lambda: tf.zeros([2, 3]), lambda: tf.ones([4, 3]))
    assert r.shape.as_list() == [None, 3]
    with tf.Session(device=backend) as sess:
        assert sess.run(r, {p: True}).shape == (2, 3)
        np.testing.assert_array_equal(sess.run(r, {p: False}), np.ones((4, 3)))


@pytest.mark.parametrize("taken", [True, False])
def test_cond_gradients_wrt_tensors_captured_by_one_or_both_branches(backend, taken):
    def fn(x, a, b):
        pred = tf.reduce_sum(x) > 0   # fixed under small perturbations
        return tf.cond(pred, lambda: tf.sin(x * a) + a * a,
                       lambda: tf.exp(x) * b + x * x)
    rng = np.random.RandomState(5)
    xv = rng.uniform(0.2, 1.0, 3) * (1 if taken else -1)
    grads = check_gradients(fn, inputs=[xv, rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 3)],
                            backend=backend)
    untouched = grads[2] if taken else grads[1]
    np.testing.assert_array_equal(untouched, np.zeros(3))   # the other branch: zeros


def test_cond_gradient_of_an_untaken_capture_is_zeros_not_none(backend):
    p = tf.placeholder(tf.bool, [])
    a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    ga, gb = tf.gradients(tf.cond(p, lambda: a * 2.0, lambda: b * 3.0), [a, b])
    assert ga is not None and gb is not None   # as TF 1.15
    with tf.Session(device=backend) as sess:
        np.testing.assert_array_equal(sess.run([ga, gb], {p: True}), [[2, 2], [0, 0]])
        np.testing.assert_array_equal(sess.run([ga, gb], {p: False}), [[0, 0], [3, 3]])


def test_cond_inside_while_loop(backend):
    def fn(x, w):
        def body(i, y):
            y = tf.cond(tf.equal(i % 2, 0), lambda: tf.tanh(y * w), lambda: tf.sin(y) + w)
            return i + 1, y
        return tf.while_loop(lambda i, y: i < 5, body, [0, x])[1]
    check_gradients(fn, shapes=[(3,), (3,)], backend=backend)
    x, w = tf.constant([0.2, -0.3, 0.5], tf.float64), tf.constant(1.5, tf.float64)
    got = run(backend, fn(x, w))
    want = np.array([0.2, -0.3, 0.5])
    for i in range(5):
        want = np.tanh(want * 1.5) if i % 2 == 0 else np.sin(want) + 1.5
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("taken", [True, False])
def test_while_loop_inside_cond(backend, taken):
    def fn(x, w):
        def looping():
            return tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, tf.sin(y * w)),
                                 [0, x])[1]
        pred = tf.reduce_sum(w) > 0
        return tf.cond(pred, looping, lambda: x * w) if taken else \
            tf.cond(pred, lambda: x * w, looping)
    check_gradients(fn, shapes=[(2,), (2,)], backend=backend)


def test_random_op_in_a_branch_gradient_uses_the_forward_draw(backend):
    x = tf.placeholder(tf.float64, [3])
    p = tf.placeholder(tf.bool, [])

    def noisy():
        u = tf.random_uniform([3], dtype=tf.float64)
        return x * u, u
    r, u = tf.cond(p, noisy, lambda: (x * 2.0, tf.zeros([3], tf.float64)))
    g, = tf.gradients(tf.reduce_sum(r), x)
    with tf.Session(device=backend) as sess:
        draws = []
        for _ in range(2):
            got_u, got_g = sess.run([u, g], {x: np.ones(3), p: True})
            np.testing.assert_array_equal(got_g, got_u)
            draws.append(got_u)
        assert not np.array_equal(*draws)
        np.testing.assert_array_equal(sess.run(g, {x: np.ones(3), p: False}), [2, 2, 2])


def test_only_the_taken_branch_runs(backend):
    p = tf.placeholder(tf.bool, [])
    bad = tf.placeholder(tf.float32, [1])
    r = tf.cond(p, lambda: tf.check_numerics(bad, "boom") + 1.0, lambda: tf.constant([1.0]))
    # a random op in the branch not taken does not draw: its stream does not advance
    tf.set_random_seed(3)
    draw = tf.cond(p, lambda: tf.random_uniform([2]), lambda: tf.zeros([2]))
    with tf.Session(device=backend) as sess:
        assert sess.run(r, {p: False, bad: [np.nan]}) == 1.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="boom"):
            sess.run(r, {p: True, bad: [np.nan]})
        skipped = [sess.run(draw, {p: v}) for v in (False, False, True, True)]
    with tf.Session(device=backend) as sess:
        fresh = [sess.run(draw, {p: True}) for _ in range(2)]
    np.testing.assert_array_equal(skipped[0], [0, 0])
    np.testing.assert_array_equal(skipped[2:], fresh)
    assert not np.array_equal(*fresh)


def test_assign_in_a_branch_runs_only_when_taken(backend):
    p = tf.placeholder(tf.bool, [])
    counter = tf.Variable(0)
    bumped = tf.cond(p, lambda: tf.assign_add(counter, 1), lambda: tf.identity(counter))
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        assert [sess.run(bumped, {p: v}) for v in (True, False, True, False)] == [1, 1, 2, 2]
        assert sess.run(counter) == 2


def test_assign_in_a_loop_body(backend):
    """A variable updated in every iteration: the update reaches the variable, and the
    loop reads its new value in the next iteration."""
    total = tf.Variable(0.0)
    x = tf.placeholder(tf.float32, [])

    def body(i, seen):
        with tf.control_dependencies([tf.assign_add(total, x)]):
            return i + 1, seen + tf.identity(total)
    _, seen = tf.while_loop(lambda i, s: i < 3, body, [0, 0.0])
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(seen, {x: 2.0}) == 2.0 + 4.0 + 6.0
        assert sess.run(total) == 6.0


def test_cond_errors():
    p = tf.placeholder(tf.bool, [])
    one, two = tf.constant(1), tf.constant(2)
    with pytest.raises(TypeError, match="pred must not be a Python bool"):
        tf.cond(True, lambda: one, lambda: two)
    with pytest.raises(ValueError, match=re.escape(
            "Outputs of true_fn and false_fn must have the same type: int32, float32")):
        tf.cond(p, lambda: one, lambda: tf.constant(2.0))
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.cond(p, lambda: (one, two), lambda: one)
    with pytest.raises(TypeError, match="same sequence type"):   # TF: a tuple is no list
        tf.cond(p, lambda: (one, two), lambda: [one, two])
    with pytest.raises(ValueError):   # TF: Shape must be rank 0 but is rank 1
        tf.cond(tf.placeholder(tf.bool, [2]), lambda: one, lambda: two)
    with pytest.raises(TypeError):    # TF: Input 'pred' of 'Switch' Op has type int32
        tf.cond(tf.placeholder(tf.int32, []), lambda: one, lambda: two)
    with pytest.raises(TypeError, match=re.escape("cond(): false_fn argument required")):
        tf.cond(p, lambda: one)
    with pytest.raises(TypeError, match="true_fn must be callable"):
        tf.cond(p, one, lambda: two)


# ------------------------------------------------------------------------ op names

def test_op_names():
    def body(x):
        return tf.add(x, 1, name="inc")
    first = tf.while_loop(lambda x: x < 3, body, [tf.constant(0)])
    assert first.name == "while:0"
    assert first.op.type == "While" and first.op.name == "while"
    foo = tf.while_loop(lambda x: x < 3, body, [tf.constant(0)], name="foo")
    assert foo.name == "foo:0"
    inside = [op.name for op in foo.op.attrs["graph"].get_operations()]
    assert "foo/inc" in inside and all(n.startswith("foo/") for n in inside)
    again = tf.while_loop(lambda x: x < 3, body, [tf.constant(0)], name="foo")
    assert again.name == "foo_1:0"
    assert "foo_1/inc" in [op.name for op in again.op.attrs["graph"].get_operations()]
    pair = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y), [0, 1.0], name="foo")
    assert [t.name for t in pair] == ["foo_2:0", "foo_2:1"]
    with tf.name_scope("outer"):
        assert tf.while_loop(lambda x: x < 3, body, [0]).name == "outer/while:0"

    p = tf.placeholder(tf.bool, [])
    seen = []

    def branch():
        seen.append(tf.add(1, 2, name="inside").name)
        return tf.constant(1)
    c = tf.cond(p, branch, branch)
    assert c.name == "cond:0" and c.op.type == "If"
    assert seen == ["cond/inside:0", "cond/inside_1:0"]
    named = tf.cond(p, lambda: tf.constant(1), lambda: tf.constant(2), name="bar")
    assert named.name == "bar:0"
    multi = tf.cond(p, lambda: (one_of(1), one_of(2)), lambda: (one_of(3), one_of(4)))
    assert [t.name for t in multi] == ["cond_1:0", "cond_1:1"]


def one_of(k):
    return tf.constant(k)
