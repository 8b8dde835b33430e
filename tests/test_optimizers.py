"""tf.train optimizers: updates against independent numpy versions of TF 1.15's formulas,
slot and op names as TF makes them, the global step, and the error cases."""
import numpy as np
import pytest

import tinygraph as tf

STEPS = 4


def _grads(shape, steps=STEPS, seed=1):
    rng = np.random.RandomState(seed)
    return [rng.uniform(-1, 1, shape) for _ in range(steps)]


def _run_updates(backend, make_opt, init, grads, dtype=tf.float64, feeds=None):
    """Applies fed gradients `grads` to a variable starting at `init`; returns the
    variable's value after each step (and the optimizer)."""
    w = tf.Variable(init.astype(dtype.as_numpy_dtype), name="w")
    g = tf.placeholder(dtype, init.shape)
    opt = make_opt()
    train = opt.apply_gradients([(g, w)])
    out = []
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        for i, grad in enumerate(grads):
            feed = {g: grad}
            feed.update(feeds(i) if feeds else {})
            sess.run(train, feed)
            out.append(sess.run(w))
    return out, opt


# --- numpy references (TF 1.15 kernels, written from the documented formulas) ---
# TF turns Python-float hyperparameters into float32 constants and casts them to the
# variable's dtype, so the references for float64 variables use float32-rounded values.
def f32(x):
    return float(np.float32(x))


def f32_powers(beta, steps):
    """beta^t as TF keeps it: a float32 variable multiplied by float32 beta each step."""
    p, out = np.float32(beta), []
    for _ in range(steps):
        out.append(float(p))
        p = np.float32(p * np.float32(beta))
    return out


def np_sgd(w, grads, lr):
    out = []
    for g in grads:
        w = w - lr * g
        out.append(w)
    return out


def np_momentum(w, grads, lr, momentum, nesterov):
    accum, out = np.zeros_like(w), []
    for g in grads:
        accum = momentum * accum + g
        w = w - lr * (g + momentum * accum) if nesterov else w - lr * accum
        out.append(w)
    return out


def np_adam(w, grads, lrs, b1=0.9, b2=0.999, eps=1e-8, powers=None):
    m, v, out = np.zeros_like(w), np.zeros_like(w), []
    p1, p2 = powers or ([b1 ** t for t in range(1, len(grads) + 1)],
                        [b2 ** t for t in range(1, len(grads) + 1)])
    for t, (g, lr) in enumerate(zip(grads, lrs)):
        lr_t = lr * np.sqrt(1 - p2[t]) / (1 - p1[t])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr_t * m / (np.sqrt(v) + eps)
        out.append(w)
    return out


def np_rmsprop(w, grads, lr, rho, momentum, eps, centered):
    ms, mom, mg, out = np.ones_like(w), np.zeros_like(w), np.zeros_like(w), []
    for g in grads:
        ms = rho * ms + (1 - rho) * g * g
        mg = rho * mg + (1 - rho) * g
        denom = ms - mg * mg + eps if centered else ms + eps
        mom = momentum * mom + lr * g / np.sqrt(denom)
        w = w - mom
        out.append(w)
    return out


def np_adagrad(w, grads, lr, init_acc):
    acc, out = np.full_like(w, init_acc), []
    for g in grads:
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc)
        out.append(w)
    return out


INIT = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]])


def _check(got, want, rtol=1e-10):
    assert len(got) == len(want)
    for step, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12, err_msg=f"step {step}")


def test_gradient_descent_updates(backend):
    grads = _grads(INIT.shape)
    got, _ = _run_updates(backend, lambda: tf.train.GradientDescentOptimizer(0.3), INIT, grads)
    _check(got, np_sgd(INIT, grads, f32(0.3)))


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_updates(backend, nesterov):
    grads = _grads(INIT.shape)
    got, _ = _run_updates(backend, lambda: tf.train.MomentumOptimizer(
        0.1, 0.9, use_nesterov=nesterov), INIT, grads)
    _check(got, np_momentum(INIT, grads, f32(0.1), f32(0.9), nesterov))


def test_adam_updates_with_learning_rate_placeholder(backend):
    grads = _grads(INIT.shape, steps=5)
    lrs = [0.1, 0.05, 0.2, 0.01, 0.1]
    lr = tf.placeholder(tf.float64, [])
    got, opt = _run_updates(backend, lambda: tf.train.AdamOptimizer(lr), INIT, grads,
                            feeds=lambda i: {lr: lrs[i]})
    _check(got, np_adam(INIT, grads, lrs, f32(0.9), f32(0.999), f32(1e-8),
                        powers=(f32_powers(0.9, 5), f32_powers(0.999, 5))))


def test_adam_float32_defaults(backend):
    grads = _grads(INIT.shape)
    got, _ = _run_updates(backend, lambda: tf.train.AdamOptimizer(), INIT, grads,
                          dtype=tf.float32)
    assert got[0].dtype == np.float32
    _check(got, np_adam(INIT, grads, [0.001] * STEPS), rtol=2e-6)


@pytest.mark.parametrize("momentum,centered", [(0.0, False), (0.5, False), (0.5, True)])
def test_rmsprop_updates(backend, momentum, centered):
    grads = _grads(INIT.shape)
    got, _ = _run_updates(backend, lambda: tf.train.RMSPropOptimizer(
        0.01, decay=0.8, momentum=momentum, epsilon=1e-6, centered=centered), INIT, grads)
    _check(got, np_rmsprop(INIT, grads, f32(0.01), f32(0.8), f32(momentum), f32(1e-6),
                           centered))


def test_adagrad_updates(backend):
    grads = _grads(INIT.shape)
    got, _ = _run_updates(backend, lambda: tf.train.AdagradOptimizer(
        0.2, initial_accumulator_value=0.3), INIT, grads)
    _check(got, np_adagrad(INIT, grads, f32(0.2), 0.3))


def test_learning_rate_as_tensor_expression(backend):
    grads = _grads(INIT.shape)
    lr = tf.constant(0.5, tf.float64) * tf.constant(0.2, tf.float64)
    got, _ = _run_updates(backend, lambda: tf.train.MomentumOptimizer(lr, 0.5), INIT, grads)
    _check(got, np_momentum(INIT, grads, 0.5 * 0.2, f32(0.5), False))


def test_float32_learning_rate_cast_for_float64_variable(backend):
    grads = _grads(INIT.shape)
    lr = tf.constant(0.25, tf.float32)
    got, _ = _run_updates(backend, lambda: tf.train.GradientDescentOptimizer(lr), INIT, grads)
    _check(got, np_sgd(INIT, grads, 0.25))   # exact in float32


# --- names, slots and variables as TF makes them ---
def _model():
    w = tf.Variable([1.0, 2.0], name="w")
    b = tf.Variable(0.5, name="b")
    loss = tf.reduce_sum(w * w) + 3.0 * b
    return w, b, loss


@pytest.mark.parametrize("make_opt,slots,names,non_slots", [
    (lambda: tf.train.AdamOptimizer(0.1), ["m", "v"], ["w/Adam", "w/Adam_1"],
     ["beta1_power", "beta2_power"]),
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9), ["momentum"], ["w/Momentum"], []),
    (lambda: tf.train.RMSPropOptimizer(0.1), ["momentum", "rms"],
     ["w/RMSProp_1", "w/RMSProp"], []),
    (lambda: tf.train.AdagradOptimizer(0.1), ["accumulator"], ["w/Adagrad"], []),
    (lambda: tf.train.GradientDescentOptimizer(0.1), [], [], []),
])
def test_slot_names_and_variables(make_opt, slots, names, non_slots):
    w, b, loss = _model()
    opt = make_opt()
    opt.minimize(loss)
    assert opt.get_slot_names() == slots
    assert [opt.get_slot(w, s).op.name for s in slots] == names
    assert opt.get_slot(w, "nonexistent") is None
    expected = sorted(names + [n.replace("w/", "b/", 1) for n in names] + non_slots)
    assert [v.op.name for v in opt.variables()] == expected
    for v in opt.variables():
        assert not v.trainable
        assert v in tf.global_variables()
        assert v not in tf.trainable_variables()
    assert tf.trainable_variables() == [w, b]


def test_slot_initial_values(backend):
    w, b, loss = _model()
    adam = tf.train.AdamOptimizer(0.1, beta1=0.8, beta2=0.7)
    rms = tf.train.RMSPropOptimizer(0.1, momentum=0.2)
    ada = tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.25)
    for opt in (adam, rms, ada):
        opt.minimize(loss)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        b1, b2 = sess.run(list(adam._get_beta_accumulators()))
        np.testing.assert_allclose([b1, b2], [0.8, 0.7], rtol=1e-7)
        np.testing.assert_array_equal(sess.run(adam.get_slot(w, "m")), [0, 0])
        np.testing.assert_array_equal(sess.run(rms.get_slot(w, "rms")), [1, 1])
        np.testing.assert_array_equal(sess.run(rms.get_slot(w, "momentum")), [0, 0])
        np.testing.assert_allclose(sess.run(ada.get_slot(w, "accumulator")), [0.25, 0.25])


def test_centered_rmsprop_slot_names():
    w, b, loss = _model()
    opt = tf.train.RMSPropOptimizer(0.1, centered=True)
    opt.minimize(loss)
    assert opt.get_slot_names() == ["mg", "momentum", "rms"]
    assert [opt.get_slot(w, s).op.name for s in ("rms", "mg", "momentum")] == \
        ["w/RMSProp", "w/RMSProp_1", "w/RMSProp_2"]


def test_op_names_like_tf():
    w, b, loss = _model()
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    assert isinstance(train, tf.Operation)
    assert (train.name, train.type) == ("Adam", "NoOp")
    graph = tf.get_default_graph()
    update = graph.get_operation_by_name("Adam/update_w/ApplyAdam")
    assert update.type == "ApplyAdam"
    assert [t.name for t in update.inputs[:5]] == [
        "w:0", "w/Adam:0", "w/Adam_1:0", "beta1_power/read:0", "beta2_power/read:0"]
    assert graph.get_operation_by_name("Adam/learning_rate").type == "Const"
    assert set(train.control_inputs) >= {update, graph.get_operation_by_name("Adam/Assign")}
    assert tf.get_collection(tf.GraphKeys.TRAIN_OP) == [train]
    sgd = tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="my_step")
    assert sgd.name == "my_step"
    assert graph.get_operation_by_name("my_step/update_b/ApplyGradientDescent")


def test_global_step_increments_after_updates(backend):
    w, b, loss = _model()
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    assert (train.name, train.type) == ("GradientDescent", "AssignAdd")
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(3):
            sess.run(train)
            assert tf.train.global_step(sess, step) == i + 1
        want = np.array([1.0, 2.0]) * 0.8 ** 3
        np.testing.assert_allclose(sess.run(w), want, rtol=1e-6)
        np.testing.assert_allclose(sess.run(b), 0.5 - 3 * 0.3, rtol=1e-6)


def test_global_step_helpers():
    assert tf.train.get_global_step() is None
    step = tf.train.create_global_step()
    assert step.op.name == "global_step" and step.dtype == tf.int64
    assert step.shape.as_list() == [] and not step.trainable
    assert tf.get_collection(tf.GraphKeys.GLOBAL_STEP) == [step]
    assert step in tf.global_variables()
    assert tf.train.get_global_step() is step
    assert tf.train.get_or_create_global_step() is step
    with pytest.raises(ValueError, match='"global_step" already exists'):
        tf.train.create_global_step()


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(backend, staircase):
    step = tf.placeholder(tf.int64, [])
    lr = tf.train.exponential_decay(0.1, step, 10, 0.5, staircase=staircase)
    assert lr.op.name == "ExponentialDecay"
    with tf.Session(device=backend) as sess:
        for s in (0, 5, 10, 25):
            p = s // 10 if staircase else s / 10
            np.testing.assert_allclose(sess.run(lr, {step: s}), 0.1 * 0.5 ** p, rtol=1e-6)


# --- training behaviour ---
@pytest.mark.parametrize("make_opt", [
    lambda: tf.train.GradientDescentOptimizer(0.1),
    lambda: tf.train.AdamOptimizer(0.1),
    lambda: tf.train.MomentumOptimizer(0.05, 0.9),
])
def test_minimize_linear_regression_converges(backend, make_opt):
    rng = np.random.RandomState(0)
    xs = rng.uniform(-1, 1, (64, 3)).astype(np.float32)
    true_w = np.array([[2.0], [-1.0], [0.5]], np.float32)
    ys = xs @ true_w + 0.3
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    b = tf.Variable(0.0, name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    train = make_opt().minimize(loss)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: xs, y: ys})
        for _ in range(300):
            sess.run(train, {x: xs, y: ys})
        last = sess.run(loss, {x: xs, y: ys})
        assert last < 1e-3 * first
        np.testing.assert_allclose(sess.run(w), true_w, atol=0.05)


def test_compute_apply_split_with_modified_gradients(backend):
    w = tf.Variable(np.array([1.0, -2.0, 3.0]), name="w")
    loss = tf.reduce_sum(w * w * w)
    opt = tf.train.GradientDescentOptimizer(0.1)
    grads_and_vars = opt.compute_gradients(loss)
    assert [v for _, v in grads_and_vars] == [w]
    doubled = [(2.0 * g, v) for g, v in grads_and_vars]
    train = opt.apply_gradients(doubled)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        g_val = sess.run(grads_and_vars[0][0])
        np.testing.assert_allclose(g_val, 3 * np.array([1.0, -2.0, 3.0]) ** 2)
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [1.0, -2.0, 3.0] - f32(0.1) * 2 * g_val,
                                   rtol=1e-12)


def test_unconnected_variable_gets_none_and_is_skipped(backend):
    w = tf.Variable([1.0, 2.0], name="w")
    u = tf.Variable(5.0, name="u")
    loss = tf.reduce_sum(w * w)
    opt = tf.train.MomentumOptimizer(0.1, 0.9)
    grads_and_vars = opt.compute_gradients(loss)
    assert [v for _, v in grads_and_vars] == [w, u]
    assert grads_and_vars[1][0] is None and grads_and_vars[0][0] is not None
    train = opt.apply_gradients(grads_and_vars)
    assert opt.get_slot(u, "momentum") is None
    assert [v.op.name for v in opt.variables()] == ["w/Momentum"]
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        assert sess.run(u) == 5.0
        np.testing.assert_allclose(sess.run(w), [0.8, 1.6], rtol=1e-6)


def test_var_list_restricts_updates(backend):
    w = tf.Variable(1.0, name="w")
    v = tf.Variable(2.0, name="v")
    train = tf.train.GradientDescentOptimizer(0.5).minimize(w * v, var_list=[v])
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        assert sess.run([w, v]) == [1.0, 1.5]


def test_failed_run_changes_nothing(backend):
    w = tf.Variable([1.0, 2.0], name="w")
    g = tf.placeholder(tf.float32, None)
    opt = tf.train.AdamOptimizer(0.1)
    step = tf.train.get_or_create_global_step()
    train = opt.apply_gradients([(g, w)], global_step=step)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match="same shape"):
            sess.run(train, {g: np.ones(3, np.float32)})
        assert sess.run(step) == 0
        np.testing.assert_array_equal(sess.run(w), [1.0, 2.0])
        np.testing.assert_array_equal(sess.run(opt.get_slot(w, "m")), [0.0, 0.0])
        b1, _ = sess.run(list(opt._get_beta_accumulators()))
        np.testing.assert_allclose(b1, 0.9, rtol=1e-7)


def test_uninitialized_slot_is_failed_precondition(backend):
    w = tf.Variable([1.0, 2.0], name="w")
    train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(tf.reduce_sum(w))
    with tf.Session(device=backend) as sess:
        sess.run(w.initializer)
        with pytest.raises(tf.errors.FailedPreconditionError, match="w/Momentum"):
            sess.run(train)


# --- errors ---
def test_no_gradients_error():
    w = tf.Variable([1.0, 2.0], name="w")
    loss = tf.reduce_sum(tf.stop_gradient(w))
    opt = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match="No gradients provided for any variable, check your "
                                         "graph.*'w:0'"):
        opt.minimize(loss)
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: \[.*w:0"):
        opt.apply_gradients([(None, w)])
    with pytest.raises(ValueError, match="No variables provided"):
        opt.apply_gradients([])


def test_other_errors():
    w = tf.Variable([1.0, 2.0], name="w")
    opt = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match="Invalid type tf.int32"):
        opt.minimize(tf.constant(1))
    with pytest.raises(ValueError, match="No variables to optimize"):
        opt.minimize(tf.reduce_sum(w), var_list=[])
    with pytest.raises(NotImplementedError, match="Trying to update a Tensor"):
        opt.apply_gradients([(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0]))])
    with pytest.raises(ValueError, match="incompatible"):
        opt.apply_gradients([(tf.constant([1.0, 2.0, 3.0]), w)])
    with pytest.raises(ValueError, match="positive"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
    with pytest.raises(ValueError, match="gate_gradients"):
        opt.compute_gradients(tf.reduce_sum(w), gate_gradients=7)
