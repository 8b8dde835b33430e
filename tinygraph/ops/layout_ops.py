"""Ops that repeat, extend or re-lay a tensor's elements: tile, pad (constant and
mirrored), reverse, expand_dims and squeeze; and sequence_mask, made of other ops."""
import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape, unknown_shape
from . import shape_ops
from .array_ops import (CheckedOp, as_int32, gen_op, range_, shape_error, stack, static_int,
                        static_ints, transpose)
from .constant_ops import constant, constant_value
from .elementwise import cast, less, maximum
from .reductions import reduce_max, reduce_sum


# ---------------------------------------------------------------- tile
class Tile(CheckedOp):
    type = "Tile"

    def infer(op):
        x, multiples_t = op.inputs
        multiples = static_ints(multiples_t)
        dims = x.shape.as_tuple_or_none()
        if dims is None:
            return unknown_shape(None if multiples is None else len(multiples)), x.dtype
        if multiples is None:
            return unknown_shape(len(dims)), x.dtype
        if len(multiples) != len(dims):
            raise shape_error(op, f"Shape must be rank {len(dims)} but is rank "
                                  f"{len(multiples)}")
        return TensorShape([None if d is None or m is None else d * m
                            for d, m in zip(dims, multiples)]), x.dtype

    def numpy(x, multiples):
        multiples = [int(m) for m in multiples]
        if len(multiples) != x.ndim:
            raise ValueError(f"Expected multiples argument to be a vector of length {x.ndim} "
                             f"but got length {len(multiples)}")
        for i, m in enumerate(multiples):
            if m < 0:
                raise ValueError(f"Expected multiples[{i}] >= 0, but got {m}")
        return np.tile(x, multiples) if x.ndim else x.copy()

    def gradient(op, dy):
        # dy viewed as [m0, d0, m1, d1, ...] summed over the m axes.
        x, multiples_t = op.inputs
        multiples = static_ints(multiples_t)
        dims = x.shape.as_tuple_or_none()
        if multiples is not None and None not in multiples and x.shape.is_fully_defined():
            split = constant(np.array([v for pair in zip(multiples, dims) for v in pair],
                                      dtype=np.int32))
            axes = constant(np.arange(0, 2 * len(dims), 2, dtype=np.int32))
        else:
            from .array_ops import range_
            pairs = stack([as_int32(multiples_t), shape_ops.shape(x)])
            split = shape_ops.reshape(transpose(pairs, [1, 0]), [-1])
            axes = range_(0, shape_ops.size(split), 2)
        return [reduce_sum(shape_ops.reshape(dy, split), axes), None]


def tile(input, multiples, name=None):
    return gen_op("Tile", [("input", input, None), ("multiples", multiples, dtypes.int32)],
                  name=name).outputs[0]


# ---------------------------------------------------------------- expand_dims, squeeze
class ExpandDims(OpDef):
    type = "ExpandDims"

    def infer(op):
        x, dim_t = op.inputs
        rank, dim = x.shape.ndims, static_int(dim_t)
        if rank is None:
            return TensorShape(None), x.dtype
        if dim is None:
            return unknown_shape(rank + 1), x.dtype
        if not -rank - 1 <= dim <= rank:
            raise shape_error(op, f"dim {dim} not in the interval [{-rank - 1}, {rank}].")
        dim %= rank + 1
        dims = x.shape.as_list()
        return TensorShape(dims[:dim] + [1] + dims[dim:]), x.dtype

    def numpy(x, dim):
        return np.expand_dims(x, int(np.asarray(dim).ravel()[0]))

    def gradient(op, dy):
        return [shape_ops.reshape(dy, shape_ops.shape_as_tensor(op.inputs[0])), None]


def expand_dims(input, axis=None, name=None, dim=None):
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'")
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    return gen_op("ExpandDims", [("input", input, None), ("dim", axis, dtypes.int32)],
                  name=name).outputs[0]


class Squeeze(CheckedOp):
    type = "Squeeze"

    def infer(op):
        x = op.inputs[0]
        axes = op.attrs["squeeze_dims"]
        dims = x.shape.as_tuple_or_none()
        if dims is None:
            return TensorShape(None), x.dtype
        rank = len(dims)
        for i, a in enumerate(axes):
            if not -rank <= a < rank:
                raise shape_error(op, f"squeeze_dims[{i}] not in [{-rank},{rank}).")
        axes = {a % rank for a in axes}
        for a in sorted(axes):
            if dims[a] not in (None, 1):
                raise shape_error(op, f"Can not squeeze dim[{a}], expected a dimension of 1, "
                                      f"got {dims[a]}")
        if not axes:
            if None in dims:   # an unknown dim may or may not be 1
                return TensorShape(None), x.dtype
            return TensorShape([d for d in dims if d != 1]), x.dtype
        return TensorShape([d for i, d in enumerate(dims) if i not in axes]), x.dtype

    def numpy(x, squeeze_dims):
        axes = tuple(sorted({a % max(x.ndim, 1) for a in squeeze_dims}))
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                                 f"{x.shape[a]}")
        return np.squeeze(x, axis=axes) if axes else np.squeeze(x)

    def gradient(op, dy):
        return [shape_ops.reshape(dy, shape_ops.shape_as_tensor(op.inputs[0]))]


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    if axis is not None and squeeze_dims is not None:
        raise ValueError("Cannot specify both 'squeeze_dims' and 'axis'")
    axis = squeeze_dims if axis is None else axis
    axes = [] if axis is None else [int(axis)] if np.ndim(axis) == 0 else [int(a) for a in axis]
    return make_tensor("Squeeze", [convert_to_tensor(input, name="input")],
                       {"squeeze_dims": axes}, name=name or "Squeeze")


# ---------------------------------------------------------------- reverse
class ReverseV2(OpDef):
    type = "ReverseV2"

    def infer(op):
        x, axis_t = op.inputs
        axes, rank = static_ints(axis_t), x.shape.ndims
        if axes is not None and rank is not None and None not in axes:
            seen = set()
            for i, a in enumerate(axes):
                if not -rank <= a < rank:
                    raise shape_error(op, f"'axis'[{i}] = {a} is out of valid range "
                                          f"[0, {rank - 1}")
                if a % rank in seen:
                    raise shape_error(op, f"axis {a % rank} specified more than once.")
                seen.add(a % rank)
        return x.shape, x.dtype

    def numpy(x, axis):
        return np.flip(x, axis=tuple(int(a) for a in np.asarray(axis).ravel())).copy()

    def gradient(op, dy):
        return [make_tensor("ReverseV2", [dy, op.inputs[1]], name="ReverseV2"), None]


def reverse(tensor, axis, name=None):
    return gen_op("ReverseV2", [("tensor", tensor, None), ("axis", axis, dtypes.int32)],
                  name=name).outputs[0]


class ReverseSequence(OpDef):
    """Reverses each batch row's first seq_lengths[b] entries along seq_dim."""
    type = "ReverseSequence"

    def infer(op):
        x, lengths = op.inputs
        rank, a = x.shape.ndims, op.attrs
        if lengths.shape.ndims not in (None, 1):
            raise shape_error(op, f"Shape must be rank 1 but is rank {lengths.shape.ndims}")
        if rank is not None:
            for what in ("seq_dim", "batch_dim"):
                if not 0 <= a[what] < rank:
                    raise shape_error(op, f"{what} must be < input rank ({a[what]} vs. {rank})")
            if a["seq_dim"] == a["batch_dim"]:
                raise shape_error(op, f"seq_dim and batch_dim must be different "
                                      f"({a['seq_dim']} vs. {a['batch_dim']})")
        return x.shape, x.dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        x, lengths = inputs
        seq, batch = op.attrs["seq_dim"], op.attrs["batch_dim"]
        lengths = np.asarray(lengths).astype(np.int64)
        if lengths.shape != (x.shape[batch],):
            raise InvalidArgumentError(None, op, f"Length of seq_lengths != input.dims("
                                                 f"{batch}), ({lengths.size} vs. {x.shape[batch]})")
        out = np.array(x, copy=True)
        for b, n in enumerate(lengths):
            if not 0 <= n <= x.shape[seq]:
                raise InvalidArgumentError(None, op, f"seq_lens({b}) > input.dims({seq})"
                                           if n > 0 else f"seq_lens({b}) < 0")
            row = [slice(None)] * x.ndim
            row[batch], row[seq] = b, slice(0, int(n))
            flipped = [slice(None)] * x.ndim
            flipped[batch], flipped[seq] = b, slice(int(n) - 1, None, -1) if n else slice(0, 0)
            out[tuple(row)] = x[tuple(flipped)]
        return [out]

    def gradient(op, dy):
        return [make_tensor("ReverseSequence", [dy, op.inputs[1]], dict(op.attrs),
                            name="ReverseSequence"), None]


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None,
                     seq_dim=None, batch_dim=None):
    """tf.reverse_sequence: row b's first seq_lengths[b] entries along seq_axis reversed."""
    seq = seq_axis if seq_axis is not None else seq_dim
    batch = batch_axis if batch_axis is not None else (batch_dim or 0)
    if seq is None:
        raise TypeError("reverse_sequence() needs seq_axis")
    x = convert_to_tensor(input, name="input")
    lengths = convert_to_tensor(seq_lengths, name="seq_lengths")
    if not lengths.dtype.is_integer:
        raise TypeError(f"ReverseSequence: seq_lengths must be int32 or int64, not "
                        f"{lengths.dtype.name}")
    return make_tensor("ReverseSequence", [x, lengths],
                       {"seq_dim": int(seq), "batch_dim": int(batch)},
                       name=name or "ReverseSequence")


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """tf.sequence_mask: mask[..., j] = j < lengths[...], of shape lengths.shape + [maxlen]
    (maxlen defaults to max(lengths), 0 when empty). Built from TF's ops: a Range row
    compared with the lengths as a column."""
    with name_scope(name, "SequenceMask", [lengths, maxlen]):
        lengths = convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = reduce_max(lengths)
            maxlen = maximum(constant(0, maxlen.dtype), maxlen)
        else:
            maxlen = convert_to_tensor(maxlen)
        if maxlen.shape.ndims not in (None, 0):
            raise ValueError("maxlen must be scalar for sequence_mask")
        row_vector = range_(constant(0, maxlen.dtype), maxlen, constant(1, maxlen.dtype),
                            name="Range")
        # maxlen >= every length, so the lengths fit in its dtype. A Cast even to the same
        # dtype, as TF's graph has.
        matrix = make_tensor("Cast", [expand_dims(lengths, -1)], {"DstT": maxlen.dtype},
                             name="Cast")
        result = less(row_vector, matrix)
        if dtype is None or result.dtype.base_dtype == dtypes.as_dtype(dtype).base_dtype:
            return result
        return cast(result, dtype)


# ---------------------------------------------------------------- pad
def _padded_shape(op):
    x, paddings = op.inputs[:2]
    pshape = paddings.shape.as_tuple_or_none()
    if pshape is not None and len(pshape) != 2:
        raise shape_error(op, f"Shape must be rank 2 but is rank {len(pshape)}")
    if pshape is not None and pshape[1] not in (None, 2):
        raise shape_error(op, f"Dimension must be 2 but is {pshape[1]}")
    rank, n = x.shape.ndims, None if pshape is None else pshape[0]
    if rank is not None and n is not None and rank != n:
        raise shape_error(op, f"Shape must be rank {n} but is rank {rank}")
    rank = rank if rank is not None else n
    if rank is None:
        return TensorShape(None), x.dtype
    value = constant_value(paddings)
    if value is None:
        return unknown_shape(rank), x.dtype
    value = np.asarray(value).reshape(rank, 2)
    if (value < 0).any():
        raise shape_error(op, "Paddings must be non-negative")
    dims = x.shape.as_tuple_or_none() or (None,) * rank
    return TensorShape([None if d is None else d + int(a) + int(b)
                        for d, (a, b) in zip(dims, value)]), x.dtype


def _pad_gradient(op, dy):
    """Pad's gradient: the slice of dy that covers the input."""
    from .slicing import slice_
    x, paddings = op.inputs[:2]
    value = constant_value(paddings)
    if value is not None:
        begin = constant(np.asarray(value, dtype=np.int32)[:, 0].copy())
    else:
        begin = shape_ops.reshape(slice_(as_int32(paddings), [0, 0], [-1, 1]), [-1])
    return [slice_(dy, begin, shape_ops.shape_as_tensor(x)), None]


def _np_pad(x, paddings, **kw):
    """np.pad, which rejects a scalar; TF pads it by paddings of shape [0, 2]: itself."""
    paddings = np.asarray(paddings, dtype=np.int64).reshape(-1, 2)
    return np.array(x) if np.ndim(x) == 0 else np.pad(x, paddings, **kw)


class Pad(OpDef):
    type = "Pad"
    infer = staticmethod(_padded_shape)

    def numpy(x, paddings):
        return _np_pad(x, paddings, mode="constant")

    gradient = staticmethod(_pad_gradient)


class PadV2(OpDef):
    type = "PadV2"

    def infer(op):
        value = op.inputs[2]
        if value.shape.ndims not in (None, 0):
            raise shape_error(op, f"Shape must be rank 0 but is rank {value.shape.ndims}")
        return _padded_shape(op)

    def numpy(x, paddings, constant_values):
        return _np_pad(x, paddings, mode="constant", constant_values=constant_values)

    def gradient(op, dy):
        return _pad_gradient(op, dy) + [None]


class MirrorPad(CheckedOp):
    type = "MirrorPad"
    infer = staticmethod(_padded_shape)

    def numpy(x, paddings, mode):
        paddings = np.asarray(paddings, dtype=np.int64).reshape(-1, 2)
        for (before, after), d in zip(paddings, x.shape):
            if mode == "REFLECT" and max(before, after) >= d:
                raise ValueError(f"paddings must be less than the dimension size: {before}, "
                                 f"{after} not less than {d}")
            if mode == "SYMMETRIC" and max(before, after) > d:
                raise ValueError(f"paddings must be no greater than the dimension size: "
                                 f"{before}, {after} greater than {d}")
        return _np_pad(x, paddings, mode=mode.lower())

    def gradient(op, dy):
        return [make_tensor("MirrorPadGrad", [dy, op.inputs[1]], {"mode": op.attrs["mode"]},
                            name="MirrorPadGrad"), None]


class MirrorPadGrad(OpDef):
    """Folds the mirrored borders of dy back onto the elements they copied."""
    type = "MirrorPadGrad"

    def infer(op):
        dy, paddings = op.inputs
        value, dims = constant_value(paddings), dy.shape.as_tuple_or_none()
        if value is None or dims is None:
            return unknown_shape(None if dims is None else len(dims)), dy.dtype
        value = np.asarray(value).reshape(-1, 2)
        return TensorShape([None if d is None else d - int(a) - int(b)
                            for d, (a, b) in zip(dims, value)]), dy.dtype

    def numpy(dy, paddings, mode):
        edge = 0 if mode == "REFLECT" else 1   # SYMMETRIC repeats the edge element
        out = dy
        for axis, (before, after) in enumerate(np.asarray(paddings).reshape(-1, 2)):
            n = out.shape[axis] - before - after
            i = np.arange(out.shape[axis]) - before
            source = np.where(i < 0, -i - edge, np.where(i >= n, 2 * n - 2 + edge - i, i))
            folded = np.zeros((n,) + np.moveaxis(out, axis, 0).shape[1:], dy.dtype)
            np.add.at(folded, source, np.moveaxis(out, axis, 0))
            out = np.moveaxis(folded, 0, axis)
        return out

    def gradient(op, ddy):
        return [make_tensor("MirrorPad", [ddy, op.inputs[1]], {"mode": op.attrs["mode"]},
                            name="MirrorPad"), None]


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    mode = mode.upper()
    if mode == "CONSTANT":
        if not isinstance(constant_values, Tensor) and np.ndim(constant_values) == 0 and \
                constant_values == 0:
            return gen_op("Pad", [("input", tensor, None), ("paddings", paddings, dtypes.int32)],
                          name=name).outputs[0]
        tensor = convert_to_tensor(tensor)
        return gen_op("PadV2", [("input", tensor, None), ("paddings", paddings, dtypes.int32),
                                ("constant_values", constant_values, tensor.dtype)],
                      name=name).outputs[0]
    if mode in ("REFLECT", "SYMMETRIC"):
        return gen_op("MirrorPad", [("input", tensor, None),
                                    ("paddings", paddings, dtypes.int32)],
                      {"mode": mode}, name=name).outputs[0]
    raise ValueError(f"Unknown padding mode: {mode}")
