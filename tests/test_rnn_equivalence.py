"""Static and dynamic unrolling of the same cell with the same weights give the same
outputs and gradients; TF's variable names, reuse rules and dropout wrapper behaviour."""
import numpy as np
import pytest

import tinygraph as tf

B, T, I, H = 3, 4, 2, 5

CELLS = {
    "basic_rnn": lambda: tf.nn.rnn_cell.BasicRNNCell(H),
    "basic_lstm": lambda: tf.nn.rnn_cell.BasicLSTMCell(H),
    "lstm_peep_proj": lambda: tf.nn.rnn_cell.LSTMCell(H, use_peepholes=True, cell_clip=0.5,
                                                       num_proj=3),
    "gru": lambda: tf.nn.rnn_cell.GRUCell(H),
    "multi": lambda: tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(H),
                                                  tf.nn.rnn_cell.GRUCell(H)]),
    "projection": lambda: tf.contrib.rnn.OutputProjectionWrapper(
        tf.nn.rnn_cell.BasicRNNCell(H), output_size=2),
    "residual": lambda: tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.GRUCell(I)),
}


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_static_equals_dynamic(backend, kind):
    x = tf.placeholder(tf.float32, [B, T, I])
    lengths = tf.constant([4, 2, 0])
    cell = CELLS[kind]()
    with tf.variable_scope("net"):
        dyn_out, dyn_state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths,
                                               dtype=tf.float32)
    with tf.variable_scope("net", reuse=True):
        st_out, st_state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1),
                                            sequence_length=lengths, dtype=tf.float32)
    st_out = tf.stack(st_out, axis=1)
    variables = tf.trainable_variables()
    assert all(v.op.name.startswith("net/rnn/") for v in variables)
    loss_d = tf.reduce_sum(tf.square(dyn_out)) + tf.add_n(
        [tf.reduce_sum(tf.sin(s)) for s in _flat(dyn_state)])
    loss_s = tf.reduce_sum(tf.square(st_out)) + tf.add_n(
        [tf.reduce_sum(tf.sin(s)) for s in _flat(st_state)])
    g_d = tf.gradients(loss_d, variables + [x])
    g_s = tf.gradients(loss_s, variables + [x])
    xv = np.random.RandomState(0).randn(B, T, I).astype(np.float32)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        d, s = sess.run([[dyn_out] + g_d, [st_out] + g_s], {x: xv})
        states = sess.run([_flat(dyn_state), _flat(st_state)], {x: xv})
    for a, b in zip(d, s):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)
    for a, b in zip(*states):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)
    assert not d[0][2].any() and not d[0][1, 2:].any()   # zeros past each length


def _flat(structure):
    if isinstance(structure, (list, tuple)):
        return [t for s in structure for t in _flat(s)]
    return [structure]


def test_variable_names_as_tf():
    x = tf.placeholder(tf.float32, [None, T, I])
    cells = [tf.nn.rnn_cell.GRUCell(H), tf.nn.rnn_cell.LSTMCell(H, use_peepholes=True,
                                                                 num_proj=3)]
    tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), x, dtype=tf.float32)
    got = {v.op.name: v.shape.as_list() for v in tf.global_variables()}
    assert got == {
        "rnn/multi_rnn_cell/cell_0/gru_cell/gates/kernel": [I + H, 2 * H],
        "rnn/multi_rnn_cell/cell_0/gru_cell/gates/bias": [2 * H],
        "rnn/multi_rnn_cell/cell_0/gru_cell/candidate/kernel": [I + H, H],
        "rnn/multi_rnn_cell/cell_0/gru_cell/candidate/bias": [H],
        "rnn/multi_rnn_cell/cell_1/lstm_cell/kernel": [H + 3, 4 * H],
        "rnn/multi_rnn_cell/cell_1/lstm_cell/bias": [4 * H],
        "rnn/multi_rnn_cell/cell_1/lstm_cell/w_f_diag": [H],
        "rnn/multi_rnn_cell/cell_1/lstm_cell/w_i_diag": [H],
        "rnn/multi_rnn_cell/cell_1/lstm_cell/w_o_diag": [H],
        "rnn/multi_rnn_cell/cell_1/lstm_cell/projection/kernel": [H, 3],
    }
    with tf.Session(device="numpy") as sess:
        sess.run(tf.global_variables_initializer())
        bias = sess.run(tf.global_variables()[1])
    np.testing.assert_array_equal(bias, np.ones(2 * H))   # GRU gates start open


def test_second_call_in_one_scope_and_reuse():
    x = tf.placeholder(tf.float32, [None, T, I])
    tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(H), x, dtype=tf.float32)
    with pytest.raises(ValueError, match="Variable rnn/basic_rnn_cell/kernel already exists"):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(H), x, dtype=tf.float32)
    with tf.variable_scope(tf.get_variable_scope(), reuse=tf.AUTO_REUSE):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(H), x, dtype=tf.float32)
    assert len(tf.global_variables()) == 2


def test_dropout_wrapper_with_placeholder_with_default(backend):
    tf.set_random_seed(7)   # the same masks on every run of the test
    x = tf.placeholder(tf.float32, [B, T, I])
    keep = tf.placeholder_with_default(1.0, shape=())
    cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicRNNCell(H),
                                         input_keep_prob=keep, output_keep_prob=keep)
    outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    xv = np.random.RandomState(1).randn(B, T, I).astype(np.float32) + 3
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        full = sess.run(outputs, {x: xv})
        dropped = sess.run(outputs, {x: xv, keep: 0.5})
    assert np.all(full != 0)
    zero = dropped == 0
    assert 0.3 < zero.mean() < 0.7                 # output dropout with keep 0.5
    kept = ~zero
    assert not np.allclose(dropped[kept], full[kept])   # inputs dropped too, rest rescaled


def test_dropout_wrapper_rejects_bad_probability():
    with pytest.raises(ValueError, match="Parameter input_keep_prob must be between 0 and 1"):
        tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicRNNCell(H), input_keep_prob=1.5)


def test_custom_cell_subclass(backend):
    """A user's RNNCell subclass (the tutorial's pattern): build makes variables with
    add_variable, call computes; dynamic_rnn drives it."""
    class MyCell(tf.nn.rnn_cell.RNNCell):
        def __init__(self, units):
            super().__init__()
            self.units = units

        @property
        def state_size(self):
            return self.units

        @property
        def output_size(self):
            return self.units

        def build(self, inputs_shape):
            self.w = self.add_variable("w", [inputs_shape[-1].value + self.units, self.units],
                                       initializer=tf.constant_initializer(0.1))
            self.built = True

        def call(self, inputs, state):
            new = tf.tanh(tf.matmul(tf.concat([inputs, state], 1), self.w))
            return new, new
    cell = MyCell(3)
    x = tf.placeholder(tf.float32, [B, T, I])
    outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    assert [v.op.name for v in cell.weights] == ["rnn/my_cell/w"]
    assert cell.trainable_weights == cell.weights
    xv = np.random.RandomState(2).randn(B, T, I).astype(np.float32)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(outputs, {x: xv})
    h, w = np.zeros((B, 3), np.float32), np.full((I + 3, 3), 0.1, np.float32)
    for t in range(T):
        h = np.tanh(np.concatenate([xv[:, t], h], 1) @ w)
        np.testing.assert_allclose(out[:, t], h, rtol=1e-5, atol=1e-6)
