"""tinygraph next to TensorFlow on the book's workloads (issue 7): median times, the
ratio tinygraph / TF, and peak memory.

    python benchmarks/compare.py [--tf-python /work/tf2/bin/python] [--rounds 5]
        [--steps N] [--workloads 1,2,4] [--device numpy] [--tf-threads 1]
        [--processes 3] [--cold-cache]

Each workload (benchmarks/workloads.py) is one piece of TF1-API code that runs under
tinygraph and under tensorflow.compat.v1 alike, each framework in a worker process of its
own (tinygraph under this Python, TensorFlow under --tf-python, with TF_USE_LEGACY_KERAS=1).
Workloads 1-5, 7 and 8: each worker builds the graph, runs it once plus the warm-up
runs, then the two take turns, round by round (the first to go alternates), each running
one untimed and then --steps timed runs per turn; a figure is the median over all timed
runs. Workload 6
is timed in fresh processes (--processes of each, alternating): graph construction
(forward, gradients, Adam, the init op) and the first run (Session(), the init run, the
first training step); the figure is the median over the processes.

Peak memory is the growth of a worker's resident set, at its peak, over its size before
the graph was built (after the imports and a first run of placeholder + 1 in a graph of
its own, which starts the runtime; workload 6: after the imports only). Without
--tf-python, tinygraph's figures alone.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKER = HERE / "workloads.py"

# number: (title, timed runs per turn, warm-up runs, untimed runs per turn, target)
WORKLOADS = {
    1: ("MNIST RNN training step (b150, 28x28, 150 tanh, Adam)", 20, 3, 1, 1.0),
    2: ("MNIST RNN forward pass", 40, 3, 1, 1.0),
    3: ("time-series training step (b50, 20x1, 100 ReLU, Adam)", 40, 3, 1, 0.5),
    4: ("Session.run(placeholder + 1)", 1000, 3, 1, 0.3),
    5: ("dynamic_rnn fwd+bwd, 2000 steps (b32, 32 in, 128)", 2, 1, 0, 1.0),
    6: ("static_rnn 500 steps (b32, 32 in, 128) + gradients + Adam", None, None, None,
        0.5),
    # (no target in issue 7: the book's variable-length sequences, measured alongside)
    7: ("workload 1 with sequence_length (lengths 20-28)", 20, 3, 1, None),
    # (nor for the book's LSTM version of workload 1, three layers of 150 units)
    8: ("workload 1 with a 3-layer LSTM (ch14_mnist_lstm)", 4, 2, 1, None),
}
# workload 5's activations: see workloads.long_rnn_activations_bytes
T, B, I, H = 2000, 32, 32, 128
ACTIVATIONS_MB = T * B * (I + H) * 4 / 1e6
MEMORY_TARGET = 1.5
CONSTRUCTION = ("forward", "gradients", "adam", "init_op")
FIRST_RUN = ("session", "init_run", "first_step")
PAUSE_S = 0.05   # between two turns, so that one worker's spinning threads have stopped


class WorkerFailed(Exception):
    pass


class Worker:
    """One worker process: benchmarks/workloads.py under one framework's Python."""

    def __init__(self, framework, python, workload, warmup, env):
        self.framework = framework
        self.stderr = tempfile.TemporaryFile(mode="w+")
        command = [python, str(WORKER), "--framework", framework,
                   "--workload", str(workload)]
        if warmup is not None:
            command += ["--warmup", str(warmup)]
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=self.stderr,
                                            text=True, env=env, cwd=str(HERE))
        except OSError as e:
            raise WorkerFailed(f"cannot start {framework}'s worker with {python}: {e}")

    def receive(self):
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            self.stderr.seek(0)
            tail = self.stderr.read().strip().splitlines()[-15:]
            raise WorkerFailed(f"{self.framework} worker exited with code "
                               f"{self.process.returncode}:\n" + "\n".join(tail))
        message = json.loads(line)
        if message["event"] == "error":
            self.kill()
            raise WorkerFailed(f"{self.framework} worker failed:\n{message['message']}")
        return message

    def send(self, **message):
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def quit(self):
        self.send(cmd="quit")
        message = self.receive()
        self.process.wait()
        return message

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def environments(args):
    tinygraph = dict(os.environ)
    if args.device:
        tinygraph["TINYGRAPH_DEVICE"] = args.device
    tensorflow = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
    if args.tf_threads:
        tensorflow["COMPARE_SESSION_THREADS"] = str(args.tf_threads)
    return tinygraph, tensorflow


def frameworks(args):
    """(framework, python, env) for each framework that runs."""
    tg_env, tf_env = environments(args)
    runs = [("tinygraph", sys.executable, tg_env)]
    if args.tf_python:
        runs.append(("tensorflow", args.tf_python, tf_env))
    return runs


def run_alternating(number, args):
    """Workloads 1-5, 7 and 8. Returns {framework: {"ms": median, "n": runs, "ready": ...,
    "done": ...}}."""
    title, steps, warmup, untimed, _ = WORKLOADS[number]
    steps = args.steps or steps
    workers = []
    try:
        for framework, python, env in frameworks(args):   # one at a time: no overlap
            worker = Worker(framework, python, number, warmup, env)
            workers.append(worker)
            worker.ready = worker.receive()
        times = {worker.framework: [] for worker in workers}
        for round_ in range(args.rounds):
            order = workers if round_ % 2 == 0 else workers[::-1]
            for worker in order:
                time.sleep(PAUSE_S)
                worker.send(cmd="run", steps=steps, untimed=untimed)
                times[worker.framework] += worker.receive()["seconds"]
        results = {}
        for worker in workers:
            done = worker.quit()
            results[worker.framework] = {
                "ms": 1e3 * statistics.median(times[worker.framework]),
                "n": len(times[worker.framework]), "ready": worker.ready, "done": done}
        return results
    finally:
        for worker in workers:
            worker.kill()


def run_fresh_processes(args):
    """Workload 6: --processes fresh processes per framework, alternating. Returns
    {framework: {"phases": {name: median s}, "construction_ms", "first_run_ms",
    "peak_mb", "version", "import_s"}}."""
    collected = {framework: [] for framework, _, _ in frameworks(args)}
    for _ in range(args.processes):
        for framework, python, env in frameworks(args):
            env = dict(env)
            cache = None
            if args.cold_cache and framework == "tinygraph":
                cache = tempfile.TemporaryDirectory()
                env["TINYGRAPH_CACHE"] = cache.name
                env.pop("POCL_CACHE_DIR", None)
            worker = Worker(framework, python, 6, None, env)
            try:
                collected[framework].append(worker.receive())
                worker.process.wait()
            finally:
                worker.kill()
                if cache is not None:
                    cache.cleanup()
    results = {}
    for framework, reports in collected.items():
        phases = {name: statistics.median(r["phases"][name] for r in reports)
                  for name in reports[0]["phases"]}
        construction = statistics.median(sum(r["phases"][p] for p in CONSTRUCTION)
                                         for r in reports)
        first_run = statistics.median(sum(r["phases"][p] for p in FIRST_RUN)
                                      for r in reports)
        results[framework] = {
            "phases": phases, "construction_ms": 1e3 * construction,
            "first_run_ms": 1e3 * first_run, "n": len(reports),
            "peak_mb": statistics.median(r["peak_mb"] for r in reports
                                         if r["peak_mb"] is not None)
            if reports[0]["peak_mb"] is not None else None,
            "version": reports[0]["version"],
            "import_s": statistics.median(r["import_s"] for r in reports)}
    return results


def ms(value):
    if value is None:
        return "-"
    if value < 1:
        return f"{value:.4f}"
    if value < 100:
        return f"{value:.2f}"
    return f"{value:.0f}"


def mb(value):
    return "-" if value is None else f"{value:.1f}"


def ratio_cells(tg, tf_, target):
    target_text = "-" if target is None else f"<= {target}"
    if tf_ is None or tg is None:
        return "-", target_text, "-"
    ratio = tg / tf_
    return f"{ratio:.3f}", target_text, "-" if target is None else \
        "yes" if ratio <= target else "NO"


HEADER = (f"{'workload':<58}{'tinygraph':>11}{'TF':>11}{'tg/TF':>8}{'target':>9}"
          f"{'met':>5}{'tg peak MB':>12}{'TF peak MB':>12}{'runs':>6}")


def row(label, tg, tf_, target, tg_mb, tf_mb, runs):
    ratio, target_text, met = ratio_cells(tg, tf_, target)
    return (f"{label:<58}{ms(tg):>11}{ms(tf_):>11}{ratio:>8}{target_text:>9}{met:>5}"
            f"{mb(tg_mb):>12}{mb(tf_mb):>12}{runs:>6}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf-python", help="a Python with TensorFlow installed")
    parser.add_argument("--rounds", type=int, default=5,
                        help="turns of each framework, workloads 1-5, 7 and 8 (default 5)")
    parser.add_argument("--steps", type=int,
                        help="timed runs per turn (default per workload: "
                        + ", ".join(f"{n}: {w[1]}" for n, w in WORKLOADS.items() if w[1])
                        + ")")
    parser.add_argument("--workloads", default=",".join(map(str, WORKLOADS)),
                        help=f"comma-separated numbers (default all: "
                             f"{','.join(map(str, WORKLOADS))})")
    parser.add_argument("--device", help="TINYGRAPH_DEVICE for tinygraph's worker")
    parser.add_argument("--tf-threads", type=int,
                        help="TF's intra- and inter-op threads (default: TF's own choice)")
    parser.add_argument("--processes", type=int, default=3,
                        help="fresh processes per framework for workload 6 (default 3)")
    parser.add_argument("--cold-cache", action="store_true",
                        help="workload 6: each tinygraph process with an empty kernel "
                        "cache (TINYGRAPH_CACHE), so that its first run compiles")
    args = parser.parse_args()
    numbers = [int(n) for n in args.workloads.split(",") if n.strip()]
    unknown = [n for n in numbers if n not in WORKLOADS]
    if unknown:
        parser.error(f"no workload {unknown}: the workloads are 1-7")
    started = time.perf_counter()

    results, failures = {}, {}
    for number in numbers:
        print(f"running workload {number}: {WORKLOADS[number][0]} ...", file=sys.stderr,
              flush=True)
        try:
            results[number] = run_fresh_processes(args) if number == 6 \
                else run_alternating(number, args)
        except WorkerFailed as e:
            failures[number] = str(e)

    versions = {}
    for result in results.values():
        for framework, figures in result.items():
            versions[framework] = figures.get("version") or figures["ready"]["version"]
    print(f"tinygraph:  {versions.get('tinygraph', '?')}  ({sys.executable})")
    if args.tf_python:
        threads = f"{args.tf_threads} intra/inter-op threads" if args.tf_threads \
            else "default session config"
        print(f"TensorFlow: {versions.get('tensorflow', '?')}  ({args.tf_python}, "
              f"{threads})")
    else:
        print("TensorFlow: not run (no --tf-python): tinygraph's figures alone")
    print(f"workloads 1-5, 7, 8: medians in ms over all timed runs of {args.rounds} "
          f"alternating rounds; 6: medians over {args.processes} fresh processes each"
          + (", tinygraph with an empty kernel cache" if args.cold_cache else ""))
    print("peak MB: resident-set growth at its peak over the size before the build")
    print()
    print(HEADER)
    for number in numbers:
        title, _, _, _, target = WORKLOADS[number]
        if number in failures:
            print(f"{number} {title:<56}  FAILED (below)")
            continue
        result = results[number]
        tg, tf_ = result.get("tinygraph"), result.get("tensorflow")
        if number == 6:
            for key, what in (("construction_ms", "graph construction"),
                              ("first_run_ms", "first run")):
                print(row(f"6 static_rnn 500 steps + grads + Adam: {what}", tg[key],
                          tf_ and tf_[key], target, tg["peak_mb"],
                          tf_ and tf_["peak_mb"], tg["n"]))
            continue
        print(row(f"{number} {title}", tg["ms"], tf_ and tf_["ms"], target,
                  tg["done"]["peak_mb"], tf_ and tf_["done"]["peak_mb"], tg["n"]))

    if 5 in results:
        print()
        print(f"workload 5 memory: the backward pass needs each step's input x_t and state "
              f"h_t: T*B*(I+H)*4 bytes = {T}*{B}*({I}+{H})*4 = {ACTIVATIONS_MB:.2f} MB")
        for framework, figures in results[5].items():
            peak = figures["done"]["peak_mb"]
            if peak is not None:
                verdict = ("met" if peak <= MEMORY_TARGET * ACTIVATIONS_MB else "missed") \
                    if framework == "tinygraph" else ""
                print(f"  {framework:<10} peak {peak:7.1f} MB = "
                      f"{peak / ACTIVATIONS_MB:5.2f}x the activations "
                      f"(target <= {MEMORY_TARGET}x{': ' + verdict if verdict else ''})")

    print()
    print("details (seconds unless marked; workload 6: graph construction = "
          + " + ".join(CONSTRUCTION) + ", first run = " + " + ".join(FIRST_RUN) + "):")
    for number in numbers:
        if number not in results:
            continue
        for framework, figures in results[number].items():
            if number == 6:
                phases = ", ".join(f"{name} {value:.3f}"
                                   for name, value in figures["phases"].items())
                print(f"  6 {framework:<10} import {figures['import_s']:.2f}; {phases}")
                continue
            ready, done = figures["ready"], figures["done"]
            print(f"  {number} {framework:<10} runtime start {mb(ready['runtime_mb'])} MB; "
                  f"build {ready['build_s']:.3f}; first run {ready['first_run_s']:.3f}; "
                  f"peak after build+first runs {mb(ready['build_peak_mb'])} MB, at the end "
                  f"{mb(done['final_mb'])} MB held")
    for number, message in failures.items():
        print()
        print(f"workload {number} FAILED: {message}")
    print()
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
