"""Slicing: tf.slice (Slice), tf.strided_slice (StridedSlice and its gradient
StridedSliceGrad) and Tensor.__getitem__, which turns a Python index into one
StridedSlice exactly as TF1 does (same masks, names and static shapes)."""
import sys

import numpy as np

from ..framework import dtypes
from ..framework.graph import make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.tensor_shape import Dimension, TensorShape
from . import shape_ops
from .array_ops import CheckedOp, as_int32, gen_op, shape_error, stack, static_ints
from .constant_ops import constant, constant_value

_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


# ---------------------------------------------------------------- Slice
class Slice(CheckedOp):
    type = "Slice"

    def infer(op):
        x, begin_t, size_t = op.inputs
        begin, size = static_ints(begin_t), static_ints(size_t)
        lengths = {len(v) for v in (begin, size) if v is not None}
        rank = x.shape.ndims
        if len(lengths) > 1 or rank is not None and lengths and lengths != {rank}:
            raise shape_error(op, f"Expected begin and size arguments to be 1-D tensors of "
                                  f"size {rank}")
        rank = rank if rank is not None else next(iter(lengths), None)
        if rank is None:
            return TensorShape(None), x.dtype
        dims = x.shape.as_tuple_or_none() or (None,) * rank
        begin, size = begin or [None] * rank, size or [None] * rank
        out = []
        for d, b, s in zip(dims, begin, size):
            if s is not None and s != -1:
                out.append(s)
            elif s == -1 and b is not None and d is not None:
                out.append(d - b)
            else:
                out.append(None)
        return TensorShape(out), x.dtype

    def numpy(x, begin, size):
        if len(begin) != x.ndim or len(size) != x.ndim:
            raise ValueError(f"Expected begin and size arguments to be 1-D tensors of size "
                             f"{x.ndim}, but got shapes [{len(begin)}] and [{len(size)}] "
                             f"instead.")
        index = []
        for i, (b, s, d) in enumerate(zip(begin, size, x.shape)):
            b, s = int(b), int(s)
            if not 0 <= b <= d:
                raise ValueError(f"Expected begin[{i}] in [0, {d}], but got {b}")
            s = d - b if s == -1 else s
            if not 0 <= s <= d - b:
                raise ValueError(f"Expected size[{i}] in [0, {d - b}], but got {s}")
            index.append(slice(b, b + s))
        return np.array(x[tuple(index)])

    def gradient(op, dy):
        # dy padded back to the input's shape: begin zeros before, the rest after.
        x, begin_t, _ = op.inputs
        begin, y = static_ints(begin_t), op.outputs[0]
        if begin is not None and None not in begin and x.shape.is_fully_defined() and \
                y.shape.is_fully_defined():
            after = np.array(x.shape.as_list()) - np.array(begin) - np.array(y.shape.as_list())
            paddings = constant(np.stack([begin, after], axis=1).astype(np.int32))
        else:
            begin_t = as_int32(begin_t)
            after = shape_ops.shape(x) - begin_t - shape_ops.shape(dy)
            paddings = stack([begin_t, after], axis=1)
        return [make_tensor("Pad", [dy, paddings], name="Pad"), None, None]


def slice_(input_, begin, size, name=None):
    return gen_op("Slice", [("input", input_, None), ("begin", begin, dtypes.int32),
                            ("size", size, dtypes.int32)], name=name).outputs[0]


# ---------------------------------------------------------------- StridedSlice
def _bit(mask, i):
    return mask >> i & 1


def _dense_spec(rank, n, attrs):
    """Lines the n sparse index entries up with the input's dims: a list of
    (kind, sparse index, input dim), kind one of 'full' (a dim an ellipsis, explicit or
    implicit at the end, keeps whole), 'new', 'shrink' or 'slice'."""
    ellipsis, new_axis = attrs["ellipsis_mask"], attrs["new_axis_mask"]
    if bin(ellipsis & ((1 << n) - 1)).count("1") > 1:
        raise ValueError("Multiple ellipses in slice spec not allowed")
    real = sum(1 for i in range(n) if not (_bit(ellipsis, i) or _bit(new_axis, i)))
    entries, dim, saw_ellipsis = [], 0, False
    for i in range(n):
        if _bit(ellipsis, i):
            saw_ellipsis = True
            for _ in range(max(rank - real, 0)):
                entries.append(("full", i, dim))
                dim += 1
        elif _bit(new_axis, i):
            entries.append(("new", i, None))
        else:
            if dim >= rank:
                raise ValueError(f"Index out of range using input dim {dim}; input has only "
                                 f"{rank} dims")
            entries.append(("shrink" if _bit(attrs["shrink_axis_mask"], i) else "slice", i,
                            dim))
            dim += 1
    if not saw_ellipsis:
        entries += [("full", None, d) for d in range(dim, rank)]
    return entries


def _shrunk_index(begin, size, dim):
    index = begin + size if begin < 0 else begin
    if not 0 <= index < size:
        raise ValueError(f"slice index {index} of dimension {dim} out of bounds.")
    return index


def _python_slice(i, begin, end, stride, attrs):
    return slice(None if _bit(attrs["begin_mask"], i) else begin,
                 None if _bit(attrs["end_mask"], i) else end, stride)


def _sliced_shape(dims, begin, end, strides, attrs):
    """The static result shape; entries of begin / end / strides may be None (unknown)."""
    for i, s in enumerate(strides):
        if s == 0:
            raise ValueError(f"strides[{i}] must be non-zero")
    out = []
    for kind, i, d in _dense_spec(len(dims), len(begin), attrs):
        if kind == "new":
            out.append(1)
        elif kind == "full":
            out.append(dims[d])
        elif kind == "shrink":
            if dims[d] is not None and begin[i] is not None:
                _shrunk_index(begin[i], dims[d], d)
        else:
            unknown = dims[d] is None or strides[i] is None or \
                begin[i] is None and not _bit(attrs["begin_mask"], i) or \
                end[i] is None and not _bit(attrs["end_mask"], i)
            bounds = _python_slice(i, begin[i], end[i], strides[i], attrs)
            out.append(None if unknown else len(range(*bounds.indices(dims[d]))))
    return TensorShape(out)


def _numpy_index(rank, begin, end, strides, attrs):
    """The numpy index that does what the StridedSlice does; ValueError as TF at run time."""
    begin, end, strides = ([int(v) for v in a] for a in (begin, end, strides))
    index = []
    for i, s in enumerate(strides):
        if s == 0:
            raise ValueError(f"strides[{i}] must be non-zero")
    for kind, i, d in _dense_spec(rank, len(begin), attrs):
        if kind == "full":
            index.append(slice(None))
        elif kind == "new":
            index.append(None)
        elif kind == "shrink":
            if strides[i] < 0:
                raise ValueError("only stride 1 allowed on non-range indexing.")
            index.append(begin[i])
        else:
            index.append(_python_slice(i, begin[i], end[i], strides[i], attrs))
    return tuple(index)


def _check_shrinks(shape, begin, attrs):
    for kind, i, d in _dense_spec(len(shape), len(begin), attrs):
        if kind == "shrink":
            _shrunk_index(int(begin[i]), shape[d], d)


class StridedSlice(CheckedOp):
    type = "StridedSlice"

    def infer(op):
        x, begin_t, end_t, strides_t = op.inputs
        dims = x.shape.as_tuple_or_none()
        specs = [static_ints(t) for t in (begin_t, end_t, strides_t)]
        n = next((len(s) for s in specs if s is not None), None)
        if dims is None or n is None:
            return TensorShape(None), x.dtype
        begin, end, strides = (s if s is not None else [None] * n for s in specs)
        try:
            return _sliced_shape(dims, begin, end, strides, op.attrs), x.dtype
        except ValueError as e:
            raise shape_error(op, str(e)) from None

    def numpy(x, begin, end, strides, **attrs):
        _check_shrinks(x.shape, begin, attrs)
        return np.array(x[_numpy_index(x.ndim, begin, end, strides, attrs)])

    def gradient(op, dy):
        x, begin, end, strides = op.inputs
        grad = make_tensor("StridedSliceGrad",
                           [shape_ops.shape_as_tensor(x), begin, end, strides, dy],
                           dict(op.attrs), name="StridedSliceGrad")
        return [grad, None, None, None]


class StridedSliceGrad(CheckedOp):
    """dy scattered into zeros of the sliced input's shape."""
    type = "StridedSliceGrad"

    def infer(op):
        from .constant_ops import constant_shape
        return constant_shape(op.inputs[0]), op.inputs[4].dtype

    def numpy(shape, begin, end, strides, dy, **attrs):
        shape = [int(d) for d in shape]
        _check_shrinks(shape, begin, attrs)
        out = np.zeros(shape, dtype=dy.dtype)
        out[_numpy_index(len(shape), begin, end, strides, attrs)] = dy
        return out

    def gradient(op, ddy):
        shape, begin, end, strides, _ = op.inputs
        return [None, None, None, None,
                make_tensor("StridedSlice", [ddy, begin, end, strides], dict(op.attrs),
                            name="StridedSlice")]


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    if strides is None:   # TF: ones_like(begin), a constant when begin is one
        value = constant_value(begin) if isinstance(begin, Tensor) else np.asarray(begin)
        if value is not None:
            strides = constant(np.ones_like(np.asarray(value, dtype=np.int32)), name="ones_like")
        else:
            strides = shape_ops.ones_like(begin)
    attrs = dict(zip(_MASKS, (int(begin_mask), int(end_mask), int(ellipsis_mask),
                              int(new_axis_mask), int(shrink_axis_mask))))
    return gen_op("StridedSlice", [("input", input_, None), ("begin", begin, dtypes.int32),
                                   ("end", end, dtypes.int32),
                                   ("strides", strides, dtypes.int32)],
                  attrs, name=name).outputs[0]


# ---------------------------------------------------------------- Tensor.__getitem__
_INDEX_ERROR = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                "tf.int32/tf.int64 tensors are valid indices")


def _check_index(value):
    if isinstance(value, (int, np.integer, Dimension)):
        return
    dtype = getattr(value, "dtype", None)
    try:
        dtype = None if dtype is None else dtypes.as_dtype(dtype)
    except TypeError:
        dtype = None
    shape = getattr(value, "shape", None)
    rank = shape.ndims if isinstance(shape, TensorShape) else np.ndim(value)
    if dtype not in (dtypes.int32, dtypes.int64) or rank not in (None, 0):
        raise TypeError(f"{_INDEX_ERROR}, got {value!r}")


def _given(bound):
    """Python's a[:] may spell an open bound as sys.maxsize; TF treats that as open."""
    return bound is not None and (isinstance(bound, Tensor) or bound != sys.maxsize)


def _plain(value):
    return int(value) if isinstance(value, (Dimension, np.integer)) else value


def _pack(values, dtype):
    """One index vector: a Const named 'stack' when all static, else a Pack."""
    if not any(isinstance(v, Tensor) for v in values):
        return constant(np.array(values, dtype=dtype.as_numpy_dtype), name="stack")
    from .elementwise import cast
    with name_scope(None, "stack") as scope:
        items = [cast(v, dtype) if isinstance(v, Tensor) else
                 constant(int(v), dtype=dtype, name=str(i)) for i, v in enumerate(values)]
        return make_tensor("Pack", items, {"axis": 0}, name=scope)


def getitem(tensor, key):
    """tensor[key] as one StridedSlice named 'strided_slice', as TF1's _slice_helper."""
    if not isinstance(key, (tuple, list)):
        key = [key]
    begin, end, strides = [], [], []
    masks = dict.fromkeys(_MASKS, 0)
    for index, item in enumerate(key):
        bit = 1 << index
        if isinstance(item, slice):
            for bound, out, mask in ((item.start, begin, "begin_mask"),
                                     (item.stop, end, "end_mask")):
                if _given(bound):
                    _check_index(bound)
                    out.append(_plain(bound))
                else:
                    out.append(0)
                    masks[mask] |= bit
            if item.step is not None:
                _check_index(item.step)
            strides.append(1 if item.step is None else _plain(item.step))
        elif item is Ellipsis or item is None:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["ellipsis_mask" if item is Ellipsis else "new_axis_mask"] |= bit
        else:
            _check_index(item)
            item = _plain(item)
            begin.append(item)
            end.append(item + 1)   # a tensor index makes an 'add' op here, as in TF
            strides.append(1)
            masks["shrink_axis_mask"] |= bit
    with name_scope(None, "strided_slice", [tensor]) as scope:
        tensor = convert_to_tensor(tensor)
        values = begin + end + strides
        wide = any(isinstance(v, Tensor) and v.dtype == dtypes.int64 or
                   not isinstance(v, Tensor) and not -2**31 <= v < 2**31 for v in values)
        dtype = dtypes.int64 if wide else dtypes.int32
        if begin:
            packed = [_pack(v, dtype) for v in (begin, end, strides)]
        else:
            packed = [constant(np.zeros(0, np.int32))] * 3
        return make_tensor("StridedSlice", [tensor] + packed, masks, name=scope)
