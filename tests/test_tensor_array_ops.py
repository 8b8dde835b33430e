"""tf.TensorArray: values against numpy, TF1's errors, and gradients (also through a
while_loop, where arrays are loop variables) against finite differences, on both
backends."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_gradients, run


def test_write_read_stack_size(backend):
    ta = tf.TensorArray(tf.float32, size=3)
    ta = ta.write(0, [1.0, 2.0]).write(2, [5.0, 6.0]).write(1, tf.constant([3.0, 4.0]))
    assert ta.element_shape.as_list() == [2]
    got = run(backend, [ta.read(1), ta.stack(), ta.size(), ta.gather([2, 0]), ta.concat()])
    np.testing.assert_array_equal(got[0], [3, 4])
    np.testing.assert_array_equal(got[1], [[1, 2], [3, 4], [5, 6]])
    assert got[2] == 3
    np.testing.assert_array_equal(got[3], [[5, 6], [1, 2]])
    np.testing.assert_array_equal(got[4], [1, 2, 3, 4, 5, 6])


def test_unstack_scatter_and_unwritten_zeros(backend):
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    ta = tf.TensorArray(tf.float32, size=4).unstack(x)
    partial = tf.TensorArray(tf.float32, size=4, element_shape=[3]).scatter([3, 1], x[:2])
    got = run(backend, [ta.read(2), ta.stack(), partial.stack()])
    np.testing.assert_array_equal(got[0], x[2])
    np.testing.assert_array_equal(got[1], x)
    # unwritten elements of a fully shaped array read as zeros, as in TF1
    np.testing.assert_array_equal(got[2], [np.zeros(3), x[1], np.zeros(3), x[0]])


def test_dynamic_size_grows(backend):
    ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
    ta = ta.write(0, 7).write(3, 9)
    got = run(backend, [ta.size(), ta.read(3)])
    assert got[0] == 4 and got[1] == 9


def test_errors(backend):
    ta = tf.TensorArray(tf.float32, size=2, tensor_array_name="arr")
    with pytest.raises(TypeError, match="TensorArray dtype is float32 but Op is trying to "
                                        "write dtype int32"):
        ta.write(0, tf.constant(1))
    twice = ta.write(0, 1.0).write(0, 2.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="TensorArray arr: Could not write "
                                                             "to TensorArray index 0 because it "
                                                             "has already been written to"):
        run(backend, twice.stack())
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tried to write to index 2 but "
                                                             "array is not resizeable and size "
                                                             "is: 2"):
        run(backend, ta.write(2, 1.0).stack())
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tried to read from index 5"):
        run(backend, ta.write(0, 1.0).read(5))
    unshaped = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="element shape is not fully "
                                                             "defined"):
        run(backend, unshaped.read(1))
    p = tf.placeholder(tf.float32, [None])
    mixed = tf.TensorArray(tf.float32, size=2).write(0, p).write(1, [1.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="value shape is \\[1\\] which is "
                                                             "incompatible"):
        run(backend, mixed.stack(), {p: [1.0, 2.0]})


def test_stack_unstack_gradient(backend):
    def fn(x):
        ta = tf.TensorArray(tf.float64, size=3).unstack(x)
        return tf.sin(ta.stack()) + ta.read(1) * ta.read(2)
    check_gradients(fn, shapes=[(3, 2)], backend=backend)


def test_gather_scatter_gradient(backend):
    def fn(x):
        ta = tf.TensorArray(tf.float64, size=4, element_shape=[2]).scatter([2, 0], x)
        return ta.gather([0, 1, 2, 0]) * 3.0
    check_gradients(fn, shapes=[(2, 2)], backend=backend)


def test_arrays_as_loop_variables_gradient(backend):
    """The dynamic-RNN pattern: read step t from one array, write to another."""
    def fn(x, w):
        steps = tf.TensorArray(tf.float64, size=4).unstack(x)

        def body(t, h, out):
            h = tf.tanh(steps.read(t) * w + h)
            return t + 1, h, out.write(t, h * h)
        _, h, out = tf.while_loop(lambda t, *_: t < 4, body,
                                  [0, tf.zeros([3], tf.float64),
                                   tf.TensorArray(tf.float64, size=4)])
        return tf.concat([tf.reshape(out.stack(), [-1]), h], 0)
    check_gradients(fn, shapes=[(4, 3), (3,)], backend=backend)
