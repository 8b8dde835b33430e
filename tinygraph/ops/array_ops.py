"""Ops that move data: stack / unstack, concat, split, slicing, gather, transpose, tile,
pad, one_hot, expand_dims / squeeze, range."""
import numpy as np

from ..framework import dtypes
from ..framework.graph import make_op, make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape
from .constant_ops import constant, constant_value


class Pack(OpDef):
    type = "Pack"

    def infer(op):
        axis = op.attrs["axis"]
        shape, dtype = op.inputs[0].shape, op.inputs[0].dtype
        for t in op.inputs[1:]:
            if t.dtype != dtype:
                raise TypeError(f"Pack '{op.name}': all values must be {dtype.name}, got "
                                f"{t.dtype.name}")
            if not shape.is_compatible_with(t.shape):
                raise ValueError(f"Shapes must be equal rank, but are {shape} and {t.shape} "
                                 f"for '{op.name}' (op: 'Pack')")
            shape = shape.merge_with(t.shape)
        if shape.ndims is None:
            return TensorShape(None), dtype
        dims = shape.as_list()
        axis = axis + len(dims) + 1 if axis < 0 else axis
        return TensorShape(dims[:axis] + [len(op.inputs)] + dims[axis:]), dtype

    def numpy(*values, axis):
        return np.stack(values, axis=axis)

    def gradient(op, dy):
        return unstack(dy, num=len(op.inputs), axis=op.attrs["axis"])


def stack(values, axis=0, name="stack"):
    values = [convert_to_tensor(v) for v in values]
    rank = values[0].shape.ndims
    if rank is not None and not -rank - 1 <= axis <= rank:
        raise ValueError(f"axis = {axis} not in [{-rank - 1}, {rank + 1})")
    return make_tensor("Pack", values, {"axis": axis}, name=name)


def stack_if_needed(values, name):
    """A list of ints and scalar tensors as one int32 vector (a Const when all static)."""
    if isinstance(values, Tensor):
        return values
    if all(not isinstance(v, Tensor) for v in values):
        return constant(np.array([int(v) if v is not None else -1 for v in values],
                                 dtype=np.int32).reshape(-1), name=name)
    return stack([convert_to_tensor(v, dtype=dtypes.int32) for v in values], name=name)


class Unpack(OpDef):
    type = "Unpack"

    def infer(op):
        x = op.inputs[0]
        num, axis = op.attrs["num"], op.attrs["axis"]
        if x.shape.ndims is None:
            return [(TensorShape(None), x.dtype)] * num
        dims = x.shape.as_list()
        axis %= len(dims)
        return [(TensorShape(dims[:axis] + dims[axis + 1:]), x.dtype)] * num

    def numpy(x, num, axis):
        if x.shape[axis] != num:
            raise ValueError(f"Input shape axis {axis} must equal {num}, got shape "
                             f"{list(x.shape)}")
        return tuple(np.take(x, i, axis=axis) for i in range(num))

    def gradient(op, *dys):
        from .shape_ops import zeros_like
        dys = [d if d is not None else zeros_like(t) for d, t in zip(dys, op.outputs)]
        return [stack(dys, axis=op.attrs["axis"])]


def unstack(value, num=None, axis=0, name="unstack"):
    value = convert_to_tensor(value)
    if num is None:
        if value.shape.ndims is None or value.shape[axis].value is None:
            raise ValueError(f"Cannot infer num from shape {value.shape}")
        num = value.shape[axis].value
    return make_op("Unpack", [value], {"num": num, "axis": axis}, name=name).outputs


class Range(OpDef):
    type = "Range"
    not_differentiable = True

    def infer(op):
        values = [constant_value(t) for t in op.inputs]
        if any(v is None for v in values):
            return TensorShape([None]), op.inputs[0].dtype
        start, limit, delta = (v.item() for v in values)
        return TensorShape([len(range(0, int(np.ceil((limit - start) / delta))))]), \
            op.inputs[0].dtype

    def numpy(start, limit, delta):
        return np.arange(start, limit, delta, dtype=start.dtype)


def range_(start, limit=None, delta=1, dtype=None, name="range"):
    if limit is None:
        start, limit = 0, start
    with name_scope(name, "Range", [start, limit, delta]) as scope:
        start = convert_to_tensor(start, dtype=dtype, name="start")
        limit = convert_to_tensor(limit, dtype=start.dtype, name="limit")
        delta = convert_to_tensor(delta, dtype=start.dtype, name="delta")
        return make_tensor("Range", [start, limit, delta], name=scope)
