"""The OpenCL backend. device.py is imported first: it points PoCL's kernel cache at
tinygraph's cache folder before any module here imports pyopencl (see device.py)."""
from .device import OpenCLUnavailableError, get_device_context, list_devices  # noqa: F401
