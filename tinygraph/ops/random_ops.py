"""Random ops. Each is seeded by TF1's rules (framework.random_seed) and draws from a
Philox stream that the session keeps per op, so each run gives new numbers, reproducibly,
and the same numbers TF 1.15 gives for the same seeds (framework.philox)."""
import numpy as np

from ..framework import dtypes, philox
from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.random_seed import get_seed
from ..framework.registry import OpDef
from .constant_ops import constant_shape


class RandomOp(OpDef):
    stateful = True
    not_differentiable = True

    def infer(op):
        return constant_shape(op.inputs[0]), op.attrs["dtype"]

    @classmethod
    def compute(cls, op, inputs, ctx):
        shape = tuple(int(d) for d in inputs[0])
        dtype = op.attrs["dtype"].as_numpy_dtype
        out = cls.draw(ctx.random_stream(op), int(np.prod(shape)), dtype)
        return [out.reshape(shape)]


class RandomStandardNormal(RandomOp):
    type = "RandomStandardNormal"
    draw = staticmethod(philox.normal)


class RandomUniform(RandomOp):
    type = "RandomUniform"
    draw = staticmethod(philox.uniform)


class TruncatedNormal(RandomOp):
    type = "TruncatedNormal"
    draw = staticmethod(philox.truncated_normal)


def shape_tensor(shape):
    """A shape given as a list, TensorShape or tensor, as an int32 tensor named 'shape'."""
    if isinstance(shape, Tensor):
        return shape
    from .array_ops import stack_if_needed
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    return stack_if_needed(list(shape), name="shape")


def _random(op_type, default_name, shape, a, b, a_name, b_name, dtype, seed, name):
    dtype = dtypes.as_dtype(dtype)
    with name_scope(name, default_name, [shape, a, b]) as scope:
        shape = shape_tensor(shape)
        a = convert_to_tensor(a, dtype=dtype, name=a_name)
        b = convert_to_tensor(b, dtype=dtype, name=b_name)
        seed1, seed2 = get_seed(seed)
        rnd = make_tensor(op_type, [shape], {"dtype": dtype, "seed": seed1 or 0,
                                             "seed2": seed2 or 0})
        return rnd, a, b, scope


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    rnd, mean, stddev, scope = _random("RandomStandardNormal", "random_normal", shape, mean,
                                       stddev, "mean", "stddev", dtype, seed, name)
    from .elementwise import add
    with name_scope(scope):
        return add(rnd * stddev, mean, name=scope)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    rnd, mean, stddev, scope = _random("TruncatedNormal", "truncated_normal", shape, mean,
                                       stddev, "mean", "stddev", dtype, seed, name)
    from .elementwise import add
    with name_scope(scope):
        return add(rnd * stddev, mean, name=scope)


class RandomUniformInt(RandomOp):
    """Integers uniform in [minval, maxval): inputs shape, minval, maxval."""
    type = "RandomUniformInt"

    @classmethod
    def compute(cls, op, inputs, ctx):
        shape = tuple(int(d) for d in inputs[0])
        lo, hi = int(inputs[1]), int(inputs[2])
        if lo >= hi:
            raise InvalidArgumentError(None, op, f"Need minval < maxval: {lo} >= {hi}")
        out = philox.uniform_int(ctx.random_stream(op), int(np.prod(shape)), lo, hi,
                                 op.attrs["dtype"].as_numpy_dtype)
        return [out.reshape(shape)]


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_integer:
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        with name_scope(name, "random_uniform", [shape, minval, maxval]) as scope:
            shape = shape_tensor(shape)
            lo = convert_to_tensor(minval, dtype=dtype, name="min")
            hi = convert_to_tensor(maxval, dtype=dtype, name="max")
            seed1, seed2 = get_seed(seed)
            return make_tensor("RandomUniformInt", [shape, lo, hi], {
                "dtype": dtype, "seed": seed1 or 0, "seed2": seed2 or 0}, name=scope)
    maxval = 1 if maxval is None else maxval
    rnd, lo, hi, scope = _random("RandomUniform", "random_uniform", shape, minval, maxval,
                                 "min", "max", dtype, seed, name)
    from .elementwise import add
    with name_scope(scope):
        return add(rnd * (hi - lo), lo, name=scope)
