"""Trains the book's MNIST RNN classifier (examples/mnist_rnn.py) for one epoch on real
MNIST (from ../shared/data/mnist)."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "data" / "mnist"


@pytest.mark.slow
@pytest.mark.skipif(not (MNIST / "train-images-idx3-ubyte.gz").is_file(),
                    reason="real MNIST is only on the project's machines (../shared/data/mnist)")
def test_rnn_classifier_reaches_93_percent_in_one_epoch():
    spec = importlib.util.spec_from_file_location("mnist_rnn", ROOT / "examples" / "mnist_rnn.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    assert example.train(str(MNIST), n_epochs=1) >= 0.93
