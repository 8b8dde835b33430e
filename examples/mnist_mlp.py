"""A two-hidden-layer MLP on MNIST, in the TF1 style of Géron's chapter 10, printing the
test accuracy after each epoch.

    python examples/mnist_mlp.py [--data DIR] [--epochs N]

DIR holds the four MNIST .gz files (default: $TINYGRAPH_DATA/mnist or
~/.cache/tinygraph/mnist, downloaded there when missing)."""
import argparse

import numpy as np

import tinygraph as tf
from tinygraph.datasets import mnist


def build(n_inputs=28 * 28, n_hidden1=300, n_hidden2=100, n_outputs=10, learning_rate=0.01):
    X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
    y = tf.placeholder(tf.int32, shape=(None,), name="y")
    with tf.name_scope("dnn"):
        hidden1 = tf.layers.dense(X, n_hidden1, name="hidden1", activation=tf.nn.relu)
        hidden2 = tf.layers.dense(hidden1, n_hidden2, name="hidden2", activation=tf.nn.relu)
        logits = tf.layers.dense(hidden2, n_outputs, name="outputs")
    with tf.name_scope("loss"):
        xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_mean(xentropy, name="loss")
    with tf.name_scope("train"):
        training_op = tf.train.MomentumOptimizer(learning_rate, momentum=0.9).minimize(loss)
    with tf.name_scope("eval"):
        correct = tf.nn.in_top_k(logits, y, 1)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    return X, y, loss, training_op, accuracy


def train(data_dir=None, n_epochs=5, batch_size=50, seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)
    data = mnist.read_data_sets(data_dir)
    X, y, loss, training_op, accuracy = build()
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        init.run()
        for epoch in range(n_epochs):
            for _ in range(data.train.num_examples // batch_size):
                X_batch, y_batch = data.train.next_batch(batch_size)
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            acc_batch = accuracy.eval(feed_dict={X: X_batch, y: y_batch})
            acc_test = accuracy.eval(feed_dict={X: data.test.images, y: data.test.labels})
            print(epoch, "Batch accuracy:", acc_batch, "Test accuracy:", acc_test)
    return acc_test


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="folder with the four MNIST .gz files")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    train(args.data, args.epochs)
