"""Test helpers: compare an op against numpy and its gradient against central finite
differences, in float64, on a given backend (one line per op in the tests)."""
import numpy as np

import tinygraph as tf


def run(backend, fetches, feed_dict=None):
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed_dict)


def check_forward(fn, np_fn, inputs, backend, rtol=1e-6, atol=1e-6):
    """fn(*tensors) evaluated by tinygraph equals np_fn(*arrays)."""
    with tf.Graph().as_default():
        xs = [tf.placeholder(tf.as_dtype(a.dtype), a.shape) for a in inputs]
        got = run(backend, fn(*xs), dict(zip(xs, inputs)))
    want = np_fn(*inputs)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    assert np.asarray(got).shape == np.shape(want)
    return got


def check_gradients(fn, inputs=None, shapes=None, backend="numpy", eps=1e-6, rtol=1e-5,
                    atol=1e-6, seed=0):
    """The gradient tinygraph builds for a random projection of fn(*xs) equals central
    finite differences of the same forward computation, for every input."""
    rng = np.random.RandomState(seed)
    if inputs is None:
        inputs = [rng.uniform(-1, 1, s) for s in shapes]
    inputs = [np.asarray(a, dtype=np.float64) for a in inputs]
    with tf.Graph().as_default():
        xs = [tf.placeholder(tf.float64, a.shape) for a in inputs]
        y = fn(*xs)
        y_shape = tuple(run(backend, tf.shape(y), dict(zip(xs, inputs))))
        weights = rng.uniform(-1, 1, y_shape)
        loss = tf.reduce_sum(y * tf.constant(weights))
        grads = tf.gradients(loss, xs)
        with tf.Session(device=backend) as sess:
            sess.run(tf.global_variables_initializer())
            feed = dict(zip(xs, inputs))
            analytic = sess.run([g if g is not None else tf.zeros_like(x)
                                 for g, x in zip(grads, xs)], feed)
            for i, a in enumerate(inputs):
                numeric = np.zeros_like(a)
                for index in np.ndindex(a.shape):
                    plus, minus = a.copy(), a.copy()
                    plus[index] += eps
                    minus[index] -= eps
                    f_plus = sess.run(loss, {**feed, xs[i]: plus})
                    f_minus = sess.run(loss, {**feed, xs[i]: minus})
                    numeric[index] = (f_plus - f_minus) / (2 * eps)
                np.testing.assert_allclose(analytic[i], numeric, rtol=rtol, atol=atol,
                                           err_msg=f"gradient of input {i}")
    return analytic
