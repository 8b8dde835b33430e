"""Ops on shapes: shape, size, rank, reshape, broadcast_to, fill, zeros and ones, and the
two shape-driven reductions that gradients of broadcasting need."""
import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape, as_shape
from .constant_ops import constant, constant_shape, constant_value


class Shape(OpDef):
    type = "Shape"
    not_differentiable = True

    def infer(op):
        return TensorShape([op.inputs[0].shape.ndims]), op.attrs["out_type"]

    def numpy(x, out_type):
        return np.array(x.shape, dtype=out_type.as_numpy_dtype)


class Size(OpDef):
    type = "Size"
    not_differentiable = True

    def infer(op):
        return TensorShape([]), op.attrs["out_type"]

    def numpy(x, out_type):
        return np.array(x.size, dtype=out_type.as_numpy_dtype)


class Rank(OpDef):
    type = "Rank"
    not_differentiable = True

    def infer(op):
        return TensorShape([]), dtypes.int32

    def numpy(x):
        return np.array(x.ndim, dtype=np.int32)


def shape(input, name=None, out_type=dtypes.int32):
    input = convert_to_tensor(input)
    return make_tensor("Shape", [input], {"out_type": dtypes.as_dtype(out_type)},
                       name=name or "Shape")


def shape_as_tensor(x):
    """x's shape as a tensor: a constant when static (so it folds), else a Shape op."""
    if x.shape.is_fully_defined():
        return constant(np.array(x.shape.as_list(), dtype=np.int32))
    return shape(x)


def size(input, name=None, out_type=dtypes.int32):
    input = convert_to_tensor(input)
    return make_tensor("Size", [input], {"out_type": dtypes.as_dtype(out_type)},
                       name=name or "Size")


def rank(input, name=None):
    """tf.rank: a Const when the rank is static (as TF makes it), else a Rank op."""
    with name_scope(name, "Rank", [input]) as scope:
        input = convert_to_tensor(input)
        if input.shape.ndims is not None:
            return constant(input.shape.ndims, dtypes.int32, name=scope)
        return make_tensor("Rank", [input], name=scope)


class Reshape(OpDef):
    type = "Reshape"

    def infer(op):
        x, target = op.inputs
        if target.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"Reshape '{op.name}': shape must be int32 or int64, "
                            f"got {target.dtype.name}")
        value = constant_value(target)
        if value is None:
            return constant_shape(target), x.dtype
        dims = [int(d) for d in np.asarray(value).ravel()]
        if dims.count(-1) > 1:
            raise ValueError(f"Reshape '{op.name}': can only infer one unknown dimension, "
                             f"got shape {dims}")
        n = x.shape.num_elements()
        known = int(np.prod([d for d in dims if d != -1]))
        if -1 in dims:
            if n is not None:
                if (known == 0 and n != 0) or (known and n % known):
                    raise ValueError(_reshape_message(op, x, dims, n))
                dims[dims.index(-1)] = n // known if known else 0
            else:
                dims[dims.index(-1)] = None
        elif n is not None and n != known:
            raise ValueError(_reshape_message(op, x, dims, n))
        return TensorShape(dims), x.dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        x, target = inputs
        dims = [int(d) for d in np.asarray(target).ravel()]
        known = int(np.prod([d for d in dims if d != -1]))
        if -1 in dims and (known == 0 or x.size % known):
            raise InvalidArgumentError(None, op, f"Input to reshape is a tensor with {x.size} "
                                                 f"values, but the requested shape requires a "
                                                 f"multiple of {known}")
        if -1 not in dims and x.size != known:
            raise InvalidArgumentError(None, op, f"Input to reshape is a tensor with {x.size} "
                                                 f"values, but the requested shape has {known}")
        return [np.reshape(x, dims)]

    def gradient(op, dy):
        return [reshape(dy, shape_as_tensor(op.inputs[0])), None]


def _reshape_message(op, x, dims, n):
    return (f"Cannot reshape a tensor with {n} elements to shape {dims} "
            f"({int(np.prod([d for d in dims if d != -1]))} elements) for '{op.name}' "
            f"(op: 'Reshape') with input shapes: {x.shape.as_list()}, [{len(dims)}].")


def reshape(tensor, shape, name=None):
    tensor = convert_to_tensor(tensor)
    with name_scope(name, "Reshape", [tensor]) as scope:   # TF: "Reshape_1/shape"
        if not isinstance(shape, Tensor):
            from .array_ops import stack_if_needed   # lists may hold tensors
            shape = stack_if_needed(shape, name="shape")
        return make_tensor("Reshape", [tensor, shape], name=scope)


class BroadcastTo(OpDef):
    type = "BroadcastTo"
    # On OpenCL, an elementwise op like any other: the fused kernel reads x broadcast to
    # the output's shape, so a consumer such as mean's gradient times a big tensor never
    # writes the broadcast value out.
    expr = "{0}"

    def infer(op):
        x, target = op.inputs
        from .elementwise import broadcast_shape
        out = constant_shape(target)
        broadcast_shape(x.shape, out, op)
        return out, x.dtype

    def numpy(x, target):
        return np.broadcast_to(x, [int(d) for d in target]).copy()

    def gradient(op, dy):
        x = op.inputs[0]
        return [sum_to_shape(dy, shape_as_tensor(x)), None]


def broadcast_to(input, shape, name=None):
    input = convert_to_tensor(input)
    with name_scope(name, "BroadcastTo", [input]) as scope:
        shape = convert_to_tensor(shape, dtypes.int32, name="shape")
        return make_tensor("BroadcastTo", [input, shape], name=scope)


class SumToShape(OpDef):
    """Sums a broadcast result back down to `shape`: the gradient of broadcasting.
    (TF builds this from BroadcastGradientArgs + Sum + Reshape; one op fuses better.)"""
    type = "SumToShape"

    def infer(op):
        return constant_shape(op.inputs[1]), op.inputs[0].dtype

    def numpy(x, target):
        target = tuple(int(d) for d in target)
        lead = x.ndim - len(target)
        axes = tuple(range(lead)) + tuple(
            i + lead for i, d in enumerate(target) if d == 1 and x.shape[i + lead] != 1)
        return np.sum(x, axis=axes).reshape(target) if axes else x.reshape(target)

    def gradient(op, dy):
        return [broadcast_to(dy, shape_as_tensor(op.inputs[0])), None]


def sum_to_shape(x, target):
    return make_tensor("SumToShape", [x, target], name="SumToShape")


class ReducedShape(OpDef):
    """The shape of a reduction with keepdims: `input_shape` with `axes` set to 1."""
    type = "ReducedShape"
    not_differentiable = True

    def infer(op):
        return op.inputs[0].shape, dtypes.int32

    def numpy(input_shape, axes):
        out = np.array(input_shape, dtype=np.int32)
        out[np.asarray(axes, dtype=np.int64) % max(len(out), 1)] = 1
        return out


class Fill(OpDef):
    type = "Fill"

    def infer(op):
        dims, value = op.inputs
        if value.shape.ndims not in (None, 0):
            raise ValueError(f"Fill '{op.name}': value must be a scalar, got shape "
                             f"{value.shape}")
        return constant_shape(dims), value.dtype

    def numpy(dims, value):
        return np.full([int(d) for d in dims], value, dtype=value.dtype)

    def gradient(op, dy):
        from .reductions import reduce_sum
        return [None, reduce_sum(dy)]


def fill(dims, value, name=None):
    with name_scope(name, "Fill") as scope:
        if not isinstance(dims, Tensor):
            from .array_ops import stack_if_needed
            dims = stack_if_needed(dims, name="dims")
        return make_tensor("Fill", [dims, convert_to_tensor(value, name="value")], name=scope)


def _filled(shape, dtype, value, name, default_name):
    dtype = dtypes.as_dtype(dtype)
    with name_scope(name, default_name) as scope:
        if isinstance(shape, Tensor) or any(isinstance(d, Tensor) for d in _listify(shape)):
            from .array_ops import stack_if_needed
            dims = shape if isinstance(shape, Tensor) else stack_if_needed(shape, name="shape")
            return fill(dims, constant(value, dtype=dtype), name=scope)
        dims = as_shape(shape).as_list()
        if np.prod(dims) < 1000:   # TF makes small ones a Const, large ones a Fill
            return constant(np.full(dims, value, dtype=dtype.as_numpy_dtype), dtype=dtype,
                            name=scope)
        dims = constant(np.array(dims, np.int32), name="shape_as_tensor")
        return fill(dims, constant(value, dtype=dtype), name=scope)


def _listify(shape):
    return shape if isinstance(shape, (list, tuple)) else []


def zeros(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, dtype, 0, name, "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, dtype, 1, name, "ones")


class ZerosLike(OpDef):
    type = "ZerosLike"
    not_differentiable = True

    def infer(op):
        return op.inputs[0].shape, op.inputs[0].dtype

    def numpy(x):
        return np.zeros_like(x)


class OnesLike(OpDef):
    type = "OnesLike"
    not_differentiable = True

    def infer(op):
        return op.inputs[0].shape, op.inputs[0].dtype

    def numpy(x):
        return np.ones_like(x)


def zeros_like(tensor, dtype=None, name=None):
    tensor = convert_to_tensor(tensor)
    out = make_tensor("ZerosLike", [tensor], name=name or "zeros_like")
    if dtype is not None and dtypes.as_dtype(dtype) != tensor.dtype:
        from .elementwise import cast
        out = cast(out, dtype)
    return out


def ones_like(tensor, dtype=None, name=None):
    tensor = convert_to_tensor(tensor)
    out = make_tensor("OnesLike", [tensor], name=name or "ones_like")
    if dtype is not None and dtypes.as_dtype(dtype) != tensor.dtype:
        from .elementwise import cast
        out = cast(out, dtype)
    return out
