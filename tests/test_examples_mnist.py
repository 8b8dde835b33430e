"""The chapter-14 MNIST programs (examples/ch14_mnist_*.py) trained on real MNIST.

With the book's seed, tinygraph reproduces TF 1.15 on the same program: the figures
below were printed by TF 1.15 running the notebook's code for the same batches (and
the classifier's full epoch also by the book's notebook)."""
import re

import numpy as np
import pytest

from replay_harness import has_mnist, run_example

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not has_mnist(), reason="real MNIST is only on the project's "
                       "machines (../shared/data/mnist); these programs train on it"),
]

LINE = re.compile(r"^(\d+) Last batch accuracy: ([0-9.]+) Test accuracy: ([0-9.]+)$")


def epoch_lines(out):
    """(epoch, last batch accuracy, test accuracy) of each printed epoch line."""
    found = [LINE.match(line) for line in out.splitlines()]
    return [(int(m[1]), float(m[2]), float(m[3])) for m in found if m]


def check_quick_run(out, ns, n_batches, min_test_accuracy):
    """One epoch line of the right form, over the shortened epoch, learning well."""
    assert ns["n_batches"] == n_batches
    [(epoch, acc_batch, acc_test)] = epoch_lines(out)
    assert epoch == 0
    assert np.float32(acc_batch) == ns["acc_batch"] and np.float32(acc_test) == ns["acc_test"]
    assert acc_test > min_test_accuracy   # measured with a margin; chance is 0.1
    return acc_batch, acc_test


def test_classifier_quick(tmp_path, monkeypatch):
    out, ns = run_example("ch14_mnist_classifier", tmp_path, monkeypatch, mnist=True)
    acc_batch, acc_test = check_quick_run(out, ns, 150, 0.85)
    # TF 1.15, 150 batches: Last batch accuracy: 0.8933333 Test accuracy: 0.8951
    assert acc_test == pytest.approx(0.8951, abs=0.01)


def test_classifier_full_epoch_matches_the_book(tmp_path, monkeypatch):
    out, ns = run_example("ch14_mnist_classifier", tmp_path, monkeypatch, quick=False,
                          epochs=1, mnist=True)
    assert ns["n_batches"] == 366
    [(epoch, acc_batch, acc_test)] = epoch_lines(out)
    # The book (and TF 1.15): "0 Last batch accuracy: 0.9533333 Test accuracy: 0.9288",
    # i.e. 93% after one epoch.
    assert epoch == 0
    assert acc_test == pytest.approx(0.9288, abs=0.004)
    assert acc_batch == pytest.approx(0.9533333, abs=0.014)   # 2 images of 150


def test_multilayer_quick(tmp_path, monkeypatch):
    out, ns = run_example("ch14_mnist_multilayer", tmp_path, monkeypatch, mnist=True)
    acc_batch, acc_test = check_quick_run(out, ns, 150, 0.85)
    # TF 1.15, 150 batches: Test accuracy 0.8917 (ReLU cells: rounding differences grow
    # slowly, tinygraph's last batch and test accuracy agree with it to ~1%)
    assert acc_test == pytest.approx(0.8917, abs=0.015)
    assert ns["states_concat"].shape.as_list() == [None, 300]   # 3 layers of 100


def test_lstm_quick_and_the_other_cells(tmp_path, monkeypatch):
    out, ns = run_example("ch14_mnist_lstm", tmp_path, monkeypatch, mnist=True)
    acc_batch, acc_test = check_quick_run(out, ns, 50, 0.65)
    # TF 1.15, 50 batches: Last batch accuracy: 0.66225165 Test accuracy: 0.7264
    assert acc_test == pytest.approx(0.7264, abs=0.015)
    assert len(ns["states"]) == 3 and ns["top_layer_h_state"] is ns["states"][-1].h

    # The untrained peephole LSTM and GRU over the first test batch; the values are
    # TF 1.15's on the same graph (seed 42).
    peephole, gru = ns["peephole_state"], ns["gru_state"]
    assert peephole.c.shape == peephole.h.shape == gru.shape == (150, 150)
    np.testing.assert_allclose(peephole.h[0, :4], [0.07323778, -0.02679607, 0.02752565,
                                                     0.08484098], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(peephole.c[0, :4], [0.14066279, -0.05412209, 0.05620826,
                                                     0.17168626], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gru[0, :4], [-0.09052099, 0.01094612, -0.02769358,
                                            0.08449933], rtol=1e-4, atol=1e-6)
    assert re.search(r"^LSTMCell\(use_peepholes=True\) final state: c \(150, 150\) "
                     r"h \(150, 150\) mean \|h\|: 0\.0348", out, re.M)
    assert re.search(r"^GRUCell final state: \(150, 150\) mean \|h\|: 0\.0818", out, re.M)
