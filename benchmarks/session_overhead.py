"""Per-run overhead of Session.run on a trivial graph (placeholder + 1), per backend:
the median of many runs in one process.

    python benchmarks/session_overhead.py [--repeats 2000] [--backends numpy opencl 0:1]

A backend is "numpy", "opencl" (the default device) or a device's "P:D" indices from
`python -m tinygraph devices` (on PoCL, 0:1 is the multi-threaded driver).
"""
import argparse

import numpy as np

import tinygraph as tf
from timing import median_seconds


def median_us(sess, fetch, feed, repeats):
    return 1e6 * median_seconds(lambda: sess.run(fetch, feed), repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--backends", nargs="*", default=["numpy", "opencl"])
    args = parser.parse_args()
    x = tf.placeholder(tf.float32, [None])
    y = x + 1.0
    feed = {x: np.ones(4, np.float32)}
    for backend in args.backends:
        with tf.Session(device=backend) as sess:
            print(f"{backend:>7}: Session.run(placeholder + 1) median "
                  f"{median_us(sess, y, feed, args.repeats):8.1f} us over {args.repeats} runs")


if __name__ == "__main__":
    main()
