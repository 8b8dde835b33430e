"""Predicting a time series without an OutputProjectionWrapper (Géron, chapter 14).

The same model as ch14_time_series, but faster: the 100-unit ReLU BasicRNNCell's outputs
of all time steps are stacked into one batch, one dense layer projects them to a single
value, and the result is unstacked back into sequences. Trained with Adam for 1,500
iterations (the training MSE printed every 100), saved to ./my_time_series_model and
tested on one instance (images/rnn/time_series_dense_pred_plot.png).

ch14_creative_sequence runs this file under another name than "__main__" to rebuild the
graph without training it."""
import numpy as np

import tinygraph as tf
from tinygraph.examples.time_series_data import (next_batch, plot_prediction, t_instance,
                                                 time_series)
from tinygraph.replay import book


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


reset_graph()

n_steps = 20
n_inputs = 1
n_neurons = 100
n_outputs = 1

X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
y = tf.placeholder(tf.float32, [None, n_steps, n_outputs])

cell = tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons, activation=tf.nn.relu)
rnn_outputs, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)

learning_rate = 0.001

stacked_rnn_outputs = tf.reshape(rnn_outputs, [-1, n_neurons])
stacked_outputs = tf.layers.dense(stacked_rnn_outputs, n_outputs)
outputs = tf.reshape(stacked_outputs, [-1, n_steps, n_outputs])

loss = tf.reduce_mean(tf.square(outputs - y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
training_op = optimizer.minimize(loss)

init = tf.global_variables_initializer()
saver = tf.train.Saver()

if __name__ == "__main__":   # the training; ch14_creative_sequence may want the graph only
    n_iterations = book.iterations(1500, 300)
    batch_size = 50

    with tf.Session() as sess:
        init.run()
        bar = book.progress(range(n_iterations), desc="time series (dense)")
        for iteration in bar:
            X_batch, y_batch = next_batch(batch_size, n_steps)
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            if iteration % 100 == 0:
                mse = loss.eval(feed_dict={X: X_batch, y: y_batch})
                print(iteration, "\tMSE:", mse)
                bar.set_postfix(loss=mse)

        X_new = time_series(np.array(t_instance[:-1].reshape(-1, n_steps, n_inputs)))
        y_pred = sess.run(outputs, feed_dict={X: X_new})

        saver.save(sess, "./my_time_series_model")

    with book.figure("time_series_dense_pred_plot") as plt:
        if plt is not None:
            plot_prediction(plt, y_pred)
