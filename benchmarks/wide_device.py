"""Where the default device's plans run: PoCL's "basic" driver (one core, cheap launches)
or its "pthread" driver (every core, ~10 us more a launch). A plan goes to "pthread" when
its launches average more than executor.WIDE_FLOPS_PER_LAUNCH floating-point operations
of matrix products; this prints, per workload, that average, the median step on each
driver alone (alternating, in one process) and their ratio, and where the default puts it.

    python benchmarks/wide_device.py [--repeats 20] [--rounds 3]
"""
import argparse
import statistics

import numpy as np

import tinygraph as tf
from timing import median_seconds
from tinygraph.runtime.opencl import list_devices
from tinygraph.runtime.opencl.executor import WIDE_FLOPS_PER_LAUNCH
from tinygraph.runtime.opencl.lower_matmul import cpu_product_flops
from workloads import long_rnn, mnist_forward, mnist_train, time_series_train

WORKLOADS = {
    "MNIST RNN step (workload 1)": lambda rng: mnist_train(tf, rng),
    "MNIST RNN forward (workload 2)": lambda rng: mnist_forward(tf, rng),
    "time-series step (workload 3)": lambda rng: time_series_train(tf, rng),
    "2,000-step dynamic_rnn (workload 5)": lambda rng: long_rnn(tf, rng),
    "3-layer LSTM MNIST step (ch14)": lambda rng: mnist_train(tf, rng, "lstm"),
    "3-layer LSTM MNIST forward": lambda rng: mnist_forward(tf, rng, "lstm"),
    "3-layer GRU MNIST step": lambda rng: mnist_train(tf, rng, "gru"),
}


def driver(prefix):
    """The P:D spec of PoCL's device whose name starts with prefix, or None."""
    return next((d["spec"] for d in list_devices() if d["device"].startswith(prefix)), None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    basic, pthread = driver("basic"), driver("pthread")
    if basic is None or pthread is None:
        raise SystemExit("needs PoCL's basic and pthread devices (the default POCL_DEVICES)")
    print(f"basic = {basic}, pthread = {pthread}; a plan goes to pthread above "
          f"{WIDE_FLOPS_PER_LAUNCH / 1e6:g} million flops a launch")
    print(f"{'workload':38}{'Mflop/launch':>13}{'basic ms':>10}{'pthread ms':>11}"
          f"{'ratio':>7}  default")
    for name, build in WORKLOADS.items():
        tf.reset_default_graph()
        tf.set_random_seed(42)
        fetch, feed = build(np.random.RandomState(0))
        sessions = {spec: tf.Session(device=spec) for spec in (basic, pthread, "opencl")}
        for sess in sessions.values():
            sess.run(tf.global_variables_initializer())
            sess.run(fetch, feed)
        times = {basic: [], pthread: []}
        for _ in range(args.rounds):   # alternating, so both see the same machine
            for spec in times:
                times[spec].append(median_seconds(
                    lambda: sessions[spec].run(fetch, feed), args.repeats) * 1e3)
        plan = max(sessions["opencl"]._plans.values(), key=lambda p: len(p.units))
        per_launch = cpu_product_flops(plan.units) / len(plan.units) / 1e6
        chosen = plan.device.name.split("-")[0]
        b, p = statistics.median(times[basic]), statistics.median(times[pthread])
        print(f"{name:38}{per_launch:13.2f}{b:10.2f}{p:11.2f}{p / b:7.2f}  {chosen}")
        for sess in sessions.values():
            sess.close()


if __name__ == "__main__":
    main()
