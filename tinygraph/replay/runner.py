"""`tinygraph replay`: run the book's and the tutorial's programs (all, or those named),
each in the same work folder, and end with a table of program, status, key figure and
seconds. A program that needs MNIST when the data cannot be found is skipped, with the
reason, never counted as passed."""
import argparse
import contextlib
import os
import runpy
import sys
import time
import traceback

import numpy as np

from . import book, programs

ENV = ("TINYGRAPH_REPLAY_QUICK", "TINYGRAPH_REPLAY_EPOCHS", "TINYGRAPH_DATA")


def parser():
    p = argparse.ArgumentParser(
        prog="tinygraph replay",
        description="Run the programs of Géron's chapter 14 and of the TF1 RNN tutorial "
                    "with tinygraph, and tabulate what they reach.")
    p.add_argument("names", nargs="*", metavar="PROGRAM",
                   help="programs to run: names, prefixes (ch14, tutorial) or shell "
                        "patterns (default: all)")
    p.add_argument("--list", action="store_true", help="list the programs and stop")
    p.add_argument("--quick", action="store_true",
                   help="train briefly (one epoch, a few hundred iterations): a first look")
    p.add_argument("--epochs", type=int, metavar="N", help="train every epoch loop N epochs")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder whose mnist/ subfolder holds the four MNIST .gz files "
                        "(default: $TINYGRAPH_DATA, else ~/.cache/tinygraph)")
    p.add_argument("--output-dir", metavar="DIR", default="replay_output",
                   help="work folder of the programs: their figures (images/rnn/*.png) "
                        "and checkpoints land there (default: %(default)s)")
    return p


def main(argv):
    args = parser().parse_args(argv)
    try:
        chosen = programs.select(args.names)
    except ValueError as e:
        print(f"tinygraph replay: {e}", file=sys.stderr)
        return 2
    if args.list:
        for p in chosen:
            print(f"{p.name:34} {p.title}{'  (MNIST)' if p.mnist else ''}")
        return 0
    settings = {"TINYGRAPH_REPLAY_QUICK": "1" if args.quick else "0",
                "TINYGRAPH_REPLAY_EPOCHS": str(args.epochs) if args.epochs else None,
                "TINYGRAPH_DATA": os.path.abspath(args.data_dir) if args.data_dir else
                os.environ.get("TINYGRAPH_DATA")}
    os.makedirs(args.output_dir, exist_ok=True)
    rows = []
    with _environment(settings), _folder(args.output_dir):
        for k, program in enumerate(chosen, 1):
            print(f"\n=== [{k}/{len(chosen)}] {program.name}: {program.title} ===",
                  flush=True)
            rows.append(run(program))
    print()
    print(table(rows))
    counts = {s: sum(r[1] == s for r in rows) for s in ("passed", "skipped", "failed")}
    print(", ".join(f"{n} {s}" for s, n in counts.items()) +
          f"; figures and checkpoints are in {os.path.abspath(args.output_dir)}")
    return 1 if counts["failed"] else 0


def run(program):
    """(name, status, key figure, seconds) of one run of `program` in this process."""
    import tinygraph as tf
    start = time.perf_counter()
    reason = program.mnist and _mnist_missing()
    if reason:
        print(f"skipped: {reason}")
        return program.name, "skipped", reason.splitlines()[0][:60], 0.0
    tf.reset_default_graph()
    seeded = book.graph_seed(program.seed) if program.seed is not None else \
        contextlib.nullcontext()
    if program.seed is not None:
        print(f"(graph seed {program.seed}: the script sets none)")
    try:
        with seeded:
            namespace = runpy.run_path(str(programs.path(program)), run_name="__main__")
    except Exception as e:   # a failing program is reported; the others still run
        traceback.print_exc()
        return (program.name, "failed", f"{type(e).__name__}: {e}".splitlines()[0][:60],
                time.perf_counter() - start)
    return program.name, "passed", _key(program, namespace), time.perf_counter() - start


def _mnist_missing():
    """Why the MNIST data cannot be had (None when it is there or was downloaded)."""
    from ..datasets import mnist
    from ..framework.errors import OpError
    folder = mnist.data_dir()
    if all(os.path.exists(os.path.join(folder, f)) for f in mnist.FILES):
        return None   # the program reads (and checks) them itself
    try:   # (downloads them, or says why not)
        mnist.load_data()
    except OpError as e:
        return f"no MNIST data: {e.message}"
    return None


def _key(program, namespace):
    if program.key is None:
        return ""
    try:
        value = eval(program.key, {"np": np}, namespace)   # noqa: S307 (our own table)
    except Exception as e:   # the program ran; only its figure could not be read
        return f"{program.label}: ? ({type(e).__name__})"
    if isinstance(value, (float, np.floating)):
        value = f"{float(value):.4g}"
    elif isinstance(value, np.ndarray):
        value = np.array2string(value, precision=4, separator=" ")
    return f"{program.label}: {value}"


def table(rows):
    header = ("program", "status", "key figure", "seconds")
    cells = [header] + [(n, s, k, f"{t:.1f}") for n, s, k, t in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3].rjust(7)
             for r in cells]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


@contextlib.contextmanager
def _environment(settings):
    saved = {k: os.environ.get(k) for k in settings}
    try:
        for k, v in settings.items():
            _setenv(k, v)
        yield
    finally:
        for k, v in saved.items():
            _setenv(k, v)


def _setenv(key, value):
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


@contextlib.contextmanager
def _folder(path):
    here = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(here)
