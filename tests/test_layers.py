"""tf.layers.dense / tf.layers.Dense: names, shapes, initializers, reuse, as TF 1.15."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_gradients, run


def op_names():
    return {op.name for op in tf.get_default_graph().get_operations()}


def test_dense_names_like_tf():
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    a = tf.layers.dense(x, 3, activation=tf.nn.relu)
    b = tf.layers.dense(a, 2)
    assert a.name == "dense/Relu:0" and b.name == "dense_1/BiasAdd:0"
    assert [v.name for v in tf.global_variables()] == \
        ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    assert [v.name for v in tf.trainable_variables()] == \
        [v.name for v in tf.global_variables()]
    assert {"dense/MatMul", "dense/BiasAdd", "dense/Relu", "dense_1/MatMul", "dense_1/BiasAdd",
            "dense/kernel/Initializer/random_uniform", "dense/bias/Initializer/zeros",
            "dense/kernel/read", "dense/bias/read"} <= op_names()
    graph = tf.get_default_graph()
    assert graph.get_operation_by_name("dense/BiasAdd").type == "BiasAdd"
    assert graph.get_operation_by_name("dense/MatMul").inputs[1].name == "dense/kernel/read:0"
    assert a.shape.as_list() == [None, 3] and b.shape.as_list() == [None, 2]


def test_dense_forward(backend):
    xv = np.random.randn(5, 4).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.layers.dense(x, 3, activation=tf.tanh, bias_initializer=tf.constant_initializer(0.5))
    kernel, bias = tf.global_variables()
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        got, k, b = sess.run([y, kernel, bias], {x: xv})
    np.testing.assert_allclose(b, [0.5] * 3)
    np.testing.assert_allclose(got, np.tanh(xv @ k + b), rtol=1e-5, atol=1e-6)
    assert y.name == "dense/Tanh:0"


def test_dense_glorot_uniform_bounds(backend):
    fan_in, fan_out = 200, 300
    tf.layers.dense(tf.placeholder(tf.float32, [None, fan_in]), fan_out)
    kernel, bias = tf.global_variables()
    k, b = run(backend, [kernel, bias])
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    assert k.shape == (fan_in, fan_out) and b.shape == (fan_out,)
    np.testing.assert_array_equal(b, 0)
    assert np.all(np.abs(k) <= limit)
    # 60,000 uniform draws: the extremes reach within 0.1% of the bounds, and the standard
    # deviation (limit / sqrt 3) is estimated to well within 2%.
    assert k.max() > 0.999 * limit and k.min() < -0.999 * limit
    assert abs(k.std() / (limit / np.sqrt(3)) - 1) < 0.02
    assert abs(k.mean()) < 6 * limit / np.sqrt(3) / np.sqrt(k.size)


def test_dense_reuse_shares_variables(backend):
    x = tf.placeholder(tf.float32, [None, 4])
    a = tf.layers.dense(x, 3, name="dense")
    b = tf.layers.dense(x, 3, name="dense", reuse=True)
    c = tf.layers.dense(x, 3)   # a fresh layer: new scope
    assert [v.name for v in tf.global_variables()] == \
        ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    assert b.name == "dense_1/BiasAdd:0"        # reopening a scope opens a new name scope
    assert c.name == "dense_2/BiasAdd:0"
    xv = np.random.randn(2, 4)
    av, bv, cv = run(backend, [a, b, c], {x: xv})
    np.testing.assert_array_equal(av, bv)
    assert not np.allclose(av, cv)
    with pytest.raises(ValueError, match="Variable dense/kernel already exists"):
        tf.layers.dense(x, 3, name="dense")
    with pytest.raises(ValueError, match="Variable other/kernel does not exist"):
        tf.layers.dense(x, 3, name="other", reuse=True)


def test_dense_reuse_inside_variable_scope(backend):
    x = tf.placeholder(tf.float32, [None, 4])
    with tf.variable_scope("net"):
        a = tf.layers.dense(x, 2)
    with tf.variable_scope("net", reuse=True):
        b = tf.layers.dense(x, 2)
    assert [v.name for v in tf.global_variables()] == ["net/dense/kernel:0", "net/dense/bias:0"]
    assert a.name == "net/dense/BiasAdd:0" and b.name == "net_1/dense/BiasAdd:0"
    av, bv = run(backend, [a, b], {x: np.ones((1, 4))})
    np.testing.assert_array_equal(av, bv)


def test_dense_class_called_twice():
    x = tf.placeholder(tf.float32, [None, 4])
    layer = tf.layers.Dense(3, activation=tf.nn.relu)
    y1, y2 = layer(x), layer(x)
    assert y1.name == "dense/Relu:0" and y2.name == "dense/Relu_1:0"
    assert {"dense/MatMul_1", "dense/BiasAdd_1"} <= op_names()
    assert layer.name == "dense" and layer.kernel.name == "dense/kernel:0"
    assert layer.bias.name == "dense/bias:0"
    assert layer.trainable_variables == [layer.kernel, layer.bias]
    assert len(tf.global_variables()) == 2


def test_dense_rank3_inputs(backend):
    x = tf.placeholder(tf.float32, [None, 7, 4])
    y = tf.layers.dense(x, 3, activation=tf.nn.relu)
    assert y.name == "dense/Relu:0" and y.shape.as_list() == [None, 7, 3]
    assert tf.get_default_graph().get_operation_by_name("dense/Tensordot").type == "Reshape"
    kernel, bias = tf.global_variables()
    xv = np.random.randn(2, 7, 4).astype(np.float32)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(bias.assign(np.arange(3, dtype=np.float32) - 1))
        got, k, b = sess.run([y, kernel, bias], {x: xv})
    np.testing.assert_allclose(got, np.maximum(np.einsum("btk,ku->btu", xv, k) + b, 0),
                               rtol=1e-5, atol=1e-6)
    # Two unknown outer dims: the output shape is read at run time.
    u = tf.placeholder(tf.float32, [None, None, 4])
    z = tf.layers.dense(u, 5)
    assert z.shape.as_list() == [None, None, 5]
    assert run(backend, z, {u: np.zeros((3, 2, 4))}).shape == (3, 2, 5)


def test_dense_gradients(backend):
    check_gradients(lambda t: tf.layers.dense(t, 3, activation=tf.tanh,
                                              bias_initializer=tf.constant_initializer(0.1)),
                    shapes=[(4, 2)], backend=backend)
    check_gradients(lambda t: tf.layers.dense(t, 2), shapes=[(2, 3, 2)], backend=backend)
    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.layers.dense(x, 3)
    grads = tf.gradients(tf.reduce_sum(y), tf.trainable_variables())
    assert all(g is not None for g in grads)
    xv = np.random.randn(6, 4).astype(np.float32)
    gk, gb = run(backend, grads, {x: xv})
    np.testing.assert_allclose(gk, np.repeat(xv.sum(0)[:, None], 3, 1), rtol=1e-5)
    np.testing.assert_allclose(gb, [6.] * 3)


def test_dense_options():
    x = tf.placeholder(tf.float64, [None, 4])
    y = tf.layers.dense(x, 2, use_bias=False, kernel_regularizer=tf.nn.l2_loss,
                        trainable=False, kernel_initializer=tf.zeros_initializer())
    assert y.name == "dense/MatMul:0" and y.dtype == tf.float64
    assert [v.name for v in tf.global_variables()] == ["dense/kernel:0"]
    assert tf.global_variables()[0].dtype == tf.float64
    assert tf.trainable_variables() == []
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert [t.name for t in losses] == ["dense/kernel/Regularizer/L2Loss:0"]
    with pytest.raises(ValueError, match="The last dimension of the inputs to `Dense` should be "
                                         "defined. Found `None`."):
        tf.layers.dense(tf.placeholder(tf.float32, [None, None]), 2)
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        tf.layers.dense(tf.placeholder(tf.float32, [4]), 2)
