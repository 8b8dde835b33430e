"""Ops that move data: stack / unstack, range, transpose, concat, split, tile,
expand_dims / squeeze, reverse and pad. Gather, one_hot and segment sums live in
gather_ops.py; slicing (Slice, StridedSlice, Tensor.__getitem__) in slicing.py."""
import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_op, make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape, unknown_shape
from . import shape_ops
from .constant_ops import constant, constant_value, identity


# ---------------------------------------------------------------- shared helpers
def static_ints(t):
    """A 1-D int tensor's values known at construction, as a list with None where an
    element is unknown (a Pack of scalars); None when even its length is unknown."""
    value = constant_value(t)
    if value is not None:
        return [int(v) for v in np.asarray(value).ravel()]
    if t.op.type == "Cast":
        return static_ints(t.op.inputs[0])
    if t.op.type == "Pack" and all(i.shape.ndims == 0 for i in t.op.inputs):
        return [None if (v := constant_value(i)) is None else int(v) for i in t.op.inputs]
    if t.shape.ndims == 1 and t.shape[0].value is not None:
        return [None] * t.shape[0].value
    return None


def static_int(t):
    """A scalar (or one-element) int tensor's value known at construction, or None."""
    value = constant_value(t)
    if value is None or np.size(value) != 1:
        return None
    return int(np.asarray(value).ravel()[0])


def dims_text(dims):
    """TF's shape text: [2,?,3], or ? for an unknown rank."""
    return "?" if dims is None else "[" + ",".join("?" if d is None else str(d)
                                                    for d in dims) + "]"


def shape_error(op, message):
    """TF's construction-time error: the message, the op and its input shapes."""
    shapes = ", ".join(dims_text(t.shape.as_tuple_or_none()) for t in op.inputs)
    return ValueError(f"{message} for '{op.name}' (op: '{op.type}') with input shapes: "
                      f"{shapes}.")


class CheckedOp(OpDef):
    """An op whose numpy reference raises ValueError with TF's run-time message; compute
    turns it into the InvalidArgumentError that names the op."""

    @classmethod
    def compute(cls, op, inputs, ctx):
        try:
            out = cls.numpy(*inputs, **op.attrs)
        except ValueError as e:
            raise InvalidArgumentError(None, op, str(e)) from None
        return list(out) if isinstance(out, tuple) else [out]


def as_input(value, name, dtype=None):
    """A wrapper's argument as a tensor; a list holding tensors is packed (TF's autopacking)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in value):
        return stack([convert_to_tensor(v, dtype=dtype) for v in value], name=name)
    return convert_to_tensor(value, dtype=dtype, name=name)


def gen_op(op_type, args, attrs=None, name=None):
    """Creates an op as TF's generated wrappers do: inside a scope named after the op, a
    Python value given for an input becomes a Const named after it ('Tile/multiples').
    args: (input name, value, dtype or None) per input."""
    with name_scope(name, op_type, [v for _, v, _ in args]) as scope:
        inputs = [as_input(v, arg, dtype) for arg, v, dtype in args]
        return make_op(op_type, inputs, attrs, name=scope)


def as_int32(t):
    from .elementwise import cast
    return cast(t, dtypes.int32) if t.dtype != dtypes.int32 else t


# ---------------------------------------------------------------- stack, unstack, range
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
    if axis == 0:   # TF converts the list as a whole: one Const, or an (autopacked) Pack
        return convert_to_tensor(values, name=name)
    values = [convert_to_tensor(v) for v in values]
    rank = values[0].shape.ndims
    if rank is not None and not -rank - 1 <= axis <= rank:
        raise ValueError(f"axis = {axis} not in [{-rank - 1}, {rank + 1})")
    return make_tensor("Pack", values, {"axis": axis}, name=name)


def _is_tensor(v):
    return isinstance(v, Tensor) or hasattr(v, "_as_graph_element")   # (or a Variable)


def has_tensor(values):
    """Whether a (nested) list holds a tensor, so converting it needs a Pack."""
    return _is_tensor(values) or isinstance(values, (list, tuple)) and any(
        has_tensor(v) for v in values)


def _first_dtype(values):
    for v in values:
        if _is_tensor(v):
            return convert_to_tensor(v).dtype
        if isinstance(v, (list, tuple)) and (found := _first_dtype(v)) is not None:
            return found
    return None


def autopack(values, dtype=None, name="packed"):
    """A (nested) list holding tensors as one tensor, as TF's autopacking conversion
    builds it: a Pack named `name`, the plain values in it Consts named by their index
    (a nested list without tensors is first given a scope too, as TF does)."""
    dtype = dtype or _first_dtype(values)
    with name_scope(name) as scope:
        elems = [autopack(v, dtype, str(i)) if isinstance(v, (list, tuple)) else v
                 for i, v in enumerate(values)]
        if not any(_is_tensor(v) for v in elems):
            return elems
        elems = [convert_to_tensor(v) if _is_tensor(v) else constant(v, dtype=dtype, name=str(i))
                 for i, v in enumerate(elems)]
        return make_tensor("Pack", elems, {"axis": 0}, name=scope)


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
        dys = [d if d is not None else shape_ops.zeros_like(t) for d, t in zip(dys, op.outputs)]
        return [stack(dys, axis=op.attrs["axis"])]


def unstack(value, num=None, axis=0, name="unstack"):
    value = convert_to_tensor(value)
    if num is None:
        if value.shape.ndims is None or value.shape[axis].value is None:
            raise ValueError(f"Cannot infer num from shape {value.shape}")
        num = value.shape[axis].value
    return make_op("Unpack", [value], {"num": num, "axis": axis}, name=name).outputs


def _tf_number(v):
    """A number as TF's messages print it (shortest %g that reads back the same)."""
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    digits = (6, 9) if v.dtype == np.float32 else (15, 17)
    text = f"{float(v):.{digits[0]}g}"
    return text if type(v)(text) == v else f"{float(v):.{digits[1]}g}"


def range_size(start, limit, delta, dtype, run_time=False):
    """Range's element count by TF's rule, in the op's dtype: ceil(|(limit - start) /
    delta|) computed in float32 for float32 bounds (so not always float64's count), and
    (|limit - start| + |delta| - 1) // |delta| for integers. ValueError with TF's
    message (its shape function's, or its kernel's at run time) for bounds that go the
    wrong way or a zero delta."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        start, limit, delta = (int(np.asarray(v).reshape(())) for v in (start, limit, delta))
    else:
        start, limit, delta = (np.asarray(v, dtype).reshape(())[()] for v in
                               (start, limit, delta))
    if start > limit and delta > 0:
        raise ValueError(f"Requires start <= limit when delta > 0: {_tf_number(start)}/"
                         f"{_tf_number(limit)}")
    if start < limit and delta < 0:
        raise ValueError(f"Requires start >= limit when delta < 0: {_tf_number(start)}/"
                         f"{_tf_number(limit)}")
    if delta == 0:
        raise ValueError("Requires delta != 0" +
                         (f": {_tf_number(delta)}" if run_time else ""))
    if dtype.kind in "iu":
        return (abs(limit - start) + abs(delta) - 1) // abs(delta)
    with np.errstate(all="ignore"):
        size = np.ceil(np.abs((limit - start) / delta))
    if not np.isfinite(size):
        raise ValueError(f"Requires ((limit - start) / delta) <= {np.iinfo(np.int64).max}")
    return int(size)


class Range(CheckedOp):
    type = "Range"
    not_differentiable = True

    def infer(op):
        values = [constant_value(t) for t in op.inputs]
        if any(v is None for v in values):
            return TensorShape([None]), op.inputs[0].dtype
        try:
            size = range_size(*values, op.inputs[0].dtype.as_numpy_dtype)
        except ValueError as e:
            raise shape_error(op, str(e)) from None
        return TensorShape([size]), op.inputs[0].dtype

    def numpy(start, limit, delta):
        n = range_size(start, limit, delta, start.dtype, run_time=True)
        out = np.arange(start, limit, delta, dtype=start.dtype)
        if out.size != n:   # numpy divides integer bounds in float64 (huge ranges differ)
            first = start.reshape(())[()]
            step = (first + delta.reshape(())[()]).astype(start.dtype) - first
            out = (first + np.arange(n).astype(start.dtype) * step).astype(start.dtype)
        return out


def range_(start, limit=None, delta=1, dtype=None, name="range"):
    if limit is None:
        start, limit = 0, start
    with name_scope(name, "Range", [start, limit, delta]) as scope:
        start = convert_to_tensor(start, dtype=dtype, name="start")
        limit = convert_to_tensor(limit, dtype=start.dtype, name="limit")
        delta = convert_to_tensor(delta, dtype=start.dtype, name="delta")
        return make_tensor("Range", [start, limit, delta], name=scope)


# ---------------------------------------------------------------- transpose
class Transpose(CheckedOp):
    type = "Transpose"

    def infer(op):
        x, perm_t = op.inputs
        perm = static_ints(perm_t)
        rank = x.shape.ndims
        if perm is None or None in perm:
            return unknown_shape(rank if rank is not None else
                                 None if perm is None else len(perm)), x.dtype
        if rank is None:
            return unknown_shape(len(perm)), x.dtype
        if len(perm) != rank:
            raise shape_error(op, f"Dimension must be {rank} but is {len(perm)}")
        for d in perm:
            if not 0 <= d < rank:
                raise shape_error(op, f"perm dim {d} is out of range of input rank {rank}")
        return TensorShape([x.shape.dims[d] for d in perm]), x.dtype

    def numpy(x, perm):
        perm = [int(d) for d in perm]
        if len(perm) != x.ndim:
            raise ValueError(f"transpose expects a vector of size {x.ndim}. But input(1) is "
                             f"a vector of size {len(perm)}")
        for d in range(x.ndim):
            if d not in perm:
                raise ValueError(f"{d} is missing from {{{','.join(map(str, perm))}}}.")
        return np.transpose(x, perm)

    def gradient(op, dy):
        perm = op.inputs[1]
        static = static_ints(perm)
        if static is not None and None not in static:
            inverse = constant(np.argsort(static).astype(np.int32))
        else:
            inverse = make_tensor("InvertPermutation", [perm], name="InvertPermutation")
        return [make_tensor("Transpose", [dy, inverse], name="transpose"), None]


class InvertPermutation(OpDef):
    type = "InvertPermutation"
    not_differentiable = True

    def infer(op):
        return op.inputs[0].shape, op.inputs[0].dtype

    def numpy(x):
        return np.argsort(x).astype(x.dtype)


def invert_permutation(x, name=None):
    return gen_op("InvertPermutation", [("x", x, dtypes.int32)], name=name).outputs[0]


def transpose(a, perm=None, name="transpose", conjugate=False):
    with name_scope(name, "transpose", [a]) as scope:
        a = convert_to_tensor(a, name="a")
        if perm is None:
            rank = a.shape.ndims
            if rank is None:   # TF computes (rank - 1) - range(rank) in the graph
                r = shape_ops.rank(a)
                perm = (r - 1) - range_(0, r, 1, name="Range")
            else:
                perm = constant(np.arange(rank - 1, -1, -1, dtype=np.int32), name="perm")
        else:
            perm = as_input(perm, "perm", dtypes.int32)
        return make_tensor("Transpose", [a, perm], name=scope)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    with name_scope(name, "matrix_transpose", [a]):
        a = convert_to_tensor(a, name="a")
        rank = a.shape.ndims
        if rank is None or rank < 2:
            raise ValueError(f"Argument 'a' should be a (batch) matrix, with rank >= 2.  "
                             f"Found: {a.shape}")
        return transpose(a, list(range(rank - 2)) + [rank - 1, rank - 2])


# ---------------------------------------------------------------- concat, split
class ConcatV2(CheckedOp):
    type = "ConcatV2"

    def infer(op):
        values, axis_t = op.inputs[:-1], op.inputs[-1]
        dtype = values[0].dtype
        if any(v.dtype != dtype for v in values):
            names = ", ".join(v.dtype.name for v in values)
            raise TypeError(f"Tensors in list passed to 'values' of 'ConcatV2' Op have types "
                            f"[{names}] that don't all match.")
        known = [v.shape.as_list() for v in values if v.shape.ndims is not None]
        if not known:
            return TensorShape(None), dtype
        rank = len(known[0])
        for dims in known[1:]:
            if len(dims) != rank:
                raise shape_error(op, f"Shape must be rank {rank} but is rank {len(dims)}")
        if rank == 0:
            raise shape_error(op, "Can't concatenate scalars (use tf.stack instead)")
        axis = static_int(axis_t)
        if axis is None:
            return unknown_shape(rank), dtype
        if not -rank <= axis < rank:
            raise shape_error(op, f"Shape must be at least rank "
                                  f"{axis + 1 if axis >= 0 else -axis} but is rank {rank}")
        axis %= rank
        out, total = list(known[0]), 0
        for v in values:
            dims = v.shape.as_tuple_or_none()
            if dims is None:
                total = None
                continue
            for i, d in enumerate(dims):
                if i != axis and d is not None:
                    if out[i] is not None and out[i] != d:
                        raise shape_error(
                            op, f"Dimension {i} in both shapes must be equal, but are {out[i]} "
                                f"and {d}. Shapes are {dims_text(known[0])} and "
                                f"{dims_text(dims)}")
                    out[i] = d
            total = None if total is None or dims[axis] is None else total + dims[axis]
        out[axis] = total
        return TensorShape(out), dtype

    def numpy(*args):
        values, axis = args[:-1], int(args[-1])
        first = values[0]
        rank = first.ndim
        if rank == 0:
            raise ValueError("ConcatOp : Can't concatenate scalars (use tf.stack instead)")
        if not -rank <= axis < rank:
            raise ValueError(f"ConcatOp : Expected concatenating dimensions in the range "
                             f"[{-rank}, {rank}), but got {axis}")
        axis %= rank
        for i, v in enumerate(values[1:], 1):
            if v.ndim != rank:
                raise ValueError(f"ConcatOp : Ranks of all input tensors should match: "
                                 f"shape[0] = {dims_text(first.shape)} vs. shape[{i}] = "
                                 f"{dims_text(v.shape)}")
            if v.shape[:axis] + v.shape[axis + 1:] != first.shape[:axis] + first.shape[axis + 1:]:
                raise ValueError(f"ConcatOp : Dimensions of inputs should match: shape[0] = "
                                 f"{dims_text(first.shape)} vs. shape[{i}] = "
                                 f"{dims_text(v.shape)}")
        return np.concatenate(values, axis=axis)

    def gradient(op, dy):
        values, axis_t = op.inputs[:-1], op.inputs[-1]
        axis = static_int(axis_t)
        sizes = [v.shape[axis].value if axis is not None and v.shape.ndims else None
                 for v in values]
        if None not in sizes:
            size_splits = constant(np.array(sizes, dtype=np.int32))
        else:   # each input's length along the axis, read from its shape at run time
            from .gather_ops import gather
            from .elementwise import floormod
            index = floormod(axis_t, shape_ops.rank(dy)) if axis is None or axis < 0 else axis_t
            size_splits = stack([gather(shape_ops.shape(v), index) for v in values])
        grads = make_op("SplitV", [dy, size_splits, axis_t], {"num_split": len(values)},
                        name="split").outputs
        return grads + [None]


def concat(values, axis, name="concat"):
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:   # as TF: no op, an identity named inside the scope
        with name_scope(name, "concat", values):
            axis_t = as_input(axis, "concat_dim", dtypes.int32)
            if axis_t.shape.ndims not in (None, 0):
                raise ValueError(f"Shape {axis_t.shape} must have rank 0")
            return identity(values[0], name=name)
    # Python values take the dtype of the first tensor (or variable) among the values.
    dtype = next((v.dtype for v in values if isinstance(getattr(v, "dtype", None),
                                                        dtypes.DType)), None)
    with name_scope(name, "concat", values) as scope:
        tensors = [v if isinstance(v, Tensor) else
                   convert_to_tensor(v, dtype=dtype, name=f"values_{i}")
                   for i, v in enumerate(values)]
        axis_t = as_input(axis, "axis", dtypes.int32)
        return make_tensor("ConcatV2", tensors + [axis_t], name=scope)


def _split_axis(op, x, axis_t):
    """The split axis, non-negative, or None when unknown; ValueError when out of range."""
    rank, axis = x.shape.ndims, static_int(axis_t)
    if rank is None or axis is None:
        return None
    if not -rank <= axis < rank:
        raise shape_error(op, f"Dimension size, given by scalar input {axis} must be in "
                              f"range [{-rank}, {rank})")
    return axis % rank


class Split(CheckedOp):
    type = "Split"

    def infer(op):
        axis_t, x = op.inputs
        n = op.attrs["num_split"]
        axis = _split_axis(op, x, axis_t)
        if axis is None:
            return [(unknown_shape(x.shape.ndims), x.dtype)] * n
        dims = x.shape.as_list()
        if dims[axis] is not None:
            if dims[axis] % n:
                raise shape_error(op, f"Dimension size must be evenly divisible by {n} but is "
                                      f"{dims[axis]}")
            dims[axis] //= n
        return [(TensorShape(dims), x.dtype)] * n

    def numpy(axis, x, num_split):
        axis = int(axis) % max(x.ndim, 1)
        if x.shape[axis] % num_split:
            raise ValueError(f"Number of ways to split should evenly divide the split "
                             f"dimension, but got split_dim {axis} (size = {x.shape[axis]}) "
                             f"and num_split {num_split}")
        return tuple(np.split(x, num_split, axis=axis))

    def gradient(op, *dys):
        return [None, make_tensor("ConcatV2", list(dys) + [op.inputs[0]], name="concat")]


class SplitV(CheckedOp):
    type = "SplitV"

    def infer(op):
        x, sizes_t, axis_t = op.inputs
        n = op.attrs["num_split"]
        sizes = static_ints(sizes_t)
        if sizes is not None and sizes.count(-1) > 1:
            raise shape_error(op, "size_splits can only have one -1")
        axis = _split_axis(op, x, axis_t)
        if axis is None:
            return [(unknown_shape(x.shape.ndims), x.dtype)] * n
        dims = x.shape.as_list()
        if sizes is None:
            sizes = [None] * n
        total = dims[axis]
        if total is not None and None not in sizes:
            rest = total - sum(s for s in sizes if s != -1)
            if rest < 0 if -1 in sizes else rest != 0:
                raise shape_error(op, f"can't split axis of size {total} into pieces of size "
                                      f"{dims_text(sizes)}")
            sizes = [rest if s == -1 else s for s in sizes]
        return [(TensorShape(dims[:axis] + [None if s == -1 else s] + dims[axis + 1:]),
                 x.dtype) for s in sizes]

    def numpy(x, size_splits, axis, num_split):
        axis = int(axis) % max(x.ndim, 1)
        sizes = [int(s) for s in size_splits]
        known = sum(s for s in sizes if s != -1)
        if (known != x.shape[axis]) if -1 not in sizes else known > x.shape[axis]:
            raise ValueError("Determined shape must either match input shape along split_dim "
                             "exactly if fully specified, or be less than the size of the "
                             "input along split_dim if not fully specified.  Got: "
                             f"{known}")
        sizes = [x.shape[axis] - known if s == -1 else s for s in sizes]
        return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))

    def gradient(op, *dys):
        return [make_tensor("ConcatV2", list(dys) + [op.inputs[2]], name="concat"), None, None]


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    value = convert_to_tensor(value)
    size_splits = convert_to_tensor(num_or_size_splits)   # TF makes this Const first, too
    if isinstance(num_or_size_splits, (int, np.integer)):
        if num_or_size_splits < 1:
            raise ValueError(f"num_split must be at least 1, got {num_or_size_splits}")
        return gen_op("Split", [("split_dim", axis, dtypes.int32), ("value", value, None)],
                      {"num_split": int(num_or_size_splits)}, name).outputs
    if num is None:
        num = size_splits.shape[0].value if size_splits.shape.ndims == 1 else None
        if num is None:
            raise ValueError(f"Cannot infer num from shape {num_or_size_splits}")
    return gen_op("SplitV", [("value", value, None), ("size_splits", size_splits, None),
                             ("split_dim", axis, dtypes.int32)], {"num_split": num}, name).outputs
