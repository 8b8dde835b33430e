"""float32 matmul GFLOP/s: tinygraph's OpenCL kernel (runtime/opencl/matmul.py) next to
numpy.dot on the same shapes in the same process.

    python benchmarks/matmul.py [--device cpu] [--runs 9] [--shapes 150x178x150 ...]

Shapes are MxKxN: (M,K) @ (K,N). Per shape, a run times `n` calls of np.dot, or `n`
enqueues and one queue.finish() (amortized time per call, kernel launches included);
numpy's runs and then OpenCL's follow each other, each block after 0.2 s of untimed
warm-up (OpenBLAS's idle threads spin for a while after a call and slow PoCL's down).
The table gives the median over the runs (and the best run), the ratio of the medians
(numpy time / OpenCL time: > 1 means OpenCL is faster), and the latency of a single
enqueue + finish (median), which for small shapes is mostly launch overhead.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tinygraph.runtime.opencl.device import get_device_context  # noqa: E402  (sets PoCL's cache)
from tinygraph.runtime.opencl.matmul import Matmul  # noqa: E402

import pyopencl as cl  # noqa: E402

SHAPES = ["150x178x150", "4200x28x150", "150x4200x150", "1024x1024x1024"]


def blas_info():
    try:
        import threadpoolctl
        return "; ".join(f"{i.get('internal_api')} {i.get('version')} "
                         f"threads={i.get('num_threads')} arch={i.get('architecture')}"
                         for i in threadpoolctl.threadpool_info())
    except ImportError:
        cfg = np.show_config(mode="dicts") if "mode" in np.show_config.__code__.co_varnames \
            else {}
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return (f"{blas.get('name', '?')} {blas.get('version', '?')} (threadpoolctl not "
                f"installed)")


def warm_up(run, seconds=0.2):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        run()


def bench(dc, M, K, N, runs, target_s=0.1):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((M, K), np.float32)
    b = rng.standard_normal((K, N), np.float32)
    mf = cl.mem_flags
    A = cl.Buffer(dc.context, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=a)
    B = cl.Buffer(dc.context, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=b)
    C = cl.Buffer(dc.context, mf.READ_WRITE, 4 * M * N)
    start = time.perf_counter()
    mm = Matmul(dc.context, dc.device, M, N, K)
    build = time.perf_counter() - start
    q = dc.queue
    mm.enqueue(q, A, B, C)
    q.finish()
    c = np.empty((M, N), np.float32)
    cl.enqueue_copy(q, c, C)
    ref = a.astype(np.float64) @ b
    err = float(np.abs(c - ref).max() / max(np.abs(ref).max(), 1e-30))
    n = max(3, int(target_s * 1e9 / (2 * M * N * K) * 100))   # ~100 GFLOP/s guess

    def numpy_run():
        t = time.perf_counter()
        for _ in range(n):
            np.dot(a, b)
        return (time.perf_counter() - t) / n

    def opencl_run():
        t = time.perf_counter()
        for _ in range(n):
            mm.enqueue(q, A, B, C)
        q.finish()
        return (time.perf_counter() - t) / n

    # Each library runs as a block after 0.2 s of untimed warm-up: OpenBLAS's threads
    # keep spinning for a while after a call and would take the cores from PoCL's.
    warm_up(numpy_run)
    ts_np = [numpy_run() for _ in range(runs)]
    warm_up(opencl_run)
    ts_cl = [opencl_run() for _ in range(runs)]
    lat = []
    for _ in range(max(5, min(50, n))):
        t = time.perf_counter()
        mm.enqueue(q, A, B, C)
        q.finish()
        lat.append(time.perf_counter() - t)
    flop = 2 * M * N * K
    return dict(cl=flop / statistics.median(ts_cl) / 1e9, cl_best=flop / min(ts_cl) / 1e9,
                np=flop / statistics.median(ts_np) / 1e9, np_best=flop / min(ts_np) / 1e9,
                ratio=statistics.median(ts_np) / statistics.median(ts_cl),
                t_cl=statistics.median(ts_cl) * 1e6, lat=statistics.median(lat) * 1e6,
                err=err, build=build, n=n, config=getattr(mm, "config", {}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=os.environ.get("TINYGRAPH_DEVICE") or None)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--shapes", nargs="*", default=SHAPES)
    parser.add_argument("--config", action="store_true", help="print each kernel config")
    args = parser.parse_args()
    dc = get_device_context(args.device)
    print(f"device: {dc.name} ({dc.device.max_compute_units} compute units); numpy "
          f"{np.__version__}, BLAS: {blas_info()}; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"{'shape MxKxN':>16} {'OpenCL GF/s':>12} {'(best)':>7} {'numpy GF/s':>11} "
          f"{'(best)':>7} {'ratio':>6} {'OpenCL us':>10} {'latency us':>11} {'rel err':>8}")
    for shape in args.shapes:
        M, K, N = (int(s) for s in shape.split("x"))
        r = bench(dc, M, K, N, args.runs)
        print(f"{shape:>16} {r['cl']:12.1f} {r['cl_best']:7.1f} {r['np']:11.1f} "
              f"{r['np_best']:7.1f} {r['ratio']:6.2f} {r['t_cl']:10.1f} {r['lat']:11.1f} "
              f"{r['err']:8.1e}", flush=True)
        if args.config:
            print(f"{'':>16} config {r['config']}, first build {r['build']:.2f} s, "
                  f"{r['n']} calls per run")


if __name__ == "__main__":
    main()
