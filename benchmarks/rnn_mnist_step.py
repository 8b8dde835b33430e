"""Median wall time of one training step and of one forward pass of the book's MNIST
RNN classifier (examples/ch14_mnist_classifier.py: batch 150, 28 steps of 28 inputs,
150 tanh units, dense(10) on the final state, Adam), per backend, in one process.

    python benchmarks/rnn_mnist_step.py [--backends numpy opencl] [--repeats 30]
"""
import argparse

import numpy as np

import tinygraph as tf
from timing import median_seconds


def median_ms(fn, repeats):
    return 1e3 * median_seconds(fn, repeats)


def build(n_steps=28, n_inputs=28, n_neurons=150, n_outputs=10, learning_rate=0.001):
    """The graph of examples/ch14_mnist_classifier.py (that program trains when run, so
    its graph is rebuilt here)."""
    X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
    y = tf.placeholder(tf.int32, [None])
    basic_cell = tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons)
    outputs, states = tf.nn.dynamic_rnn(basic_cell, X, dtype=tf.float32)
    logits = tf.layers.dense(states, n_outputs)
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy)
    training_op = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(loss)
    return X, y, loss, training_op


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="*", default=["numpy", "opencl"])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    tf.reset_default_graph()
    tf.set_random_seed(42)
    X, y, loss, training_op = build()
    rng = np.random.RandomState(0)
    feed = {X: rng.rand(150, 28, 28).astype(np.float32),
            y: rng.randint(0, 10, 150).astype(np.int32)}
    for backend in args.backends:
        with tf.Session(device=backend) as sess:
            sess.run(tf.global_variables_initializer())
            step = median_ms(lambda: sess.run(training_op, feed), args.repeats)
            forward = median_ms(lambda: sess.run(loss, feed), args.repeats)
        print(f"{backend:>7}: train step {step:7.2f} ms, forward {forward:6.2f} ms "
              f"(medians of {args.repeats})")


if __name__ == "__main__":
    main()
