"""Matmul GFLOP/s of tinygraph's OpenCL kernel next to numpy.dot, same shapes, same run.

The kernel is timed as a plan runs it (operands in device memory), by enqueueing the
plan's matmul launch `--inner` times and waiting once; medians over `--rounds`.

    python benchmarks/matmul.py [--rounds 7] [--inner 10]
"""
import argparse
import statistics
import time

import numpy as np
import pyopencl as cl

import tinygraph as tf
from tinygraph.runtime.opencl.units import KernelUnit

SHAPES = [(150, 178, 150), (4200, 28, 150), (150, 4200, 150), (1024, 1024, 1024)]


def median_seconds(fn, rounds, inner):
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(inner):
            fn(wait=False)
        fn()
        times.append((time.perf_counter() - start) / (inner + 1))
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--inner", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    print(f"{'shape':>24} {'tinygraph':>10} {'numpy':>10} {'ratio':>6}   (GFLOP/s)")
    for m, k, n in SHAPES:
        a, b = rng.rand(m, k).astype(np.float32), rng.rand(k, n).astype(np.float32)
        with tf.Graph().as_default():
            c = tf.matmul(tf.Variable(a), tf.Variable(b))
            with tf.Session(device="opencl") as sess:
                sess.run(tf.global_variables_initializer())
                np.testing.assert_allclose(sess.run(c), a @ b, rtol=1e-4)
                plan = next(p for p in sess._plans.values()
                            if any(isinstance(u, KernelUnit) and "matmul" in u.name
                                   for u in p.units))
                plan.run([], sess._state)   # binds the variables' buffers
                units = [u for u in plan.units if isinstance(u, KernelUnit)]
                queue = plan.device.queue

                def kernel(wait=True):
                    for u in units:
                        cl.enqueue_nd_range_kernel(queue, u.kernel, u.global_size,
                                                   u.local_size)
                    if wait:
                        queue.finish()
                t_cl = median_seconds(kernel, args.rounds, args.inner)
        t_np = median_seconds(lambda wait=True: np.dot(a, b), args.rounds, args.inner)
        flops = 2 * m * n * k / 1e9
        print(f"{f'({m}x{k})@({k}x{n})':>24} {flops / t_cl:10.1f} {flops / t_np:10.1f} "
              f"{t_np / t_cl:6.2f}")


if __name__ == "__main__":
    main()
