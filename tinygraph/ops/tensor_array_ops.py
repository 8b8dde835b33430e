"""tf.TensorArray, functionally. As in TF1 an array has a handle (what it is) and a flow
(its contents so far); every write returns a new flow, so arrays are loop variables like
any other tensor. A flow's value is an immutable `Elements`, its gradient an
`ElementGrads` (both in tensor_array_values.py, with why writes and sums are O(1)). A
read's gradient writes into one, a write's gradient reads from one (and passes it on: an
earlier flow never holds that index), and gather/stack <-> scatter/unstack, concat <->
split are each other's gradients. (The Python class, tf.TensorArray, is in
tensor_array.py.)"""
import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, UnimplementedError
from ..framework.graph import make_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape
from .subgraphs import unbox, variant
from .tensor_array_values import ElementGrads, Elements, _Info, _Log, add_lists


def _grads(value):
    value = unbox(value)
    return value.items() if isinstance(value, ElementGrads) else {}


def _text(shape):
    """A shape as TF's run-time messages print it: [2,3], [?,3], <unknown>."""
    if shape is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _compatible(shape, dims):
    return shape is None or len(shape) == len(dims) and \
        all(s is None or s == d for s, d in zip(shape, dims))


def _merge(shape, dims):
    if shape is None:
        return dims
    if dims is None:
        return shape
    return tuple(d if s is None else s for s, d in zip(shape, dims))


def _full(shape):
    return shape is not None and None not in shape


def _error(op, info, message):
    return InvalidArgumentError(None, op, f"TensorArray {info.name}: {message}")


def _write(op, flow, pairs, single=False):
    """`flow` with value v written at index i for each (i, v), checked as TF1 does
    (`single`: one TensorArrayWriteV3, whose value the array may copy into its block)."""
    info, size, shape, seen = flow.info, flow.size, flow.shape, set()
    for i, v in pairs:
        if i < 0 or i >= size and not info.dynamic:
            raise _error(op, info, f"Tried to write to index {i} but array is not resizeable "
                                   f"and size is: {size}")
        if not _compatible(shape, v.shape):
            raise _error(op, info, f"Could not write to TensorArray index {i} because the "
                                   f"value shape is {_text(v.shape)} which is incompatible "
                                   f"with the TensorArray's inferred element shape: "
                                   f"{_text(shape)} (consider setting infer_shape=False).")
        if i in seen or flow.get(i) is not None:
            raise _error(op, info, f"Could not write to TensorArray index {i} because it has "
                                   f"already been written to.")
        seen.add(i)
        shape = v.shape if info.identical else shape
        size = max(size, i + 1)
    return flow.written(pairs, size, shape, single)


def _read(op, flow, i):
    if i < 0 or i >= flow.size:
        raise InvalidArgumentError(None, op, f"Tried to read from index {i} but array size "
                                             f"is: {flow.size}")
    value = flow.get(i)
    if value is not None:
        return value
    if not _full(flow.shape):   # an unwritten element reads as zeros if its shape is known
        raise _error(op, flow.info, f"Could not read from TensorArray index {i}.  Furthermore, "
                     f"the element shape is not fully defined: {_text(flow.shape)}.  It is "
                     f"possible you are working with a resizeable TensorArray and "
                     f"stop_gradients is not allowing the gradients to be written.  If you set "
                     f"the full element_shape property on the forward TensorArray, the proper "
                     f"all-zeros tensor will be returned instead of incurring this error.")
    return np.zeros(flow.shape, flow.info.dtype)


def _shape_text(shape):
    shape = TensorShape(shape)
    return "?" if shape.ndims is None else _text(shape.as_tuple_or_none())


def _check_rank(op, k, rank, at_least=False):
    ndims = op.inputs[k].shape.ndims
    if ndims is not None and (ndims < rank if at_least else ndims != rank):
        shapes = ", ".join(_shape_text(t.shape) for t in op.inputs)
        raise ValueError(f"Shape must be {'at least ' if at_least else ''}rank {rank} but is "
                         f"rank {ndims} for '{op.name}' (op: '{op.type}') with input shapes: "
                         f"{shapes}.")


# ---------------------------------------------------------------- the array's ops
class TensorArrayV3(OpDef):
    """Input: the size. Outputs: the handle (the array's name) and the empty flow."""
    type = "TensorArrayV3"
    not_differentiable = True

    def infer(op):
        _check_rank(op, 0, 0)
        return [((2,), dtypes.variant), ((), dtypes.variant)]

    @classmethod
    def compute(cls, op, inputs, ctx):
        size, a = int(inputs[0]), op.attrs
        if size < 0:
            raise InvalidArgumentError(None, op, "Size should be >= 0.")
        info = _Info(a["tensor_array_name"] or op.name, a["dtype"].as_numpy_dtype,
                     a["dynamic_size"], a["identical_element_shapes"])
        return [variant(info.name),
                variant(Elements(info, _Log(), 0, size, a["element_shape"].as_tuple_or_none()))]


class TensorArrayWriteV3(OpDef):
    """Inputs: handle, index, value, flow. Output: the new flow."""
    type = "TensorArrayWriteV3"

    def infer(op):
        _check_rank(op, 1, 0)
        return (), dtypes.variant

    @classmethod
    def compute(cls, op, inputs, ctx):
        _, i, value, flow = inputs
        return [variant(_write(op, unbox(flow), [(int(i), np.asarray(value))], True))]

    def gradient(op, d_flow):
        _, index, value, _ = op.inputs
        return [None, None, _grad_op("TensorArrayGradRead", [d_flow, index, _shape(value)],
                                     value.dtype), d_flow]


class TensorArrayReadV3(OpDef):
    """Inputs: handle, index, flow. Output: the element (zeros if unwritten and its shape
    is known)."""
    type = "TensorArrayReadV3"

    def infer(op):
        _check_rank(op, 1, 0)
        shape = op.attrs["element_shape"]
        held = getattr(op.inputs[2], "hint", None)   # planning: the array's value
        held = held.plan_signature() if hasattr(held, "plan_signature") else None
        if held is not None:
            merged = TensorShape(held)
            if merged.is_compatible_with(shape):
                shape = merged.merge_with(shape)
        return shape, op.attrs["dtype"]

    @classmethod
    def compute(cls, op, inputs, ctx):
        return [_read(op, unbox(inputs[2]), int(inputs[1]))]

    def gradient(op, dy):
        return [None, None, make_tensor("TensorArrayGradWrite", [op.inputs[1], dy])]


class TensorArrayGatherV3(OpDef):
    """Inputs: handle, indices, flow. Output: those elements stacked along a new first
    axis."""
    type = "TensorArrayGatherV3"

    def infer(op):
        _check_rank(op, 1, 1)
        indices = op.inputs[1].shape
        n = indices[0].value if indices.ndims == 1 else None
        return TensorShape([n]).concatenate(op.attrs["element_shape"]), op.attrs["dtype"]

    @classmethod
    def compute(cls, op, inputs, ctx):
        flow, indices = unbox(inputs[2]), np.ravel(inputs[1])
        whole = flow.log.stacked(flow.n, flow.size)
        if whole is not None and len(indices) == flow.size and \
                np.array_equal(indices, np.arange(flow.size)):   # stack(): the block itself
            return [whole]
        rows = [_read(op, flow, int(i)) for i in indices]
        if not rows:
            shape = _merge(op.attrs["element_shape"].as_tuple_or_none(), flow.shape)
            if not _full(shape):
                raise UnimplementedError(
                    None, op, f"TensorArray has size zero, but element shape "
                              f"{_text(shape)} is not fully defined. Currently only static "
                              f"shapes are supported when packing zero-size TensorArrays.")
            return [np.zeros((0,) + shape, flow.info.dtype)]
        for k, r in enumerate(rows[1:], 1):
            if r.shape != rows[0].shape:
                raise InvalidArgumentError(
                    None, op, f"TensorArray has inconsistent shapes.  Index 0 has shape: "
                              f"{_text(rows[0].shape)} but index {k} has shape: {_text(r.shape)}")
        return [np.stack(rows)]

    def gradient(op, dy):
        return [None, None, make_tensor("TensorArrayGradScatter", [op.inputs[1], dy])]


class TensorArrayScatterV3(OpDef):
    """Inputs: handle, indices, value, flow. Output: the flow with value[k] at
    indices[k]."""
    type = "TensorArrayScatterV3"

    def infer(op):
        _check_rank(op, 1, 1)
        _check_rank(op, 2, 1, at_least=True)
        indices, value = op.inputs[1].shape, op.inputs[2].shape
        if indices.ndims == 1 and value.ndims and not indices[0].is_compatible_with(value[0]):
            shapes = ", ".join(_shape_text(t.shape) for t in op.inputs)
            raise ValueError(f"Dimensions must be equal, but are {value[0]} and {indices[0]} "
                             f"for '{op.name}' (op: '{op.type}') with input shapes: {shapes}.")
        return (), dtypes.variant

    @classmethod
    def compute(cls, op, inputs, ctx):
        flow, indices, value = unbox(inputs[3]), np.ravel(inputs[1]), np.asarray(inputs[2])
        if value.ndim == 0 or len(indices) != len(value):
            raise InvalidArgumentError(None, op, f"Expected len(indices) == values.shape[0], "
                                                 f"but saw: {len(indices)} vs. "
                                                 f"{len(value) if value.ndim else 0}")
        if len(indices) and not flow.info.dynamic and indices.max() >= flow.size:
            raise InvalidArgumentError(None, op, f"Max scatter index must be < array size "
                                                 f"({indices.max()} vs. {flow.size})")
        return [variant(_write(op, flow, [(int(i), v) for i, v in zip(indices, value)]))]

    def gradient(op, d_flow):
        _, indices, value, _ = op.inputs
        return [None, None, _grad_op("TensorArrayGradGather",
                                     [d_flow, indices, _shape(value)], value.dtype), d_flow]


class TensorArrayConcatV3(OpDef):
    """Inputs: handle, flow. Outputs: the elements joined along their first axis, and
    each element's length along it."""
    type = "TensorArrayConcatV3"

    def infer(op):
        rest = op.attrs["element_shape_except0"]
        value = TensorShape([None]).concatenate(rest) if rest.ndims is not None \
            else TensorShape(None)
        return [(value, op.attrs["dtype"]), ((None,), dtypes.int64)]

    @classmethod
    def compute(cls, op, inputs, ctx):
        flow = unbox(inputs[1])
        parts = [_read(op, flow, i) for i in range(flow.size)]
        for k, p in enumerate(parts):
            if p.ndim == 0:
                raise InvalidArgumentError(None, op, f"Concat saw a scalar shape at index {k} "
                                                     f"but requires at least vectors.  Did you "
                                                     f"mean to call pack?")
            if p.shape[1:] != parts[0].shape[1:]:
                raise InvalidArgumentError(
                    None, op, f"TensorArray has inconsistent shapes.  Index 0 has (excepting "
                              f"dimension 0) shape: {_text(parts[0].shape[1:])} but index {k} "
                              f"has (excepting dimension 0) shape: {_text(p.shape[1:])}")
        lengths = np.array([len(p) for p in parts], np.int64)
        if parts:
            return [np.concatenate(parts), lengths]
        rest = _merge(op.attrs["element_shape_except0"].as_tuple_or_none(),
                      flow.shape[1:] if flow.shape else None)
        if not _full(rest):
            raise UnimplementedError(
                None, op, f"TensorArray has size zero, but element_shape_except0 "
                          f"{_text(rest)} is not fully defined. Currently only static "
                          f"shapes are supported when concatenating zero-size TensorArrays.")
        return [np.zeros((0,) + rest, flow.info.dtype), lengths]

    def gradient(op, d_value, d_lengths):
        return [None, make_tensor("TensorArrayGradSplit", [op.outputs[1], d_value])]


class TensorArraySplitV3(OpDef):
    """Inputs: handle, value, lengths, flow. Output: the flow with the value's consecutive
    pieces of those lengths (along its first axis) as its elements."""
    type = "TensorArraySplitV3"

    def infer(op):
        _check_rank(op, 2, 1)
        return (), dtypes.variant

    @classmethod
    def compute(cls, op, inputs, ctx):
        flow, value, lengths = unbox(inputs[3]), np.asarray(inputs[1]), np.asarray(inputs[2])
        if value.ndim == 0:
            raise InvalidArgumentError(None, op, f"Expected value to be at least a vector, but "
                                                 f"received shape: {_text(value.shape)}")
        if lengths.sum() != len(value):
            raise InvalidArgumentError(None, op, f"Expected sum of lengths to be equal to "
                                                 f"values.shape[0], but sum of lengths is "
                                                 f"{lengths.sum()} and value's shape is: "
                                                 f"{_text(value.shape)}")
        if not flow.info.dynamic and len(lengths) != flow.size:
            raise InvalidArgumentError(None, op, f"TensorArray's size is not equal to the size "
                                                 f"of lengths ({flow.size} vs. {len(lengths)}), "
                                                 f"and the TensorArray is not marked as "
                                                 f"dynamically resizeable")
        ends = np.cumsum(lengths)
        return [variant(_write(op, flow, [(k, value[e - n:e]) for k, (n, e)
                                          in enumerate(zip(lengths, ends))]))]

    def gradient(op, d_flow):
        _, value, lengths, _ = op.inputs
        return [None, _grad_op("TensorArrayGradConcat", [d_flow, lengths, _shape(value)],
                               value.dtype), None, d_flow]


class TensorArraySizeV3(OpDef):
    type = "TensorArraySizeV3"
    not_differentiable = True

    def infer(op):
        return (), dtypes.int32

    @classmethod
    def compute(cls, op, inputs, ctx):
        return [np.int32(unbox(inputs[1]).size)]


class TensorArrayStaticSize(OpDef):
    """A fixed-size array's size, from the size it was made with: what stack() gathers
    over. Plans fold it (and so know the stacked shape); graph construction does not, so
    stack()'s static shape is TF1's [?, ...]."""
    type = "TensorArrayStaticSize"
    not_differentiable = True

    def infer(op):
        return (), dtypes.int32

    def numpy(size):
        return np.int32(size)


class TensorArrayCloseV3(OpDef):
    type = "TensorArrayCloseV3"
    not_differentiable = True

    def infer(op):
        return []

    def numpy(handle):
        return ()


class VariantAddN(OpDef):
    """The sum of a flow's gradient contributions."""
    type = "VariantAddN"

    def infer(op):
        return (), dtypes.variant

    def numpy(*values):
        return variant(add_lists(values))

    def gradient(op, dy):
        return [dy] * len(op.inputs)


# ---------------------------------------------------------------- gradient arrays
def _shape(t):
    from .shape_ops import shape_as_tensor
    return shape_as_tensor(t)


def _grad_op(op_type, inputs, dtype):
    return make_tensor(op_type, inputs, {"dtype": dtype})


def _rows(grads, indices, shape, dtype):
    """Elements `indices` of a flow gradient stacked into `shape` (zeros where none)."""
    out = np.zeros(tuple(shape), dtype)
    for k, i in enumerate(indices):
        g = grads.get(int(i))
        if g is not None:
            out[k] = g
    return out


class TensorArrayGradRead(OpDef):
    """A written value's gradient: element `index` of the flow gradient. Inputs: flow
    gradient, index, the value's shape (for zeros)."""
    type = "TensorArrayGradRead"

    def infer(op):
        from .constant_ops import constant_shape
        return constant_shape(op.inputs[2]), op.attrs["dtype"]

    def numpy(grads, index, shape, dtype):
        g = _grads(grads).get(int(index))
        return np.zeros(tuple(shape), dtype.as_numpy_dtype) if g is None else g

    def gradient(op, dy):
        return [make_tensor("TensorArrayGradWrite", [op.inputs[1], dy]), None, None]


class TensorArrayGradWrite(OpDef):
    """A read's flow gradient: the read value's gradient at its index. Inputs: index,
    gradient."""
    type = "TensorArrayGradWrite"

    def infer(op):
        return (), dtypes.variant

    def numpy(index, dy):
        return variant(ElementGrads({int(index): np.asarray(dy)}))

    def gradient(op, d_grads):
        index, dy = op.inputs
        return [None, _grad_op("TensorArrayGradRead", [d_grads, index, _shape(dy)], dy.dtype)]


class TensorArrayGradGather(OpDef):
    """Scattered values' gradient: the flow gradient's elements at the indices, stacked.
    Inputs: flow gradient, indices, the value's shape."""
    type = "TensorArrayGradGather"

    def infer(op):
        from .constant_ops import constant_shape
        return constant_shape(op.inputs[2]), op.attrs["dtype"]

    def numpy(grads, indices, shape, dtype):
        return _rows(_grads(grads), np.ravel(indices), shape, dtype.as_numpy_dtype)

    def gradient(op, dy):
        return [make_tensor("TensorArrayGradScatter", [op.inputs[1], dy]), None, None]


class TensorArrayGradScatter(OpDef):
    """A gather's flow gradient: its gradient's rows at their indices (summed where an
    index repeats). Inputs: indices, gradient."""
    type = "TensorArrayGradScatter"

    def infer(op):
        return (), dtypes.variant

    def numpy(indices, dy):
        items = {}
        for i, row in zip(np.ravel(indices), np.asarray(dy)):
            i = int(i)
            items[i] = row if i not in items else items[i] + row
        return variant(ElementGrads(items))

    def gradient(op, d_grads):
        indices, dy = op.inputs
        return [None, _grad_op("TensorArrayGradGather", [d_grads, indices, _shape(dy)],
                               dy.dtype)]


class TensorArrayGradConcat(OpDef):
    """Split pieces' gradient: the flow gradient's elements joined (zeros where none).
    Inputs: flow gradient, lengths, the value's shape."""
    type = "TensorArrayGradConcat"

    def infer(op):
        from .constant_ops import constant_shape
        return constant_shape(op.inputs[2]), op.attrs["dtype"]

    def numpy(grads, lengths, shape, dtype):
        grads, out = _grads(grads), np.zeros(tuple(shape), dtype.as_numpy_dtype)
        start = 0
        for k, n in enumerate(np.ravel(lengths)):
            g = grads.get(k)
            if g is not None:
                out[start:start + n] = g
            start += n
        return out

    def gradient(op, dy):
        return [make_tensor("TensorArrayGradSplit", [op.inputs[1], dy]), None, None]


class TensorArrayGradSplit(OpDef):
    """A concat's flow gradient: its gradient cut into the elements' lengths. Inputs:
    lengths, gradient."""
    type = "TensorArrayGradSplit"

    def infer(op):
        return (), dtypes.variant

    def numpy(lengths, dy):
        ends = np.cumsum(lengths)
        return variant(ElementGrads({k: dy[e - n:e] for k, (n, e)
                                     in enumerate(zip(np.ravel(lengths), ends))}))

    def gradient(op, d_grads):
        lengths, dy = op.inputs
        return [None, _grad_op("TensorArrayGradConcat", [d_grads, lengths, _shape(dy)],
                               dy.dtype)]


from .tensor_array import TensorArray  # noqa: E402,F401  (for modules importing it from here)
