"""tf.nn.static_rnn and tf.nn.static_bidirectional_rnn (also as tf.contrib.rnn.*) on both
backends: TF 1.15's seeded numbers and names, sequence_length semantics against numpy,
gradients through the length conditionals, and TF's errors."""
import re

import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_gradients
from rnn_reference import (X0_BATCH, X1_BATCH, check_tf_printed, check_variable_gradients, flat,
                           np_basic_lstm, np_basic_rnn, np_gru, np_multi, scoped)

SEQ = np.array([2, 1, 0, 2], np.int32)   # lengths for the book's four instances

# Printed by TensorFlow 1.15 for the graphs build() makes after tf.reset_default_graph();
# tf.set_random_seed(42), fed the book's batch (and SEQ): per variable its shape, first
# four values and sum; the last output; per part of the final state its first row and sum.
TF_PRINTED = {
    "unstack": {
        "variables": {
            "rnn/basic_rnn_cell/kernel": ([8, 5], [0.30980885, -0.332061291, -0.0856057405, 0.385239482], -3.95022249),
            "rnn/basic_rnn_cell/bias": ([5], [0, 0, 0, 0], 0),
        },
        "last_output": [[[-0.45652324, -0.680641234, 0.409382373, 0.631045043, -0.45732826], [-0.942880034, -0.99988687, 0.940558076, 0.99999851, -0.999999762]], [[-0.800153494, -0.992182672, 0.781779706, 0.997103095, -0.996460915], [-0.637116015, 0.113009311, 0.5798437, 0.431055963, -0.637169838]], [[-0.936051846, -0.999837995, 0.930886686, 0.999981523, -0.999983072], [-0.916538596, -0.994560421, 0.896054149, 0.999871969, -0.999974966]], [[0.992736876, -0.998193324, -0.555436432, 0.998903096, -0.995332301], [-0.0274633374, -0.731919944, 0.782787204, 0.952568114, -0.97817713]]],
        "state": [([-0.942880034, -0.99988687, 0.940558076, 0.99999851, -0.999999762], -2.16993999)],
    },
    "seq": {
        "variables": {
            "rnn/multi_rnn_cell/cell_0/gru_cell/gates/kernel": ([7, 8], [-0.530860126, -0.00102460384, 0.0325084925, 0.23565948], -0.223411083),
            "rnn/multi_rnn_cell/cell_0/gru_cell/gates/bias": ([8], [1, 1, 1, 1], 8),
            "rnn/multi_rnn_cell/cell_0/gru_cell/candidate/kernel": ([7, 4], [-0.0465111136, -0.421929866, 0.216271043, 0.268945038], 1.23487842),
            "rnn/multi_rnn_cell/cell_0/gru_cell/candidate/bias": ([4], [0, 0, 0, 0], 0),
            "rnn/multi_rnn_cell/cell_1/basic_rnn_cell/kernel": ([9, 5], [0.463520885, 0.242890596, 0.583514452, -0.339779168], 3.22125578),
            "rnn/multi_rnn_cell/cell_1/basic_rnn_cell/bias": ([5], [0, 0, 0, 0], 0),
        },
        "last_output": [[-0.345271707, 0.445461005, 0.101328209, -0.745258451, 0.587213695], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [-0.537620068, -0.145150319, -0.021014668, -0.894092381, 0.834759533]],
        "state": [([0.0371547975, -0.989519596, 0.941601574, -0.360446572], 0.172046006), ([-0.345271707, 0.445461005, 0.101328209, -0.745258451, 0.587213695], -1.21191597)],
    },
    "bidi": {
        "variables": {
            "bidirectional_rnn/fw/basic_rnn_cell/kernel": ([8, 5], [0.36941123, -0.101361394, 0.194596767, 0.257241488], -0.514564157),
            "bidirectional_rnn/fw/basic_rnn_cell/bias": ([5], [0, 0, 0, 0], 0),
            "bidirectional_rnn/bw/basic_lstm_cell/kernel": ([6, 12], [-0.206346333, 0.350024939, 0.311303437, 0.259105206], -4.3529563),
            "bidirectional_rnn/bw/basic_lstm_cell/bias": ([12], [0, 0, 0, 0], 0),
        },
        "last_output": [[0.999988854, -0.999760687, -0.0667929798, -0.99998039, 0.99982214, -0.000144917314, -0.00381611125, 0.00864104088], [-0.652494252, -0.515208602, -0.379689544, -0.592259407, -0.0896838531, 0, 0, 0], [0.998624027, -0.997151971, -0.033086285, -0.999156475, 0.993290067, -0.00248243869, -0.0291382, 0.0418899655], [0.996816695, -0.959819376, 0.396606356, -0.830760598, 0.79671973, -0.00789891463, -0.164534345, 0.11068745]],
        "state": [([0.999988854, -0.999760687, -0.0667929798, -0.99998039, 0.99982214], -1.93397617), ([-0.647066832, -1.22503877, -0.0249564573], -7.38138056), ([-0.155860633, -0.227564976, -0.0121860765], -0.528726101)],
    },
    "bidi_seq": {
        "variables": {
            "bidirectional_rnn/fw/basic_rnn_cell/kernel": ([8, 5], [-0.385394484, 0.205956459, -0.496242344, -0.0428230762], -0.329490662),
            "bidirectional_rnn/fw/basic_rnn_cell/bias": ([5], [0, 0, 0, 0], 0),
            "bidirectional_rnn/bw/basic_lstm_cell/kernel": ([6, 12], [0.540432215, 0.115070641, 0.417336702, 0.0337306857], -1.80609334),
            "bidirectional_rnn/bw/basic_lstm_cell/bias": ([12], [0, 0, 0, 0], 0),
        },
        "last_output": [[-1, 0.998354137, -0.999452591, 0.124813274, -1, -0.708283365, 0.0679184273, 0.0691682696], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [-0.990729809, 0.649758875, -0.995686829, 0.152254373, -0.998223186, -0.139246598, 0.131789848, 0.345323056]],
        "state": [([-1, 0.998354137, -0.999452591, 0.124813274, -1], -5.75008821), ([-0.869483292, 0.192596585, 0.15008378], 0.868446171), ([-0.239966065, 0.115343973, 0.104867905], 0.383471221)],
    },
}


def build(net):
    """The graphs TF printed for: (outputs, state, feed)."""
    tf.set_random_seed(42)
    if net == "unstack":   # the book's form: one [batch, steps, inputs] placeholder
        X = tf.placeholder(tf.float32, [None, 2, 3])
        X_seqs = tf.unstack(tf.transpose(X, perm=[1, 0, 2]))
        basic_cell = tf.contrib.rnn.BasicRNNCell(num_units=5)
        output_seqs, states = tf.contrib.rnn.static_rnn(basic_cell, X_seqs, dtype=tf.float32)
        outputs = tf.transpose(tf.stack(output_seqs), perm=[1, 0, 2])
        return [outputs], states, {X: np.stack([X0_BATCH, X1_BATCH], 1)}
    x0, x1 = tf.placeholder(tf.float32, [None, 3]), tf.placeholder(tf.float32, [None, 3])
    feed = {x0: X0_BATCH, x1: X1_BATCH}
    seq = None
    if net in ("seq", "bidi_seq"):
        seq = tf.placeholder(tf.int32, [None])
        feed[seq] = SEQ
    if net == "seq":
        cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(4),
                                            tf.nn.rnn_cell.BasicRNNCell(5)])
        outputs, state = tf.contrib.rnn.static_rnn(cell, [x0, x1], dtype=tf.float32,
                                                   sequence_length=seq)
        return outputs, state, feed
    outputs, state_fw, state_bw = tf.nn.static_bidirectional_rnn(
        tf.nn.rnn_cell.BasicRNNCell(5), tf.nn.rnn_cell.BasicLSTMCell(3), [x0, x1],
        dtype=tf.float32, sequence_length=seq)
    return outputs, (state_fw, state_bw), feed


@pytest.mark.parametrize("net", sorted(TF_PRINTED))
def test_seeded_networks_print_tfs_numbers(backend, net):
    outputs, state, feed = build(net)
    check_tf_printed(backend, TF_PRINTED[net], outputs, state, feed)


# ---------------------------------------------------------------- sequence_length, in numpy
def np_static_rnn(step, xs, state, values, lengths=None):
    """The cell unrolled; past a row's length its output is zero and its state is kept."""
    outputs = []
    for t, x in enumerate(xs):
        out, new = step(x, state, values)
        if lengths is not None:
            live = (t < np.asarray(lengths))[:, None]
            out = np.where(live, out, 0)
            new = type(state)(*[np.where(live, n, s) for n, s in zip(flat(new), flat(state))]) \
                if isinstance(state, tuple) and hasattr(state, "_fields") else \
                np.where(live, new, state) if not isinstance(state, tuple) else \
                _keep_rows(live, new, state)
        outputs.append(out)
        state = new
    return outputs, state


def _keep_rows(live, new, old):
    if isinstance(old, tuple):
        parts = [_keep_rows(live, n, o) for n, o in zip(new, old)]
        return type(old)(*parts) if hasattr(old, "_fields") else tuple(parts)
    return np.where(live, new, old)


def load_random(sess, prefix, rng):
    """Random values for every variable (returned by name under `prefix`)."""
    values = {}
    for v in tf.global_variables():
        values[v.op.name[len(prefix):]] = value = \
            rng.uniform(-1, 1, v.shape.as_list()).astype(np.float32)
        v.load(value, sess)
    return values


@pytest.mark.parametrize("lengths", [[3, 1, 0, 2], [3, 3, 3, 3], [0, 0, 0, 0]])
def test_sequence_length_against_numpy(backend, lengths):
    rng = np.random.RandomState(3)
    xs = [rng.uniform(-1, 1, (4, 2)).astype(np.float32) for _ in range(3)]
    c0, h0 = rng.uniform(-1, 1, (2, 4, 3)).astype(np.float32)
    g0 = rng.uniform(-1, 1, (4, 2)).astype(np.float32)
    cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(3),
                                        tf.nn.rnn_cell.GRUCell(2)])
    initial = (tf.nn.rnn_cell.LSTMStateTuple(tf.constant(c0), tf.constant(h0)), tf.constant(g0))
    seq = tf.placeholder(tf.int64, [None])   # int64 lengths are cast, as TF does
    outputs, state = tf.nn.static_rnn(cell, [tf.constant(x) for x in xs], initial_state=initial,
                                      sequence_length=seq)
    assert isinstance(state[0], tf.nn.rnn_cell.LSTMStateTuple)
    assert outputs[0].shape.as_list() == [4, 2] and state[0].c.shape.as_list() == [4, 3]
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        values = load_random(sess, "rnn/multi_rnn_cell/", rng)
        got_out, got_state = sess.run([outputs, flat(state)], {seq: lengths})
    step = np_multi([scoped(np_basic_lstm(), "basic_lstm_cell/"), scoped(np_gru, "gru_cell/")])
    state0 = ((c0, h0), g0)
    want_out, want_state = np_static_rnn(step, xs, state0, values, lengths)
    for got, want in zip(got_out + got_state, want_out + flat(want_state)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("lengths", [None, [2, 3, 0]])
def test_static_bidirectional_rnn_against_numpy(backend, lengths):
    rng = np.random.RandomState(4)
    xs = [rng.uniform(-1, 1, (3, 2)).astype(np.float32) for _ in range(3)]
    inputs = [tf.constant(x) for x in xs]
    outputs, state_fw, state_bw = tf.contrib.rnn.static_bidirectional_rnn(
        tf.nn.rnn_cell.BasicRNNCell(4), tf.nn.rnn_cell.GRUCell(3), inputs, dtype=tf.float32,
        sequence_length=lengths)
    assert [o.shape.as_list() for o in outputs] == [[3, 7]] * 3
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        values = load_random(sess, "bidirectional_rnn/", rng)
        got = sess.run([outputs, state_fw, state_bw])
    n = np.full(3, 3) if lengths is None else np.asarray(lengths)
    fw_out, fw_state = np_static_rnn(scoped(np_basic_rnn(), "fw/basic_rnn_cell/"), xs,
                                     np.zeros((3, 4), np.float32), values, lengths)
    # The backward cell reads each row reversed within its own length.
    rev = [np.stack([xs[n[b] - 1 - t][b] if t < n[b] else xs[t][b] for b in range(3)])
           for t in range(3)]
    bw_rev, bw_state = np_static_rnn(scoped(np_gru, "bw/gru_cell/"), rev,
                                     np.zeros((3, 3), np.float32), values, lengths)
    bw_out = [np.stack([bw_rev[n[b] - 1 - t][b] if t < n[b] else bw_rev[t][b]
                        for b in range(3)]) for t in range(3)]
    for got_out, f, b in zip(got[0], fw_out, bw_out):
        np.testing.assert_allclose(got_out, np.concatenate([f, b], 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], fw_state, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], bw_state, rtol=1e-5, atol=1e-6)


def test_gradients_through_sequence_lengths(backend):
    # Lengths 2, 1 and 0 take every branch of the step's conditionals.
    check_variable_gradients(backend, lambda: tf.nn.rnn_cell.BasicLSTMCell(2), steps=3,
                             batch=3, sequence_length=[3, 1, 0])

    def unrolled(x0, x1, x2):
        cell = tf.nn.rnn_cell.GRUCell(2, kernel_initializer=tf.constant_initializer(0.3),
                                      bias_initializer=tf.constant_initializer(-0.2))
        outputs, state = tf.nn.static_rnn(cell, [x0, x1, x2], dtype=tf.float64,
                                          sequence_length=tf.constant([2, 3, 0]))
        return tf.concat(outputs + [state], 1)
    grads = check_gradients(unrolled, shapes=[(3, 2)] * 3, backend=backend)
    # Past each row's length its inputs get no gradient: row 0 after two steps, row 2 at all.
    assert not grads[2][0].any() and not any(g[2].any() for g in grads)


# ---------------------------------------------------------------- names, shapes, errors
def test_names_and_static_shapes():
    x = tf.placeholder(tf.float32, [4, 3])
    outputs, state = tf.nn.static_rnn(tf.nn.rnn_cell.BasicLSTMCell(5), [x, x, x],
                                      dtype=tf.float32)
    # A static batch size makes the zero state from Python ints, as TF does.
    assert [o.shape.as_list() for o in outputs] == [[4, 5]] * 3
    assert outputs[2].name == "rnn/basic_lstm_cell/Mul_8:0" and state.c.shape.as_list() == [4, 5]
    graph = tf.get_default_graph()
    assert graph.get_operation_by_name("rnn/BasicLSTMCellZeroState/zeros").type == "Fill"
    with tf.variable_scope("outer") as outer:
        pass
    outputs, _ = tf.nn.static_rnn(tf.nn.rnn_cell.GRUCell(2), [x], dtype=tf.float32, scope=outer)
    assert outputs[0].name == "outer_1/gru_cell/add:0"
    outputs, fw, bw = tf.nn.static_bidirectional_rnn(
        tf.nn.rnn_cell.BasicRNNCell(2), tf.nn.rnn_cell.BasicRNNCell(3), [x, x], dtype=tf.float32)
    assert [o.name for o in outputs] == ["concat:0", "concat_1:0"]
    assert fw.name == "bidirectional_rnn/fw/fw/basic_rnn_cell/Tanh_1:0"
    assert bw.name == "bidirectional_rnn/bw/bw/basic_rnn_cell/Tanh_1:0"
    assert [v.op.name for v in tf.global_variables()][-2:] == [
        "bidirectional_rnn/bw/basic_rnn_cell/kernel", "bidirectional_rnn/bw/basic_rnn_cell/bias"]
    assert tf.contrib.rnn.static_bidirectional_rnn is tf.nn.static_bidirectional_rnn


def test_batch_size_from_the_first_input_only():
    # As TF: the first input's batch size (here unknown, so read by a Shape op) is used;
    # the other inputs' are only checked against it.
    a, b = tf.placeholder(tf.float32, [None, 3]), tf.placeholder(tf.float32, [4, 3])
    tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(2), [a, b], dtype=tf.float32)
    assert tf.get_default_graph().get_operation_by_name("rnn/Shape").inputs[0] is a


def test_state_dtype_from_initial_state(backend):
    x = tf.constant(np.ones((2, 3)))
    h0 = tf.constant(np.full((2, 2), 0.5))
    outputs, state = tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(2), [x, x], initial_state=h0,
                                      sequence_length=[1, 2])
    assert outputs[0].dtype == state.dtype == tf.float64
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        out, st = sess.run([outputs, state])
    assert not out[1][0].any() and out[1][1].any()
    np.testing.assert_array_equal(st[0], out[0][0])   # row 0 stopped after one step


def _x():
    return tf.ones([2, 3])


@pytest.mark.parametrize("fn, error, message", [
    (lambda: tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(3), [_x()]), ValueError,
     "If no initial_state is provided, dtype must be specified"),
    (lambda: tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(3), _x(), dtype=tf.float32),
     TypeError, "inputs must be a sequence"),
    (lambda: tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(3), [], dtype=tf.float32),
     ValueError, "inputs must not be empty"),
    (lambda: tf.nn.static_rnn(3, [_x()], dtype=tf.float32), TypeError,
     "The argument 'cell' (3) is not an RNNCell: 'output_size' property is missing"),
    (lambda: tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(3),
                              [tf.placeholder(tf.float32, [None, None])], dtype=tf.float32),
     ValueError, "Input size (dimension 0 of inputs) must be accessible via shape inference, "
                 "but saw value None."),
    (lambda: tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(3), [_x()], dtype=tf.float32,
                              sequence_length=[[1, 2]]),
     ValueError, "sequence_length must be a vector of length batch_size"),
    (lambda: tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(3), [_x(), tf.ones([3, 3])],
                              dtype=tf.float32),
     ValueError, "Dimensions 2 and 3 are not compatible"),
    (lambda: tf.nn.static_bidirectional_rnn(tf.nn.rnn_cell.BasicRNNCell(3), 4, [_x()],
                                            dtype=tf.float32),
     TypeError, "The argument 'cell_bw' (4) is not an RNNCell"),
])
def test_errors_as_tf(fn, error, message):
    with pytest.raises(error, match=re.escape(message)):
        fn()
