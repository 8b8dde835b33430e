"""Unary elementwise ops on OpenCL next to numpy: for 22,500 and 1,000,000 float32 (or
float64) elements, the median time of the op's device kernel alone, of a whole
Session.run (kernel, launch and the fetched copy), and of the op's numpy reference.

    python benchmarks/elementwise.py [--repeats 50] [--dtype float32] [--sizes 22500 1000000]

Before kernels/fastmath.cl, PoCL's out-of-line builtins (exp, tanh, floor...) made these
kernels several times slower than numpy.
"""
import argparse

import numpy as np

import tinygraph as tf
from timing import median_seconds
from tinygraph.framework.registry import get_op_def

OPS = {   # op type -> (function, input: "any" real values or "pos"itive ones)
    "Abs": (tf.abs, "any"), "Ceil": (tf.ceil, "any"), "Cos": (tf.cos, "any"),
    "Elu": (tf.nn.elu, "any"), "Exp": (tf.exp, "any"), "Floor": (tf.floor, "any"),
    "Log": (tf.log, "pos"), "Log1p": (tf.log1p, "pos"), "Neg": (tf.negative, "any"),
    "Round": (tf.round, "any"), "Rsqrt": (tf.rsqrt, "pos"), "Selu": (tf.nn.selu, "any"),
    "Sigmoid": (tf.sigmoid, "any"), "Sin": (tf.sin, "any"),
    "Softplus": (tf.nn.softplus, "any"), "Softsign": (tf.nn.softsign, "any"),
    "Sqrt": (tf.sqrt, "pos"), "Square": (tf.square, "any"), "Tanh": (tf.tanh, "any"),
}


def median_us(fn, repeats):
    return 1e6 * median_seconds(fn, repeats)


def opencl_times(op_type, values, repeats):
    """(kernel us, Session.run us) for op_type on a variable holding `values`."""
    import pyopencl as cl
    from tinygraph.runtime.opencl.units import KernelUnit
    fn, _ = OPS[op_type]
    with tf.Graph().as_default():
        x = tf.Variable(values)
        y = fn(x)
        with tf.Session(device="opencl") as sess:
            sess.run(x.initializer)
            sess.run(y)
            plan = [p for p in sess._plans.values()
                    if any(f is y for f in getattr(p, "fetches", ()))][0]
            units = [u for u in plan.units if isinstance(u, KernelUnit)]
            queue = plan.device.queue

            def kernels():
                for u in units:
                    cl.enqueue_nd_range_kernel(queue, u.kernel, u.global_size, u.local_size)
                queue.finish()
            return median_us(kernels, repeats), median_us(lambda: sess.run(y), repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--sizes", type=int, nargs="*", default=[22500, 1000000])
    parser.add_argument("--ops", nargs="*", default=sorted(OPS))
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    print(f"{args.dtype}, median of {args.repeats} runs, microseconds")
    print(f"{'op':10s} {'elements':>9s} {'opencl kernel':>14s} {'opencl run':>11s} "
          f"{'numpy':>9s} {'kernel/numpy':>13s}")
    for n in args.sizes:
        base = (rng.randn(n) * 3).astype(args.dtype)
        for op_type in args.ops:
            values = np.abs(base) + base.dtype.type(0.1) if OPS[op_type][1] == "pos" else base
            kernel, run = opencl_times(op_type, values, args.repeats)
            reference = get_op_def(op_type).numpy
            numpy_us = median_us(lambda: reference(values), args.repeats)
            print(f"{op_type:10s} {n:9d} {kernel:14.1f} {run:11.1f} {numpy_us:9.1f} "
                  f"{kernel / numpy_us:13.2f}", flush=True)


if __name__ == "__main__":
    main()
