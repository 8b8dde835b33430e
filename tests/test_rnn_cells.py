"""The RNN cells (tf.nn.rnn_cell, tf.contrib.rnn) on both backends: TF 1.15's variable
names and seeded numbers, each cell's equations against numpy, gradients against finite
differences, the RNNCell base users subclass, the wrappers, names and errors."""
import re

import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_forward, check_gradients
from rnn_reference import (X0_BATCH, X1_BATCH, check_tf_printed, check_variable_gradients,
                           flat, np_basic_lstm, np_basic_rnn, np_gru, np_lstm, np_multi,
                           np_projection, np_residual, scoped)

SEEDED_CELLS = {
    "basic": lambda: tf.contrib.rnn.BasicRNNCell(num_units=5),
    "basic_lstm": lambda: tf.contrib.rnn.BasicLSTMCell(num_units=5),
    "gru": lambda: tf.contrib.rnn.GRUCell(num_units=5),
    "lstm_peep": lambda: tf.contrib.rnn.LSTMCell(num_units=5, use_peepholes=True),
    "lstm_proj": lambda: tf.nn.rnn_cell.LSTMCell(5, use_peepholes=True, cell_clip=0.5,
                                                 num_proj=3, proj_clip=0.3),
    "multi": lambda: tf.contrib.rnn.MultiRNNCell([tf.contrib.rnn.BasicRNNCell(num_units=5)
                                                  for _ in range(3)]),
    "proj": lambda: tf.contrib.rnn.OutputProjectionWrapper(
        tf.contrib.rnn.BasicRNNCell(num_units=5, activation=tf.nn.relu), output_size=2),
    "residual": lambda: tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.GRUCell(3)),
    "dropout": lambda: tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(4),
                                                     input_keep_prob=0.7, output_keep_prob=0.6,
                                                     state_keep_prob=0.8),
    "dropout_seeded": lambda: tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicRNNCell(4),
                                                            output_keep_prob=0.5, seed=5),
}

# Printed by TensorFlow 1.15: after tf.reset_default_graph(); tf.set_random_seed(42), the
# cell above run by tf.contrib.rnn.static_rnn(cell, [X0, X1], dtype=tf.float32) on two
# [None, 3] placeholders fed X0_BATCH and X1_BATCH. Per variable: its shape, its first four
# values and its sum; the last output; per part of the final state: its first row and sum.
TF_PRINTED = {
    "basic": {
        "variables": {
            "rnn/basic_rnn_cell/kernel": ([8, 5], [0.36941123, -0.101361394, 0.194596767, 0.257241488], -0.514564157),
            "rnn/basic_rnn_cell/bias": ([5], [0, 0, 0, 0], 0),
        },
        "last_output": [[0.999988854, -0.999760687, -0.0667929798, -0.99998039, 0.99982214], [-0.652494252, -0.515208602, -0.379689544, -0.592259407, -0.0896838531], [0.998624027, -0.997151971, -0.033086285, -0.999156475, 0.993290067], [0.996816695, -0.959819376, 0.396606356, -0.830760598, 0.79671973]],
        "state": [([0.999988854, -0.999760687, -0.0667929798, -0.99998039, 0.99982214], -1.93397617)],
    },
    "basic_lstm": {
        "variables": {
            "rnn/basic_lstm_cell/kernel": ([8, 20], [-0.430024743, -0.201997042, 0.332696736, -0.0759530365], -0.324123859),
            "rnn/basic_lstm_cell/bias": ([20], [0, 0, 0, 0], 0),
        },
        "last_output": [[-0.0167206991, 0.000351793569, -0.367036849, -0.059106987, -0.412424535], [-0.0651219934, 0.0843727812, -0.11782065, -0.208594516, -0.202844411], [-0.095695436, 0.0135348542, -0.271448135, -0.147731766, -0.684048057], [-0.141859487, 0.0768054724, 0.0364105068, -0.0123182843, -0.252812147]],
        "state": [([-0.0200938508, 0.202099815, -0.470741689, -1.21634459, -0.463744938], -5.44733906), ([-0.0167206991, 0.000351793569, -0.367036849, -0.059106987, -0.412424535], -2.84410882)],
    },
    "gru": {
        "variables": {
            "rnn/gru_cell/gates/kernel": ([8, 10], [0.313939214, -0.0861406326, 0.165375471, 0.218613207], -1.01120067),
            "rnn/gru_cell/gates/bias": ([10], [1, 1, 1, 1], 10),
            "rnn/gru_cell/candidate/kernel": ([8, 5], [0.307512105, -0.338241398, -0.056073606, -0.0644489527], -0.380321383),
            "rnn/gru_cell/candidate/bias": ([5], [0, 0, 0, 0], 0),
        },
        "last_output": [[0.0528253429, -0.999829888, -0.0152468663, -0.953794539, -0.0191956814], [0.143398285, -0.544584751, 0.0404412001, -0.543150425, -0.109658226], [0.000871094468, -0.999978602, 0.00328329671, -0.919163346, 0.00820300821], [0.0390626304, -0.965773106, -0.000874690711, -0.670341313, 0.0345930979]],
        "state": [([0.0528253429, -0.999829888, -0.0152468663, -0.953794539, -0.0191956814], -6.41891384)],
    },
    "lstm_peep": {
        "variables": {
            "rnn/lstm_cell/kernel": ([8, 20], [-0.430024743, -0.201997042, 0.332696736, -0.0759530365], -0.324123859),
            "rnn/lstm_cell/bias": ([20], [0, 0, 0, 0], 0),
            "rnn/lstm_cell/w_f_diag": ([5], [-0.44305715, -0.0679699183, 0.405804992, -0.145982444], 0.467032254),
            "rnn/lstm_cell/w_i_diag": ([5], [-0.65016824, -0.00125491619, 0.0398145914, 0.288622737], 0.249190748),
            "rnn/lstm_cell/w_o_diag": ([5], [0.270115614, -0.747958541, -0.762185752, 0.709208608], -0.965793014),
        },
        "last_output": [[-0.0156308226, 0.000303973153, -0.381410271, -0.0263211038, -0.426366329], [-0.0685420856, 0.0760575458, -0.124970153, -0.168391943, -0.192921236], [-0.0981674641, 0.00783547107, -0.285324872, -0.0602226853, -0.605223596], [-0.138578176, 0.0566143505, 0.0366889574, -0.0169723742, -0.260046631]],
        "state": [([-0.018789215, 0.202852041, -0.46475935, -1.19674182, -0.47698918], -5.13796234), ([-0.0156308226, 0.000303973153, -0.381410271, -0.0263211038, -0.426366329], -2.69158936)],
    },
    "lstm_proj": {
        "variables": {
            "rnn/lstm_cell/kernel": ([6, 20], [-0.44625777, -0.209622234, 0.345255733, -0.078820169], -1.36840451),
            "rnn/lstm_cell/bias": ([20], [0, 0, 0, 0], 0),
            "rnn/lstm_cell/w_f_diag": ([5], [-0.44305715, -0.0679699183, 0.405804992, -0.145982444], 0.467032254),
            "rnn/lstm_cell/w_i_diag": ([5], [-0.65016824, -0.00125491619, 0.0398145914, 0.288622737], 0.249190748),
            "rnn/lstm_cell/w_o_diag": ([5], [0.270115614, -0.747958541, -0.762185752, 0.709208608], -0.965793014),
            "rnn/lstm_cell/projection/kernel": ([5, 3], [-0.567630649, 0.214353859, -0.256136, -0.240071535], -2.4200213),
        },
        "last_output": [[0.300000012, -0.0439255983, 0.147589341], [0.160445586, -0.0984597877, 0.145583481], [0.300000012, -0.133715004, 0.252446055], [0.17181991, -0.134537116, 0.221440971]],
        "state": [([-0.0153821539, 0.19355315, -0.470061749, -0.5, -0.474045277], -3.31529927), ([0.300000012, -0.0439255983, 0.147589341], 1.28868794)],
    },
    "multi": {
        "variables": {
            "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/kernel": ([8, 5], [-0.251226604, 0.126523197, 0.182644784, 0.503346801], 1.53478813),
            "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/bias": ([5], [0, 0, 0, 0], 0),
            "rnn/multi_rnn_cell/cell_1/basic_rnn_cell/kernel": ([10, 5], [-0.490192771, -0.585677385, -0.371693432, 0.177642286], 3.42049003),
            "rnn/multi_rnn_cell/cell_1/basic_rnn_cell/bias": ([5], [0, 0, 0, 0], 0),
            "rnn/multi_rnn_cell/cell_2/basic_rnn_cell/kernel": ([10, 5], [0.163386703, 0.118072867, -0.44210881, 0.424901545], 0.727617323),
            "rnn/multi_rnn_cell/cell_2/basic_rnn_cell/bias": ([5], [0, 0, 0, 0], 0),
        },
        "last_output": [[0.0363902636, -0.354215354, 0.190852404, 0.623846352, 0.370138139], [-0.384158403, -0.0605730154, 0.225134954, -0.0383399911, 0.262411535], [-0.193519399, -0.31013158, 0.135914356, 0.532722056, 0.436569691], [-0.217092589, 0.00237635546, -0.167466179, 0.384378731, 0.493038952]],
        "state": [([-0.999720871, 0.999999285, 0.998265922, 0.998625517, 0.9999488], 7.86687803), ([0.863969266, 0.771509588, 0.462938756, 0.729040205, 0.14363201], 10.3896656), ([0.0363902636, -0.354215354, 0.190852404, 0.623846352, 0.370138139], 1.96827722)],
    },
    "proj": {
        "variables": {
            "rnn/output_projection_wrapper/basic_rnn_cell/kernel": ([8, 5], [0.36941123, -0.101361394, 0.194596767, 0.257241488], -0.514564157),
            "rnn/output_projection_wrapper/basic_rnn_cell/bias": ([5], [0, 0, 0, 0], 0),
            "rnn/output_projection_wrapper/kernel": ([5, 2], [-0.372565031, 0.674301624, 0.0246790051, -0.0661584735], -0.784980536),
            "rnn/output_projection_wrapper/bias": ([2], [0, 0], 0),
        },
        "last_output": [[-4.66980219, 6.52298021], [-0.288077205, 0.521387994], [-2.42044067, 3.96678066], [-2.31320286, 2.66424632]],
        "state": [([6.91745663, 0, 0.00539891887, 0, 4.39048862], 24.9601707)],
    },
    "residual": {
        "variables": {
            "rnn/gru_cell/gates/kernel": ([6, 6], [0.384495437, -0.105500281, 0.202542722, 0.267745435], 0.817691028),
            "rnn/gru_cell/gates/bias": ([6], [1, 1, 1, 1], 6),
            "rnn/gru_cell/candidate/kernel": ([6, 3], [0.369583607, -0.406515568, -0.0673921108, -0.0774579644], -0.0505187511),
            "rnn/gru_cell/candidate/bias": ([3], [0, 0, 0], 0),
        },
        "last_output": [[8.90864372, 7.07679987, 7.02408314], [-0.00395176606, 0.000525767449, -0.000594623154], [5.99798632, 4.18441343, 3.99865842], [3.02900386, 1.59840035, 0.979795337]],
        "state": [([-0.0913558081, -0.923200309, 0.0240830835], -2.20623612)],
    },
    "dropout": {
        "variables": {
            "rnn/basic_lstm_cell/kernel": ([7, 16], [-0.214732111, -0.101306081, 0.331695676, -0.394819736], 0.395667553),
            "rnn/basic_lstm_cell/bias": ([16], [0, 0, 0, 0], 0),
        },
        "last_output": [[0.0649578273, 0, 1.16676831, -0], [0.127916366, -0.127552435, 0.262245178, 0.0969508737], [0.0194838233, 0.206049398, 0, -0], [0.0992470011, -0, 0, -0.0405926108]],
        "state": [([0.0913801044, 0.996134579, 0.987426281, -0.339009017], 4.32692719), ([0.0487183742, 0.909973025, 0.875076294, -0.189579189], 3.24311733)],
    },
    "dropout_seeded": {
        "variables": {
            "rnn/basic_rnn_cell/kernel": ([7, 4], [-0.000295996666, -0.647923708, 0.655711949, 0.0135250092], -2.62114811),
            "rnn/basic_rnn_cell/bias": ([4], [0, 0, 0, 0], 0),
        },
        "last_output": [[-0, -1.99999857, 2, 1.99997473], [-0, -0.989801109, -0.517049193, 0.0795507953], [-0.870987475, -1.99986589, 1.99996865, 1.99825931], [-0.466242522, -0, 0, 0]],
        "state": [([-0.557241857, -0.999999285, 1, 0.999987364], 0.815815449)],
    },
}


@pytest.mark.parametrize("net", sorted(TF_PRINTED))
def test_seeded_cells_print_tfs_numbers(backend, net):
    tf.set_random_seed(42)
    x0 = tf.placeholder(tf.float32, [None, 3])
    x1 = tf.placeholder(tf.float32, [None, 3])
    outputs, state = tf.contrib.rnn.static_rnn(SEEDED_CELLS[net](), [x0, x1], dtype=tf.float32)
    check_tf_printed(backend, TF_PRINTED[net], outputs, state, {x0: X0_BATCH, x1: X1_BATCH})


# ---------------------------------------------------------------- the equations, in numpy
def keep_all():
    return tf.placeholder_with_default(1.0, shape=())


# name: (the cell, its numpy step, the prefix of its variables under rnn/)
MATH = {
    "basic_relu": (lambda: tf.nn.rnn_cell.BasicRNNCell(4, tf.nn.relu),
                   np_basic_rnn(lambda a: np.maximum(a, 0)), "basic_rnn_cell/"),
    "basic_lstm": (lambda: tf.nn.rnn_cell.BasicLSTMCell(4, forget_bias=0.5),
                   np_basic_lstm(0.5), "basic_lstm_cell/"),
    "basic_lstm_concat": (lambda: tf.nn.rnn_cell.BasicLSTMCell(4, state_is_tuple=False),
                          np_basic_lstm(tuple_state=False), "basic_lstm_cell/"),
    "lstm_full": (lambda: tf.nn.rnn_cell.LSTMCell(4, use_peepholes=True, cell_clip=0.4,
                                                  num_proj=3, proj_clip=0.25, forget_bias=0.7),
                  np_lstm(4, True, 0.4, 3, 0.25, 0.7), "lstm_cell/"),
    "lstm_concat": (lambda: tf.nn.rnn_cell.LSTMCell(4, num_proj=3, state_is_tuple=False),
                    np_lstm(4, num_proj=3, tuple_state=False), "lstm_cell/"),
    "gru": (lambda: tf.nn.rnn_cell.GRUCell(4), np_gru, "gru_cell/"),
    "multi": (lambda: tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(3),
                                                   tf.nn.rnn_cell.GRUCell(4)]),
              np_multi([scoped(np_basic_lstm(), "basic_lstm_cell/"),
                        scoped(np_gru, "gru_cell/")]), "multi_rnn_cell/"),
    "multi_concat": (lambda: tf.nn.rnn_cell.MultiRNNCell(
        [tf.nn.rnn_cell.BasicRNNCell(3), tf.nn.rnn_cell.GRUCell(2)], state_is_tuple=False),
        np_multi([scoped(np_basic_rnn(), "basic_rnn_cell/"), scoped(np_gru, "gru_cell/")],
                 sizes=[3, 2]), "multi_rnn_cell/"),
    "projection": (lambda: tf.contrib.rnn.OutputProjectionWrapper(
        tf.nn.rnn_cell.GRUCell(4), 2, activation=tf.tanh),
        np_projection(scoped(np_gru, "gru_cell/"), np.tanh), "output_projection_wrapper/"),
    "residual": (lambda: tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.BasicRNNCell(3)),
                 np_residual(np_basic_rnn()), "basic_rnn_cell/"),
    "device": (lambda: tf.nn.rnn_cell.DeviceWrapper(tf.nn.rnn_cell.GRUCell(3), "/cpu:0"),
               np_gru, "gru_cell/"),
    "dropout_keep_all": (lambda: tf.nn.rnn_cell.DropoutWrapper(
        tf.nn.rnn_cell.BasicLSTMCell(3), input_keep_prob=keep_all(),
        output_keep_prob=keep_all(), state_keep_prob=keep_all()),
        np_basic_lstm(), "basic_lstm_cell/"),
}


def random_state(state_size, batch, rng):
    """Arrays shaped like the cell's state (LSTMStateTuples kept)."""
    if isinstance(state_size, tuple):
        parts = [random_state(s, batch, rng) for s in state_size]
        return type(state_size)(*parts) if hasattr(state_size, "_fields") else tuple(parts)
    return rng.uniform(-1, 1, (batch, state_size)).astype(np.float32)


def to_tensors(structure):
    if isinstance(structure, tuple):
        parts = [to_tensors(s) for s in structure]
        return type(structure)(*parts) if hasattr(structure, "_fields") else tuple(parts)
    return tf.constant(structure)


@pytest.mark.parametrize("kind", sorted(MATH))
def test_cell_equations_against_numpy(backend, kind):
    make_cell, np_step, prefix = MATH[kind]
    rng = np.random.RandomState(1)
    steps, batch, depth = 3, 2, 3
    xs = [rng.uniform(-2, 2, (batch, depth)).astype(np.float32) for _ in range(steps)]
    cell = make_cell()
    state0 = random_state(cell.state_size, batch, rng)
    outputs, state = tf.nn.static_rnn(cell, [tf.constant(x) for x in xs],
                                      initial_state=to_tensors(state0))
    variables = tf.global_variables()
    assert all(v.op.name.startswith("rnn/" + prefix) for v in variables)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        values = {}
        for v in variables:   # random values, biases included, so that each one shows
            values[v.op.name[len("rnn/" + prefix):]] = value = \
                rng.uniform(-1, 1, v.shape.as_list()).astype(np.float32)
            v.load(value, sess)
        got_outputs, got_state = sess.run([outputs, flat(state)])
    want_state = state0
    for x, got in zip(xs, got_outputs):
        want, want_state = np_step(x, want_state, values)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for got, want in zip(got_state, flat(want_state)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- gradients
GRADIENT_CELLS = {
    "basic": lambda: tf.nn.rnn_cell.BasicRNNCell(2),
    "basic_lstm": lambda: tf.nn.rnn_cell.BasicLSTMCell(2),
    "lstm_full": lambda: tf.nn.rnn_cell.LSTMCell(2, use_peepholes=True, cell_clip=0.6,
                                                 num_proj=2, proj_clip=0.5),
    "gru": lambda: tf.nn.rnn_cell.GRUCell(2),
    "multi": lambda: tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicRNNCell(2),
                                                  tf.nn.rnn_cell.GRUCell(2)]),
    "projection": lambda: tf.contrib.rnn.OutputProjectionWrapper(
        tf.nn.rnn_cell.BasicRNNCell(2), 1),
}


@pytest.mark.parametrize("kind", sorted(GRADIENT_CELLS))
def test_gradients_wrt_cell_variables(backend, kind):
    check_variable_gradients(backend, GRADIENT_CELLS[kind])


# ---------------------------------------------------------------- tf.clip_by_value
def test_clip_by_value_forward(backend):
    a = np.random.RandomState(0).uniform(-1, 1, (3, 4)).astype(np.float32)
    check_forward(lambda t: tf.clip_by_value(t, -0.5, 0.25), lambda t: np.clip(t, -0.5, 0.25),
                  [a], backend)
    lo = np.full((3, 4), -0.2, np.float32)
    check_forward(lambda t, m: tf.clip_by_value(t, m, 0.3), lambda t, m: np.clip(t, m, 0.3),
                  [a, lo], backend)
    check_forward(lambda t: tf.clip_by_value(t, -0.1, 0.1), lambda t: np.clip(t, -0.1, 0.1),
                  [np.zeros((0, 2), np.float32)], backend)


def test_clip_by_value_gradient(backend):
    rng = np.random.RandomState(1)
    t = rng.uniform(-1, 1, (3, 4))
    lo = rng.uniform(-0.6, -0.2, (3, 4))
    hi = rng.uniform(0.2, 0.6, (3, 4))
    grads = check_gradients(lambda t, lo, hi: tf.clip_by_value(t, lo, hi), [t, lo, hi],
                            backend=backend)
    assert grads[1].any() and grads[2].any()   # some values were clipped to each bound


def test_clip_by_value_ops_and_errors():
    y = tf.clip_by_value(tf.constant([1., 5., -3.]), -2., 2.)
    # As TF 1.15 builds it: a Minimum, then a Maximum named after the scope.
    assert y.name == "clip_by_value:0" and y.op.type == "Maximum"
    assert y.op.inputs[0].name == "clip_by_value/Minimum:0"
    with pytest.raises(ValueError, match=re.escape("Shapes (2,) and (3, 2) are not compatible")):
        tf.clip_by_value(tf.constant([1., 2.]), tf.zeros([3, 2]), 1.)


# ---------------------------------------------------------------- the RNNCell base
class TutorialCell(tf.nn.rnn_cell.RNNCell):
    """A user's cell as the tutorial writes one: variables from add_variable in build."""

    def __init__(self, embed_size, state_size):
        super().__init__()
        self.W = self.b = self.built_with = None
        self._embed_size, self._state_size = embed_size, state_size

    @property
    def state_size(self):
        return self._state_size

    @property
    def output_size(self):
        return self._state_size

    def build(self, inputs_shape):
        self.built_with = inputs_shape
        self.W = self.add_variable('W', [self._state_size + self._embed_size, self._state_size],
                                   tf.float32, tf.random_normal_initializer(stddev=0.5))
        self.b = self.add_variable('b', [self._state_size], tf.float32,
                                   tf.zeros_initializer())
        self.built = True

    def call(self, x, curr_state):
        new_state = tf.tanh(tf.matmul(tf.concat([curr_state, x], axis=1), self.W) + self.b)
        extra = tf.get_variable("extra", [self._state_size])   # TF counts these as weights
        return new_state + extra, new_state


def test_user_cell_subclass(backend):
    x0, x1 = tf.placeholder(tf.float32, [None, 2]), tf.placeholder(tf.float32, [None, 2])
    cell = TutorialCell(2, 3)
    assert cell.name == "tutorial_cell_1" and not cell.built
    with tf.variable_scope("hidden"):
        init = tf.tile(tf.constant([[0.5, -0.5, 0.25]]), [tf.shape(x0)[0], 1])
        outputs, state = tf.nn.static_rnn(cell, [x0, x1], initial_state=init)
    assert cell.built and cell.built_with.as_list() == [None, 2]
    names = ["hidden/rnn/tutorial_cell/W", "hidden/rnn/tutorial_cell/b",
             "hidden/rnn/tutorial_cell/extra"]
    assert [v.op.name for v in tf.global_variables()] == names
    assert [v.op.name for v in cell.trainable_weights] == names   # TF lists W and b twice
    assert cell.weights == cell.variables == cell.trainable_weights and cell.scope_name == \
        "hidden/rnn/tutorial_cell"
    # As TF: the cell re-enters the scope of its first call, hence hidden/rnn/rnn/...
    assert outputs[1].name == "hidden/rnn/rnn/tutorial_cell/add_3:0"
    xs = [np.array([[1., 2.], [0., -1.]], np.float32), np.array([[0.5, 0.], [3., 1.]], np.float32)]
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        w, b, extra = sess.run([cell.W, cell.b, cell.trainable_weights[2]])
        got = sess.run(outputs + [state], {x0: xs[0], x1: xs[1]})
    h = np.tile(np.float32([[0.5, -0.5, 0.25]]), [2, 1])
    for x, out in zip(xs, got):
        h = np.tanh(np.concatenate([h, x], 1) @ w + b)
        np.testing.assert_allclose(out, h + extra, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], h, rtol=1e-5, atol=1e-6)


class TupleCell(tf.nn.rnn_cell.RNNCell):
    """No variables; a state of two parts and two outputs (the tutorial's running sums)."""

    @property
    def state_size(self):
        return (2, 2)

    @property
    def output_size(self):
        return (2, 2)

    def call(self, x, state):
        s1 = state[0] + x
        s2 = state[1] + s1
        return (s1, -s2), (s1, s2)


def test_user_cell_tuple_state_and_direct_call(backend):
    cell = TupleCell()
    x = tf.constant([[1., 2.]])
    zero = cell.zero_state(1, tf.float32)
    assert [z.name for z in zero] == ["TupleCellZeroState/zeros:0", "TupleCellZeroState/zeros_1:0"]
    (o1, o2), (s1, s2) = cell(x, zero)
    outputs, state = tf.nn.static_rnn(cell, [x, 2 * x, 3 * x], dtype=tf.float32)
    assert cell.weights == [] and cell.built
    with tf.Session(device=backend) as sess:
        first, last, final = sess.run([[o1, o2, s1, s2], outputs[2], state])
    np.testing.assert_array_equal(first, [[[1, 2]], [[-1, -2]], [[1, 2]], [[1, 2]]])
    np.testing.assert_array_equal(last, [[[6, 12]], [[-10, -20]]])
    np.testing.assert_array_equal(final, [[[6, 12]], [[10, 20]]])


def test_cell_called_directly_reuses_its_variables(backend):
    x = tf.placeholder(tf.float32, [None, 2])
    cell = tf.nn.rnn_cell.BasicLSTMCell(3)
    state = cell.zero_state(tf.shape(x)[0], tf.float32)
    assert isinstance(state, tf.nn.rnn_cell.LSTMStateTuple)
    assert state.c.name == "BasicLSTMCellZeroState/zeros:0" and state.h.shape.as_list() == [None, 3]
    out1, state1 = cell(x, state)
    out2, state2 = cell(x, state1)
    assert [v.op.name for v in tf.global_variables()] == ["basic_lstm_cell/kernel",
                                                          "basic_lstm_cell/bias"]
    assert out2.name == "basic_lstm_cell/Mul_5:0" and state2.c.name == "basic_lstm_cell/Add_3:0"
    xv = np.array([[0.5, -1.], [2., 0.]], np.float32)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        kernel, bias = sess.run(cell.weights)
        got = sess.run([out2, state2.c], {x: xv})
    step = np_basic_lstm()
    zero = np.zeros((2, 3), np.float32)
    _, s = step(xv, (zero, zero), {"kernel": kernel, "bias": bias})
    h, (c, _) = step(xv, s, {"kernel": kernel, "bias": bias})
    np.testing.assert_allclose(got, [h, c], rtol=1e-5, atol=1e-6)


def test_names_scopes_and_weights():
    x, s = tf.ones([2, 3]), tf.zeros([2, 3])
    a, b = tf.nn.rnn_cell.BasicRNNCell(3), tf.nn.rnn_cell.GRUCell(3)
    assert (a.name, b.name) == ("basic_rnn_cell_1", "gru_cell_1")   # as TF names them
    with pytest.raises(ValueError, match='the layer "basic_rnn_cell_1" has not been used yet'):
        a.scope_name
    foo, foo_again = tf.nn.rnn_cell.BasicRNNCell(3, name="foo"), \
        tf.nn.rnn_cell.BasicRNNCell(3, name="foo")
    foo(x, s)
    foo_again(x, s)
    assert (foo.scope_name, foo_again.scope_name) == ("foo", "foo_1")
    out, _ = a(x, s, scope="my")
    assert out.name == "my/Tanh:0" and [v.op.name for v in a.weights] == ["my/kernel", "my/bias"]
    frozen = tf.nn.rnn_cell.BasicRNNCell(2, trainable=False)
    frozen(x, tf.zeros([2, 2]))
    assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == 2
    assert not any(v in tf.trainable_variables() for v in frozen.weights)

    multi = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicRNNCell(2), tf.nn.rnn_cell.GRUCell(3)])
    projected = tf.contrib.rnn.OutputProjectionWrapper(tf.nn.rnn_cell.BasicRNNCell(2), 1)
    x0 = tf.placeholder(tf.float32, [None, 3])
    m_out, _ = tf.nn.static_rnn(multi, [x0, x0], dtype=tf.float32, scope="m")
    p_out, _ = tf.nn.static_rnn(projected, [x0, x0], dtype=tf.float32, scope="p")
    assert m_out[1].name == "m/m/multi_rnn_cell/cell_1/gru_cell/add_1:0"
    assert p_out[1].name == "p/p/output_projection_wrapper/BiasAdd_1:0"
    assert [v.op.name for v in multi.trainable_weights] == [
        "m/multi_rnn_cell/cell_0/basic_rnn_cell/kernel",
        "m/multi_rnn_cell/cell_0/basic_rnn_cell/bias",
        "m/multi_rnn_cell/cell_1/gru_cell/gates/kernel",
        "m/multi_rnn_cell/cell_1/gru_cell/gates/bias",
        "m/multi_rnn_cell/cell_1/gru_cell/candidate/kernel",
        "m/multi_rnn_cell/cell_1/gru_cell/candidate/bias"]
    assert [v.op.name for v in projected.weights] == [
        "p/output_projection_wrapper/basic_rnn_cell/kernel",
        "p/output_projection_wrapper/basic_rnn_cell/bias",
        "p/output_projection_wrapper/kernel", "p/output_projection_wrapper/bias"]
    d_out, _ = tf.nn.rnn_cell.DeviceWrapper(tf.nn.rnn_cell.BasicRNNCell(3), "/cpu:0")(x, s)
    assert d_out.op.device == "/device:CPU:0"
    assert tf.contrib.rnn.LSTMCell is tf.nn.rnn_cell.LSTMCell
    assert tf.contrib.rnn.static_rnn is tf.nn.static_rnn


def test_zero_state_structures():
    multi = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(3),
                                         tf.nn.rnn_cell.GRUCell(2)])
    assert multi.state_size == (tf.nn.rnn_cell.LSTMStateTuple(3, 3), 2)
    lstm, gru = multi.zero_state(4, tf.float64)
    assert lstm.c.name == "MultiRNNCellZeroState/BasicLSTMCellZeroState/zeros:0"
    assert gru.name == "MultiRNNCellZeroState/GRUCellZeroState/zeros:0"
    assert lstm.dtype == tf.float64 and gru.shape.as_list() == [4, 2]
    concat = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicRNNCell(2),
                                          tf.nn.rnn_cell.GRUCell(3)], state_is_tuple=False)
    assert concat.state_size == 5 and concat.zero_state(2, tf.float32).shape.as_list() == [2, 5]
    proj = tf.nn.rnn_cell.LSTMCell(4, num_proj=2)
    assert proj.state_size == (4, 2) and proj.output_size == 2
    with pytest.raises(TypeError, match=re.escape(
            "Inconsistent internal state: <dtype: 'float32'> vs <dtype: 'float64'>")):
        tf.nn.rnn_cell.LSTMStateTuple(tf.ones([1]), tf.ones([1], tf.float64)).dtype


def test_dropout_wrapper_drops_h_but_not_c(backend):
    keep = tf.placeholder_with_default(1.0, shape=())
    cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(6), output_keep_prob=keep,
                                         state_keep_prob=keep)
    x = tf.constant(np.random.RandomState(2).uniform(-1, 1, (5, 4)).astype(np.float32))
    out, state = cell(x, cell.zero_state(5, tf.float32))
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        full = sess.run([out, state.c, state.h])
        half = sess.run([out, state.c, state.h], {keep: 0.5})
    np.testing.assert_array_equal(half[1], full[1])   # the memory c is never dropped
    for dropped, kept in ((half[0], full[0]), (half[2], full[2])):
        zero = dropped == 0
        assert zero.any() and not zero.all()
        np.testing.assert_allclose(dropped[~zero], 2 * kept[~zero], rtol=1e-6)


@pytest.mark.parametrize("fn, error, message", [
    (lambda: tf.nn.rnn_cell.BasicRNNCell(3)(tf.ones([2, 3, 3]), tf.zeros([2, 3])), ValueError,
     "Input 0 of layer basic_rnn_cell_1 is incompatible with the layer: expected ndim=2, found "
     "ndim=3. Full shape received: [2, 3, 3]"),
    (lambda: tf.nn.rnn_cell.GRUCell(3)(tf.ones([2, 3], tf.int32), tf.zeros([2, 3])), ValueError,
     "RNN cell only supports floating point inputs, but saw dtype: <dtype: 'int32'>"),
    (lambda: tf.nn.rnn_cell.BasicRNNCell(3)(tf.placeholder(tf.float32, [2, None]),
                                            tf.zeros([2, 3])), ValueError,
     "Expected inputs.shape[-1] to be known, saw shape: (2, None)"),
    (lambda: tf.nn.rnn_cell.MultiRNNCell([]), ValueError,
     "Must specify at least one cell for MultiRNNCell."),
    (lambda: tf.nn.rnn_cell.MultiRNNCell(tf.nn.rnn_cell.GRUCell(3)), TypeError,
     "cells must be a list or tuple, but saw: "),
    (lambda: tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(3)], state_is_tuple=False),
     ValueError, "Some cells return tuples of states, but the flag state_is_tuple is not set.  "
     "State sizes are: [LSTMStateTuple(c=3, h=3)]"),
    (lambda: tf.contrib.rnn.OutputProjectionWrapper(tf.nn.rnn_cell.GRUCell(3), 0), ValueError,
     "Parameter output_size must be > 0: 0."),
    (lambda: tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(3), input_keep_prob=1.5),
     ValueError, "Parameter input_keep_prob must be between 0 and 1: 1"),
    (lambda: tf.nn.rnn_cell.DropoutWrapper(3), TypeError,
     "The argument 'cell' (3) is not an RNNCell: 'output_size' property is missing, 'state_size' "
     "property is missing, either 'zero_state' or 'get_initial_state' method is required, is "
     "not callable."),
    (lambda: tf.nn.rnn_cell.RNNCell().state_size, NotImplementedError, "Abstract method"),
])
def test_errors_as_tf(fn, error, message):
    with pytest.raises(error, match=re.escape(message)):
        fn()
