"""Loops at scale: 10,000 iterations forward and backward (no recursion, a record that
grows linearly), and the gradient of three nested loops, on both backends."""
import numpy as np

import tinygraph as tf
from gradcheck import check_gradients


def test_ten_thousand_iterations_forward_and_backward(backend):
    n = 10000
    x = tf.placeholder(tf.float64, [3])
    a = tf.constant(1.0001, tf.float64)

    def body(i, y):
        return i + 1, y * a + tf.sin(y) * 1e-4
    _, y = tf.while_loop(lambda i, y: i < n, body, [0, x])
    loss = tf.reduce_sum(y)
    grad, = tf.gradients(loss, x)
    xv = np.array([0.1, -0.2, 0.3])
    with tf.Session(device=backend) as sess:
        got_y, got_g = sess.run([y, grad], {x: xv})
    want_y, want_g = xv.copy(), np.ones(3)
    ys = []
    for _ in range(n):
        ys.append(want_y)
        want_y = want_y * 1.0001 + np.sin(want_y) * 1e-4
    for y_t in reversed(ys):
        want_g = want_g * (1.0001 + np.cos(y_t) * 1e-4)
    np.testing.assert_allclose(got_y, want_y, rtol=1e-10)
    np.testing.assert_allclose(got_g, want_g, rtol=1e-10)


def test_record_grows_linearly(backend):
    """The forward pass keeps one entry per iteration, holding only that iteration's
    loop variables (and nothing per iteration of the other loop variables' history)."""
    x = tf.placeholder(tf.float32, [4])
    for n in (10, 40):
        i, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, tf.tanh(y)), [0, x])
        tf.gradients(y, x)   # a gradient makes the loop keep its record
        with tf.Session(device=backend) as sess:
            # fetching the record directly: (inputs, stateful outputs) per step, and the finals
            record, finals = sess.run(y.op.outputs[2], {x: np.ones(4)})
        assert len(record) == n and finals[0] == n
        assert all(len(values) == 2 and values[1].shape == (4,) for values, _ in record)


def test_three_nested_loops_gradient(backend):
    def fn(x, w):
        def level3(k, z):
            return k + 1, tf.tanh(z * w)

        def level2(j, y):
            _, y = tf.while_loop(lambda k, z: k < 2, level3, [0, y])
            return j + 1, y + x

        def level1(i, v):
            _, v = tf.while_loop(lambda j, y: j < 2, level2, [0, v])
            return i + 1, tf.sin(v)
        _, out = tf.while_loop(lambda i, v: i < 3, level1, [0, x])
        return out
    check_gradients(fn, shapes=[(3,), (3,)], backend=backend)
