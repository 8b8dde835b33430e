"""Predicting a time series with an OutputProjectionWrapper (Géron, chapter 14).

A 100-unit ReLU BasicRNNCell, wrapped in an OutputProjectionWrapper so that each of the
20 time steps outputs a single value, learns to predict the next values of
t.sin(t)/3 + 2.sin(5t) from windows of the series (Adam, 1,500 iterations). It prints the
training MSE every 100 iterations, saves the model to ./my_time_series_model, and plots
the series and the prediction on one instance (images/rnn/time_series_*.png)."""
import numpy as np

import tinygraph as tf
from tinygraph.examples.time_series_data import (next_batch, plot_prediction, t,
                                                 t_instance, time_series)
from tinygraph.replay import book


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


with book.figure("time_series_plot", figsize=(11, 4)) as plt:
    if plt is not None:
        plt.subplot(121)
        plt.title("A time series (generated)", fontsize=14)
        plt.plot(t, time_series(t), label=r"$t . \sin(t) / 3 + 2 . \sin(5t)$")
        plt.plot(t_instance[:-1], time_series(t_instance[:-1]), "b-", linewidth=3,
                 label="A training instance")
        plt.legend(loc="lower left", fontsize=14)
        plt.axis([0, 30, -17, 13])
        plt.xlabel("Time")
        plt.ylabel("Value")

        plt.subplot(122)
        plt.title("A training instance", fontsize=14)
        plt.plot(t_instance[:-1], time_series(t_instance[:-1]), "bo", markersize=10,
                 label="instance")
        plt.plot(t_instance[1:], time_series(t_instance[1:]), "w*", markersize=10,
                 label="target")
        plt.legend(loc="upper left")
        plt.xlabel("Time")

reset_graph()

n_steps = 20
n_inputs = 1
n_neurons = 100
n_outputs = 1

X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
y = tf.placeholder(tf.float32, [None, n_steps, n_outputs])

cell = tf.contrib.rnn.OutputProjectionWrapper(
    tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons, activation=tf.nn.relu),
    output_size=n_outputs)
outputs, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)

learning_rate = 0.001

loss = tf.reduce_mean(tf.square(outputs - y))  # MSE
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
training_op = optimizer.minimize(loss)

init = tf.global_variables_initializer()
saver = tf.train.Saver()

n_iterations = book.iterations(1500, 300)
batch_size = 50

with tf.Session() as sess:
    init.run()
    bar = book.progress(range(n_iterations), desc="time series")
    for iteration in bar:
        X_batch, y_batch = next_batch(batch_size, n_steps)
        sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        if iteration % 100 == 0:
            mse = loss.eval(feed_dict={X: X_batch, y: y_batch})
            print(iteration, "\tMSE:", mse)
            bar.set_postfix(loss=mse)

    saver.save(sess, "./my_time_series_model")  # not shown in the book

with tf.Session() as sess:                          # not shown in the book
    saver.restore(sess, "./my_time_series_model")   # not shown

    X_new = time_series(np.array(t_instance[:-1].reshape(-1, n_steps, n_inputs)))
    y_pred = sess.run(outputs, feed_dict={X: X_new})

with book.figure("time_series_pred_plot") as plt:
    if plt is not None:
        plot_prediction(plt, y_pred)
