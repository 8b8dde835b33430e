"""Trains the MNIST MLP example on real MNIST (from ../shared/data/mnist)."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "data" / "mnist"


def _example(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.skipif(not (MNIST / "train-images-idx3-ubyte.gz").is_file(), reason="real MNIST is only on the project's machines "
                                               "(../shared/data/mnist)")
def test_mlp_reaches_95_percent_on_mnist():
    accuracy = _example("mnist_mlp").train(str(MNIST), n_epochs=2)
    assert accuracy >= 0.95
