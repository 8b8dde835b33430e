"""A multi-layer RNN classifying MNIST (Géron, chapter 14).

Three layers of 100 ReLU BasicRNNCells stacked in a MultiRNNCell read each image as
28 rows of 28 pixels; the final states of the three layers are concatenated and a
dense layer on them gives the 10 logits, trained with Adam. After each epoch it prints
the accuracy on the last batch and on the test set (the book: about 0.94 after the
first epoch, 0.976 after ten)."""
import numpy as np

import tinygraph as tf
from tinygraph.examples.mnist_data import (X_test, X_train, shuffle_batch, y_test,
                                           y_train)
from tinygraph.replay import book


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


reset_graph()

n_steps = 28
n_inputs = 28
n_outputs = 10

learning_rate = 0.001

X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
y = tf.placeholder(tf.int32, [None])

n_neurons = 100
n_layers = 3

layers = [tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons,
                                      activation=tf.nn.relu)
          for layer in range(n_layers)]
multi_layer_cell = tf.nn.rnn_cell.MultiRNNCell(layers)
outputs, states = tf.nn.dynamic_rnn(multi_layer_cell, X, dtype=tf.float32)

states_concat = tf.concat(axis=1, values=states)
logits = tf.layers.dense(states_concat, n_outputs)
xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
loss = tf.reduce_mean(xentropy)
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
training_op = optimizer.minimize(loss)
correct = tf.nn.in_top_k(logits, y, 1)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

init = tf.global_variables_initializer()

X_test = X_test.reshape((-1, n_steps, n_inputs))

n_epochs = book.epochs(10)
batch_size = 150
n_batches = book.iterations(len(X_train) // batch_size, 150)   # --quick: 150 batches

with tf.Session() as sess:
    init.run()
    for epoch in range(n_epochs):
        bar = book.progress(range(n_batches), desc="epoch %d" % epoch)
        for _, (X_batch, y_batch) in zip(bar, shuffle_batch(X_train, y_train, batch_size)):
            X_batch = X_batch.reshape((-1, n_steps, n_inputs))
            _, loss_val = sess.run([training_op, loss], feed_dict={X: X_batch, y: y_batch})
            bar.set_postfix(loss=loss_val, refresh=False)
        acc_batch = accuracy.eval(feed_dict={X: X_batch, y: y_batch})
        acc_test = accuracy.eval(feed_dict={X: X_test, y: y_test})
        print(epoch, "Last batch accuracy:", acc_batch, "Test accuracy:", acc_test)
