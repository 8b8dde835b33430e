"""Backends that execute plans: OpenCL (the engine) and the numpy reference."""
from .numpy_backend import NumpyBackend

# Backend-parametrised tests run on each of these names.
BACKENDS = ("numpy", "opencl")


def get_backend(device):
    """`device`: "numpy", or an OpenCL device ("opencl" for the default one, "cpu",
    "gpu", or "platform:device" indices)."""
    if device == "numpy":
        return NumpyBackend()
    from .opencl.backend import OpenCLBackend   # imports pyopencl only when needed
    return OpenCLBackend(device)
