"""The seeded chapter-14 programs that train nothing (examples/ch14_*.py): each one run as
`tinygraph replay` runs it, its printed numbers and arrays checked against what the
book's notebook printed (TensorFlow 1.15, seeded with reset_graph()).

The notebook prints float32 values with about 8 significant digits; TF and tinygraph sum
in different orders, so the values agree to float32 rounding, not to the last bit."""
import re

import numpy as np
import pytest

from replay_harness import run_example

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:e[-+]?\d+)?")

# The batch the programs feed (the book's): 4 instances, 2 steps, 3 inputs.
X_BATCH = np.array([[[0, 1, 2], [9, 8, 7]], [[3, 4, 5], [0, 0, 0]],
                    [[6, 7, 8], [6, 5, 4]], [[9, 0, 1], [3, 2, 1]]], dtype=np.float32)


def numbers(text):
    """Every number in printed text, in order (dtype=float32 and shapes left out)."""
    text = re.sub(r"dtype=\w+", "", text)
    return np.array([float(n) for n in NUMBER.findall(text)])


def check(printed, arrays, atol=2e-6):
    """Printed values against the notebook's printed arrays, in order."""
    book = np.concatenate([np.ravel(a) for a in arrays])
    got = numbers(printed)
    assert got.size == book.size, printed
    np.testing.assert_allclose(got, book, rtol=0, atol=atol)


# --- In[10]-In[13]: the manual two-step RNN -----------------------------------------
BOOK_Y0 = [[-0.0664006, 0.9625767, 0.68105793, 0.7091854, -0.898216],
           [0.9977755, -0.719789, -0.9965761, 0.9673924, -0.9998972],
           [0.99999774, -0.99898803, -0.9999989, 0.9967762, -0.9999999],
           [1., -1., -1., -0.99818915, 0.9995087]]
BOOK_Y1 = [[1., -1., -1., 0.4020025, -0.9999998],
           [-0.12210419, 0.62805265, 0.9671843, -0.9937122, -0.2583937],
           [0.9999983, -0.9999994, -0.9999975, -0.85943305, -0.9999881],
           [0.99928284, -0.99999815, -0.9999058, 0.9857963, -0.92205757]]


def test_manual_rnn(tmp_path, monkeypatch):
    out, ns = run_example("ch14_manual_rnn", tmp_path, monkeypatch)
    check(out, [BOOK_Y0, BOOK_Y1])
    # the rows, from the arrays themselves
    np.testing.assert_allclose(ns["Y0_val"][0], BOOK_Y0[0], atol=2e-6, rtol=0)
    np.testing.assert_allclose(ns["Y0_val"][3], BOOK_Y0[3], atol=2e-6, rtol=0)
    np.testing.assert_allclose(ns["Y1_val"][1], BOOK_Y1[1], atol=2e-6, rtol=0)
    # the graph is the book's formula: Y1 = tanh(Y0 Wy + X1 Wx + b)
    with ns["tf"].Session() as sess:
        ns["init"].run()
        wx, wy, b = sess.run([ns["Wx"], ns["Wy"], ns["b"]])
    x0, x1 = ns["X0_batch"], ns["X1_batch"]
    y0 = np.tanh(x0 @ wx + b)
    np.testing.assert_allclose(ns["Y1_val"], np.tanh(y0 @ wy + x1 @ wx + b), atol=1e-5)


# --- In[16]-In[21]: static_rnn on two placeholders -----------------------------------
BOOK_STATIC_Y0 = [[0.30741334, -0.32884315, -0.6542847, -0.9385059, 0.52089024],
                  [0.99122757, -0.9542541, -0.7518079, -0.9995208, 0.9820235],
                  [0.9999268, -0.99783254, -0.8247353, -0.9999963, 0.99947774],
                  [0.996771, -0.68750614, 0.8419969, 0.9303911, 0.8120684]]
BOOK_STATIC_Y1 = [[0.99998885, -0.99976057, -0.0667929, -0.9999803, 0.99982214],
                  [-0.6524943, -0.51520866, -0.37968948, -0.5922594, -0.08968379],
                  [0.99862397, -0.99715203, -0.03308626, -0.9991566, 0.9932902],
                  [0.99681675, -0.9598194, 0.39660627, -0.8307606, 0.79671973]]


def test_static_rnn(tmp_path, monkeypatch):
    out, ns = run_example("ch14_static_rnn", tmp_path, monkeypatch)
    assert out.count("array(") == 2 and out.count("dtype=float32") == 2   # printed as repr
    check(out, [BOOK_STATIC_Y0, BOOK_STATIC_Y1])
    np.testing.assert_allclose(ns["Y0_val"][0], BOOK_STATIC_Y0[0], atol=2e-6, rtol=0)
    np.testing.assert_allclose(ns["Y1_val"][1], BOOK_STATIC_Y1[1], atol=2e-6, rtol=0)
    # the final state of a BasicRNNCell is its last output
    assert ns["states"].shape.as_list() == [None, 5]
    assert [v.name for v in ns["tf"].global_variables()] == [
        "rnn/basic_rnn_cell/kernel:0", "rnn/basic_rnn_cell/bias:0"]
    # the notebook's save_graph(): the graph page and an event file in tf_logs/run-*/
    logdir = tmp_path / ns["logdir"]
    assert logdir.parent == tmp_path / "tf_logs" and logdir.name.startswith("run-")
    assert '"rnn/basic_rnn_cell/MatMul_1"' in (logdir / "graph.html").read_text()
    assert len(list(logdir.glob("events.out.tfevents.*"))) == 1


# --- In[27]-In[32]: packing the sequences into one tensor ----------------------------
BOOK_PACKED = [[[-0.45652324, -0.68064123, 0.40938237, 0.63104504, -0.45732826],
                [-0.9428799, -0.9998869, 0.94055814, 0.9999985, -0.9999997]],
               [[-0.8001535, -0.9921827, 0.7817797, 0.9971032, -0.9964609],
                [-0.637116, 0.11300927, 0.5798437, 0.4310559, -0.6371699]],
               [[-0.93605185, -0.9998379, 0.9308867, 0.9999815, -0.99998295],
                [-0.9165386, -0.9945604, 0.896054, 0.99987197, -0.9999751]],
               [[0.9927369, -0.9981933, -0.55543643, 0.9989031, -0.9953323],
                [-0.02746338, -0.73191994, 0.7827872, 0.9525682, -0.9781773]]]


def test_packing_sequences(tmp_path, monkeypatch):
    out, ns = run_example("ch14_packing_sequences", tmp_path, monkeypatch)
    book = np.array(BOOK_PACKED)
    check(out, [book, book[:, 1]])   # all outputs, then the last step's
    assert ns["outputs_val"].shape == (4, 2, 5)
    assert ns["outputs"].shape.as_list() == [None, 2, 5]
    assert [x.shape.as_list() for x in ns["X_seqs"]] == [[None, 3], [None, 3]]


# --- In[34]-In[38]: dynamic_rnn ------------------------------------------------------
BOOK_DYNAMIC = [[[-0.85115266, 0.87358344, 0.5802911, 0.8954789, -0.0557505],
                 [-0.999996, 0.99999577, 0.9981815, 1., 0.37679607]],
                [[-0.9983293, 0.9992038, 0.98071456, 0.999985, 0.25192663],
                 [-0.7081804, -0.0772338, -0.85227895, 0.5845349, -0.78780943]],
                [[-0.9999827, 0.99999535, 0.9992863, 1., 0.5159072],
                 [-0.9993956, 0.9984095, 0.83422637, 0.99999976, -0.47325212]],
                [[0.87888587, 0.07356028, 0.97216916, 0.9998546, -0.7351168],
                 [-0.9134514, 0.3600957, 0.7624866, 0.99817705, 0.80142]]]


def test_dynamic_rnn(tmp_path, monkeypatch):
    out, ns = run_example("ch14_dynamic_rnn", tmp_path, monkeypatch)
    check(out, [BOOK_DYNAMIC])
    assert ns["outputs_val"].shape == (4, 2, 5)
    assert ns["outputs"].shape.as_list() == [None, 2, 5]


# --- In[42]-In[48]: sequence lengths -------------------------------------------------
BOOK_SEQ_OUTPUTS = [[[-0.9123188, 0.16516446, 0.5548655, -0.39159346, 0.20846416],
                     [-1., 0.956726, 0.99831694, 0.99970174, 0.96518576]],
                    [[-0.9998612, 0.6702289, 0.9723653, 0.6631046, 0.74457586],
                     [0., 0., 0., 0., 0.]],
                    [[-0.99999976, 0.8967997, 0.9986295, 0.9647514, 0.93662],
                     [-0.9999526, 0.9681953, 0.96002865, 0.98706263, 0.85459226]],
                    [[-0.96435434, 0.99501586, -0.36150697, 0.9983378, 0.999497],
                     [-0.9613586, 0.9568762, 0.7132288, 0.97729224, -0.0958299]]]
BOOK_SEQ_STATES = [[-1., 0.956726, 0.99831694, 0.99970174, 0.96518576],
                   [-0.9998612, 0.6702289, 0.9723653, 0.6631046, 0.74457586],
                   [-0.9999526, 0.9681953, 0.96002865, 0.98706263, 0.85459226],
                   [-0.9613586, 0.9568762, 0.7132288, 0.97729224, -0.0958299]]


def test_sequence_lengths(tmp_path, monkeypatch):
    out, ns = run_example("ch14_sequence_lengths", tmp_path, monkeypatch)
    check(out, [BOOK_SEQ_OUTPUTS, BOOK_SEQ_STATES])
    outputs_val, states_val = ns["outputs_val"], ns["states_val"]
    # instance 2 has one step: zeros past it, and its state is its step-0 output
    assert outputs_val.shape == (4, 2, 5) and states_val.shape == (4, 5)
    assert np.all(outputs_val[1, 1] == 0) and np.all(outputs_val[[0, 2, 3], 1] != 0)
    np.testing.assert_array_equal(states_val[1], outputs_val[1, 0])
    np.testing.assert_array_equal(states_val[[0, 2, 3]], outputs_val[[0, 2, 3], 1])


def test_sequence_lengths_makes_tf_ops_in_tf_order(tmp_path, monkeypatch):
    """The kernel's initializer draws TF's numbers only if every op before it has TF's
    id: the length check's Assert (with its string Consts) comes before the loop."""
    _, ns = run_example("ch14_sequence_lengths", tmp_path, monkeypatch)
    ops = {op.name: op for op in ns["tf"].get_default_graph().get_operations()}
    # ids and types as TF 1.15 makes them for this program
    expected = {"rnn/Rank": (3, "Const"), "rnn/Shape_1": (27, "Shape"), "rnn/stack": (28, "Pack"),
                "rnn/Assert/Const": (32, "Const"), "rnn/Assert/Const_1": (33, "Const"),
                "rnn/Assert/Assert/data_0": (34, "Const"),
                "rnn/Assert/Assert/data_2": (35, "Const"), "rnn/Assert/Assert": (36, "Assert"),
                "rnn/CheckSeqLen": (37, "Identity"),
                "rnn/basic_rnn_cell/kernel/Initializer/random_uniform/RandomUniform":
                    (107, "RandomUniform"),
                "rnn/transpose_1": (153, "Transpose"), "init": (154, "NoOp")}
    assert {n: (ops[n]._id, ops[n].type) for n in expected} == expected
    # and the check itself works: a length vector of the wrong size fails the run
    tf = ns["tf"]
    with tf.Session() as sess:
        ns["init"].run()
        with pytest.raises(tf.errors.InvalidArgumentError, match="Expected shape for Tensor"):
            sess.run(ns["outputs"], {ns["X"]: X_BATCH, ns["seq_length"]: [2, 1, 2]})


# --- In[95]-In[110]: MultiRNNCell, and the book's DeviceCellWrapper --------------------
# outputs_val[:, -1, :4] and the states' row 1 of In[99], printed by TF 1.15 (the
# notebook only shows the shape)
TF_DEEP_LAST = [[-0.02416163, 0.2275186, -0.20241225, -0.31614673],
                [-0.04275231, 0.12925923, -0.19678147, -0.30315632]]
TF_DEEP_STATES_ROW1 = [[-0.36476707, 0.07460642, 0.0143345],
                       [0.41318256, 0.18581593, 0.0781403],
                       [-0.04275231, 0.12925923, -0.19678147]]
# In[110]: what numpy's summary shows of the (2, 20, 100) outputs: for each instance,
# steps 0-2 and 17-19, neurons 0-2 and 97-99
BOOK_DEVICE_OUTPUTS = [
    -3.29020061e-02, 1.17019236e-01, -4.58992608e-02, 3.84477153e-02, -5.24900258e-02,
    5.80436960e-02, 3.54288332e-02, -7.42610693e-02, -6.42375052e-02, -2.45757148e-01,
    -1.77626804e-01, -3.26535292e-03, 2.59726584e-01, 1.44605249e-01, 3.29312116e-01,
    3.38821977e-01, 5.98853417e-02, -8.31450596e-02, 1.18043743e-01, -2.41663873e-01,
    -8.27798247e-01, -1.85782462e-01, 1.89682379e-01, -1.35261893e-01, 2.87830859e-01,
    3.92953992e-01, -3.15236300e-01, -7.85605535e-02, 4.32724983e-01, -6.61824420e-02,
    7.49779761e-01, 6.11052871e-01, -3.01685542e-01, 1.95649698e-01, -1.62457466e-01,
    -5.23968339e-02,
    -6.68027624e-02, 7.35576972e-02, -2.90275402e-02, -7.79968277e-02, -3.65773253e-02,
    -4.66752201e-02, 1.71546549e-01, 4.28418722e-03, 2.18812120e-03, 3.68538052e-02,
    -8.13241452e-02, 9.01001915e-02, 3.45635489e-02, -9.57525298e-02, 1.59450233e-01,
    1.63022086e-01, -6.83046281e-02, 1.07990295e-01, 1.96414590e-01, -2.15230390e-01,
    -5.82537949e-01, 3.02532643e-01, 5.47862291e-01, -1.06282756e-02, 2.01206997e-01,
    2.52655987e-02, -5.02945222e-02, 9.56110135e-02, -2.03766495e-01, -1.52696133e-01,
    4.77758050e-01, 1.66605622e-01, -1.56402126e-01, 1.67080894e-01, -2.03233853e-01,
    7.59940522e-05]


def test_deep_rnn(tmp_path, monkeypatch):
    out, ns = run_example("ch14_deep_rnn", tmp_path, monkeypatch)
    first, rest = out.split("\n", 1)
    assert first == "(2, 5, 100)"
    outputs_val, states_val = ns["outputs_val"], ns["states_val"]
    np.testing.assert_allclose(outputs_val[:, -1, :4], TF_DEEP_LAST, atol=2e-6, rtol=0)
    assert len(states_val) == 3 and all(s.shape == (2, 100) for s in states_val)
    np.testing.assert_allclose([s[1, :3] for s in states_val], TF_DEEP_STATES_ROW1,
                               atol=2e-6, rtol=0)
    np.testing.assert_array_equal(states_val[-1], outputs_val[:, -1])   # the top layer's
    # 20 steps through 3 layers: the rounding differences grow a little (up to 1e-6)
    assert rest.count("...") == 12 + 2   # in each row, and between steps 2 and 17
    check(rest, [BOOK_DEVICE_OUTPUTS], atol=3e-6)
    # the wrapped cells make their variables where MultiRNNCell puts them, as in TF
    assert [v.name for v in ns["tf"].trainable_variables()] == [
        f"rnn/multi_rnn_cell/cell_{i}/basic_rnn_cell/{w}:0" for i in range(3)
        for w in ("kernel", "bias")]
