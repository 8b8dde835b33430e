"""How fast the graph page opens in headless Chromium, for a 100-step static_rnn with its
gradients and Adam (two stacked BasicRNNCells and the book's dense classifier head: about
2,500 ops).

    python benchmarks/viz_html.py [--steps 100] [--repeats 5]

Prints the op count, the page size, the time to_html takes, and the median over fresh tabs
of the time from navigation to the first drawing (measured here around the browser, and
by the page itself from its time origin), then how long opening boxes down to the biggest
ones (a cell's 100 steps, forward and backward) takes.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import tinygraph as tf
from tinygraph.viz.html import to_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from headless_chromium import Chromium  # noqa: E402


DEEPEST = "rnn/rnn/multi_rnn_cell/cell_0/basic_rnn_cell"


def build_static_rnn(n_steps, n_inputs=3, n_neurons=5, n_layers=2, n_outputs=10):
    tf.reset_default_graph()
    X = tf.placeholder(tf.float32, [None, n_steps, n_inputs], name="X")
    y = tf.placeholder(tf.int32, [None], name="y")
    steps = tf.unstack(tf.transpose(X, perm=[1, 0, 2]))
    cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons)
                                        for _ in range(n_layers)])
    outputs, states = tf.nn.static_rnn(cell, steps, dtype=tf.float32)
    logits = tf.layers.dense(states[-1], n_outputs)
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy, name="loss")
    tf.train.AdamOptimizer().minimize(loss)
    return tf.get_default_graph()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    graph = build_static_rnn(args.steps)
    start = time.perf_counter()
    page = to_html(graph)
    to_html_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.html"
        path.write_text(page, encoding="utf-8")
        print(f"{len(graph.get_operations())} ops, page {len(page) / 1e6:.2f} MB, "
              f"to_html {to_html_s * 1e3:.0f} ms")
        start = time.perf_counter()
        with Chromium() as browser:
            launch_s = time.perf_counter() - start
            wall, in_page = [], []
            for _ in range(args.repeats):
                start = time.perf_counter()
                tab = browser.open(path.as_uri(), width=1400, height=900)
                wall.append(time.perf_counter() - start)
                in_page.append(float(tab.evaluate("document.body.dataset.ready")) / 1e3)
            print(f"browser launch {launch_s:.2f} s")
            print(f"open to first drawing: {statistics.median(wall):.3f} s "
                  f"(page's own clock: {statistics.median(in_page):.3f} s), "
                  f"median of {args.repeats} fresh tabs")
            # down to the biggest boxes: one step's cell, forward and backward (400 ops each)
            for deepest in (DEEPEST, "gradients/" + DEEPEST):
                parts = deepest.split("/")
                for k in range(1, len(parts) + 1):
                    box = "/".join(parts[:k])
                    ms = tab.evaluate(f"""(() => {{ const t = performance.now();
                        tinygraphGraph.open({box!r}); return performance.now() - t; }})()""")
                    drawn = tab.evaluate("document.querySelectorAll('.node').length")
                    print(f"open {box}: {ms:.0f} ms ({drawn} boxes and ops drawn)")


if __name__ == "__main__":
    main()
