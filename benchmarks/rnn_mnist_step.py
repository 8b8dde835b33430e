"""Median wall time of one training step and of one forward pass of the book's MNIST
RNN classifier (examples/ch14_mnist_classifier.py: batch 150, 28 steps of 28 inputs,
150 tanh units, dense(10) on the final state, Adam), per backend, in one process.
--cell lstm: its LSTM version (examples/ch14_mnist_lstm.py: three layers of 150
BasicLSTMCells); --cell gru: the same with GRUCells.

    python benchmarks/rnn_mnist_step.py [--backends numpy opencl] [--repeats 30]
        [--cell basic|lstm|gru]
"""
import argparse

import numpy as np

import tinygraph as tf
from timing import median_seconds
from workloads import mnist_forward, mnist_train


def median_ms(fn, repeats):
    return 1e3 * median_seconds(fn, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="*", default=["numpy", "opencl"])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--cell", choices=["basic", "lstm", "gru"], default="basic")
    args = parser.parse_args()
    for backend in args.backends:
        figures = []
        for workload in (mnist_train, mnist_forward):   # the graph of compare.py's 1 and 2
            tf.reset_default_graph()
            tf.set_random_seed(42)
            fetch, feed = workload(tf, np.random.RandomState(0), args.cell)
            with tf.Session(device=backend) as sess:
                sess.run(tf.global_variables_initializer())
                figures.append(median_ms(lambda: sess.run(fetch, feed), args.repeats))
        print(f"{backend:>7}: train step {figures[0]:7.2f} ms, forward {figures[1]:6.2f} ms "
              f"(medians of {args.repeats})")


if __name__ == "__main__":
    main()
