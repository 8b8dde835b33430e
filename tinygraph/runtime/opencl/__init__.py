"""The OpenCL backend. Importing it sets up PoCL's kernel cache folder (see device.py)."""
from .device import OpenCLUnavailableError, get_device_context, list_devices  # noqa: F401
