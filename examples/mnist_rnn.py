"""The book's MNIST sequence classifier (Géron, chapter 14): each image read as 28 steps
of 28 pixels by a 150-unit BasicRNNCell under dynamic_rnn, a dense layer on the final
state, Adam. Prints the book's line after each epoch.

    python examples/mnist_rnn.py [--data DIR] [--epochs N]

DIR holds the four MNIST .gz files (default: $TINYGRAPH_DATA/mnist or
~/.cache/tinygraph/mnist, downloaded there when missing)."""
import argparse

import numpy as np

import tinygraph as tf
from tinygraph.datasets import mnist

n_steps, n_inputs, n_neurons, n_outputs = 28, 28, 150, 10


def build(learning_rate=0.001):
    X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
    y = tf.placeholder(tf.int32, [None])
    basic_cell = tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons)
    outputs, states = tf.nn.dynamic_rnn(basic_cell, X, dtype=tf.float32)
    logits = tf.layers.dense(states, n_outputs)
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy)
    training_op = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(loss)
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    return X, y, loss, training_op, accuracy


def train(data_dir=None, n_epochs=1, batch_size=150, seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)
    data = mnist.read_data_sets(data_dir)
    X_test = data.test.images.reshape((-1, n_steps, n_inputs))
    y_test = data.test.labels
    X, y, loss, training_op, accuracy = build()
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        init.run()
        for epoch in range(n_epochs):
            for _ in range(data.train.num_examples // batch_size):
                X_batch, y_batch = data.train.next_batch(batch_size)
                X_batch = X_batch.reshape((-1, n_steps, n_inputs))
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            acc_train = accuracy.eval(feed_dict={X: X_batch, y: y_batch})
            acc_test = accuracy.eval(feed_dict={X: X_test, y: y_test})
            print(epoch, "Train accuracy:", acc_train, "Test accuracy:", acc_test)
    return acc_test


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="folder with the four MNIST .gz files")
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    train(args.data, args.epochs)
