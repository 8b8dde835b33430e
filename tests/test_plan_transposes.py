"""Transposes wait until something needs the transposed layout (copies.Transposed):
elementwise ops on values transposed alike run untransposed, a reduction reads the
untransposed value, a transpose back is no copy at all, and a loop's gradient rows that
are an elementwise function of saved values are computed by the step that reads them.
Values against the numpy backend and numpy; copies counted in the OpenCL plan."""
import numpy as np

import tinygraph as tf
from tinygraph.runtime.opencl.units import KernelUnit

from test_loop_unrolling import assert_same, run
from test_opencl_plan_memory import rnn_gradients

RNG = np.random.RandomState(4)
X = RNG.randn(4, 5, 6).astype(np.float32)
OTHER, ROW = RNG.randn(5, 4, 6).astype(np.float32), RNG.randn(6).astype(np.float32)


def copies(plan):
    return [u for u in plan.units if isinstance(u, KernelUnit) and "copy" in u.name]


def both(build):
    """The OpenCL values (checked against the numpy backend's) and the OpenCL plan."""
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want)
    return got, plan


def on_x(fn):
    def build():
        x = tf.placeholder(tf.float32, X.shape)
        return fn(x), {x: X}
    return build


def test_a_mean_of_squares_of_a_transpose_and_its_gradient_copy_nothing():
    def fn(x):
        loss = tf.reduce_mean(tf.square(tf.transpose(x, [1, 0, 2])))
        return [loss] + tf.gradients(loss, [x])
    got, plan = both(on_x(fn))
    np.testing.assert_allclose(got[0], np.mean(X ** 2), rtol=1e-5)
    np.testing.assert_allclose(got[1], 2 * X / X.size, rtol=1e-5)
    assert copies(plan) == []


def test_an_elementwise_result_read_transposed_is_copied_once():
    """tanh(transpose(x)) * 3 - 1: one kernel untransposed, then one copy of its result
    (not a copy of x, then the kernel)."""
    got, plan = both(on_x(lambda x: [tf.tanh(tf.transpose(x, [2, 0, 1])) * 3.0 - 1.0]))
    np.testing.assert_allclose(got[0], np.tanh(X.transpose(2, 0, 1)) * 3 - 1, rtol=1e-5,
                               atol=1e-6)
    assert len(copies(plan)) == 1


def test_transposes_compose():
    def fn(x):
        there = tf.transpose(x, [1, 2, 0])
        back = tf.transpose(tf.sin(there), [2, 0, 1])      # the identity: no copy
        twice = tf.transpose(there, [1, 2, 0])             # x's axes as [2, 0, 1]
        return [back + 1.0, twice]
    got, plan = both(on_x(fn))
    np.testing.assert_allclose(got[0], np.sin(X) + 1, rtol=1e-5)
    np.testing.assert_array_equal(got[1], X.transpose(2, 0, 1))
    assert len(copies(plan)) == 1


def test_operands_transposed_unlike_or_not_at_all_are_copied_first():
    def fn(x):
        y = tf.transpose(x, [1, 0, 2])                       # [5, 4, 6]
        other = tf.placeholder_with_default(OTHER, OTHER.shape)   # not transposed
        row = tf.constant(ROW)                                     # a broadcast row
        z = tf.transpose(tf.transpose(x, [0, 2, 1]), [2, 0, 1])   # [5, 4, 6] another way
        return [y * other, y + row, y - z]
    got, _ = both(on_x(fn))
    y = X.transpose(1, 0, 2)
    np.testing.assert_allclose(got[0], y * OTHER, rtol=1e-6)
    np.testing.assert_allclose(got[1], y + ROW, rtol=1e-6)
    np.testing.assert_allclose(got[2], y - X.transpose(0, 2, 1).transpose(2, 0, 1))


def test_reductions_of_a_transpose():
    """Kept axes in their untransposed order: the untransposed value is reduced, no
    copy; else the transpose is copied and reduced as before."""
    def fn(x):
        y = tf.transpose(x, [1, 0, 2])
        w = tf.transpose(x, [2, 1, 0])
        return [tf.reduce_sum(y, axis=0), tf.reduce_max(tf.exp(y), axis=[0, 2]),
                tf.reduce_mean(y, axis=2, keepdims=True), tf.reduce_sum(w, axis=1)]
    got, plan = both(on_x(fn))
    y, w = X.transpose(1, 0, 2), X.transpose(2, 1, 0)
    np.testing.assert_allclose(got[0], y.sum(0), rtol=1e-5)
    np.testing.assert_allclose(got[1], np.exp(y).max((0, 2)), rtol=1e-5)
    np.testing.assert_allclose(got[2], y.mean(2, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(got[3], w.sum(1), rtol=1e-5)
    assert len(copies(plan)) == 2   # mean(y, axis=2) keeps (5, 4); sum(w, axis=1) (6, 4)


def test_a_transposed_value_with_several_readers_is_computed_once():
    def fn(x):
        t = tf.transpose(tf.tanh(x), [1, 0, 2])
        return [t * 2.0, t + 1.0, t, tf.reduce_sum(t)]
    got, plan = both(on_x(fn))
    t = np.tanh(X).transpose(1, 0, 2)
    for g, w in zip(got, [t * 2, t + 1, t, t.sum()]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    tanh = [u for u in plan.units if isinstance(u, KernelUnit) and "tanh" in u.name]
    assert len(tanh) == 1


def test_a_loop_reads_a_transposed_value():
    def fn(x):
        y = tf.transpose(x, [1, 0, 2]) * 2.0                 # [5, 4, 6], not copied yet

        def body(i, acc):
            return i + 1, acc + tf.sigmoid(y[i])
        _, total = tf.while_loop(lambda i, acc: i < 5, body, [0, tf.zeros([4, 6])])
        return [total] + tf.gradients(tf.reduce_sum(total ** 2), [x])
    got, _ = both(on_x(fn))
    s = 1 / (1 + np.exp(-2 * X))
    np.testing.assert_allclose(got[0], s.sum(1), rtol=1e-5)
    np.testing.assert_allclose(got[1], 2 * got[0][:, None, :] * s * (1 - s) * 2, rtol=1e-4)


def test_dynamic_rnn_outputs_gradient_is_computed_by_each_step():
    """mean(square(outputs)) of a dynamic_rnn: its gradient with respect to the outputs,
    2 h_t / n, is not a [T, B, H] value of its own. The plan holds two buffers of that
    size (the states h, the pre-activation gradients) where it held four: the
    batch-major outputs, the gradient and the gradient made time-major are gone."""
    T, B, I, H = 40, 4, 3, 5
    got, plan, _ = run("opencl", rnn_gradients(T, B, I, H))
    want, _, _ = run("numpy", rnn_gradients(T, B, I, H))
    assert_same(got, want)
    block = T * B * H * 4
    assert len({id(b) for b in plan.buffers.values() if b.size == block}) == 2
    assert copies(plan) == []   # x is fed time-major: the host transposes it
    assert list(plan.feed_perms.values()) == [(1, 0, 2)]   # (small: see GATHER_BYTES)


def test_a_pending_gradient_row_with_other_terms():
    """The array's gradient has two terms per row (stacked twice): rows summed, then read."""
    def build():
        x = tf.placeholder(tf.float32, [6, 3])
        ta = tf.TensorArray(tf.float32, size=6)

        def body(i, ta):
            return i + 1, ta.write(i, tf.tanh(x[i]) * tf.cast(i + 1, tf.float32))
        _, ta = tf.while_loop(lambda i, ta: i < 6, body, [0, ta])
        stacked = tf.transpose(ta.stack(), [1, 0])
        loss = tf.reduce_mean(tf.square(stacked)) + tf.reduce_sum(ta.gather([2, 0]) * 3.0)
        return [loss] + tf.gradients(loss, [x]), {x: X.reshape(-1)[:18].reshape(6, 3)}
    got, _ = both(build)
    x = X.reshape(-1)[:18].reshape(6, 3)
    k = np.arange(1, 7, dtype=np.float32)[:, None]
    v = np.tanh(x) * k
    d = 2 * v / v.size
    d[[2, 0]] += 3
    np.testing.assert_allclose(got[1], d * k * (1 - np.tanh(x) ** 2), rtol=1e-5)


def test_a_feed_read_only_through_a_transpose_is_fed_transposed():
    """A fed value whose one reader is a transpose that must be laid out (here by a
    reshape and a matmul) is fed in the transposed layout: the host transposes it as it
    copies it in, and no kernel copies it. Fed again with other values, the same. A feed
    also read as it is keeps its layout and the transpose is copied."""
    w = RNG.randn(6, 3).astype(np.float32)

    def fn(x):
        return tf.matmul(tf.reshape(tf.transpose(x, [1, 0, 2]), [-1, 6]), w)
    got, plan = both(on_x(fn))
    np.testing.assert_allclose(got, X.transpose(1, 0, 2).reshape(-1, 6) @ w, rtol=1e-5)
    assert copies(plan) == [] and list(plan.feed_perms.values()) == [(1, 0, 2)]
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, X.shape)
        y = fn(x)
        with tf.Session(device="opencl") as sess:
            for k in range(3):
                value = X * k - 1
                np.testing.assert_allclose(
                    sess.run(y, {x: value}), value.transpose(1, 0, 2).reshape(-1, 6) @ w,
                    rtol=1e-5, atol=1e-5)

    def both_layouts(x):
        return [fn(x), x * 2.0]
    got, plan = both(on_x(both_layouts))
    np.testing.assert_allclose(got[1], X * 2, rtol=1e-6)
    assert len(copies(plan)) == 1 and plan.feed_perms == {}
