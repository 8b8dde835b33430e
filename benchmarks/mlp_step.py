"""Median wall time of one training step of the book's MNIST MLP (784-300-100-10,
momentum, batch 50) and of one inference run, per backend, in one process.

    python benchmarks/mlp_step.py [--backend numpy] [--repeats 200]
"""
import argparse

import numpy as np

import tinygraph as tf
from timing import median_seconds


def median_ms(fn, repeats):
    return 1e3 * median_seconds(fn, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numpy")
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "examples" / "mnist_mlp.py"
    spec = importlib.util.spec_from_file_location("mnist_mlp", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    tf.reset_default_graph()
    tf.set_random_seed(42)
    X, y, loss, training_op, accuracy = example.build()
    rng = np.random.RandomState(0)
    X_batch = rng.rand(50, 784).astype(np.float32)
    y_batch = rng.randint(0, 10, 50).astype(np.int32)
    n_ops = len(tf.get_default_graph().get_operations())
    with tf.Session(device=args.backend) as sess:
        sess.run(tf.global_variables_initializer())
        feed = {X: X_batch, y: y_batch}
        step = median_ms(lambda: sess.run(training_op, feed), args.repeats)
        infer = median_ms(lambda: sess.run(accuracy, feed), args.repeats)
    print(f"backend {args.backend}: graph of {n_ops} ops")
    print(f"  train step (batch 50): median {step:.3f} ms over {args.repeats} runs")
    print(f"  accuracy run (batch 50): median {infer:.3f} ms over {args.repeats} runs")


if __name__ == "__main__":
    main()
