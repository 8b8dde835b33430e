"""Choosing the OpenCL device, the errors when there is none, and `python -m tinygraph
devices`."""
import os
import subprocess
import sys

import numpy as np
import pyopencl as cl
import pytest

from tinygraph.runtime.opencl import device as dev


class FakeDevice:
    def __init__(self, name, kind):
        self.name, self.type = name, kind
        self.int_ptr = id(self)
        self.max_compute_units, self.global_mem_size, self.max_work_group_size = 4, 2**30, 256


class FakePlatform:
    def __init__(self, name, devices):
        self.name, self._devices = name, devices

    def get_devices(self):
        return self._devices


@pytest.fixture
def platforms(monkeypatch):
    cpu = FakeDevice("a cpu", cl.device_type.CPU)
    gpu = FakeDevice("a gpu", cl.device_type.GPU)
    listed = [FakePlatform("p0", [cpu]), FakePlatform("p1", [gpu])]
    monkeypatch.setattr(dev.cl, "get_platforms", lambda: listed)
    monkeypatch.delenv("TINYGRAPH_DEVICE", raising=False)
    return cpu, gpu, listed


def test_default_prefers_a_gpu(platforms):
    cpu, gpu, listed = platforms
    assert dev.select_device() is gpu
    listed[1]._devices = []
    assert dev.select_device() is cpu


def test_explicit_choices(platforms, monkeypatch):
    cpu, gpu, _ = platforms
    assert dev.select_device("cpu") is cpu
    assert dev.select_device("gpu") is gpu
    assert dev.select_device("1:0") is gpu
    monkeypatch.setenv("TINYGRAPH_DEVICE", "0:0")
    assert dev.select_device() is cpu
    with pytest.raises(ValueError, match="'platform:device'"):
        dev.select_device("7:3")
    with pytest.raises(ValueError, match="bad OpenCL device 'tpu'"):
        dev.select_device("tpu")


def test_missing_gpu_names_the_devices_there_are(platforms):
    platforms[2][1]._devices = []
    with pytest.raises(dev.OpenCLUnavailableError, match="no OpenCL GPU device.*a cpu"):
        dev.select_device("gpu")


def test_no_platform_names_the_fix(monkeypatch):
    def broken():
        raise cl.LogicError("clGetPlatformIDs failed: PLATFORM_NOT_FOUND_KHR")
    monkeypatch.setattr(dev.cl, "get_platforms", broken)
    monkeypatch.delenv("TINYGRAPH_DEVICE", raising=False)
    with pytest.raises(dev.OpenCLUnavailableError) as e:
        dev.select_device()
    assert 'pip install "pyopencl[pocl]"' in str(e.value)
    assert "TINYGRAPH_DEVICE=numpy" in str(e.value)


def test_the_real_device_runs_a_kernel_and_caches_programs():
    ctx = dev.get_device_context("cpu")
    assert dev.get_device_context("cpu") is ctx
    source = "__kernel void twice(__global float* x) { x[get_global_id(0)] *= 2; }"
    program = ctx.program(source)
    assert ctx.program(source) is program
    x = np.arange(5, dtype=np.float32)
    buf = cl.Buffer(ctx.context, cl.mem_flags.READ_WRITE | cl.mem_flags.COPY_HOST_PTR, hostbuf=x)
    kernel = cl.Kernel(program, "twice")
    kernel.set_arg(0, buf)
    cl.enqueue_nd_range_kernel(ctx.queue, kernel, (5,), None)
    out = np.empty_like(x)
    cl.enqueue_copy(ctx.queue, out, buf, is_blocking=True)
    np.testing.assert_array_equal(out, 2 * x)


def test_kernel_cache_lives_in_the_tinygraph_cache_folder():
    if "POCL_CACHE_DIR" in os.environ and not os.environ["POCL_CACHE_DIR"].endswith("pocl"):
        pytest.skip("the user chose their own POCL_CACHE_DIR")
    assert os.environ["POCL_CACHE_DIR"] == str(dev.cache_dir() / "pocl")


def test_cli_lists_the_chosen_device():
    env = {**os.environ, "TINYGRAPH_DEVICE": "cpu"}
    out = subprocess.run([sys.executable, "-m", "tinygraph", "devices"], env=env,
                         capture_output=True, text=True, check=True).stdout
    chosen = [line for line in out.splitlines() if line.startswith("* 0:")]
    assert len(chosen) == 1 and "CPU" in chosen[0]
    assert "kernel cache:" in out
