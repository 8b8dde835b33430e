"""Shared by the RNN tests: the book's batch, each cell's equations in numpy, the check of
TF-printed numbers and a finite-difference check of gradients with respect to a cell's
variables."""
import numpy as np

import tinygraph as tf

# The book's mini-batch: four instances, two time steps of three inputs.
X0_BATCH = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 0, 1]], np.float32)
X1_BATCH = np.array([[9, 8, 7], [0, 0, 0], [6, 5, 4], [3, 2, 1]], np.float32)


def flat(structure):
    if isinstance(structure, (list, tuple)):
        return [t for s in structure for t in flat(s)]
    return [structure]


def check_tf_printed(backend, want, outputs, state, feed):
    """The graph's variables, last output and final state agree within 2e-6 with what
    TensorFlow printed for the same program: per variable its shape, first four values and
    sum; the last output; per part of the state its first row and sum."""
    variables = tf.global_variables()
    assert [v.op.name for v in variables] == list(want["variables"])
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        values = sess.run(variables)
        got = sess.run([outputs[-1]] + flat(state), feed)
    for v, value in zip(variables, values):
        shape, first, total = want["variables"][v.op.name]
        assert list(value.shape) == shape
        np.testing.assert_allclose(value.ravel()[:4], first, rtol=0, atol=2e-6)
        np.testing.assert_allclose(value.sum(), total, rtol=0, atol=2e-6 * value.size)
    np.testing.assert_allclose(got[0], want["last_output"], rtol=0, atol=2e-6)
    assert len(got) - 1 == len(want["state"])
    for part, (row, total) in zip(got[1:], want["state"]):
        np.testing.assert_allclose(part[0], row, rtol=0, atol=2e-6)
        np.testing.assert_allclose(part.sum(), total, rtol=0, atol=2e-6 * part.size)


# Each cell's equations: step(x, state, v) -> (output, new_state), v the values of the
# cell's variables by name within the cell's scope.
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def linear(x, h, kernel, bias):
    return np.concatenate([x, h], 1) @ kernel + bias


def np_basic_rnn(activation=np.tanh):
    def step(x, h, v):
        new = activation(linear(x, h, v["kernel"], v["bias"]))
        return new, new
    return step


def np_basic_lstm(forget_bias=1.0, tuple_state=True):
    def step(x, state, v):
        c, h = state if tuple_state else np.split(state, 2, axis=1)
        i, j, f, o = np.split(linear(x, h, v["kernel"], v["bias"]), 4, axis=1)
        c = c * sigmoid(f + forget_bias) + sigmoid(i) * np.tanh(j)
        h = np.tanh(c) * sigmoid(o)
        return h, (c, h) if tuple_state else np.concatenate([c, h], 1)
    return step


def np_lstm(units, peepholes=False, cell_clip=None, num_proj=None, proj_clip=None,
            forget_bias=1.0, tuple_state=True):
    def step(x, state, v):
        c, m = state if tuple_state else (state[:, :units], state[:, units:])
        i, j, f, o = np.split(linear(x, m, v["kernel"], v["bias"]), 4, axis=1)
        if peepholes:
            c = sigmoid(f + forget_bias + v["w_f_diag"] * c) * c + \
                sigmoid(i + v["w_i_diag"] * c) * np.tanh(j)
        else:
            c = sigmoid(f + forget_bias) * c + sigmoid(i) * np.tanh(j)
        if cell_clip is not None:
            c = np.clip(c, -cell_clip, cell_clip)
        m = sigmoid(o + v["w_o_diag"] * c if peepholes else o) * np.tanh(c)
        if num_proj is not None:
            m = m @ v["projection/kernel"]
            if proj_clip is not None:
                m = np.clip(m, -proj_clip, proj_clip)
        return m, (c, m) if tuple_state else np.concatenate([c, m], 1)
    return step


def np_gru(x, h, v):
    r, u = np.split(sigmoid(linear(x, h, v["gates/kernel"], v["gates/bias"])), 2, axis=1)
    c = np.tanh(linear(x, r * h, v["candidate/kernel"], v["candidate/bias"]))
    new = u * h + (1 - u) * c
    return new, new


def scoped(step, prefix):
    """The step reading its variables under `prefix` (a cell inside another)."""
    return lambda x, state, v: step(x, state, {k[len(prefix):]: a for k, a in v.items()
                                              if k.startswith(prefix)})


def np_multi(steps, sizes=None):
    """Stacked cells; `sizes` splits a concatenated state (state_is_tuple=False)."""
    def step(x, state, v):
        parts = state if sizes is None else np.split(state, np.cumsum(sizes)[:-1], axis=1)
        new = []
        for i, cell_step in enumerate(steps):
            x, s = scoped(cell_step, f"cell_{i}/")(x, parts[i], v)
            new.append(s)
        return x, tuple(new) if sizes is None else np.concatenate(new, 1)
    return step


def np_projection(inner, activation):
    def step(x, state, v):
        out, state = inner(x, state, v)
        return activation(out @ v["kernel"] + v["bias"]), state
    return step


def np_residual(inner):
    def step(x, state, v):
        out, state = inner(x, state, v)
        return out + x, state
    return step


def check_variable_gradients(backend, make_cell, steps=2, batch=2, depth=2, seed=0,
                             **rnn_kwargs):
    """tf.gradients of a loss on static_rnn's outputs and final state, with respect to
    every variable of the cell, against central finite differences (float64)."""
    rng = np.random.RandomState(seed)
    xs = [tf.constant(rng.uniform(-1, 1, (batch, depth))) for _ in range(steps)]
    outputs, state = tf.nn.static_rnn(make_cell(), xs, dtype=tf.float64, **rnn_kwargs)
    loss = tf.add_n([tf.reduce_sum(t * tf.constant(rng.uniform(-1, 1, t.shape.as_list())))
                     for t in outputs + flat(state)])
    variables = tf.trainable_variables()
    assert variables and all(v.dtype.base_dtype == tf.float64 for v in variables)
    grads = tf.gradients(loss, variables)
    eps = 1e-6
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        for v in variables:
            v.load(rng.uniform(-1, 1, v.shape.as_list()), sess)
        analytic = sess.run(grads)
        for v, grad in zip(variables, analytic):
            value = sess.run(v)
            numeric = np.zeros_like(value)
            for index in np.ndindex(value.shape):
                for sign in (1, -1):
                    moved = value.copy()
                    moved[index] += sign * eps
                    v.load(moved, sess)
                    numeric[index] += sign * sess.run(loss) / (2 * eps)
            v.load(value, sess)
            np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6,
                                       err_msg=f"gradient of {v.op.name}")
