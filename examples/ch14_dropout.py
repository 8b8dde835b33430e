"""Dropout in a deep RNN (Géron, chapter 14).

Three 100-unit BasicRNNCells, each wrapped in a DropoutWrapper that drops its inputs with
a keep probability fed through a placeholder_with_default, stacked in a MultiRNNCell and
topped by a dense layer, learn the time series of ch14_time_series. Training feeds a
keep probability of 0.5 (the training MSE, printed every 100 iterations, stays high);
testing leaves the default of 1.0, i.e. no dropout. The model is saved to
./my_dropout_time_series_model (figure images/rnn/dropout_time_series_pred_plot.png)."""
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

n_inputs = 1
n_neurons = 100
n_layers = 3
n_steps = 20
n_outputs = 1

X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
y = tf.placeholder(tf.float32, [None, n_steps, n_outputs])

keep_prob = tf.placeholder_with_default(1.0, shape=())
cells = [tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons)
         for layer in range(n_layers)]
cells_drop = [tf.nn.rnn_cell.DropoutWrapper(cell, input_keep_prob=keep_prob)
              for cell in cells]
multi_layer_cell = tf.nn.rnn_cell.MultiRNNCell(cells_drop)
rnn_outputs, states = tf.nn.dynamic_rnn(multi_layer_cell, X, dtype=tf.float32)

learning_rate = 0.01

stacked_rnn_outputs = tf.reshape(rnn_outputs, [-1, n_neurons])
stacked_outputs = tf.layers.dense(stacked_rnn_outputs, n_outputs)
outputs = tf.reshape(stacked_outputs, [-1, n_steps, n_outputs])

loss = tf.reduce_mean(tf.square(outputs - y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
training_op = optimizer.minimize(loss)

init = tf.global_variables_initializer()
saver = tf.train.Saver()

n_iterations = book.iterations(1500, 300)
batch_size = 50
train_keep_prob = 0.5

with tf.Session() as sess:
    init.run()
    bar = book.progress(range(n_iterations), desc="dropout")
    for iteration in bar:
        X_batch, y_batch = next_batch(batch_size, n_steps)
        _, mse = sess.run([training_op, loss],
                          feed_dict={X: X_batch, y: y_batch,
                                     keep_prob: train_keep_prob})
        bar.set_postfix(loss=mse, refresh=False)
        if iteration % 100 == 0:                   # not shown in the book
            print(iteration, "Training MSE:", mse) # not shown

    saver.save(sess, "./my_dropout_time_series_model")

with tf.Session() as sess:
    saver.restore(sess, "./my_dropout_time_series_model")

    X_new = time_series(np.array(t_instance[:-1].reshape(-1, n_steps, n_inputs)))
    y_pred = sess.run(outputs, feed_dict={X: X_new})

with book.figure("dropout_time_series_pred_plot") as plt:
    if plt is not None:
        plot_prediction(plt, y_pred)
