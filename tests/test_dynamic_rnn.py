"""tf.nn.dynamic_rnn and tf.nn.bidirectional_dynamic_rnn against a numpy unrolling of the
same cell with the same weights, on both backends."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_gradients

B, T, I, H = 3, 5, 2, 4


def np_basic_rnn(x, kernel, bias, h0, lengths=None, time_major=False):
    """BasicRNNCell unrolled in numpy: outputs zero past each row's length, the state
    copied through."""
    if time_major:
        x = x.transpose(1, 0, 2)
    batch, steps = x.shape[:2]
    lengths = np.full(batch, steps) if lengths is None else np.asarray(lengths)
    h, outputs = h0.copy(), np.zeros((batch, steps, kernel.shape[1]), x.dtype)
    for t in range(steps):
        new = np.tanh(np.concatenate([x[:, t], h], 1) @ kernel + bias)
        live = (t < lengths)[:, None]
        outputs[:, t] = np.where(live, new, 0)
        h = np.where(live, new, h)
    return (outputs.transpose(1, 0, 2) if time_major else outputs), h


def values(sess, names):
    by_name = {v.op.name: v for v in tf.global_variables()}
    return sess.run([by_name[n] for n in names])


def inputs(seed=0, shape=(B, T, I)):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def test_outputs_and_state(backend):
    x = tf.placeholder(tf.float32, [None, T, I])
    cell = tf.nn.rnn_cell.BasicRNNCell(H)
    outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    assert outputs.shape.as_list() == [None, T, H] and state.shape.as_list() == [None, H]
    assert sorted(v.op.name for v in tf.global_variables()) == \
        ["rnn/basic_rnn_cell/bias", "rnn/basic_rnn_cell/kernel"]
    xv = inputs()
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        kernel, bias = values(sess, ["rnn/basic_rnn_cell/kernel", "rnn/basic_rnn_cell/bias"])
        out, st = sess.run([outputs, state], {x: xv})
    want_out, want_st = np_basic_rnn(xv, kernel, bias, np.zeros((B, H), np.float32))
    np.testing.assert_allclose(out, want_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, want_st, rtol=1e-5, atol=1e-6)


def test_lengths_full_one_zero_and_one_short(backend):
    """The issue's batch: lengths [T, 1, 0, T-1], forward and backward."""
    x = tf.placeholder(tf.float64, [4, T, I])
    lengths = [T, 1, 0, T - 1]
    cell = tf.nn.rnn_cell.BasicRNNCell(H, dtype=tf.float64)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float64)
    grad, = tf.gradients(tf.reduce_sum(outputs) + tf.reduce_sum(state * state), x)
    xv = np.random.RandomState(8).randn(4, T, I)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        kernel, bias = values(sess, ["rnn/basic_rnn_cell/kernel", "rnn/basic_rnn_cell/bias"])
        out, st, g = sess.run([outputs, state, grad], {x: xv})
    want_out, want_st = np_basic_rnn(xv, kernel, bias, np.zeros((4, H)), lengths)
    np.testing.assert_allclose(out, want_out, rtol=1e-10)
    np.testing.assert_allclose(st, want_st, rtol=1e-10)
    assert not st[2].any() and not out[2].any() and not out[1, 1:].any()
    # inputs past a row's length do not matter: their gradient is zero
    assert not g[1, 1:].any() and not g[2].any() and not g[3, T - 1].any()
    assert np.abs(g[0]).min() > 0


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32])
def test_sequence_length(backend, dtype):
    """Zeros past each length, the state copied through, length 0 keeps the initial
    state; the lengths may be fed as int32, int64 or float (cast as TF casts them)."""
    x = tf.placeholder(tf.float32, [None, T, I])
    lengths = tf.placeholder(tf.as_dtype(dtype), [None])
    h0 = tf.placeholder(tf.float32, [None, H])
    cell = tf.nn.rnn_cell.BasicRNNCell(H)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, initial_state=h0)
    xv, lv = inputs(1), np.array([2, 0, 5], dtype)
    h0v = np.random.RandomState(2).randn(B, H).astype(np.float32)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        kernel, bias = values(sess, ["rnn/basic_rnn_cell/kernel", "rnn/basic_rnn_cell/bias"])
        out, st = sess.run([outputs, state], {x: xv, lengths: lv, h0: h0v})
        all_zero = sess.run(state, {x: xv, lengths: np.zeros(B, dtype), h0: h0v})
        with pytest.raises(tf.errors.InvalidArgumentError, match="Expected shape for Tensor"):
            sess.run(state, {x: xv, lengths: np.array([1, 2], dtype), h0: h0v})
    want_out, want_st = np_basic_rnn(xv, kernel, bias, h0v, lv.astype(np.int32))
    np.testing.assert_allclose(out, want_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, want_st, rtol=1e-5, atol=1e-6)
    assert not out[0, 2:].any() and not out[1].any()
    np.testing.assert_array_equal(st[1], h0v[1])
    np.testing.assert_array_equal(all_zero, h0v)


def test_time_major_and_errors(backend):
    x = tf.placeholder(tf.float32, [T, None, I])
    cell = tf.nn.rnn_cell.BasicRNNCell(H)
    outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32, time_major=True)
    assert outputs.shape.as_list() == [T, None, H]
    xv = inputs(3, (T, B, I))
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        kernel, bias = values(sess, ["rnn/basic_rnn_cell/kernel", "rnn/basic_rnn_cell/bias"])
        out, st = sess.run([outputs, state], {x: xv})
    want_out, want_st = np_basic_rnn(xv, kernel, bias, np.zeros((B, H), np.float32),
                                     time_major=True)
    np.testing.assert_allclose(out, want_out, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="you must give a dtype"):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(H), x, time_major=True, scope="other")
    with pytest.raises(ValueError, match="sequence_length must be a vector"):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(H), x, dtype=tf.float32,
                          sequence_length=[[1]], scope="other2")


def test_lstm_state_tuple_and_multi_cell(backend):
    x = tf.placeholder(tf.float32, [B, T, I])
    cells = [tf.nn.rnn_cell.BasicLSTMCell(H), tf.nn.rnn_cell.GRUCell(H)]
    outputs, states = tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), x,
                                        dtype=tf.float32)
    assert isinstance(states, tuple) and len(states) == 2
    assert isinstance(states[0], tf.nn.rnn_cell.LSTMStateTuple)
    xv = inputs(4)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        out, (lstm, gru) = sess.run([outputs, states], {x: xv})
    # the final output of the stack is the GRU's final state, and the LSTM's h is bounded
    np.testing.assert_allclose(out[:, -1], gru, rtol=1e-6, atol=1e-7)
    assert lstm.c.shape == lstm.h.shape == (B, H) and np.all(np.abs(lstm.h) < 1)


def test_gradients_match_finite_differences(backend):
    """With respect to the inputs and the initial state (float64), through the loop."""
    def fn(xs, h0):
        with tf.variable_scope("rnn", initializer=tf.constant_initializer(0.3)):
            outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(3), xs,
                                               initial_state=h0, sequence_length=[3, 1])
        return tf.concat([tf.reshape(outputs, [2, -1]), state], 1)
    check_gradients(fn, shapes=[(2, 3, 2), (2, 3)], backend=backend)


def test_weight_gradient(backend):
    """d loss / d kernel through the loop equals central differences of the loss."""
    x = tf.constant(inputs(5).astype(np.float64))
    cell = tf.nn.rnn_cell.BasicRNNCell(H, dtype=tf.float64)
    outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float64, sequence_length=[5, 3, 1])
    loss = tf.reduce_sum(outputs * outputs) + tf.reduce_sum(tf.sin(state))
    kernel = [v for v in tf.global_variables() if v.op.name.endswith("kernel")][0]
    grad, = tf.gradients(loss, [kernel])
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        k0, g = sess.run([kernel, grad])
        numeric = np.zeros_like(k0)
        eps = 1e-6
        for index in np.ndindex(k0.shape):
            for sign in (1, -1):
                k = k0.copy()
                k[index] += sign * eps
                kernel.load(k, sess)
                numeric[index] += sign * sess.run(loss) / (2 * eps)
    np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-7)


def test_bidirectional(backend):
    x = tf.placeholder(tf.float32, [B, T, I])
    lengths = tf.placeholder(tf.int32, [B])
    fw, bw = tf.nn.rnn_cell.BasicRNNCell(H), tf.nn.rnn_cell.BasicRNNCell(H)
    (out_fw, out_bw), (st_fw, st_bw) = tf.nn.bidirectional_dynamic_rnn(
        fw, bw, x, sequence_length=lengths, dtype=tf.float32)
    assert sorted(v.op.name for v in tf.global_variables()) == [
        "bidirectional_rnn/bw/basic_rnn_cell/bias", "bidirectional_rnn/bw/basic_rnn_cell/kernel",
        "bidirectional_rnn/fw/basic_rnn_cell/bias", "bidirectional_rnn/fw/basic_rnn_cell/kernel"]
    xv, lv = inputs(6), np.array([5, 2, 3], np.int32)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        kf, bf, kb, bb = values(sess, [f"bidirectional_rnn/{d}/basic_rnn_cell/{w}"
                                       for d in ("fw", "bw") for w in ("kernel", "bias")])
        got = sess.run([out_fw, out_bw, st_fw, st_bw], {x: xv, lengths: lv})
    zeros = np.zeros((B, H), np.float32)
    want_fw, want_st_fw = np_basic_rnn(xv, kf, bf, zeros, lv)
    reversed_x = xv.copy()
    for b, n in enumerate(lv):
        reversed_x[b, :n] = xv[b, :n][::-1]
    tmp, want_st_bw = np_basic_rnn(reversed_x, kb, bb, zeros, lv)
    want_bw = tmp.copy()
    for b, n in enumerate(lv):
        want_bw[b, :n] = tmp[b, :n][::-1]
    for g, w in zip(got, [want_fw, want_bw, want_st_fw, want_st_bw]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_long_sequence_trains(backend):
    """500 steps forward and backward: the loop runs its body as planned kernels, and a
    gradient step lowers the loss."""
    x = tf.constant(inputs(7, (2, 500, I)) * 0.1)
    cell = tf.nn.rnn_cell.BasicRNNCell(H)
    with tf.variable_scope("rnn", initializer=tf.glorot_uniform_initializer(seed=3)):
        outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    loss = tf.reduce_mean(tf.square(state - 0.5))
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(loss)
        for _ in range(5):
            sess.run(step)
        assert sess.run(loss) < before
