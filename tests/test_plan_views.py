"""OpenCL plans leave a split's or unstack's pieces where they are until something reads
them: a piece nobody reads costs no copy, and a concat or stack copies a piece from its
source directly; an elementwise kernel reads a strided piece in place. AddN skips the
zeros autodiff adds for unused outputs."""
import numpy as np

import tinygraph as tf
from tinygraph.runtime.opencl.lower_matmul import products
from tinygraph.runtime.opencl.units import KernelUnit


def launches(sess, name):
    plan = max(sess._plans.values(), key=lambda p: len(getattr(p, "units", ())))
    return sum(isinstance(u, KernelUnit) and u.name.startswith(name) for u in plan.units)


def test_unused_pieces_cost_nothing_and_concat_reads_pieces_in_place(backend):
    x = tf.placeholder(tf.float32, [4, 6])
    y = tf.placeholder(tf.float32, [4, 2])
    a, b, c = tf.split(x, [1, 2, 3], axis=1)          # c is never read
    rows = tf.unstack(x)                                # rows 0 and 2 are read
    joined = tf.concat([b, y], axis=1)                  # b copied from x directly
    stacked = tf.stack([rows[2], rows[0]])
    rng = np.random.RandomState(0)
    feed = {x: rng.randn(4, 6).astype(np.float32), y: rng.randn(4, 2).astype(np.float32)}
    with tf.Session(device=backend) as sess:
        got = sess.run([joined, stacked, a * 2.0], feed)
        if backend == "opencl":
            # two parts per output: 4 copies; the multiply reads a where it lies in x
            assert launches(sess, "strided_copy") == 4
    np.testing.assert_array_equal(got[0], np.concatenate([feed[x][:, 1:3], feed[y]], 1))
    np.testing.assert_array_equal(got[1], feed[x][[2, 0]])
    np.testing.assert_array_equal(got[2], feed[x][:, :1] * 2)


def test_elementwise_ops_read_strided_pieces_in_place(backend):
    """A split's pieces along the last axis are read by the kernel that computes with
    them, each element from where it lies (broadcasting another operand too)."""
    x = tf.placeholder(tf.float32, [3, 4, 10])
    bias = tf.placeholder(tf.float32, [4, 1])
    p0, p1 = tf.split(x, 2, axis=2)
    gates = tf.sigmoid(p0) * p1 + bias
    rng = np.random.RandomState(1)
    feed = {x: rng.randn(3, 4, 10).astype(np.float32), bias: rng.randn(4, 1).astype(np.float32)}
    with tf.Session(device=backend) as sess:
        got = sess.run(gates, feed)
        if backend == "opencl":
            assert launches(sess, "strided_copy") == 0
    v = feed[x]
    want = 1 / (1 + np.exp(-v[..., :5])) * v[..., 5:] + feed[bias]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_strided_pieces_of_any_axis_and_type(backend):
    """Pieces split along a middle axis (float) and the last axis (int32), read by
    elementwise kernels with other operands of several shapes."""
    x = tf.placeholder(tf.float32, [3, 6, 4])
    n = tf.placeholder(tf.int32, [5, 6])
    a, b, c = tf.split(x, 3, axis=1)
    i, j = tf.split(n, [2, 4], axis=1)
    out = [a * tf.exp(b) - c[:1], tf.abs(c) + tf.reduce_sum(a, axis=1, keepdims=True),
           i * 3 + j[:, :2], j - tf.reduce_max(i)]
    rng = np.random.RandomState(3)
    feed = {x: rng.randn(3, 6, 4).astype(np.float32),
            n: rng.randint(-9, 9, (5, 6)).astype(np.int32)}
    with tf.Session(device=backend) as sess:
        got = sess.run(out, feed)
    v, w = feed[x], feed[n]
    a, b, c = v[:, :2], v[:, 2:4], v[:, 4:]
    i, j = w[:, :2], w[:, 2:]
    want = [a * np.exp(b) - c[:1], np.abs(c) + a.sum(1, keepdims=True), i * 3 + j[:, :2],
            j - i.max()]
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)


def test_add_n_skips_zero_terms(backend):
    x = tf.placeholder(tf.float32, [3, 2])
    total = tf.add_n([x, tf.zeros_like(x), tf.zeros([3, 2])])
    value = np.arange(6, dtype=np.float32).reshape(3, 2) - 2.5
    with tf.Session(device=backend) as sess:
        np.testing.assert_array_equal(sess.run(total, {x: value}), value)
        if backend == "opencl":
            assert launches(sess, "add_n") == 0


def test_a_split_product_computes_only_the_pieces_read(backend):
    """The gradient of concat([x, h]) @ W is split into x's and h's parts; asked for h's,
    the plan multiplies by W's rows for h alone (no product for x, nothing copied)."""
    x = tf.placeholder(tf.float32, [4, 3])
    h = tf.placeholder(tf.float32, [4, 5])
    w_value = np.random.RandomState(1).randn(8, 6).astype(np.float32)
    w = tf.constant(w_value)
    y = tf.matmul(tf.concat([x, h], 1), w)
    grad_h, = tf.gradients(tf.reduce_sum(tf.sin(y)), [h])
    rng = np.random.RandomState(2)
    feed = {x: rng.randn(4, 3).astype(np.float32), h: rng.randn(4, 5).astype(np.float32)}
    with tf.Session(device=backend) as sess:
        got = sess.run(grad_h, feed)
        if backend == "opencl":
            plan = max(sess._plans.values(), key=lambda p: len(getattr(p, "units", ())))
            assert sorted((m.M, m.N) for m in products(plan.units)) == [(4, 5), (4, 6)]
            assert launches(sess, "strided_copy") == 2   # the forward concat's two parts
    inputs = np.concatenate([feed[x], feed[h]], 1)
    want = (np.cos(inputs @ w_value) @ w_value.T)[:, 3:]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_split_of_a_pending_value_computes_each_piece_where_it_is_read(backend):
    """Split along any axis of an elementwise value nothing else reads: each piece is
    computed by its reader from its operands' pieces (operands broadcast along that axis
    read whole), so the whole value is never laid out."""
    x = tf.placeholder(tf.float32, [3, 4, 8])
    row = tf.placeholder(tf.float32, [8])        # broadcast along axes 0 and 1
    col = tf.placeholder(tf.float32, [3, 1, 1])  # broadcast along axes 1 and 2
    z = tf.tanh(x * 2.0 + row) - col
    rng = np.random.RandomState(1)
    feed = {x: rng.randn(3, 4, 8).astype(np.float32), row: rng.randn(8).astype(np.float32),
            col: rng.randn(3, 1, 1).astype(np.float32)}
    whole = np.tanh(feed[x] * 2 + feed[row]) - feed[col]
    for axis, n in [(2, 4), (1, 4), (0, 3)]:
        pieces = tf.split(z, n, axis=axis)
        mixed = tf.sigmoid(pieces[0]) * pieces[-1] + pieces[1]
        with tf.Session(device=backend) as sess:
            got = sess.run(mixed, feed)
            if backend == "opencl":   # one kernel: no piece, no whole z, laid out alone
                assert launches(sess, "fused_") == 1
        want_pieces = np.split(whole, n, axis=axis)
        np.testing.assert_allclose(got, 1 / (1 + np.exp(-want_pieces[0])) * want_pieces[-1]
                                   + want_pieces[1], rtol=1e-5, atol=1e-6)
