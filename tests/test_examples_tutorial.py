"""The TF1 RNN tutorial's programs (examples/tutorial_*.py), each run as `tinygraph replay`
runs it (quick mode), and tf.compat.v1 / tf.logging, which they start with.

The programs without random numbers (01, 02, 03, 05) must print what TF 1.15 prints for
the tutorial's scripts, to the letter. The others set no seed, so their numbers change
from run to run, in TF too. They are checked for what holds whatever the weights (zeros
past the sequence lengths, final states equal to the outputs at the last real step, the
cells' equations recomputed in numpy from the variables' values), and they are run with
a graph seed (07 and 09 also without), as if each program called tf.set_random_seed(SEED)
right after tf.Graph().as_default(): tinygraph then draws TF 1.15's random numbers, so the
printed values must be those TF 1.15 printed for the tutorial's script with that seed. The
seeds of the training programs are ones with which TF 1.15 learns the four sentiments
within the quick budget (with others it can stall on a plateau, as the tutorial's scripts
do in TF)."""
import contextlib
import logging
import re

import numpy as np
import pytest

import tinygraph as tf
from replay_harness import run_example
from tinygraph.examples import tutorial_common
from tinygraph.replay import book, programs

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:e[-+]?\d+)?")


@pytest.fixture
def graph_seed():
    """graph_seed(s): every tf.Graph made from now on, until the test ends, has the
    graph seed s (as `tinygraph replay` seeds these programs)."""
    with contextlib.ExitStack() as stack:
        yield lambda seed: stack.enter_context(book.graph_seed(seed))


def numbers(text):
    return np.array([float(n) for n in NUMBER.findall(text)])


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------- tf.compat.v1, tf.logging
def test_compat_v1_is_tinygraph_with_logging(caplog):
    assert tf.compat.v1 is tf
    assert tf.compat.v1.logging is tf.logging
    # TF's levels are Python's.
    assert (tf.logging.DEBUG, tf.logging.INFO, tf.logging.WARN, tf.logging.WARNING,
            tf.logging.ERROR, tf.logging.FATAL) == (10, 20, 30, 30, 40, 50)
    logger = logging.getLogger("tinygraph")
    saved = logger.level
    try:
        tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
        assert tf.logging.get_verbosity() == logging.ERROR
        tf.logging.info("not shown")
        tf.logging.warning("not shown either")
        tf.logging.error("shown: %d", 7)
        assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == \
            [("tinygraph", logging.ERROR, "shown: 7")]
        caplog.clear()

        tf.logging.set_verbosity(tf.logging.INFO)
        assert tf.logging.get_verbosity() == logging.INFO
        tf.logging.debug("not shown")
        tf.logging.info("%s %s", "now", "shown")
        tf.logging.warn("warn is warning")
        tf.logging.fatal("fatal is critical")
        tf.logging.log(tf.logging.ERROR, "at a level")
        assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
            (logging.INFO, "now shown"), (logging.WARNING, "warn is warning"),
            (logging.CRITICAL, "fatal is critical"), (logging.ERROR, "at a level")]
    finally:
        logger.setLevel(saved)


# ---------------------------------------------------------------- 01, 02, 03, 05
# What TF 1.15 prints for the tutorial's scripts (its own log lines left out).
TF_01 = """\
f()
curr_state: Tensor("init:0", shape=(), dtype=float32)
x: Tensor("Const:0", shape=(), dtype=float32)

tf.scan()
curr_state: Tensor("scan/while/Identity_2:0", shape=(), dtype=float32)
x: Tensor("scan/while/TensorArrayReadV3:0", shape=(), dtype=float32)

f_output: 1.0
scan_output: [1. 3. 6.]
scan_last_output: 6.0
"""

TF_02 = """\
build - input_shape: (2,)
curr_state: Tensor("Tile:0", shape=(1, 2), dtype=float32)
x: Tensor("Const:0", shape=(2,), dtype=float32)

build - input_shape: (1, 2)
curr_state: Tensor("rnn/while/Identity_3:0", shape=(1, 2), dtype=float32)
x: Tensor("rnn/while/TensorArrayReadV3:0", shape=(1, 2), dtype=float32)

output_cell: [-1. -1.]
state_cell: [1. 1.]
outputs:
[[[-1. -1.]
  [-2. -2.]
  [-3. -3.]]]
state: [[3. 3.]]
"""

TF_03 = """\
outputs1:
[[[1. 1.]
  [3. 3.]
  [6. 6.]]]
outputs2:
[[[ 1.  1.]
  [ 4.  4.]
  [10. 10.]]]
state1: [[6. 6.]]
state2: [[10. 10.]]
"""

TF_05 = """\
outputs:
[[[-1. -1.]
  [-2. -2.]
  [ 0.  0.]]]
state: [[2. 2.]]
"""


def test_01_scan(tmp_path, monkeypatch):
    out, ns = run_example("tutorial_01_scan", tmp_path, monkeypatch)
    assert out == TF_01   # f is called twice while building, never while running
    np.testing.assert_array_equal(ns["scan_output"], [1, 3, 6])
    assert ns["scan_last_output"] == 6.0


def test_02_rnn_cell(tmp_path, monkeypatch):
    out, ns = run_example("tutorial_02_rnn_cell", tmp_path, monkeypatch)
    assert out == TF_02
    assert ns["outputs"].shape == (1, 3, 2) and ns["outputs"].dtype == np.float32


def test_03_rnn_cell_extras(tmp_path, monkeypatch):
    out, ns = run_example("tutorial_03_rnn_cell_extras", tmp_path, monkeypatch)
    assert out == TF_03


def test_05_rnn_cell_seqlen(tmp_path, monkeypatch):
    out, ns = run_example("tutorial_05_rnn_cell_seqlen", tmp_path, monkeypatch)
    assert out == TF_05   # the float length 2.0 counts as 2


def test_float_sequence_lengths_are_truncated_as_tf_does():
    """dynamic_rnn casts sequence_length to int32 (TF: truncation, 2.7 -> 2, -0.5 -> 0);
    an int32 placeholder fed floats takes them the same way."""
    x = np.random.RandomState(1).randn(4, 5, 3).astype(np.float32)
    lengths = [2.7, 1.2, -0.5, 5.0]
    as_float = tf.placeholder(tf.float32, [None])
    as_int = tf.placeholder(tf.int32, [None])
    cell = tf.nn.rnn_cell.BasicRNNCell(4)
    with tf.variable_scope("f"):
        outputs_f, state_f = tf.nn.dynamic_rnn(cell, x, sequence_length=as_float, dtype=tf.float32)
    with tf.variable_scope("f", reuse=True):
        outputs_i, state_i = tf.nn.dynamic_rnn(cell, x, sequence_length=as_int, dtype=tf.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        kernel, bias = sess.run(cell.weights)
        got = sess.run([outputs_f, state_f, outputs_i, state_i],
                       {as_float: lengths, as_int: lengths})
    expected_outputs = np.zeros((4, 5, 4), np.float32)
    expected_state = np.zeros((4, 4), np.float32)
    for row, length in enumerate([2, 1, 0, 5]):
        s = np.zeros(4)
        for t in range(length):
            s = np.tanh(np.concatenate([x[row, t], s]) @ kernel + bias)
            expected_outputs[row, t] = s
        expected_state[row] = s
    for outputs, state in (got[:2], got[2:]):
        np.testing.assert_allclose(outputs, expected_outputs, atol=1e-5)
        np.testing.assert_allclose(state, expected_state, atol=1e-5)


# ---------------------------------------------------------------- 07: ready-made cells
# TF 1.15, the tutorial's script with tf.set_random_seed(42) after as_default().
TF_07_SEED_42 = [[[0.78782225, -0.2516801], [0.9337619, -0.5081906], [0, 0]],  # srnn_outputs
                 [[0.9337619, -0.5081906]],                                     # srnn_state
                 [[0.02270513, -0.02753998], [0.03876796, -0.05667678], [0, 0]],  # gru
                 [[0.03876796, -0.05667678]],
                 [[0.04681719, 0.03747122], [0.04980326, 0.06225382], [0, 0]],   # lstm
                 [[0.04980326, 0.06225382]],                                     # h
                 [[0.1261346, 0.23038828]]]                                      # c

SEQ = np.array([[1, 1], [2, 2], [3, 3]], np.float32)   # the toy programs' sequence


def contrib_cells(kernel, bias, gates_kernel, gates_bias, candidate_kernel, candidate_bias,
                  lstm_kernel, lstm_bias):
    """TF's BasicRNNCell, GRUCell and LSTMCell over the first two steps of SEQ from zero
    states: the outputs at each step and the LSTM's final c."""
    s = g = h = c = np.zeros(2)
    srnn, gru, lstm = [], [], []
    for x in SEQ[:2]:
        s = np.tanh(np.concatenate([x, s]) @ kernel + bias)
        r, u = np.split(sigmoid(np.concatenate([x, g]) @ gates_kernel + gates_bias), 2)
        candidate = np.tanh(np.concatenate([x, r * g]) @ candidate_kernel + candidate_bias)
        g = u * g + (1 - u) * candidate
        i, j, f, o = np.split(np.concatenate([x, h]) @ lstm_kernel + lstm_bias, 4)
        c = sigmoid(f + 1.0) * c + sigmoid(i) * np.tanh(j)
        h = sigmoid(o) * np.tanh(c)
        srnn.append(s), gru.append(g), lstm.append(h)
    return srnn, gru, lstm, c


def test_07_contrib_cells(tmp_path, monkeypatch):
    out, ns = run_example("tutorial_07_contrib_cells", tmp_path, monkeypatch)
    model = ns["model"]
    with model.sess:
        weights = model.sess.run(model.graph.get_collection("variables"))
    srnn, gru, lstm, c = contrib_cells(*weights)
    for (outputs, state, steps) in [("srnn_outputs", "srnn_state", srnn),
                                    ("gru_outputs", "gru_state", gru),
                                    ("lstm_outputs", "lstm_state_h", lstm)]:
        assert ns[outputs].shape == (1, 3, 2)
        np.testing.assert_allclose(ns[outputs][0, :2], steps, atol=1e-6)
        np.testing.assert_array_equal(ns[outputs][0, 2], [0, 0])   # past the length
        np.testing.assert_array_equal(ns[state], ns[outputs][:, 1])
    np.testing.assert_allclose(ns["lstm_state_c"][0], c, atol=1e-6)


def test_07_contrib_cells_seeded_as_tf(tmp_path, monkeypatch, graph_seed):
    graph_seed(42)
    out, ns = run_example("tutorial_07_contrib_cells", tmp_path, monkeypatch)
    ns["model"].close()
    expected = np.concatenate([np.ravel(a) for a in TF_07_SEED_42])
    np.testing.assert_allclose(numbers(out), expected, atol=1e-6, rtol=0)


# ---------------------------------------------------------------- 09: bidirectional RNN
TF_09_SEED_42 = {"outputs_fw": [[-0.00577038, 0.00129178], [-0.0115166, 0.00259462], [0, 0]],
                 "outputs_bw": [[0.03872821, 0.02673803], [0.07772505, 0.05410851], [0, 0]]}


def test_09_bidirectional_rnns(tmp_path, monkeypatch):
    out, ns = run_example("tutorial_09_bidirectional_rnns", tmp_path, monkeypatch)
    model = ns["model"]
    with model.sess:
        W_fw, b_fw, W_bw, b_bw = model.sess.run(model.graph.get_collection("variables"))
    # script 04's cell, s = tanh([s, x] W + b): forwards over [1, 2], backwards over [2, 1]
    fw, bw = [np.zeros(2)], [np.zeros(2)]
    for x in SEQ[:2]:
        fw.append(np.tanh(np.concatenate([fw[-1], x]) @ W_fw + b_fw))
    for x in SEQ[1::-1]:
        bw.append(np.tanh(np.concatenate([bw[-1], x]) @ W_bw + b_bw))
    np.testing.assert_allclose(ns["outputs_fw"][0, :2], fw[1:], atol=1e-7)
    np.testing.assert_allclose(ns["outputs_bw"][0, :2], bw[:0:-1], atol=1e-7)   # in time order
    np.testing.assert_array_equal(ns["outputs"][0, 2], np.zeros(4))
    np.testing.assert_array_equal(ns["state_fw"], ns["outputs_fw"][:, 1])
    np.testing.assert_array_equal(ns["state_bw"], ns["outputs_bw"][:, 0])
    np.testing.assert_array_equal(ns["state"], np.concatenate([ns["state_fw"], ns["state_bw"]], 1))
    np.testing.assert_array_equal(ns["outputs"],
                                  np.concatenate([ns["outputs_fw"], ns["outputs_bw"]], 2))


def test_09_bidirectional_rnns_seeded_as_tf(tmp_path, monkeypatch, graph_seed):
    graph_seed(42)
    out, ns = run_example("tutorial_09_bidirectional_rnns", tmp_path, monkeypatch)
    ns["model"].close()
    for name, values in TF_09_SEED_42.items():
        np.testing.assert_allclose(ns[name][0], values, atol=1e-7, rtol=0)


# ---------------------------------------------------------------- 04, 06, 08, 10, 11: training
def tanh_rnn(embedded, s, W, b, input_first=False):
    """The states of s = tanh([s, x] W + b) (the tutorial's cell), or of [x, s]
    (BasicRNNCell), over the rows of `embedded`."""
    states = []
    for x in embedded:
        s = np.tanh((np.concatenate([x, s]) if input_first else np.concatenate([s, x])) @ W + b)
        states.append(s)
    return states


def rnn_04(params, sents):
    E, init_state, W, b = params[:4]
    return [tanh_rnn(E[sent], init_state, W, b)[-1] if sent else init_state for sent in sents]


def rnn_with_lengths(input_first):
    """Scripts 06 (the tutorial's cell) and 08 (BasicRNNCell): each sentence read up to
    its length from the trainable initial state."""
    def rnn(params, sents, lens):
        E, init_state, W, b = params[:4]
        return [([init_state] + tanh_rnn(E[sent[:n]], init_state, W, b, input_first))[-1]
                for sent, n in zip(sents, lens)]
    return rnn


def rnn_10(params, sents, lens):
    E, init_fw, init_bw, W_fw, b_fw, W_bw, b_bw = params[:7]
    return [np.concatenate([tanh_rnn(E[sent[:n]], init_fw, W_fw, b_fw, True)[-1],
                            tanh_rnn(E[sent[:n][::-1]], init_bw, W_bw, b_bw, True)[-1]])
            for sent, n in zip(sents, lens)]


def rnn_11(params, sents, lens):
    E, init_1, W_1, b_1, init_2, W_2, b_2 = params[:7]
    # the second layer starts from the first layer's initial state (the tutorial's slip)
    return [([init_1] + tanh_rnn(tanh_rnn(E[sent[:n]], init_1, W_1, b_1, True),
                                 init_1, W_2, b_2, True))[-1]
            for sent, n in zip(sents, lens)]


# program: the graph seed, TF 1.15's printed errors at epochs 100, 200, ... (quick budget)
# and sentiments for the tutorial's script with that seed, and the numpy RNN.
TRAINING = {
    "tutorial_04_simple_rnn": (
        1, [0.6924461, 0.0047940537, 0.002317131, 0.0015742289, 0.0011942987],
        [0.999, 0.001, 0.999, 0.001], rnn_04),
    "tutorial_06_simple_rnn_seqlen": (
        13, [0.6931472, 0.69231266, 0.6234917, 0.4713882, 0.36159512, 0.29240116, 0.24570592,
             0.21189506, 0.1860847, 0.1656003],
        [0.748, 0.149, 0.951, 0.148], rnn_with_lengths(input_first=False)),
    "tutorial_08_contrib_cells_2": (
        7, [0.6931472, 0.6931472, 0.6897986, 0.5155004, 0.28367314, 0.18781771, 0.13947076,
            0.110083655, 0.09018904, 0.07578077],
        [0.928, 0.075, 0.926, 0.071], rnn_with_lengths(input_first=True)),
    "tutorial_10_bidirectional_rnns_2": (
        1, [0.6900097, 0.6043819, 0.34443077, 0.19181752, 0.118589744],
        [0.878, 0.168, 0.904, 0.056], rnn_10),
    "tutorial_11_two_layer_rnn": (
        1, [0.69314706, 0.6874449, 0.49062568, 0.24448338, 0.16729376, 0.1293639, 0.10558971,
            0.08888466, 0.07635494, 0.06655321],
        [0.934, 0.066, 0.938, 0.063], rnn_11),
}

# TF 1.15's printed states for the same runs: the prefixes, then the sentences.
TF_STATES = {
    "tutorial_04_simple_rnn": [
        [0.145, 0.007], [-0.036, -0.044], [-0.059, -0.016], [0.116, -0.996], [-0.121, 0.994],
        [0.061, -0.995], [-0.941, 0.992], [-0.175, 0.995], [0.945, -0.994],
        [-0.966, 0.996], [0.966, -0.995], [-0.944, 0.993], [0.943, -0.994]],
    "tutorial_06_simple_rnn_seqlen": [
        [0.16, -0.876], [-0.993, -0.995], [-0.888, 0.984], [0.838, 1.], [-0.97, 0.845],
        [-0.863, 0.987], [-0.938, 0.87], [-1., -0.921], [-1., -0.874],
        [-1., -0.874], [-0.938, 0.87], [0.598, -0.759], [-0.967, 0.852]],
    "tutorial_08_contrib_cells_2": [
        [0.215, -0.746], [-0.924, -0.912], [0.289, 0.724], [-0.913, -0.965], [0.919, -1.],
        [-1., 0.935], [0.837, -0.815], [-0.98, -0.924], [-0.852, 0.834],
        [-0.852, 0.834], [0.837, -0.815], [-0.842, 0.822], [0.847, -0.844]],
    "tutorial_11_two_layer_rnn": [
        [0.629, 0.158], [-0.431, 0.095], [0.319, -0.147], [-0.119, 0.319], [0.749, -0.768],
        [0.542, -0.428], [0.961, -0.959], [-0.823, 0.752], [-0.962, 0.95],
        [-0.962, 0.95], [0.961, -0.959], [-0.983, 0.98], [0.977, -0.979]],
}


@pytest.mark.parametrize("name", sorted(TRAINING))
def test_sentiment_training_seeded_as_tf(name, tmp_path, monkeypatch, graph_seed):
    seed, tf_errors, tf_probs, rnn = TRAINING[name]
    assert next(p.seed for p in programs.PROGRAMS if p.name == name) == seed   # the replay's
    graph_seed(seed)
    out, ns = run_example(name, tmp_path, monkeypatch)

    # The error printed every 100 epochs follows TF's. Float32 rounding differences,
    # amplified by hundreds of optimisation steps, stay within 2e-3 (the OpenCL and
    # numpy backends differ from each other by as much).
    printed = [float(e) for e in re.findall(r"^\d+\t(\S+)$", out, re.M)]
    np.testing.assert_allclose(printed, tf_errors, rtol=2e-3)
    errors = ns["train_errors"]
    assert len(errors) == 100 * len(tf_errors) and ns["train_error"] == errors[-1]
    assert errors[-1] < errors[0] - 0.3   # it learns ...
    assert list(ns["probs"][:, 0] > 0.5) == [True, False, True, False]   # ... the sentiments
    np.testing.assert_allclose(ns["probs"][:, 0], tf_probs, atol=2e-3)   # (printed: 3 decimals)
    if name in TF_STATES:
        states = np.concatenate([ns["prefix_states"], ns["states"]])
        np.testing.assert_allclose(states, TF_STATES[name], atol=2e-3)

    # The printed tables are the values held, and the equations hold for the trained
    # parameters: the RNN recomputed in numpy, the sigmoid layer on its final state.
    params = ns["params"]
    if name == "tutorial_04_simple_rnn":
        data = [ns["index_sents"]]
        prefix_data = [ns["index_prefixes"]]
    else:
        data = [ns["index_sents"], ns["sent_lens"]]
        prefix_data = [ns["index_prefixes"], ns["prefix_lens"]] if "prefix_states" in ns else None
    states = rnn(params, *data)
    np.testing.assert_allclose(ns["states"], states, atol=1e-5)
    np.testing.assert_allclose(ns["probs"], sigmoid(np.dot(states, params[-2]) + params[-1]),
                               atol=1e-5)
    if prefix_data:
        np.testing.assert_allclose(ns["prefix_states"], rnn(params, *prefix_data), atol=1e-5)
        # the empty prefix (length 0): the initial state itself
        np.testing.assert_allclose(ns["prefix_states"][0], params[1], atol=1e-7)
    rows = out.split("sent\tsentiment\n")[1].splitlines()[:4]
    sents = ns.get("token_sents", tutorial_common.token_sents)
    assert [row.split("\t")[0] for row in rows] == [" ".join(s) for s in sents]
    np.testing.assert_allclose([float(row.split("\t")[1]) for row in rows], ns["probs"][:, 0],
                               atol=5e-4)
    assert (tmp_path / "images" / "rnn" / f"{name}.png").exists() or "Skipping figure" in out
