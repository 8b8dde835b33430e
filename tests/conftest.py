import os

import numpy as np
import pytest

import tinygraph as tf
from tinygraph.runtime import BACKENDS


def pytest_addoption(parser):
    parser.addoption("--backend", action="append", default=None,
                     help="run backend-parametrised tests on these backends (default: all)")


def pytest_configure(config):
    """With one --backend, the tests that do not take a backend run on it too."""
    chosen = config.getoption("backend")
    if chosen and len(set(chosen)) == 1:
        os.environ["TINYGRAPH_DEVICE"] = chosen[0]


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("backend") or sorted(BACKENDS)
        metafunc.parametrize("backend", chosen)


@pytest.fixture(autouse=True)
def fresh_graph():
    """Every test starts from an empty default graph and a known numpy seed."""
    tf.reset_default_graph()
    np.random.seed(0)
    yield
