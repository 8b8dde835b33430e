"""tf.gradients: connectivity (None for unconnected and integer paths), grad_ys, several
ys, stop_gradient and stop_gradients, variables, fan-out accumulation, names under
"gradients/", and gradients of gradients."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_gradients, run

rng = np.random.RandomState(3)


def test_simple_gradients_against_closed_forms(backend):
    a = tf.constant(2.0)
    b = a * a
    got = run(backend, [tf.gradients(b, a)[0], tf.gradients(b * a, a)[0],
                        tf.gradients(tf.exp(b), a)[0]])
    np.testing.assert_allclose(got, [4.0, 12.0, 4.0 * np.exp(4.0)], rtol=1e-6)


def test_unconnected_gradients_are_none_or_zero(backend):
    x = tf.placeholder(tf.float32, [3])
    c = tf.constant(1.0)
    later = x * 2.0
    y = tf.reduce_sum(x * x)
    assert tf.gradients(y, c) == [None]
    assert tf.gradients(y, later) == [None]   # downstream of y's inputs, not upstream of y
    gx, gc = tf.gradients(y, [x, c])
    assert gx is not None and gc is None
    zero = tf.gradients(y, [c, x], unconnected_gradients="zero")
    assert zero[0] is not None and zero[0].dtype == tf.float32
    got = run(backend, zero, {x: [1.0, 2.0, 3.0]})
    assert got[0] == 0.0
    np.testing.assert_array_equal(got[1], [2, 4, 6])


def test_gradient_of_integer_paths_is_none():
    i = tf.constant([1, 2])
    f = tf.cast(i, tf.float32) * 2.0
    assert tf.gradients(f, i) == [None]
    assert tf.gradients(i * 2, i) == [None]
    q = tf.constant([1.0, 2.0])
    assert tf.gradients(tf.cast(tf.argmax(q), tf.float32), q) == [None]
    assert tf.gradients(tf.reduce_sum(tf.cast(q > 1.0, tf.float32)), q) == [None]
    # A float path beside an integer one still gives the float part.
    mixed = tf.reduce_sum(q * 3.0 + tf.cast(tf.cast(q, tf.int32), tf.float32))
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.gradients(mixed, q)[0]), [3.0, 3.0])


def test_grad_ys(backend):
    a = tf.constant([1.0, 2.0])
    b = a * a
    g1 = tf.gradients(b, a, grad_ys=tf.constant([10.0, 100.0]))[0]
    g2 = tf.gradients([b, a], [a], grad_ys=[[2.0, 2.0], [3.0, 3.0]])[0]
    g3 = tf.gradients(b, a, grad_ys=np.array([-1.0, 1.0]))[0]   # converted to b's dtype
    got = run(backend, [g1, g2, g3])
    np.testing.assert_array_equal(got[0], [20.0, 400.0])
    np.testing.assert_array_equal(got[1], [7.0, 11.0])   # 2 * 2a + 3
    np.testing.assert_array_equal(got[2], [-2.0, 4.0])
    with pytest.raises(ValueError, match="Passed 2 grad_ys for 1 ys"):
        tf.gradients(b, a, grad_ys=[1.0, 2.0])   # a list is one grad_y per y


def test_grad_ys_with_unknown_shape(backend):
    x = tf.placeholder(tf.float64, [None])
    y = tf.sin(x)
    dy = tf.placeholder(tf.float64, [None])
    g = tf.gradients(y, x, grad_ys=dy)[0]
    ones = tf.gradients(y, x)[0]   # the default grad_ys: ones of y's run-time shape
    v, d = rng.randn(4), rng.randn(4)
    got = run(backend, [g, ones], {x: v, dy: d})
    np.testing.assert_allclose(got[0], d * np.cos(v), rtol=1e-12)
    np.testing.assert_allclose(got[1], np.cos(v), rtol=1e-12)


def test_multiple_ys_are_summed(backend):
    a = tf.constant(2.0)
    got = run(backend, tf.gradients([a * a, a * 3.0, tf.square(a) * a], a)[0])
    assert got == pytest.approx(4.0 + 3.0 + 12.0)


def test_several_xs_and_repeated_x(backend):
    a, b = tf.constant(2.0), tf.constant(5.0)
    y = a * b + a
    ga, gb, ga2 = tf.gradients(y, [a, b, a])
    assert run(backend, [ga, gb, ga2]) == [6.0, 2.0, 6.0]
    assert run(backend, tf.gradients(a, a)) == [1.0]   # dy/dy is ones
    assert run(backend, tf.gradients(a, [a, a])) == [1.0, 1.0]


def test_fan_out_accumulates(backend):
    x = tf.placeholder(tf.float64, [3])
    h = tf.tanh(x)
    y = tf.reduce_sum(h * h) + tf.reduce_sum(h) + tf.reduce_sum(3.0 * h)
    g = tf.gradients(y, x)[0]
    v = rng.randn(3)
    t = np.tanh(v)
    np.testing.assert_allclose(run(backend, g, {x: v}), (2 * t + 4) * (1 - t * t), rtol=1e-12)
    assert "AddN" in [op.type for op in tf.get_default_graph().get_operations()
                      if op.name.startswith("gradients/")]


def test_stop_gradient_op(backend):
    a = tf.constant(2.0)
    b = a * a
    s = tf.stop_gradient(b)
    assert s.op.type == "StopGradient" and s.op.name == "StopGradient"
    assert tf.gradients(s, a) == [None]
    got = run(backend, [tf.gradients(b + s * a, a)[0], s])
    assert got == [8.0, 4.0]   # 2a + s, with s held constant; s's value passes through


def test_stop_gradients_argument(backend):
    a = tf.constant(2.0)
    b = a * a
    y = b * a
    assert run(backend, tf.gradients(y, a, stop_gradients=[b])[0]) == 4.0   # b treated as const
    assert run(backend, tf.gradients(y, a, stop_gradients=b)[0]) == 4.0
    assert run(backend, tf.gradients(y, a)[0]) == 12.0
    assert run(backend, tf.gradients(y, b, stop_gradients=[b])[0]) == 2.0   # a stopped x
    assert run(backend, tf.gradients(y, [a, b], stop_gradients=[a, b])) == [4.0, 2.0]


def test_gradient_through_variable_reads(backend):
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    x = tf.constant([[1.0, -1.0]])
    y = tf.reduce_sum(tf.matmul(x, w) ** 2)
    g_var, g_read = tf.gradients(y, [w, w.value()])
    g_fresh = tf.gradients(tf.reduce_sum(w.read_value() * 2.0), w)[0]
    with tf.Session(device=backend) as sess:
        sess.run(w.initializer)
        want = 2 * np.outer([1.0, -1.0], np.array([[1.0, -1.0]]) @ np.array([[1, 2], [3, 4]]))
        np.testing.assert_allclose(sess.run(g_var), want)
        np.testing.assert_allclose(sess.run(g_read), want)
        np.testing.assert_allclose(sess.run(g_fresh), np.full((2, 2), 2.0))
        sess.run(w.assign([[0.0, 0.0], [1.0, 1.0]]))   # gradients see the current value
        want = 2 * np.outer([1.0, -1.0], np.array([[1.0, -1.0]]) @ np.array([[0, 0], [1, 1]]))
        np.testing.assert_allclose(sess.run(g_var), want)


def test_gradient_names():
    g = tf.get_default_graph()
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable([[1.0], [2.0]], name="w")
    y = tf.reduce_sum(tf.tanh(tf.matmul(x, w)))
    n = len(g.get_operations())
    gx, gw = tf.gradients(y, [x, w])
    new = [op.name for op in g.get_operations()[n:]]
    assert all(name.startswith("gradients/") for name in new)
    assert new[:3] == ["gradients/Shape", "gradients/grad_ys_0", "gradients/Fill"]
    assert "gradients/Tanh_grad/TanhGrad" in new
    assert gx.name == "gradients/MatMul_grad/MatMul:0"
    assert gw.name == "gradients/MatMul_grad/MatMul_1:0"
    assert tf.gradients(y, w, name="mygrads")[0].name == "mygrads/MatMul_grad/MatMul_1:0"
    assert tf.gradients(y, w)[0].name == "gradients_1/MatMul_grad/MatMul_1:0"
    with tf.name_scope("outer"):
        assert tf.gradients(y, w)[0].name.startswith("outer/gradients/")


def test_missing_gradient_raises_lookup_error():
    from tinygraph.framework.graph import make_tensor
    from tinygraph.framework.registry import OpDef

    class NoGradientSquare(OpDef):   # declares no gradient and is not marked otherwise
        type = "TestNoGradientSquare"

        def infer(op):
            return op.inputs[0].shape, op.inputs[0].dtype

        def numpy(x):
            return x * x
    x = tf.constant([1.0, 2.0])
    y = make_tensor("TestNoGradientSquare", [x], name="sq")
    with pytest.raises(LookupError, match="No gradient defined for operation 'sq' "
                                          "\\(op type: TestNoGradientSquare\\)"):
        tf.gradients(tf.reduce_sum(y), x)


def test_gradients_with_respect_to_intermediate_tensors(backend):
    x = tf.placeholder(tf.float64, [2])
    h = x * 3.0
    y = tf.reduce_sum(tf.sin(h))
    gh, gx = tf.gradients(y, [h, x])
    v = rng.randn(2)
    got = run(backend, [gh, gx], {x: v})
    np.testing.assert_allclose(got[0], np.cos(3 * v), rtol=1e-12)
    np.testing.assert_allclose(got[1], 3 * np.cos(3 * v), rtol=1e-12)


def test_gradient_ignores_control_dependencies(backend):
    x = tf.constant(3.0)
    side = tf.Variable(0.0)
    with tf.control_dependencies([tf.assign_add(side, 1.0)]):
        y = tf.identity(x * x)
    g = tf.gradients(y, x)[0]
    with tf.Session(device=backend) as sess:
        sess.run(side.initializer)
        assert sess.run(g) == 6.0
        assert sess.run(side) == 0.0   # the gradient does not need the side effect


def test_gradient_of_gradient_is_a_graph(backend):
    x = tf.placeholder(tf.float64, [3])
    y = tf.reduce_sum(x ** 3.0)
    g = tf.gradients(y, x)[0]
    h = tf.gradients(tf.reduce_sum(g), x)[0]
    v = rng.uniform(0.5, 2, 3)
    got = run(backend, [g, h], {x: v})
    np.testing.assert_allclose(got[0], 3 * v ** 2, rtol=1e-12)
    np.testing.assert_allclose(got[1], 6 * v, rtol=1e-12)


def test_composite_gradient_against_finite_differences(backend):
    def f(a, b):
        h = tf.tanh(tf.matmul(a, b))
        return tf.reduce_mean(h * h, 1, keepdims=True) / (1.0 + tf.reduce_max(tf.abs(b)))
    check_gradients(f, [rng.randn(3, 4), rng.randn(4, 5) + 0.1], backend=backend)
