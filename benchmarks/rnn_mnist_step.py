"""Median wall time of one training step and of one forward pass of the book's MNIST
RNN classifier (batch 150, 28 steps of 28 inputs, 150 tanh units, dense(10) on the final
state, Adam), per backend, in one process.

    python benchmarks/rnn_mnist_step.py [--backends numpy opencl] [--repeats 30]
"""
import argparse
import importlib.util
from pathlib import Path

import numpy as np

import tinygraph as tf
from timing import median_seconds


def median_ms(fn, repeats):
    return 1e3 * median_seconds(fn, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="*", default=["numpy", "opencl"])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    path = Path(__file__).resolve().parents[1] / "examples" / "mnist_rnn.py"
    spec = importlib.util.spec_from_file_location("mnist_rnn", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    tf.reset_default_graph()
    tf.set_random_seed(42)
    X, y, loss, training_op, accuracy = example.build()
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
