"""The OpenCL device layer: choosing the device, the errors when there is none, programs
and kernels built once, kernel sources from the package, PoCL's cache folder, and
`python -m tinygraph devices`."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tinygraph.runtime.opencl import device as dev   # before pyopencl: sets PoCL's cache

cl = pytest.importorskip("pyopencl")
ROOT = Path(__file__).resolve().parents[1]


class FakeDevice:
    def __init__(self, name, kind):
        self.name, self.type = name, kind
        self.int_ptr = id(self)
        self.max_compute_units, self.global_mem_size, self.max_work_group_size = 4, 2**30, 256


class FakePlatform:
    def __init__(self, name, devices):
        self.name, self._devices = name, devices

    def get_devices(self):
        if not self._devices:   # what drivers do for a platform without devices
            raise cl.LogicError("clGetDeviceIDs failed: DEVICE_NOT_FOUND")
        return self._devices


@pytest.fixture
def platforms(monkeypatch):
    """Platform 0 has a CPU, platform 1 a GPU and an accelerator."""
    cpu = FakeDevice("a cpu", cl.device_type.CPU)
    gpu = FakeDevice("a gpu", cl.device_type.GPU)
    acc = FakeDevice("an accelerator", cl.device_type.ACCELERATOR)
    listed = [FakePlatform("p0", [cpu]), FakePlatform("p1", [gpu, acc])]
    monkeypatch.setattr(dev.cl, "get_platforms", lambda: listed)
    monkeypatch.delenv("TINYGRAPH_DEVICE", raising=False)
    return cpu, gpu, acc, listed


def test_default_prefers_a_gpu_then_the_cpu(platforms, monkeypatch):
    cpu, gpu, acc, listed = platforms
    assert dev.select_device() is gpu
    assert dev.select_device("opencl") is gpu
    listed[1]._devices = [acc]
    assert dev.select_device() is cpu
    monkeypatch.setenv("TINYGRAPH_DEVICE", "")   # empty means unset
    assert dev.select_device() is cpu


def test_explicit_choices_and_the_environment(platforms, monkeypatch):
    cpu, gpu, acc, _ = platforms
    assert dev.select_device("cpu") is cpu
    assert dev.select_device(" GPU ") is gpu
    assert dev.select_device("1:1") is acc
    monkeypatch.setenv("TINYGRAPH_DEVICE", "0:0")
    assert dev.select_device() is cpu
    assert dev.select_device("gpu") is gpu   # an explicit spec beats the environment
    monkeypatch.setenv("TINYGRAPH_DEVICE", "cpu")
    assert dev.select_device() is cpu


@pytest.mark.parametrize("bad", ["tpu", "1:", ":0", "-1:0", "0:0:0", "a:b", "cuda"])
def test_bad_values_list_the_valid_ones(platforms, monkeypatch, bad):
    with pytest.raises(ValueError, match=r"is not a device; use 'numpy', 'opencl'.*'gpu', "
                                         r"'cpu', or 'P:D'"):
        dev.select_device(bad)
    monkeypatch.setenv("TINYGRAPH_DEVICE", bad)
    with pytest.raises(ValueError, match=r"^TINYGRAPH_DEVICE="):
        dev.select_device()


def test_indices_out_of_range_list_the_devices(platforms):
    for spec in ("7:0", "0:1", "1:2"):
        with pytest.raises(ValueError, match=rf"no OpenCL device {spec}; the devices are "
                                             r"0:0 \(a cpu\), 1:0 \(a gpu\), 1:1"):
            dev.select_device(spec)


def test_numpy_is_not_an_opencl_device(platforms):
    with pytest.raises(ValueError, match="numpy reference backend"):
        dev.select_device("numpy")


def test_missing_gpu_names_the_devices_there_are(platforms):
    platforms[3][1]._devices = []
    with pytest.raises(dev.OpenCLUnavailableError,
                       match=r"no OpenCL GPU device found; the devices are: a cpu \(CPU\)"):
        dev.select_device("gpu")


def _assert_names_the_fixes(message):
    assert 'pip install "pyopencl[pocl]"' in message
    assert "OpenCL driver" in message
    assert "TINYGRAPH_DEVICE=numpy" in message


def test_no_platform_names_the_fix(monkeypatch):
    def broken():
        raise cl.LogicError("clGetPlatformIDs failed: PLATFORM_NOT_FOUND_KHR")
    monkeypatch.setattr(dev.cl, "get_platforms", broken)
    monkeypatch.delenv("TINYGRAPH_DEVICE", raising=False)
    for call in (dev.select_device, dev.get_device_context, dev.list_devices):
        with pytest.raises(dev.OpenCLUnavailableError) as e:
            call()
        assert isinstance(e.value, RuntimeError)
        _assert_names_the_fixes(str(e.value))
        assert "PLATFORM_NOT_FOUND_KHR" in str(e.value)
        assert e.value.__suppress_context__   # no driver traceback chained to it
    monkeypatch.setattr(dev.cl, "get_platforms", lambda: [])
    with pytest.raises(dev.OpenCLUnavailableError, match="no OpenCL platform found"):
        dev.select_device()
    monkeypatch.setattr(dev.cl, "get_platforms", lambda: [FakePlatform("empty", [])])
    with pytest.raises(dev.OpenCLUnavailableError, match="have no device"):
        dev.select_device()


def test_missing_pyopencl_names_the_fix(monkeypatch):
    monkeypatch.setattr(dev, "cl", None)
    monkeypatch.delenv("TINYGRAPH_DEVICE", raising=False)
    with pytest.raises(dev.OpenCLUnavailableError, match="pyopencl is not installed") as e:
        dev.select_device()
    _assert_names_the_fixes(str(e.value))
    with pytest.raises(ValueError):   # a bad value is reported as such, driver or not
        dev.select_device("tpu")


def test_list_devices_marks_the_choice(platforms, monkeypatch):
    rows = dev.list_devices()
    assert [(r["spec"], r["platform"], r["device"], r["type"], r["chosen"]) for r in rows] == [
        ("0:0", "p0", "a cpu", "CPU", False), ("1:0", "p1", "a gpu", "GPU", True),
        ("1:1", "p1", "an accelerator", "ACCELERATOR", False)]
    assert rows[2]["platform_index"] == 1 and rows[2]["device_index"] == 1
    assert rows[0]["compute_units"] == 4 and rows[0]["global_mem_bytes"] == 2**30
    assert rows[0]["max_work_group_size"] == 256
    monkeypatch.setenv("TINYGRAPH_DEVICE", "cpu")
    assert [r["chosen"] for r in dev.list_devices()] == [True, False, False]
    monkeypatch.setenv("TINYGRAPH_DEVICE", "numpy")
    assert not any(r["chosen"] for r in dev.list_devices())


# --- the real device (PoCL's CPU device on machines without a GPU) ---

def _fill_source():
    return "#define T float\n#define K(n) n##_f32\n" + dev.kernel_source("copy")


def test_the_real_device_fills_a_buffer():
    ctx = dev.get_device_context("cpu")
    assert dev.get_device_context("cpu") is ctx
    assert ctx.is_cpu and not ctx.is_gpu and ctx.name == ctx.device.name.strip()
    # (and PoCL's pthread device beside its basic one: see test_wide_device.py)
    assert ctx.context.devices == [ctx.device] + ([ctx.wide.device] if ctx.wide else [])
    assert ctx.queue.device == ctx.device
    assert not ctx.queue.properties & cl.command_queue_properties.OUT_OF_ORDER_EXEC_MODE_ENABLE
    fill = ctx.kernel(ctx.program(_fill_source()), "fill_f32")
    n = 1003
    out = np.full(n + 5, -1, np.float32)
    buf = cl.Buffer(ctx.context, cl.mem_flags.READ_WRITE | cl.mem_flags.COPY_HOST_PTR,
                    hostbuf=out)
    fill.set_args(buf, np.float32(2.75), np.int64(n))
    cl.enqueue_nd_range_kernel(ctx.queue, fill, (1024,), None)   # more items than n
    got = np.empty_like(out)
    cl.enqueue_copy(ctx.queue, got, buf, is_blocking=True)
    np.testing.assert_array_equal(got[:n], np.float32(2.75))
    np.testing.assert_array_equal(got[n:], np.float32(-1))   # the guard held


def test_programs_and_kernels_are_built_once():
    ctx = dev.get_device_context("cpu")
    source = _fill_source()
    program = ctx.program(source)
    assert ctx.program(source) is program
    assert ctx.program("" + source, ()) is program   # equal text, not the same object
    other = ctx.program(source, ("-cl-fast-relaxed-math",))
    assert other is not program and ctx.program(source, ["-cl-fast-relaxed-math"]) is other
    kernel = ctx.kernel(program, "fill_f32")
    assert ctx.kernel(program, "fill_f32") is kernel
    assert ctx.kernel(other, "fill_f32") is not kernel
    assert kernel.function_name == "fill_f32"


def test_kernel_source_reads_the_package_data():
    text = dev.kernel_source("copy")
    assert text == (ROOT / "kernels" / "copy.cl").read_text()
    assert dev.kernel_source("copy.cl") is text   # read once
    with pytest.raises(FileNotFoundError, match=r"no kernel file nope\.cl .*copy"):
        dev.kernel_source("nope")


def _run(code, **env):
    """Runs `code` in a fresh interpreter; env values of None remove the variable."""
    full = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True,
                          text=True, check=True, cwd=ROOT).stdout


def test_pocl_cache_goes_to_the_tinygraph_cache_folder(tmp_path):
    code = ("import os; from tinygraph.runtime.opencl import device as dev; "
            "ctx = dev.get_device_context('cpu'); "
            "ctx.program('__kernel void f(__global int* x) { x[0] = 7; }'); "
            "print(os.environ['POCL_CACHE_DIR'])")
    out = _run(code, TINYGRAPH_CACHE=str(tmp_path), POCL_CACHE_DIR=None)
    assert out.strip() == str(tmp_path / "pocl")
    assert any((tmp_path / "pocl").iterdir())   # PoCL wrote the build there
    # a user's own POCL_CACHE_DIR is kept
    mine = tmp_path / "mine"
    out = _run(code, TINYGRAPH_CACHE=str(tmp_path), POCL_CACHE_DIR=str(mine))
    assert out.strip() == str(mine)


def test_pyopencl_binary_cache_is_in_the_tinygraph_cache_folder(tmp_path):
    """pyopencl caches binaries itself for drivers without a build cache (it skips PoCL):
    pretend PoCL is one, and the second process loads the binary from our folder."""
    code = ("from tinygraph.runtime.opencl import device as dev; "
            "import pyopencl.characterize as ch; ch.has_src_build_cache = lambda d: None; "
            "dev._is_pocl = lambda d: False; "
            "p = dev.get_device_context('cpu').program("
            "'__kernel void f(__global int* x) { x[0] = 3; }'); "
            "print(p._build_duration_info[0])")
    first, second = (_run(code, TINYGRAPH_CACHE=str(tmp_path)).strip() for _ in range(2))
    assert "cache miss" in first and second == "cache retrieval"
    assert any((tmp_path / "pyopencl").iterdir())


_BUILD_AND_RUN = (
    "import numpy as np, pyopencl as cl; from tinygraph.runtime.opencl import device as dev; "
    "ctx = dev.get_device_context('cpu'); "
    "p = ctx.program('__kernel void f(__global int* x) { x[0] = 3 + x[1]; }'); "
    "x = np.array([0, 4], np.int32); "
    "b = cl.Buffer(ctx.context, cl.mem_flags.READ_WRITE | cl.mem_flags.COPY_HOST_PTR, hostbuf=x); "
    "cl.Kernel(p, 'f')(ctx.queue, (1,), None, b); cl.enqueue_copy(ctx.queue, x, b); "
    "print(x[0], 'binary' if p.get_info(cl.program_info.SOURCE) == '' else 'source')")


def test_pocl_programs_built_twice_come_from_their_binaries_after(tmp_path):
    """Under PoCL a program built from source parses and keeps its LLVM module. The first
    build only leaves a mark; the second keeps the binary; the third process creates the
    program from it, and it computes the same."""
    env = dict(TINYGRAPH_CACHE=str(tmp_path), POCL_CACHE_DIR=None)
    assert _run(_BUILD_AND_RUN, **env).split() == ["7", "source"]
    assert [p.suffix for p in (tmp_path / "binaries").iterdir()] == [".seen"]
    assert _run(_BUILD_AND_RUN, **env).split() == ["7", "source"]
    (kept,) = (tmp_path / "binaries").glob("*.bin")
    assert kept.stat().st_size > 32
    assert _run(_BUILD_AND_RUN, **env).split() == ["7", "binary"]
    shutil.rmtree(tmp_path / "pocl")   # (PoCL's own cache gone: the binary still serves)
    assert _run(_BUILD_AND_RUN, **env).split() == ["7", "binary"]


def test_a_corrupt_binary_is_rebuilt_from_source_and_replaced(tmp_path):
    env = dict(TINYGRAPH_CACHE=str(tmp_path), POCL_CACHE_DIR=None)
    _run(_BUILD_AND_RUN, **env)
    _run(_BUILD_AND_RUN, **env)
    (path,) = (tmp_path / "binaries").glob("*.bin")
    good = path.read_bytes()
    for damaged in (good[:len(good) // 3], good[:100] + b"x" + good[101:], b""):
        path.write_bytes(damaged)
        assert _run(_BUILD_AND_RUN, **env).split() == ["7", "source"]
        assert _run(_BUILD_AND_RUN, **env).split() == ["7", "binary"]   # replaced


def _cli(*args, **env):
    full = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    return subprocess.run([sys.executable, "-m", "tinygraph", *args], env=full, cwd=ROOT,
                          capture_output=True, text=True)


def test_cli_lists_the_chosen_device(tmp_path):
    result = _cli("devices", TINYGRAPH_DEVICE="cpu", TINYGRAPH_CACHE=str(tmp_path),
                  POCL_CACHE_DIR=None)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    chosen = [line for line in lines if line.startswith("*")]
    assert len(chosen) == 1 and " CPU " in chosen[0]
    assert dev.get_device_context("cpu").name in chosen[0]
    assert f"cache folder: {tmp_path}" in lines
    assert any(str(tmp_path / "pocl") in line for line in lines)


def test_cli_bad_device_and_usage():
    result = _cli("devices", TINYGRAPH_DEVICE="tpu")
    assert result.returncode == 0
    assert not any(line.startswith("*") for line in result.stdout.splitlines())
    assert "TINYGRAPH_DEVICE='tpu' is not a device" in result.stdout
    usage = _cli()
    assert usage.returncode == 0 and usage.stdout.startswith("usage: python -m tinygraph")
    assert "devices" in usage.stdout
    assert _cli("frobnicate").returncode == 2


@pytest.mark.slow
def test_installed_wheel_ships_and_finds_the_kernels(tmp_path):
    """A non-editable install: the wheel holds kernels/*.cl as tinygraph/kernels/, and
    kernel_source() reads them from the installed package."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True)
    wheel = next(tmp_path.glob("tinygraph-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"tinygraph/kernels/{p.name}" for p in (ROOT / "kernels").glob("*.cl")} <= names
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    "--target", str(site), str(wheel)], check=True)
    code = ("import tinygraph; from tinygraph.runtime.opencl import device as dev; "
            "print(tinygraph.__file__); print(len(dev.kernel_source('copy')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, text=True,
                         capture_output=True, env={**os.environ, "PYTHONPATH": str(site)}
                         ).stdout.split()
    assert out[0].startswith(str(site))   # the installed copy, not the repository
    assert int(out[1]) == len((ROOT / "kernels" / "copy.cl").read_text())
