"""Ops that pick or scatter by index: gather, unsorted_segment_sum (gather's gradient,
a dense scatter-add) and one_hot."""
import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.tensor_shape import TensorShape
from . import shape_ops
from .array_ops import CheckedOp, dims_text, gen_op, shape_error, static_int, transpose
from .constant_ops import constant


def _first_bad(mask, values):
    """'[i,j] = v' for the first True of mask: the index TF's messages name."""
    pos = tuple(int(p) for p in np.argwhere(mask)[0])
    return f"[{','.join(map(str, pos))}] = {values[pos]}"


class GatherV2(CheckedOp):
    type = "GatherV2"

    def infer(op):
        params, indices, axis_t = op.inputs
        axis, p, i = static_int(axis_t), params.shape.as_tuple_or_none(), \
            indices.shape.as_tuple_or_none()
        if axis is not None and p is not None and not -len(p) <= axis < len(p):
            raise shape_error(op, f"Shape must be at least rank "
                                  f"{axis + 1 if axis >= 0 else -axis} but is rank {len(p)}")
        if p is None or i is None:
            return TensorShape(None), params.dtype
        if axis is None:
            return TensorShape([None] * (len(p) + len(i) - 1)), params.dtype
        axis %= len(p)
        return TensorShape(p[:axis] + i + p[axis + 1:]), params.dtype

    def numpy(params, indices, axis, batch_dims=0):
        axis = int(axis)
        if not -params.ndim <= axis < params.ndim:
            raise ValueError(f"Expected axis in the range [{-params.ndim}, {params.ndim}), "
                             f"but got {axis}")
        n = params.shape[axis]
        bad = (indices < 0) | (indices >= n)
        if bad.any():
            raise ValueError(f"indices{_first_bad(bad, indices)} is not in [0, {n})")
        return np.take(params, indices, axis=axis)

    def gradient(op, dy):
        params, indices, axis_t = op.inputs
        axis, p_rank, i_rank = static_int(axis_t), params.shape.ndims, indices.shape.ndims
        p_shape = shape_ops.shape_as_tensor(params)
        ids = shape_ops.reshape(indices, [-1])
        if axis is not None and p_rank is not None:
            axis %= p_rank
        if axis == 0:
            inner = params.shape[1:]
            if inner.is_fully_defined():
                values_shape = constant(np.array([-1] + inner.as_list(), dtype=np.int32))
            else:
                from .array_ops import concat
                values_shape = concat([constant([-1]), p_shape[1:]], 0)
            count = params.shape[0].value
            count = constant(count) if count is not None else p_shape[0]
            values = shape_ops.reshape(dy, values_shape)
            return [unsorted_segment_sum(values, ids, count), None, None]
        if axis is None or p_rank is None or i_rank is None:
            raise NotImplementedError(f"the gradient of {op.name} needs a static axis and "
                                      "static ranks when the axis is not 0")
        # Move the gathered axis to the front, scatter-add there, and move it back.
        rest = [k for k in range(p_rank) if k != axis]
        front = list(range(axis, axis + i_rank)) + list(range(axis)) + \
            list(range(axis + i_rank, p_rank - 1 + i_rank))
        moved = transpose(dy, front)
        rest_dims = [params.shape[k].value for k in rest]
        if None not in rest_dims:
            values_shape = constant(np.array([-1] + rest_dims, dtype=np.int32))
        else:
            from .array_ops import concat
            values_shape = concat([constant([-1]), gather(p_shape, rest)], 0)
        count = params.shape[axis].value
        count = constant(count) if count is not None else gather(p_shape, axis)
        summed = unsorted_segment_sum(shape_ops.reshape(moved, values_shape), ids, count)
        back = list(range(1, axis + 1)) + [0] + list(range(axis + 1, p_rank))
        return [transpose(summed, back), None, None]


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    if batch_dims != 0:
        raise NotImplementedError("tf.gather: batch_dims other than 0 is not supported")
    return gen_op("GatherV2", [("params", params, None), ("indices", indices, None),
                               ("axis", 0 if axis is None else axis, dtypes.int32)],
                  {"batch_dims": 0}, name=name).outputs[0]


class UnsortedSegmentSum(CheckedOp):
    type = "UnsortedSegmentSum"

    def infer(op):
        data, ids, num_t = op.inputs
        d, s = data.shape.as_tuple_or_none(), ids.shape.as_tuple_or_none()
        if d is None or s is None:
            return TensorShape(None), data.dtype
        if len(s) > len(d) or not TensorShape(d[:len(s)]).is_compatible_with(s):
            raise shape_error(op, f"data.shape = {dims_text(d)} does not start with "
                                  f"segment_ids.shape = {dims_text(s)}")
        return TensorShape([static_int(num_t)] + list(d[len(s):])), data.dtype

    def numpy(data, segment_ids, num_segments):
        num = int(num_segments)
        bad = segment_ids >= num
        if bad.any():
            raise ValueError(f"segment_ids{_first_bad(bad, segment_ids)} is out of range "
                             f"[0, {num})")
        out = np.zeros((num,) + data.shape[segment_ids.ndim:], dtype=data.dtype)
        keep = segment_ids >= 0   # TF drops negative ids
        np.add.at(out, segment_ids[keep], data[keep])
        return out

    def gradient(op, dy):
        from .elementwise import cast, greater_equal, maximum
        from .layout_ops import expand_dims
        data, ids, _ = op.inputs
        grad = gather(dy, maximum(ids, 0))
        if data.shape.ndims is not None and ids.shape.ndims is not None:
            kept = cast(greater_equal(ids, 0), dy.dtype)   # negative ids got nothing
            for _ in range(data.shape.ndims - ids.shape.ndims):
                kept = expand_dims(kept, -1)
            grad = grad * kept
        return [grad, None, None]


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    return gen_op("UnsortedSegmentSum", [("data", data, None), ("segment_ids", segment_ids, None),
                                         ("num_segments", num_segments, dtypes.int32)],
                  name=name).outputs[0]


class OneHot(CheckedOp):
    type = "OneHot"
    not_differentiable = True   # TF's gradient is None for every input

    def infer(op):
        indices, depth_t, on, off = op.inputs
        axis = op.attrs["axis"]
        for t in (on, off):
            if t.shape.ndims not in (None, 0):
                raise shape_error(op, f"Shape must be rank 0 but is rank {t.shape.ndims}")
        if on.dtype != off.dtype:
            raise TypeError(f"OneHot '{op.name}': on_value is {on.dtype.name} but off_value "
                            f"is {off.dtype.name}")
        dims = indices.shape.as_tuple_or_none()
        if axis < -1:
            raise shape_error(op, f"axis must be >= -1, but is {axis}")
        if dims is None:
            return TensorShape(None), on.dtype
        if axis > len(dims):   # TF lets the kernel reject it at run time
            return TensorShape([None] * (len(dims) + 1)), on.dtype
        dims = list(dims)
        dims.insert(len(dims) if axis == -1 else axis, static_int(depth_t))
        return TensorShape(dims), on.dtype

    def numpy(indices, depth, on_value, off_value, axis):
        depth = int(depth)
        if not -1 <= axis <= indices.ndim:
            raise ValueError(f"Expected axis to be -1 or between [0, {indices.ndim + 1}). "
                             f"But received: {axis}")
        if depth < 0:
            raise ValueError(f"depth must be non-negative, got: {depth}")
        hot = np.asarray(indices)[..., None] == np.arange(depth)
        out = np.where(hot, on_value, off_value).astype(on_value.dtype)
        return out if axis == -1 else np.moveaxis(out, -1, axis)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    with name_scope(name, "one_hot", [indices, depth, on_value, off_value]) as scope:
        dtype = None if dtype is None else dtypes.as_dtype(dtype)
        on = None if on_value is None else convert_to_tensor(on_value, dtype=dtype,
                                                             name="on_value")
        off = None if off_value is None else convert_to_tensor(off_value, dtype=dtype,
                                                               name="off_value")
        if on is not None and off is not None and on.dtype != off.dtype:
            raise TypeError(f"dtype <dtype: '{on.dtype.name}'> of on_value does not match "
                            f"dtype <dtype: '{off.dtype.name}'> of off_value")
        dtype = dtype or (on.dtype if on is not None else off.dtype if off is not None
                          else dtypes.float32)
        on = on if on is not None else constant(1, dtype=dtype, name="on_value")
        off = off if off is not None else constant(0, dtype=dtype, name="off_value")
        if not isinstance(indices, Tensor):
            indices = convert_to_tensor(indices, name="indices")
        return gen_op("OneHot", [("indices", indices, None), ("depth", depth, dtypes.int32),
                                 ("on_value", on, None), ("off_value", off, None)],
                      {"axis": -1 if axis is None else int(axis)}, name=scope).outputs[0]
