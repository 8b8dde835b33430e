"""What the replayed programs (examples/) use besides tinygraph itself: a training budget
that `tinygraph replay --quick` / `--epochs` can shorten, a progress bar, and figures
saved as PNG files when matplotlib (the optional `plots` extra) is installed.

The replay command passes its options down through the environment, so a program runs
the same way under `tinygraph replay` as under `python examples/<program>.py`:
  TINYGRAPH_REPLAY_QUICK=1    every budget takes its `quick` value
  TINYGRAPH_REPLAY_EPOCHS=N   every epoch budget becomes N
  TINYGRAPH_PROGRESS=0        no progress bars (tests)
"""
import contextlib
import os
import sys

from tqdm import tqdm

FIGURES = os.path.join("images", "rnn")   # where the book's notebook saves its figures


def quick():
    return os.environ.get("TINYGRAPH_REPLAY_QUICK", "") not in ("", "0")


def epochs(n, quick_value=1):
    """The number of epochs to train: `n` as the book has it, unless shortened."""
    if os.environ.get("TINYGRAPH_REPLAY_EPOCHS"):
        return int(os.environ["TINYGRAPH_REPLAY_EPOCHS"])
    return quick_value if quick() else n


def iterations(n, quick_value):
    """A number of training iterations (or batches per epoch): `n`, or `quick_value`
    under --quick."""
    return min(n, quick_value) if quick() else n


def progress(iterable=None, desc=None, total=None):
    """A tqdm bar on stderr (the book's printed lines stay alone on stdout), drawn only
    on a terminal (not into logs); show the current loss with `bar.set_postfix(loss=...)`."""
    disable = True if os.environ.get("TINYGRAPH_PROGRESS", "") == "0" else None
    return tqdm(iterable, desc=desc, total=total, file=sys.stderr, leave=False,
                dynamic_ncols=True, mininterval=0.5, disable=disable)


@contextlib.contextmanager
def graph_seed(seed):
    """Every tf.Graph made inside has the graph seed `seed`, as if the program called
    tf.set_random_seed(seed) after each as_default(): the replay's way to make the
    tutorial's unseeded scripts repeatable without editing them."""
    from ..framework.graph import Graph
    init = Graph.__init__

    def seeded(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.seed = seed
    Graph.__init__ = seeded
    try:
        yield
    finally:
        Graph.__init__ = init


@contextlib.contextmanager
def figure(fig_id, **subplots):
    """`with figure("time_series_plot") as plt:` draw with pyplot; on leaving, the figure
    is saved as images/rnn/<fig_id>.png (relative to the current folder, as the book
    does). Without matplotlib, `plt` is None and a line says how to get the plots."""
    try:
        import matplotlib
        matplotlib.use("Agg")   # files only: no window, no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"Skipping figure {fig_id} (matplotlib is not installed: "
              f"pip install 'tinygraph[plots]')")
        yield None
        return
    plt.figure(**subplots)
    try:
        yield plt
        os.makedirs(FIGURES, exist_ok=True)
        path = os.path.join(FIGURES, fig_id + ".png")
        plt.tight_layout()
        plt.savefig(path, format="png", dpi=100)
        print("Saving figure", fig_id)
    finally:
        plt.close("all")
