"""tf.nn: activations, softmax, cross entropies, in_top_k, embedding_lookup, dropout,
l2_loss, bias_add, and tf.check_numerics. References are written here in numpy,
independently of the ops' own numpy declarations."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_forward, check_gradients, run


# ---------------------------------------------------------------- references
def ref_log_softmax(x, axis=-1):
    x = x.astype(np.float64)
    return x - np.logaddexp.reduce(x, axis=axis, keepdims=True)


def ref_softmax(x, axis=-1):
    return np.exp(ref_log_softmax(x, axis))


def distribution(rng, shape):
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


def ref_in_top_k(pred, targets, k):
    out = []
    for row, t in zip(pred, targets):
        if not 0 <= t < len(row) or not np.all(np.isfinite(row)):
            out.append(False)
        else:
            out.append(int(np.sum(row > row[t])) < k)
    return np.array(out, dtype=bool)


rng = np.random.RandomState(1)


# ---------------------------------------------------------------- activations
ACTIVATIONS = [
    (tf.nn.relu6, lambda x: np.minimum(np.maximum(x, 0), 6)),
    (tf.nn.selu, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * (np.exp(np.minimum(x, 0)) - 1))),
    (tf.nn.softsign, lambda x: x / (1 + np.abs(x))),
    (tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    (lambda x: tf.nn.leaky_relu(x, alpha=0.01), lambda x: np.where(x > 0, x, 0.01 * x)),
    (tf.nn.elu, lambda x: np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1)),
    (tf.nn.softplus, lambda x: np.logaddexp(0, x)),
    (tf.nn.relu, lambda x: np.maximum(x, 0)),
    (tf.nn.tanh, np.tanh),
    (tf.nn.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
]


@pytest.mark.parametrize("index", range(len(ACTIVATIONS)))
def test_activation_forward(backend, index):
    fn, ref = ACTIVATIONS[index]
    for shape in [(3, 5), (1,), (0, 4), ()]:
        x = rng.uniform(-8, 8, shape).astype(np.float32)
        check_forward(fn, ref, [x], backend, rtol=1e-5)


@pytest.mark.parametrize("index", range(len(ACTIVATIONS)))
def test_activation_gradients(backend, index):
    fn = ACTIVATIONS[index][0]
    # Away from the kinks at 0 and 6 so finite differences are exact.
    x = rng.uniform(0.1, 2, (3, 4)) * rng.choice([-1, 1, 4], (3, 4))
    check_gradients(fn, [x], backend=backend)
    # The gradient kernels' own gradients (second order).
    check_gradients(lambda t: tf.gradients(tf.reduce_sum(fn(t) * fn(t)), t)[0], [x],
                    backend=backend, rtol=1e-4)


def test_activation_names_and_dtypes():
    x = tf.placeholder(tf.float32, [2, 3])
    assert tf.nn.relu6(x).op.type == "Relu6" and tf.nn.relu6(x).name == "Relu6_1:0"
    assert tf.nn.selu(x).name == "Selu:0" and tf.nn.softsign(x).name == "Softsign:0"
    leaky = tf.nn.leaky_relu(x)
    assert leaky.name == "LeakyRelu:0" and leaky.op.get_attr("alpha") == pytest.approx(0.2)
    assert tf.nn.leaky_relu([1, 2]).dtype == tf.float32   # integers computed as float32
    with pytest.raises(TypeError, match="parameter 'features' has DataType int32"):
        tf.nn.selu([1, 2])


# ---------------------------------------------------------------- softmax
@pytest.mark.parametrize("shape", [(4, 5), (1, 1), (0, 3), (7,), (2, 3, 4)])
def test_softmax_forward(backend, shape):
    x = rng.standard_normal(shape).astype(np.float32) * 3
    check_forward(tf.nn.softmax, ref_softmax, [x], backend)
    check_forward(tf.nn.log_softmax, ref_log_softmax, [x], backend, atol=1e-5)


def test_softmax_large_logits_are_stable(backend):
    x = np.array([[1000., 0., -1000.], [-1000., -1000., -1000.], [1e4, 1e4, 0.]], np.float32)
    got = check_forward(tf.nn.softmax, ref_softmax, [x], backend)
    assert np.all(np.isfinite(got))
    check_forward(tf.nn.log_softmax, ref_log_softmax, [x], backend)


@pytest.mark.parametrize("axis", [0, 1, -2])
def test_softmax_other_axis(backend, axis):
    x = rng.randn(2, 3, 4).astype(np.float32)
    check_forward(lambda t: tf.nn.softmax(t, axis=axis), lambda a: ref_softmax(a, axis), [x],
                  backend)
    check_forward(lambda t: tf.nn.log_softmax(t, axis=axis),
                  lambda a: ref_log_softmax(a, axis), [x], backend, atol=1e-5)
    check_gradients(lambda t: tf.nn.softmax(t, axis=axis), shapes=[(2, 3, 4)], backend=backend)


def test_softmax_names_and_errors():
    x = tf.placeholder(tf.float32, [3, 4, 5])
    assert tf.nn.softmax(x).name == "Softmax:0"
    assert tf.nn.log_softmax(x).name == "LogSoftmax:0"
    assert tf.nn.softmax(x, axis=0).name == "transpose_1:0"   # TF swaps axes around it
    assert tf.nn.softmax(x, axis=1, name="sm").name == "sm:0"
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Dimension \(3\) must be in"):
        tf.nn.softmax(x, axis=3)
    with pytest.raises(TypeError, match="parameter 'logits' has DataType int32"):
        tf.nn.softmax([1, 2])
    with pytest.raises(ValueError, match="Shape must be at least rank 1 but is rank 0"):
        tf.nn.softmax(3.0)


@pytest.mark.parametrize("fn", [tf.nn.softmax, tf.nn.log_softmax])
def test_softmax_gradients(backend, fn):
    check_gradients(fn, shapes=[(3, 5)], backend=backend)
    check_gradients(fn, shapes=[(2, 1, 3)], backend=backend)
    check_gradients(lambda t: tf.gradients(tf.reduce_sum(fn(t) * fn(t)), t)[0],
                    shapes=[(2, 4)], backend=backend, rtol=1e-4)


# ---------------------------------------------------------------- softmax cross entropy
def ref_xent(labels, logits):
    return -np.sum(labels * ref_log_softmax(logits), axis=-1)


def XENT_V2(labels, logits):
    return tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)


def XENT_V1(labels, logits):
    return tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)


@pytest.mark.parametrize("fn", [XENT_V1, XENT_V2])
@pytest.mark.parametrize("shape", [(4, 5), (1, 1), (0, 3), (6,), (2, 3, 4)])
def test_softmax_xent_forward(backend, fn, shape):
    labels = distribution(rng, shape).astype(np.float32)
    logits = (rng.standard_normal(shape) * 3).astype(np.float32)
    check_forward(fn, ref_xent, [labels, logits], backend, rtol=1e-5)


def test_softmax_xent_large_logits(backend):
    labels = np.array([[0., 1., 0.], [1., 0., 0.], [.5, .5, 0.]], np.float32)
    logits = np.array([[1000., 0., -1000.], [1000., 0., -1000.], [0., -1000., 1000.]],
                      np.float32)
    got = check_forward(XENT_V2, ref_xent, [labels, logits], backend)
    np.testing.assert_allclose(got, [1000., 0., 1500.])


def test_softmax_xent_gradients(backend):
    labels = distribution(rng, (3, 4))
    check_gradients(XENT_V2, [labels, rng.randn(3, 4)], backend=backend)
    check_gradients(XENT_V2, [distribution(rng, (2, 2, 3)), rng.randn(2, 2, 3)],
                    backend=backend)
    # Second order, through the op's backprop output, into logits and labels.
    check_gradients(lambda lab, lg: tf.gradients(XENT_V2(lab, lg), lg)[0],
                    [labels, rng.randn(3, 4)], backend=backend, rtol=1e-4)


def test_softmax_xent_v1_stops_gradient_into_labels(backend):
    labels = tf.placeholder(tf.float64, [2, 3])
    logits = tf.placeholder(tf.float64, [2, 3])
    g_labels, g_logits = tf.gradients(XENT_V1(labels, logits), [labels, logits])
    assert g_labels is None and g_logits is not None
    assert tf.gradients(XENT_V2(labels, logits), labels)[0] is not None
    check_gradients(lambda lg: XENT_V1(tf.constant(distribution(rng, (2, 3))), lg),
                    shapes=[(2, 3)], backend=backend)


def test_softmax_xent_names_and_errors():
    labels, logits = tf.placeholder(tf.float32, [None, 5]), tf.placeholder(tf.float32, [None, 5])
    loss = XENT_V2(labels, logits)
    assert loss.name == "softmax_cross_entropy_with_logits/Reshape_2:0"
    assert loss.shape.as_list() == [None]
    graph = tf.get_default_graph()
    assert graph.get_operation_by_name("softmax_cross_entropy_with_logits").type == \
        "SoftmaxCrossEntropyWithLogits"
    v1 = XENT_V1(labels, logits)
    assert v1.name == "softmax_cross_entropy_with_logits_sg/Reshape_2:0"
    assert graph.get_operation_by_name(
        "softmax_cross_entropy_with_logits_sg/labels_stop_gradient").type == "StopGradient"
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 5 and 4 for "
                                         "'softmax_cross_entropy_with_logits_1'"):
        XENT_V2(tf.placeholder(tf.float32, [3, 4]), tf.placeholder(tf.float32, [3, 5]))
    with pytest.raises(ValueError, match="Only call `softmax_cross_entropy_with_logits` with "
                                         "named arguments"):
        tf.nn.softmax_cross_entropy_with_logits(labels, logits)


def test_softmax_xent_unknown_inner_dims(backend):
    labels = distribution(rng, (2, 3, 4)).astype(np.float32)
    logits = rng.randn(2, 3, 4).astype(np.float32)
    lab = tf.placeholder(tf.float32, [None, None, None])
    lg = tf.placeholder(tf.float32, [None, None, None])
    got = run(backend, XENT_V2(lab, lg), {lab: labels, lg: logits})
    np.testing.assert_allclose(got, ref_xent(labels, logits), rtol=1e-5)


# ---------------------------------------------------------------- sparse softmax xent
def ref_sparse_xent(labels, logits):
    log_sm = ref_log_softmax(logits.astype(np.float64))
    return -np.take_along_axis(log_sm, labels[..., None].astype(np.int64), -1)[..., 0]


def sparse_xent(labels, logits):
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


@pytest.mark.parametrize("shape", [(4, 5), (1, 1), (0, 3), (2, 3, 4), (6,)])
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64])
def test_sparse_xent_forward(backend, shape, label_dtype):
    logits = (rng.standard_normal(shape) * 3).astype(np.float32)
    labels = rng.randint(0, shape[-1], shape[:-1]).astype(label_dtype)
    check_forward(sparse_xent, ref_sparse_xent, [labels, logits], backend, rtol=1e-5)


def test_sparse_xent_large_logits(backend):
    logits = np.array([[1000., 0., -1000.]] * 3, np.float32)
    labels = np.array([0, 1, 2], np.int32)
    got = check_forward(sparse_xent, ref_sparse_xent, [labels, logits], backend)
    np.testing.assert_array_equal(got, [0., 1000., 2000.])


def test_sparse_xent_gradients(backend):
    for labels, shape in [([0, 3, 1], (3, 4)), ([[1, 0], [2, 2]], (2, 2, 3))]:
        labels = np.array(labels, np.int32)
        check_gradients(lambda lg: sparse_xent(tf.constant(labels), lg), shapes=[shape],
                        backend=backend)
    labels = np.array([2, 0], np.int64)
    check_gradients(lambda lg: tf.gradients(sparse_xent(tf.constant(labels), lg), lg)[0],
                    shapes=[(2, 3)], backend=backend, rtol=1e-4)


def test_sparse_xent_label_out_of_range(backend):
    labels = tf.placeholder(tf.int32, [None])
    logits = tf.placeholder(tf.float32, [None, 10])
    loss = sparse_xent(labels, logits)
    with tf.Session(device=backend) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Received a label value of 10 which is outside the valid "
                                 r"range of \[0, 10\)\.  Label values: 1 10 3"):
            sess.run(loss, {labels: [1, 10, 3], logits: np.zeros((3, 10))})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Received a label value of -1 which"):
            sess.run(loss, {labels: [1, 12, -1], logits: np.zeros((3, 10))})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="logits and labels must have the same first dimension"):
            sess.run(loss, {labels: [1, 2], logits: np.zeros((3, 10))})
        got = sess.run(loss, {labels: [9], logits: np.zeros((1, 10))})   # still works
        np.testing.assert_allclose(got, [np.log(10)], rtol=1e-6)


def test_sparse_xent_static_errors_and_names():
    lg = tf.placeholder(tf.float32, [None, 5])
    loss = sparse_xent(tf.placeholder(tf.int32, [None]), lg)
    assert loss.name == \
        "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits:0"
    loss3 = sparse_xent(tf.placeholder(tf.int32, [2, 3]), tf.placeholder(tf.float32, [2, 3, 4]))
    assert loss3.name == "SparseSoftmaxCrossEntropyWithLogits_1/Reshape_2:0"
    assert loss3.shape.as_list() == [2, 3]
    with pytest.raises(ValueError, match=r"Rank mismatch: Rank of labels \(received 2\) should "
                                         r"equal rank of logits minus 1 \(received 2\)\."):
        sparse_xent(tf.placeholder(tf.int32, [3, 10]), tf.placeholder(tf.float32, [3, 10]))
    with pytest.raises(ValueError, match=r"Shape mismatch: The shape of labels \(received "
                                         r"\(4,\)\) should equal"):
        sparse_xent(tf.placeholder(tf.int32, [4]), tf.placeholder(tf.float32, [3, 10]))
    with pytest.raises(ValueError, match="Logits cannot be scalars"):
        sparse_xent(tf.placeholder(tf.int32, []), tf.placeholder(tf.float32, []))
    with pytest.raises(TypeError, match="parameter 'labels' has DataType float32"):
        sparse_xent(tf.placeholder(tf.float32, [3]), tf.placeholder(tf.float32, [3, 10]))


# ---------------------------------------------------------------- sigmoid cross entropy
def ref_sigmoid_xent(labels, logits):
    return np.logaddexp(0, logits) - logits * labels   # -z log s(x) - (1-z) log(1-s(x))


def sigmoid_xent(labels, logits):
    return tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)


def test_sigmoid_xent_forward(backend):
    for shape in [(3, 4), (1,), (0, 2), ()]:
        labels = rng.uniform(0, 1, shape).astype(np.float32)
        logits = (rng.standard_normal(shape) * 4).astype(np.float32)
        check_forward(sigmoid_xent, ref_sigmoid_xent, [labels, logits], backend, rtol=1e-5)
    labels = np.array([0., 1., 1., 0., .5], np.float32)
    logits = np.array([1000., 1000., -1000., -1000., 0.], np.float32)
    got = check_forward(sigmoid_xent, ref_sigmoid_xent, [labels, logits], backend)
    np.testing.assert_allclose(got, [1000., 0., 1000., 0., np.log(2)], rtol=1e-6)


def test_sigmoid_xent_gradients_and_names(backend):
    check_gradients(sigmoid_xent, [rng.uniform(0, 1, (3, 4)), rng.randn(3, 4) * 3],
                    backend=backend)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 5])
        assert sigmoid_xent(x, x).name == "logistic_loss:0"
        with pytest.raises(ValueError, match=r"logits and labels must have the same shape "
                                             r"\(\(4,\) vs \(3,\)\)"):
            sigmoid_xent(tf.placeholder(tf.float32, [3]), tf.placeholder(tf.float32, [4]))
        with pytest.raises(ValueError, match="Only call `sigmoid_cross_entropy_with_logits`"):
            tf.nn.sigmoid_cross_entropy_with_logits(x, x)


# ---------------------------------------------------------------- in_top_k
def test_in_top_k_ties_and_non_finite(backend):
    pred = np.array([[1, 2, 2, 3], [1, 1, 1, 1], [np.nan, 1, 2, 3], [np.inf, 1, 2, 3],
                     [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]], np.float32)
    targets = np.array([1, 0, 3, 0, 3, 4, -1], np.int32)
    for k in [0, 1, 2, 4, 5]:
        got = check_forward(lambda p, t: tf.nn.in_top_k(p, t, k),
                            lambda p, t: ref_in_top_k(p, t, k), [pred, targets], backend)
        if k == 2:   # [1, 2, 2, 3]: target 1 (=2) has one larger value: in the top 2
            np.testing.assert_array_equal(got, [True, True, False, False, True, False, False])


def test_in_top_k_random_ties(backend):
    pred = rng.randint(0, 4, (50, 6)).astype(np.float32)   # many ties
    targets = rng.randint(0, 6, 50).astype(np.int64)
    for k in [1, 3]:
        check_forward(lambda p, t: tf.nn.in_top_k(p, t, k), lambda p, t: ref_in_top_k(p, t, k),
                      [pred, targets], backend)


def test_in_top_k_names_and_errors():
    out = tf.nn.in_top_k(tf.placeholder(tf.float32, [None, 5]), tf.placeholder(tf.int32, [None]), 2)
    assert out.name == "in_top_k/InTopKV2:0" and out.dtype == tf.bool
    assert out.op.inputs[2].op.name == "in_top_k/InTopKV2/k"
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 1"):
        tf.nn.in_top_k([1., 2.], [1], 1)
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 1 and 2"):
        tf.nn.in_top_k([[1., 2.]], [1, 0], 1)
    with pytest.raises(TypeError, match="has type float64 that does not match expected type"):
        tf.nn.in_top_k(tf.constant([[1., 2.]], tf.float64), [1], 1)


# ---------------------------------------------------------------- embedding_lookup
def test_embedding_lookup(backend):
    params = rng.randn(10, 3).astype(np.float32)
    for ids in [np.array([3, 0, 3, 9], np.int32), np.array([[1, 2], [2, 1]], np.int64),
                np.zeros((0,), np.int32)]:
        check_forward(tf.nn.embedding_lookup, lambda p, i: p[i], [params, ids], backend)
    check_gradients(lambda p: tf.nn.embedding_lookup(p, tf.constant([1, 4, 1])), shapes=[(5, 2)],
                    backend=backend)
    out = tf.nn.embedding_lookup(tf.placeholder(tf.float32, [10, 3]), [1, 2])
    assert out.name == "embedding_lookup/Identity:0"
    assert out.op.inputs[0].op.name == "embedding_lookup"


# ---------------------------------------------------------------- dropout
def test_dropout_statistics(backend):
    n, rate = 200_000, 0.3
    x = tf.ones([n])
    y = tf.nn.dropout(x, keep_prob=1 - rate)
    a, b = run(backend, [y, y])   # one run: the same draw twice
    np.testing.assert_array_equal(a, b)
    values = np.unique(a)
    np.testing.assert_allclose(values, [0, 1 / (1 - rate)], rtol=1e-6)
    # The zero fraction is a mean of n Bernoulli(rate): std sqrt(rate (1 - rate) / n) = 0.001;
    # 6 standard deviations make a false failure practically impossible.
    sigma = np.sqrt(rate * (1 - rate) / n)
    assert abs(np.mean(a == 0) - rate) < 6 * sigma
    assert abs(np.mean(a) - 1) < 6 * sigma / (1 - rate)
    with tf.Session(device=backend) as sess:   # a new draw each run
        assert not np.array_equal(sess.run(y), sess.run(y))


def test_dropout_rate_and_placeholder_keep_prob(backend):
    x = np.arange(1, 1001, dtype=np.float32)
    keep = tf.placeholder_with_default(1.0, [])
    y = tf.nn.dropout(tf.constant(x), keep_prob=keep)
    y_rate = tf.nn.dropout(tf.constant(x), rate=0.5)
    with tf.Session(device=backend) as sess:
        np.testing.assert_array_equal(sess.run(y), x)   # keep_prob 1: nothing dropped
        half = sess.run(y, {keep: 0.5})
        kept = half != 0
        np.testing.assert_allclose(half[kept], 2 * x[kept], rtol=1e-6)
        # 1000 draws at p = 0.5: std 0.0158; 6 sigma.
        assert abs(kept.mean() - 0.5) < 6 * 0.0158
        r = sess.run(y_rate)
        np.testing.assert_allclose(r[r != 0], 2 * x[r != 0], rtol=1e-6)


def test_dropout_identity_names_and_errors():
    x = tf.placeholder(tf.float32, [None, 5])
    y = tf.nn.dropout(x, 0.5)
    assert y.name == "dropout/mul_1:0" and y.shape.as_list() == [None, 5]
    names = {op.name for op in tf.get_default_graph().get_operations()}
    assert tf.nn.dropout(x, keep_prob=1) is x
    assert tf.nn.dropout(x, rate=0.0) is x
    assert {"dropout/rate", "dropout/Shape", "dropout/random_uniform/RandomUniform",
            "dropout/GreaterEqual", "dropout/truediv", "dropout/Cast", "dropout/mul"} <= names
    for bad in [0.0, 1.5, -0.1]:
        with pytest.raises(ValueError, match="rate must be a scalar tensor or a float in the "
                                             r"range \[0, 1\)"):
            tf.nn.dropout(x, keep_prob=bad)
    with pytest.raises(ValueError, match="Cannot specify both 'keep_prob' and 'rate'"):
        tf.nn.dropout(x, 0.5, rate=0.5)
    with pytest.raises(ValueError, match="You must provide a rate to dropout."):
        tf.nn.dropout(x)
    with pytest.raises(ValueError, match="x has to be a floating point tensor"):
        tf.nn.dropout(tf.constant([1, 2]), 0.5)


def test_dropout_noise_shape_and_gradient(backend):
    x = tf.placeholder(tf.float64, [40, 6])
    y = tf.nn.dropout(x, 0.5, noise_shape=[40, 1])
    g = tf.gradients(tf.reduce_sum(y * y), x)[0]
    xv = rng.uniform(1, 2, (40, 6))
    yv, gv = run(backend, [y, g], {x: xv})
    rows_kept = yv[:, 0] != 0
    assert np.all((yv != 0) == rows_kept[:, None])   # whole rows kept or dropped
    assert 0 < rows_kept.sum() < 40
    # d sum(y^2)/dx = 2 y * mask / keep_prob, with the same draw as y.
    np.testing.assert_allclose(gv, 2 * yv * (yv != 0) / 0.5, rtol=1e-12)


# ---------------------------------------------------------------- l2_loss, bias_add
def test_l2_loss(backend):
    for shape in [(3, 4), (1,), (0,), ()]:
        x = rng.standard_normal(shape).astype(np.float32)
        check_forward(tf.nn.l2_loss, lambda a: np.sum(a.astype(np.float64) ** 2) / 2, [x],
                      backend, rtol=1e-6)
    check_gradients(tf.nn.l2_loss, shapes=[(3, 2)], backend=backend)
    assert tf.nn.l2_loss(tf.placeholder(tf.float32, [2])).name == "L2Loss:0"
    with pytest.raises(TypeError, match="parameter 't' has DataType int32"):
        tf.nn.l2_loss([1, 2])


def test_bias_add_forward(backend):
    for shape in [(3, 4), (2, 3, 5, 4), (0, 4), (1, 1)]:
        x = rng.standard_normal(shape).astype(np.float32)
        b = rng.randn(shape[-1]).astype(np.float32)
        check_forward(tf.nn.bias_add, lambda a, c: a + c, [x, b], backend)
    x, b = rng.randn(2, 3, 4, 5).astype(np.float32), rng.randn(3).astype(np.float32)
    check_forward(lambda a, c: tf.nn.bias_add(a, c, data_format="NCHW"),
                  lambda a, c: a + c[:, None, None], [x, b], backend)


def test_bias_add_gradients(backend):
    check_gradients(tf.nn.bias_add, shapes=[(3, 4), (4,)], backend=backend)
    check_gradients(tf.nn.bias_add, shapes=[(2, 3, 2), (2,)], backend=backend)
    check_gradients(lambda a, c: tf.nn.bias_add(a, c, data_format="NCHW"),
                    shapes=[(2, 3, 2, 2), (3,)], backend=backend)
    # BiasAddGrad's own gradient.
    check_gradients(lambda a: tf.gradients(tf.nn.bias_add(tf.ones([2, 3], tf.float64), a * a),
                                           a, grad_ys=tf.constant(rng.randn(2, 3)))[0],
                    shapes=[(3,)], backend=backend)
    x, b = tf.placeholder(tf.float32, [2, 3]), tf.placeholder(tf.float32, [3])
    g = tf.gradients(tf.nn.bias_add(x, b), b)[0]
    assert g.op.type == "BiasAddGrad"


def test_bias_add_gradient_of_wide_rows(backend):
    """Column sums eight columns at a time, then the rest (21 = 2 * 8 + 5), over an odd
    number of rows, float64 and float32."""
    check_gradients(tf.nn.bias_add, shapes=[(7, 21), (21,)], backend=backend)
    w = rng.randn(7, 21).astype(np.float32)
    x, b = tf.placeholder(tf.float32, [7, 21]), tf.placeholder(tf.float32, [21])
    g = tf.gradients(tf.reduce_sum(tf.nn.bias_add(x, b) * w), b)[0]
    got = run(backend, g, {x: rng.randn(7, 21), b: rng.randn(21)})
    np.testing.assert_allclose(got, w.sum(0), rtol=1e-5, atol=1e-6)


def test_bias_add_errors(backend):
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 4 and 5 for "
                                         r"'BiasAdd' \(op: 'BiasAdd'\) with input shapes: "
                                         r"\[3,4\], \[5\]"):
        tf.nn.bias_add(tf.placeholder(tf.float32, [3, 4]), tf.placeholder(tf.float32, [5]))
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2"):
        tf.nn.bias_add(tf.placeholder(tf.float32, [3, 4]), tf.placeholder(tf.float32, [3, 4]))
    with pytest.raises(ValueError, match="Shape must be at least rank 2 but is rank 1"):
        tf.nn.bias_add(tf.placeholder(tf.float32, [4]), tf.placeholder(tf.float32, [4]))
    v, b = tf.placeholder(tf.float32, [None, None]), tf.placeholder(tf.float32, [None])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Must provide as many biases as the last dimension of the input "
                             r"tensor: \[4\] vs. \[2,3\]"):
        run(backend, tf.nn.bias_add(v, b), {v: np.zeros((2, 3)), b: np.zeros(4)})


def test_xw_plus_b(backend):
    x, w, b = rng.randn(3, 4), rng.randn(4, 2), rng.randn(2)
    check_forward(tf.nn.xw_plus_b, lambda a, c, d: a @ c + d, [x, w, b], backend)


# ---------------------------------------------------------------- check_numerics
def test_check_numerics(backend):
    x = tf.placeholder(tf.float32, [None])
    y = tf.check_numerics(x, "boom")
    y2 = tf.debugging.check_numerics(x * 2, "twice")
    assert y.name == "CheckNumerics:0" and y.op.type == "CheckNumerics"
    with tf.Session(device=backend) as sess:
        for bad, kind in [([1., np.nan], "NaN"), ([np.inf, 1.], "Inf"),
                          ([-np.inf, np.nan], "Inf and NaN")]:
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=f"boom : Tensor had {kind} values"):
                sess.run(y, {x: bad})
        with pytest.raises(tf.errors.InvalidArgumentError, match="twice : Tensor had Inf"):
            sess.run(y2, {x: [np.inf]})
        np.testing.assert_array_equal(sess.run(y, {x: [1., 2.]}), [1., 2.])   # still works
        np.testing.assert_array_equal(sess.run(y, {x: np.zeros(0)}), np.zeros(0))
    with pytest.raises(TypeError, match="parameter 'tensor' has DataType int32"):
        tf.check_numerics([1, 2], "m")


def test_check_numerics_gradient(backend):
    check_gradients(lambda t: tf.check_numerics(t * t, "m"), shapes=[(2, 3)], backend=backend)
    x = tf.placeholder(tf.float32, [2])
    g = tf.gradients(tf.check_numerics(x, "m"), x)[0]
    assert g.op.type == "CheckNumerics"
    assert g.op.get_attr("message") == \
        "Not a number (NaN) or infinity (Inf) values detected in gradient. m"
