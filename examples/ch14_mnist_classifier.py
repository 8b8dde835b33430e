"""Training a sequence classifier on MNIST (Géron, chapter 14).

Each 28x28 image is read as a sequence of 28 rows of 28 pixels by a 150-unit
BasicRNNCell under dynamic_rnn; a dense layer on the final state gives the 10 logits,
trained with Adam on mini-batches of 150. After each epoch it prints the accuracy on
the last batch and on the test set: about 0.93 after the first epoch, as in the book."""
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
n_neurons = 150
n_outputs = 10

learning_rate = 0.001

X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
y = tf.placeholder(tf.int32, [None])

basic_cell = tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons)
outputs, states = tf.nn.dynamic_rnn(basic_cell, X, dtype=tf.float32)

logits = tf.layers.dense(states, n_outputs)
xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                          logits=logits)
loss = tf.reduce_mean(xentropy)
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
training_op = optimizer.minimize(loss)
correct = tf.nn.in_top_k(logits, y, 1)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

init = tf.global_variables_initializer()

X_test = X_test.reshape((-1, n_steps, n_inputs))

n_epochs = book.epochs(100)
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
