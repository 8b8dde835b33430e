"""Running one of the replayed programs (examples/) inside a test: in a fresh folder, with
the replay options set through the environment as `tinygraph replay` sets them, its
printed lines captured. Returns (stdout, the program's module globals)."""
import contextlib
import io
import os
import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MNIST = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def run_example(name, folder, monkeypatch, quick=True, epochs=None, mnist=False):
    """Run examples/<name>.py with `folder` as the current folder. With `mnist`, the
    MNIST files come from ../shared/data/mnist (TINYGRAPH_DATA)."""
    monkeypatch.chdir(folder)
    monkeypatch.setenv("TINYGRAPH_PROGRESS", "0")
    monkeypatch.setenv("TINYGRAPH_REPLAY_QUICK", "1" if quick else "0")
    if epochs is not None:
        monkeypatch.setenv("TINYGRAPH_REPLAY_EPOCHS", str(epochs))
    if mnist:
        monkeypatch.setenv("TINYGRAPH_DATA", str(MNIST))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    return out.getvalue(), namespace


def has_mnist():
    return all((MNIST / "mnist" / f).exists() for f in (
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"))
