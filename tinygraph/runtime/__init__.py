"""Backends that execute plans: the numpy reference (here) and OpenCL (next)."""
from .numpy_backend import NumpyBackend

BACKENDS = {"numpy": NumpyBackend}


def get_backend(name="numpy"):
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ValueError(f"unknown tinygraph backend {name!r}; choose one of "
                         f"{sorted(BACKENDS)}") from None
