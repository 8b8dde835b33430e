"""OpenCL devices: which one a session uses, its context and queue, and the programs and
kernels built for it (once per process, and through on-disk caches once per machine).

Import order matters: PoCL reads POCL_CACHE_DIR and POCL_DEVICES once, when it
initialises (the first platform query). This module sets it before it imports pyopencl, and
tinygraph/runtime/opencl/__init__.py imports this module first, so every tinygraph
module that imports pyopencl (executor.py, matmul.py, ...) runs after it. Nothing else in
tinygraph may import pyopencl, or query platforms, before this module is imported."""
import ctypes
import hashlib
import os
import tempfile
from pathlib import Path


def cache_dir():
    """tinygraph's cache folder: $TINYGRAPH_CACHE, else ~/.cache/tinygraph."""
    return Path(os.environ.get("TINYGRAPH_CACHE") or Path.home() / ".cache" / "tinygraph")


# PoCL compiles each program once per machine into this folder (a user's own
# POCL_CACHE_DIR wins). The second process to build a program loads it from there.
if not os.environ.get("POCL_CACHE_DIR"):
    os.environ["POCL_CACHE_DIR"] = str(cache_dir() / "pocl")

# PoCL's CPU drivers: "basic" runs each command on the thread that waits for it, so a
# run's round trip costs a few microseconds; "pthread" spreads a kernel over every core,
# but waking its workers costs 30-80 us per wait and ~10 us more per launch. The small
# graphs of recurrent networks wait often and gain little from more cores, so "basic"
# comes first (the default CPU device) and "pthread" second: the default device runs a
# plan of large matrix products there (DeviceContext.wide). A user's own POCL_DEVICES
# wins.
if not os.environ.get("POCL_DEVICES"):
    os.environ["POCL_DEVICES"] = "basic pthread"

try:
    import pyopencl as cl
except ImportError:   # reported by _platforms(), with the fix, when a device is wanted
    cl = None

FIX = ('install an OpenCL runtime: `pip install "pyopencl[pocl]"` gives a CPU one on any '
       "machine (or install your GPU vendor's OpenCL driver), or use the numpy reference "
       "backend with TINYGRAPH_DEVICE=numpy")

VALID = ("'numpy', 'opencl' (a GPU if there is one, else the CPU), 'gpu', 'cpu', or "
         "'P:D' (platform and device indices from `python -m tinygraph devices`)")


class OpenCLUnavailableError(RuntimeError):
    """No usable OpenCL platform or device (pyopencl missing, no driver, ...)."""


def binary_cache_dir():
    """Where tinygraph keeps the binaries of programs PoCL built (see build_program)."""
    return cache_dir() / "binaries"


_PROGRAMS = {}   # (context, device, source, options) -> built cl.Program


def build_program(context, device, source, options=()):
    """The cl.Program for (source, options) on `device`, built once per process.

    Across processes, PoCL's cache (POCL_CACHE_DIR) skips the compiler, but a program
    built from source there still parses its LLVM module and keeps it, ~1.7 MB for a
    matrix product's; one created from its binary does not (and loads faster). Under
    PoCL the binary of a program built from source a second time (in another process:
    the first time leaves a mark) is kept in binary_cache_dir(), and later processes
    create the program from it (from source again if it will not load). Not at the first
    build: PoCL compiles a generic version of every kernel for the binary, which
    doubles the compile time of a program nobody builds again (a one-off shape). Other
    drivers use their own cache or pyopencl's binary cache, in tinygraph's cache
    folder."""
    options = tuple(options.split() if isinstance(options, str) else options)
    key = (context, device, source, options)
    program = _PROGRAMS.get(key)
    if program is None:
        if _is_pocl(device):
            program = _pocl_program(context, device, source, options)
        else:
            program = cl.Program(context, source).build(
                options=list(options), devices=[device], cache_dir=str(pyopencl_cache_dir()))
        _PROGRAMS[key] = program
    return program


def release_free_heap():
    """Hands the C heap's free pages back to the system (glibc's malloc_trim; elsewhere
    nothing). PoCL reads each program's bitcode into a 2 MiB buffer that it keeps while
    the program lives. On fresh pages only the bitcode's own pages become resident, but on
    pages that planning touched and freed (glibc keeps them) all 2 MiB do: so a plan
    hands those back before it loads its programs. Workload 5 of benchmarks/compare.py
    loads nine: its peak is ~4 MB lower for it."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):
        return
    trim(0)


def _is_pocl(device):
    return "PoCL" in device.platform.version


def _pocl_program(context, device, source, options):
    identity = (source, options, device.name, device.version, device.driver_version,
                device.platform.version)
    path = binary_cache_dir() / (hashlib.sha256(repr(identity).encode()).hexdigest() + ".bin")
    # A file is the SHA-256 of the binary, then the binary: PoCL crashes on a damaged
    # one, so only an intact binary reaches it.
    try:
        kept = path.read_bytes()
    except OSError:
        kept = b""
    binary = kept[32:]
    if binary and hashlib.sha256(binary).digest() == kept[:32]:
        try:
            return cl.Program(context, [device], [binary]).build(
                options=list(options), devices=[device])
        except cl.Error:
            pass   # rebuilt from source below, and the file replaced
    program = cl.Program(context, source).build(options=list(options), devices=[device])
    seen = path.with_suffix(".seen")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not seen.exists():
            seen.touch()
            return program
        # (PoCL lists the binaries of the devices built for only, not one per device)
        binaries = program.binaries
        binary = binaries[program.devices.index(device)] if len(binaries) == len(
            program.devices) else binaries[0] if len(binaries) == 1 else b""
        if binary:
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as f:
                f.write(hashlib.sha256(binary).digest() + binary)
            os.replace(f.name, path)   # whole or not at all, whatever runs beside us
    except OSError:
        pass   # (a read-only cache folder: programs keep being built from source)
    return program


def pyopencl_cache_dir():
    """Where pyopencl keeps program binaries for drivers without a cache of their own
    (pyopencl skips its cache for PoCL and NVIDIA, whose drivers cache builds)."""
    return cache_dir() / "pyopencl"


def _platforms():
    if cl is None:
        raise OpenCLUnavailableError(f"pyopencl is not installed: {FIX}.")
    try:
        platforms = cl.get_platforms()
    except cl.Error as e:   # e.g. clGetPlatformIDs failed: PLATFORM_NOT_FOUND_KHR
        raise OpenCLUnavailableError(f"no OpenCL platform found ({e}): {FIX}.") from None
    if not platforms:
        raise OpenCLUnavailableError(f"no OpenCL platform found: {FIX}.")
    return platforms


def _devices(platform):
    try:
        return platform.get_devices()
    except cl.Error:   # DEVICE_NOT_FOUND: a platform without devices
        return []


def _is(device, kind):
    return bool(device.type & getattr(cl.device_type, kind))


def _setting(spec):
    """spec, or $TINYGRAPH_DEVICE when spec is None (None when that is unset too)."""
    return spec if spec is not None else os.environ.get("TINYGRAPH_DEVICE") or None


def select_device(spec=None):
    """The pyopencl Device for `spec`: "gpu" (the first GPU), "cpu" (the first CPU
    device), "P:D" (platform and device indices), or "opencl" / None for the default: the
    first GPU if there is one, else the first CPU device (else the first device).
    spec=None reads $TINYGRAPH_DEVICE first. "numpy" is no OpenCL device: the session
    handles it, here it is a ValueError."""
    where = "device" if spec is not None else "TINYGRAPH_DEVICE"
    spec = _setting(spec)
    if spec is not None:
        spec = str(spec).strip().lower()
    if spec == "numpy":
        raise ValueError("'numpy' selects the numpy reference backend, not an OpenCL device")
    indices = _parse_indices(spec, where)
    platforms = _platforms()
    every = [(p, d) for p in platforms for d in _devices(p)]
    if not every:
        raise OpenCLUnavailableError(f"OpenCL platforms exist but have no device: {FIX}.")
    if spec in (None, "opencl"):
        for kind in ("GPU", "CPU"):
            found = [d for _, d in every if _is(d, kind)]
            if found:
                return found[0]
        return every[0][1]
    if spec in ("gpu", "cpu"):
        found = [d for _, d in every if _is(d, spec.upper())]
        if not found:
            there = ", ".join(f"{d.name.strip()} ({_kind(d)})" for _, d in every)
            fix = ("install your GPU vendor's OpenCL driver" if spec == "gpu" else
                   'pip install "pyopencl[pocl]" (a CPU OpenCL)')
            raise OpenCLUnavailableError(
                f"no OpenCL {spec.upper()} device found; the devices are: {there}. Choose "
                f"one of them ('P:D' indices), {fix}, or use TINYGRAPH_DEVICE=numpy.")
        return found[0]
    p, d = indices
    devices = _devices(platforms[p]) if p < len(platforms) else []
    if d >= len(devices):
        there = ", ".join(f"{i}:{j} ({dev.name.strip()})" for i, pl in enumerate(platforms)
                          for j, dev in enumerate(_devices(pl)))
        raise ValueError(f"{where}={spec!r}: there is no OpenCL device {p}:{d}; the "
                         f"devices are {there}")
    return devices[d]


def _parse_indices(spec, where):
    """(platform, device) for "P:D"; None for the named choices; ValueError otherwise."""
    if spec in (None, "opencl", "gpu", "cpu"):
        return None
    parts = spec.split(":")
    if len(parts) == 2 and all(s.isdigit() for s in parts):
        return int(parts[0]), int(parts[1])
    raise ValueError(f"{where}={spec!r} is not a device; use {VALID}")


class DeviceContext:
    """One device's context and in-order queue, and the programs and kernels built for it.
    Get it with get_device_context() (one per device and process).

    wide: the device a plan of large matrix products runs on instead (PoCL's "pthread",
    beside the default "basic"), a DeviceContext sharing this one's context, so buffers
    and variables serve both (PoCL copies a buffer over when the other device uses it)."""

    def __init__(self, device, wide=None, context=None):
        self.device = device
        self.name = device.name.strip()
        self.is_gpu = _is(device, "GPU")
        self.is_cpu = _is(device, "CPU")
        try:
            self.context = context or cl.Context([device] + ([wide] if wide else []))
            # in order: no events between ops
            self.queue = cl.CommandQueue(self.context, device)
        except cl.Error as e:
            raise OpenCLUnavailableError(
                f"cannot open OpenCL device {self.name!r} ({e}): {FIX}.") from None
        self.wide = DeviceContext(wide, context=self.context) if wide else None
        self._kernels = {}    # (id(program), name) -> (program, cl.Kernel)

    def program(self, source, options=()):
        """The built cl.Program for (source, options) on this device (build_program)."""
        return build_program(self.context, self.device, source, options)

    def kernel(self, program, name):
        """The cl.Kernel `name` of `program`, created once. `program.name` would create a
        new kernel object (~1 ms) on every lookup. The kernel is shared: arguments set on it
        stay until the next set_arg, so code that binds arguments once and enqueues later
        (a plan) needs its own cl.Kernel(program, name)."""
        key = (id(program), name)
        hit = self._kernels.get(key)
        if hit is None:
            # The entry keeps `program` alive, so its id cannot be reused by another.
            hit = self._kernels[key] = (program, cl.Kernel(program, name))
        return hit[1]

    def __repr__(self):
        return f"<DeviceContext {self.name!r} ({_kind(self.device)})>"


_sources = {}


def kernel_source(name):
    """The text of kernels/<name>.cl, shipped as package data of tinygraph.kernels (read
    with importlib.resources, so it works from wheels and zips too). Read once."""
    name = name[:-3] if name.endswith(".cl") else name
    text = _sources.get(name)
    if text is None:
        from importlib import resources
        package = resources.files("tinygraph.kernels")
        path = package.joinpath(f"{name}.cl")
        if not path.is_file():
            there = sorted(p.name[:-3] for p in package.iterdir() if p.name.endswith(".cl"))
            raise FileNotFoundError(f"no kernel file {name}.cl in tinygraph.kernels; there "
                                    f"are: {', '.join(there)}")
        text = _sources[name] = path.read_text(encoding="utf-8")
    return text


_contexts = {}


def get_device_context(spec=None):
    """The DeviceContext of the device select_device(spec) picks, one per device (and
    wide device: see DeviceContext)."""
    device = select_device(spec)
    wide = _wide(device, spec)
    key = (device.int_ptr, wide and wide.int_ptr)
    if key not in _contexts:
        _contexts[key] = DeviceContext(device, wide)
    return _contexts[key]


def _wide(device, spec):
    """PoCL's "pthread" device beside its "basic" one, when that was picked by kind (a
    device picked by its indices is the only one used)."""
    spec = _setting(spec)
    if spec is not None and ":" in str(spec) or not device.name.startswith("basic"):
        return None
    return next((d for d in _devices(device.platform) if d.name.startswith("pthread")), None)


def _kind(device):
    for kind in ("GPU", "CPU", "ACCELERATOR"):
        if _is(device, kind):
            return kind
    return "OTHER"


def list_devices(spec=None):
    """Every OpenCL device as a dict; `chosen` marks the one select_device(spec) picks
    (none when spec or $TINYGRAPH_DEVICE is "numpy" or invalid), `wide` its sibling for
    plans of large matrix products (see DeviceContext)."""
    try:
        device = select_device(spec)
        chosen, wide = device.int_ptr, _wide(device, spec)
        wide = wide and wide.int_ptr
    except (OpenCLUnavailableError, ValueError):
        chosen = wide = None
    rows = []
    for p_index, platform in enumerate(_platforms()):
        for d_index, d in enumerate(_devices(platform)):
            rows.append({"platform_index": p_index, "platform": platform.name.strip(),
                         "device_index": d_index, "device": d.name.strip(),
                         "spec": f"{p_index}:{d_index}", "type": _kind(d),
                         "compute_units": d.max_compute_units,
                         "global_mem_bytes": d.global_mem_size,
                         "max_work_group_size": d.max_work_group_size,
                         "chosen": d.int_ptr == chosen, "wide": d.int_ptr == wide})
    return rows
