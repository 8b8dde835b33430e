"""Random ops on the device (kernels/random.cl): the numbers framework.philox draws on
the host, for the same seeds and run. Each run, the op's Philox stream in the run's
context (RunContext.random_stream) reserves the block counter the kernel starts from;
the key and that counter reach the kernel as units.PerRun arguments, set before the run
is enqueued (no device round trip), and the advanced stream reaches the session only
when the run succeeds, as for a host-run op."""
import numpy as np

from ...compiler import codegen
from ...framework import philox
from .device import kernel_source
from .lowerings import rule
from .units import PerRun

_M64 = 2**64
_GRID = 64   # grids rounded up to a multiple of this (a prime size would mean tiny groups)


def source(dtype, kernel):
    """(source, kernel name) of kernels/random.cl for `dtype`: T and K(name) as in
    lowerings.library, plus RNG_WIDE (8-byte type) and RNG_INT (integer type)."""
    ctype = codegen.c_type(dtype)
    wide = int(np.dtype(dtype.as_numpy_dtype).itemsize == 8)
    text = (f"#define T {ctype}\n#define K(n) n##_{ctype}\n#define RNG_WIDE {wide}\n"
            f"#define RNG_INT {int(dtype.is_integer)}\n" + kernel_source("random") +
            "\n#undef T\n#undef K\n#undef RNG_WIDE\n#undef RNG_INT\n")
    return text, f"{kernel}_{ctype}"


def _stream_args(op, n):
    """start, seed, seed2: the block counter this run starts from (reserving n outputs'
    worth, which advances the run's copy of the stream) and the stream's key. Only the
    first argument reserves; the key does not change once the stream exists."""
    def start(ctx):
        return np.uint64(ctx.random_stream(op).reserve(n))

    def seed(ctx):
        return np.uint64(ctx.random_stream(op).seed % _M64)

    def seed2(ctx):
        return np.uint64(ctx.random_stream(op).seed2 % _M64)
    return [PerRun(start), PerRun(seed), PerRun(seed2)]


def _grid(items):
    return (-(-items // _GRID) * _GRID,)


_KERNELS = {"RandomUniform": "random_uniform", "RandomStandardNormal": "random_normal",
            "TruncatedNormal": "random_truncated_normal"}


@rule("RandomUniform", "RandomStandardNormal", "TruncatedNormal")
def _random(b, op):
    if op.outputs[0].dtype.name not in ("float32", "float64"):
        return False
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    n = out.size
    if n == 0:   # (the host path reserves nothing for no outputs either)
        return
    per_block = 2 if out.dtype.name == "float64" else 4
    text, name = source(out.dtype, _KERNELS[op.type])
    args = [out, np.int64(n)] + _stream_args(op, n)
    if op.type == "TruncatedNormal":
        # A group of per_block outputs owns this many blocks (room for rejections).
        args.append(np.int64(per_block * philox._RESERVED // 4))
    b.launch(text, name, args, _grid(-(-n // per_block)))


@rule("RandomUniformInt")
def _random_int(b, op):
    dtype = op.outputs[0].dtype
    if dtype.name not in ("int32", "int64") or any(t.dtype != dtype for t in op.inputs[1:]):
        return False
    lo_value, hi_value = b.host_value(op.inputs[1]), b.host_value(op.inputs[2])
    if lo_value is not None and hi_value is not None and \
            np.ravel(lo_value)[0] >= np.ravel(hi_value)[0]:
        return False   # the host path raises the reference's error at run time
    lo, hi = b.slot_of(op.inputs[1], op), b.slot_of(op.inputs[2], op)

    def message(detail, read):
        return f"Need minval < maxval: {int(np.ravel(read(lo))[0])} >= " \
               f"{int(np.ravel(read(hi))[0])}"
    flag = b.error_flag(op, message, keep=[lo, hi])
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    n = out.size
    per_block = 2 if dtype.name == "int64" else 4
    text, name = source(dtype, "random_uniform_int")
    # With no outputs one work-item still checks minval < maxval, as the reference does.
    b.launch(text, name, [out, lo, hi, flag, np.int64(n)] + _stream_args(op, n),
             _grid(max(-(-n // per_block), 1)))
