"""The book's time-series model (chapter 14): a 100-unit ReLU BasicRNNCell wrapped in an
OutputProjectionWrapper under dynamic_rnn, trained with Adam on batches of 20-step
windows of t*sin(t)/3 + 2*sin(5t), reaches an MSE under 0.1 within 1,500 iterations."""
import numpy as np
import pytest

import tinygraph as tf

t_min, t_max, resolution = 0, 30, 0.1
n_steps, n_inputs, n_neurons, n_outputs = 20, 1, 100, 1


def time_series(t):
    return t * np.sin(t) / 3 + 2 * np.sin(t * 5)


def next_batch(rng, batch_size):
    t0 = rng.rand(batch_size, 1) * (t_max - t_min - n_steps * resolution)
    ts = t0 + np.arange(0., n_steps + 1) * resolution
    ys = time_series(ts)
    return ys[:, :-1].reshape(-1, n_steps, 1), ys[:, 1:].reshape(-1, n_steps, 1)


@pytest.mark.slow
def test_output_projection_model_learns_the_series():
    tf.set_random_seed(42)
    X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
    y = tf.placeholder(tf.float32, [None, n_steps, n_outputs])
    cell = tf.contrib.rnn.OutputProjectionWrapper(
        tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons, activation=tf.nn.relu),
        output_size=n_outputs)
    outputs, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
    loss = tf.reduce_mean(tf.square(outputs - y))
    training_op = tf.train.AdamOptimizer(learning_rate=0.001).minimize(loss)
    rng = np.random.RandomState(42)
    X_check, y_check = next_batch(np.random.RandomState(7), 200)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        start = sess.run(loss, {X: X_check, y: y_check})
        for _ in range(1500):
            X_batch, y_batch = next_batch(rng, 50)
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        mse = sess.run(loss, {X: X_check, y: y_check})
    assert start > 1.0 and mse < 0.1, (start, mse)
