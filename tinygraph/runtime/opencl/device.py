"""OpenCL devices: which one a session uses, its context and queue, and programs built
once per process (and, through PoCL's cache folder, once per machine).

Importing this module sets POCL_CACHE_DIR before pyopencl loads PoCL, so nothing else
in tinygraph may import pyopencl first."""
import os
from pathlib import Path


def cache_dir():
    """tinygraph's cache folder: $TINYGRAPH_CACHE, else ~/.cache/tinygraph."""
    return Path(os.environ.get("TINYGRAPH_CACHE") or Path.home() / ".cache" / "tinygraph")


# PoCL reads this when it initialises: compiled kernels then persist across processes.
os.environ.setdefault("POCL_CACHE_DIR", str(cache_dir() / "pocl"))

try:
    import pyopencl as cl
except ImportError:   # reported by _platforms(), with the fix
    cl = None

FIX = ('install an OpenCL runtime: `pip install "pyopencl[pocl]"` gives a CPU one on any '
       "machine (or install your GPU vendor's OpenCL driver), or run on the numpy "
       "reference backend with TINYGRAPH_DEVICE=numpy")


class OpenCLUnavailableError(RuntimeError):
    """No usable OpenCL platform or device."""


def _platforms():
    if cl is None:
        raise OpenCLUnavailableError(f"pyopencl is not installed: {FIX}.")
    try:
        platforms = cl.get_platforms()
    except Exception as e:   # e.g. clGetPlatformIDs failed: PLATFORM_NOT_FOUND_KHR
        raise OpenCLUnavailableError(f"no OpenCL platform found ({e}): {FIX}.") from None
    if not platforms:
        raise OpenCLUnavailableError(f"no OpenCL platform found: {FIX}.")
    return platforms


def _devices(platform):
    try:
        return platform.get_devices()
    except Exception:   # a platform without devices of any type
        return []


def select_device(spec=None):
    """The pyopencl Device for `spec`: "gpu", "cpu", "P:D" (platform and device indices),
    "opencl" for the first GPU, else the first CPU device; None reads $TINYGRAPH_DEVICE
    (and means "opencl" when it is unset)."""
    if spec is None:
        spec = os.environ.get("TINYGRAPH_DEVICE") or None
    if spec == "opencl":   # the default OpenCL device, whatever the environment says
        spec = None
    elif spec == "numpy":
        raise ValueError("TINYGRAPH_DEVICE=numpy selects the numpy backend, not an OpenCL "
                         "device")
    platforms = _platforms()
    every = [(p, d) for p in platforms for d in _devices(p)]
    if not every:
        raise OpenCLUnavailableError(f"OpenCL platforms exist but have no device: {FIX}.")
    if spec is None:
        gpus = [d for _, d in every if d.type & cl.device_type.GPU]
        return gpus[0] if gpus else every[0][1]
    if spec in ("gpu", "cpu"):
        kind = cl.device_type.GPU if spec == "gpu" else cl.device_type.CPU
        found = [d for _, d in every if d.type & kind]
        if not found:
            raise OpenCLUnavailableError(f"no OpenCL {spec.upper()} device found; the devices "
                                         f"are: {', '.join(d.name for _, d in every)}")
        return found[0]
    try:
        p, d = (int(i) for i in spec.split(":"))
        return _devices(platforms[p])[d]
    except (ValueError, IndexError):
        raise ValueError(f"bad OpenCL device {spec!r}: use 'cpu', 'gpu', 'numpy' or "
                         "'platform:device' indices as listed by `python -m tinygraph "
                         "devices`") from None


class DeviceContext:
    """One device's context and in-order queue, and the programs built for it."""

    def __init__(self, device):
        self.device = device
        self.name = device.name.strip()
        self.is_gpu = bool(device.type & cl.device_type.GPU)
        self.is_cpu = bool(device.type & cl.device_type.CPU)
        self.context = cl.Context([device])
        self.queue = cl.CommandQueue(self.context)
        self._programs = {}

    def program(self, source, options=()):
        """The built program for `source`, built once per process."""
        key = (source, tuple(options))
        program = self._programs.get(key)
        if program is None:
            program = cl.Program(self.context, source).build(options=list(options))
            self._programs[key] = program
        return program


_contexts = {}


def get_device_context(spec=None):
    device = select_device(spec)
    key = device.int_ptr
    if key not in _contexts:
        _contexts[key] = DeviceContext(device)
    return _contexts[key]


def _kind(device):
    for kind in ("GPU", "CPU", "ACCELERATOR"):
        if device.type & getattr(cl.device_type, kind):
            return kind
    return "OTHER"


def list_devices(spec=None):
    """Every OpenCL device as a dict, with `chosen` marking the one `spec` selects."""
    try:
        chosen = select_device(spec).int_ptr
    except (OpenCLUnavailableError, ValueError):
        chosen = None
    rows = []
    for p_index, platform in enumerate(_platforms()):
        for d_index, d in enumerate(_devices(platform)):
            rows.append({"index": f"{p_index}:{d_index}", "platform": platform.name.strip(),
                         "device": d.name.strip(), "type": _kind(d),
                         "compute_units": d.max_compute_units,
                         "memory_mb": d.global_mem_size // 2**20,
                         "max_work_group": d.max_work_group_size,
                         "chosen": d.int_ptr == chosen})
    return rows
