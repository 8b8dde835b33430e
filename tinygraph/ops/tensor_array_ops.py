"""tf.TensorArray, functionally: like TF1, an array has a handle (what it is: dtype,
element shape, size rules) and a flow (its contents so far); every write returns a new
flow, so arrays work as loop variables. A flow's value is an immutable TensorList.

Gradients flow back along the flows as TensorLists of gradients (None where an element
gets none): a read's gradient writes into one, a write's gradient reads from one, and
stack/unstack, gather/scatter and concat/split are each other's gradients."""
import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_op, make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape, as_shape
from .subgraphs import unbox, variant


class TensorList:
    """An array's contents: one numpy array (or None: not written) per index, and the
    element shape the writes so far agreed on."""
    __slots__ = ("items", "element_shape")

    def __init__(self, items, element_shape=None):
        self.items, self.element_shape = tuple(items), element_shape

    def __len__(self):
        return len(self.items)

    def __add__(self, other):
        """Element-wise sum of two gradient lists (None is zero)."""
        if other is None:
            return self
        n = max(len(self), len(other))
        a, b = self.items + (None,) * (n - len(self)), other.items + (None,) * (n - len(other))
        return TensorList([x if y is None else y if x is None else x + y for x, y in zip(a, b)],
                          self.element_shape or other.element_shape)

    __radd__ = __add__


def add_lists(values):
    """The sum of flow gradients (TensorLists or None for all zeros)."""
    total = None
    for v in values:
        v = unbox(v)
        total = v if total is None else total + v if v is not None else total
    return total


class _ArrayOp(OpDef):
    stateful = True   # its variant values must not be folded or merged into kernels

    @staticmethod
    def info(op):
        """The creating op's attrs (dtype, element shape, dynamic size, name)."""
        return op.inputs[0].op.attrs


def _error(op, info, message):
    return InvalidArgumentError(None, op, f"TensorArray {info['tensor_array_name']}: {message}")


def _index(op, info, flow, i, writing):
    i = int(i)
    if i < 0 or i >= len(flow) and not (writing and info["dynamic_size"]):
        raise _error(op, info, f"Tried to {'write to' if writing else 'read from'} index {i} "
                               f"but array size is: {len(flow)}")
    return i


def _set(op, info, flow, i, value, aggregate=False):
    value = np.asarray(value, dtype=info["dtype"].as_numpy_dtype)
    shape = flow.element_shape
    if shape is not None and tuple(value.shape) != shape:
        raise _error(op, info, f"Could not write to TensorArray index {i} because the value "
                               f"shape is {list(value.shape)} which is incompatible with the "
                               f"TensorArray's inferred element shape: {list(shape)} (consider "
                               f"setting infer_shape=False).")
    items = list(flow.items) + [None] * (i + 1 - len(flow))
    if items[i] is not None and not aggregate:
        raise _error(op, info, f"Could not write to TensorArray index {i} because it has "
                               f"already been written to.")
    items[i] = value if items[i] is None else items[i] + value
    return TensorList(items, tuple(value.shape))


def _get(op, info, flow, i):
    value = flow.items[i]
    if value is not None:
        return value
    shape = flow.element_shape if flow.element_shape is not None else \
        info["element_shape"].as_tuple_or_none()
    if shape is None:
        raise _error(op, info, f"Could not read from TensorArray index {i}.  Furthermore, the "
                               f"element shape is not fully defined: "
                               f"{info['element_shape']}.  If you set the full element_shape "
                               f"property on the forward TensorArray, the proper all-zeros "
                               f"tensor will be returned instead of incurring this error.")
    return np.zeros(shape, info["dtype"].as_numpy_dtype)


class TensorArrayV3(_ArrayOp):
    """Input: the size. Outputs: the handle and the empty flow."""
    type = "TensorArrayV3"
    not_differentiable = True

    def infer(op):
        return [((2,), dtypes.variant), ((), dtypes.variant)]

    @classmethod
    def compute(cls, op, inputs, ctx):
        size = int(inputs[0])
        if size < 0:
            raise InvalidArgumentError(None, op, f"Size should be >= 0, got {size}")
        shape = op.attrs["element_shape"]
        return [variant(op.attrs["tensor_array_name"]),
                variant(TensorList([None] * size, shape.as_tuple_or_none()
                                   if shape.is_fully_defined() else None))]


class TensorArrayWriteV3(_ArrayOp):
    """Inputs: handle, index, value, flow. Output: the new flow."""
    type = "TensorArrayWriteV3"

    def infer(op):
        return (), dtypes.variant

    @classmethod
    def compute(cls, op, inputs, ctx):
        _, i, value, flow = inputs
        info, flow = cls.info(op), unbox(flow)
        return [variant(_set(op, info, flow, _index(op, info, flow, i, True), value))]

    def gradient(op, d_flow):
        handle, index, value, _ = op.inputs
        d_value = make_tensor("TensorArrayGradRead", [handle, index, d_flow, value])
        return [None, None, d_value, make_tensor("TensorArrayGradClear", [handle, index, d_flow])]


class TensorArrayReadV3(_ArrayOp):
    """Inputs: handle, index, flow. Output: the element."""
    type = "TensorArrayReadV3"

    def infer(op):
        return op.attrs["element_shape"], op.attrs["dtype"]

    @classmethod
    def compute(cls, op, inputs, ctx):
        _, i, flow = inputs
        info, flow = cls.info(op), unbox(flow)
        return [_get(op, info, flow, _index(op, info, flow, i, False))]

    def gradient(op, dy):
        handle, index, flow = op.inputs
        return [None, None, make_tensor("TensorArrayGradWrite", [handle, index, dy, flow])]


class TensorArrayGradRead(_ArrayOp):
    """The gradient of a written value: element `index` of the flow's gradient (zeros
    when it got none). Inputs: handle, index, flow gradient, the written value."""
    type = "TensorArrayGradRead"
    not_differentiable = True

    def infer(op):
        return op.inputs[3].shape, op.inputs[3].dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        _, i, grads, value = inputs
        grads, i = unbox(grads), int(i)
        g = grads.items[i] if grads is not None and i < len(grads) else None
        return [np.zeros_like(value) if g is None else g]


class TensorArrayGradClear(_ArrayOp):
    """The flow gradient before a write: the one after it, without the written index."""
    type = "TensorArrayGradClear"
    not_differentiable = True

    def infer(op):
        return (), dtypes.variant

    @classmethod
    def compute(cls, op, inputs, ctx):
        _, i, grads = inputs
        grads, i = unbox(grads), int(i)
        if grads is None or i >= len(grads):
            return [variant(grads)]
        items = list(grads.items)
        items[i] = None
        return [variant(TensorList(items, grads.element_shape))]


class TensorArrayGradWrite(_ArrayOp):
    """The flow gradient of a read: the read value's gradient at its index. Inputs:
    handle, index, gradient, the forward flow (for the array's size)."""
    type = "TensorArrayGradWrite"
    not_differentiable = True

    def infer(op):
        return (), dtypes.variant

    @classmethod
    def compute(cls, op, inputs, ctx):
        _, i, dy, flow = inputs
        items = [None] * len(unbox(flow))
        items[int(i)] = np.asarray(dy)
        return [variant(TensorList(items))]


class TensorArrayGatherV3(_ArrayOp):
    """Inputs: handle, indices, flow. Output: the elements stacked along a new axis 0."""
    type = "TensorArrayGatherV3"

    def infer(op):
        n = op.inputs[1].shape.as_list()[0] if op.inputs[1].shape.ndims == 1 else None
        return TensorShape([n]).concatenate(op.attrs["element_shape"]), op.attrs["dtype"]

    @classmethod
    def compute(cls, op, inputs, ctx):
        _, indices, flow = inputs
        info, flow = cls.info(op), unbox(flow)
        rows = [_get(op, info, flow, _index(op, info, flow, i, False))
                for i in np.ravel(indices)]
        if not rows:
            shape = flow.element_shape or op.attrs["element_shape"].as_tuple_or_none()
            if shape is None:
                raise _error(op, info, "TensorArray has size zero, but element shape "
                                       "<unknown> is not fully defined. Currently only static "
                                       "shapes are supported when packing zero-size "
                                       "TensorArrays.")
            return [np.zeros((0,) + tuple(shape), info["dtype"].as_numpy_dtype)]
        if len({r.shape for r in rows}) > 1:
            raise _error(op, info, "Could not stack elements of different shapes: "
                                   f"{sorted({r.shape for r in rows})}")
        return [np.stack(rows)]

    def gradient(op, dy):
        handle, indices, flow = op.inputs
        return [None, None, make_tensor("TensorArrayGradScatter", [handle, indices, dy, flow])]


class TensorArrayGradScatter(_ArrayOp):
    """The flow gradient of a gather: the rows of its gradient at their indices (summed
    where an index repeats). Inputs: handle, indices, gradient, the forward flow."""
    type = "TensorArrayGradScatter"
    not_differentiable = True

    def infer(op):
        return (), dtypes.variant

    @classmethod
    def compute(cls, op, inputs, ctx):
        _, indices, dy, flow = inputs
        items = [None] * len(unbox(flow))
        for row, i in zip(np.asarray(dy), np.ravel(indices)):
            items[int(i)] = row if items[int(i)] is None else items[int(i)] + row
        return [variant(TensorList(items))]


class TensorArrayScatterV3(_ArrayOp):
    """Inputs: handle, indices, value, flow. Output: the flow with value[k] written at
    indices[k]."""
    type = "TensorArrayScatterV3"

    def infer(op):
        return (), dtypes.variant

    @classmethod
    def compute(cls, op, inputs, ctx):
        _, indices, value, flow = inputs
        info, flow = cls.info(op), unbox(flow)
        indices = np.ravel(indices)
        if len(value) != len(indices):
            raise _error(op, info, f"Expected len(indices) == values.shape[0], but saw: "
                                   f"{len(indices)} vs. {len(value)}")
        for k, i in enumerate(indices):
            flow = _set(op, info, flow, _index(op, info, flow, i, True), value[k])
        return [variant(flow)]

    def gradient(op, d_flow):
        handle, indices, value, _ = op.inputs
        d_value = make_tensor("TensorArrayGradGather", [handle, indices, d_flow, value])
        return [None, None, d_value, None]


class TensorArrayGradGather(_ArrayOp):
    """The gradient of scattered values: the flow gradient's elements at the indices,
    stacked (zeros where none). Inputs: handle, indices, flow gradient, the value."""
    type = "TensorArrayGradGather"
    not_differentiable = True

    def infer(op):
        return op.inputs[3].shape, op.inputs[3].dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        _, indices, grads, value = inputs
        grads = unbox(grads)
        out = np.zeros_like(value)
        for k, i in enumerate(np.ravel(indices)):
            g = grads.items[int(i)] if grads is not None and int(i) < len(grads) else None
            if g is not None:
                out[k] = g
        return [out]


class TensorArraySizeV3(_ArrayOp):
    type = "TensorArraySizeV3"
    not_differentiable = True

    def infer(op):
        return (), dtypes.int32

    @classmethod
    def compute(cls, op, inputs, ctx):
        return [np.int32(len(unbox(inputs[1])))]


class TensorArrayCloseV3(_ArrayOp):
    type = "TensorArrayCloseV3"
    not_differentiable = True

    def infer(op):
        return []

    @classmethod
    def compute(cls, op, inputs, ctx):
        return []


class VariantAddN(OpDef):
    """The sum of a flow's gradient contributions."""
    type = "VariantAddN"
    stateful = True
    not_differentiable = True

    def infer(op):
        return (), dtypes.variant

    @classmethod
    def compute(cls, op, inputs, ctx):
        return [variant(add_lists(inputs))]


class TensorArray:
    """TF1's tf.TensorArray (graph mode): reads, writes, stack/unstack, gather/scatter,
    concat, size; each write returns a new TensorArray on a new flow."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._infer_shape = infer_shape
        if handle is not None:   # a view of an existing array on another flow
            self._handle, self._flow = handle, flow
            self._shape_box = [as_shape(element_shape)]
            return
        if size is None:
            raise ValueError("Size must be provided if handle is not provided")
        with name_scope(name, "TensorArray", [size] if isinstance(size, Tensor) else []) \
                as scope:
            size = convert_to_tensor(size, dtype=dtypes.int32, name="size") \
                if not isinstance(size, Tensor) else size
            shape = as_shape(element_shape)
            op = make_op("TensorArrayV3", [size], {
                "dtype": self._dtype, "element_shape": shape,
                "dynamic_size": self._dynamic_size,
                "clear_after_read": True if clear_after_read is None else clear_after_read,
                "tensor_array_name": tensor_array_name or scope.rstrip("/")},
                name=scope)
        self._handle, self._flow = op.outputs
        self._shape_box = [shape]   # shared by every view, as TF1 shares its shape list

    # --- what it is ---
    @property
    def dtype(self):
        return self._dtype

    @property
    def handle(self):
        return self._handle

    @property
    def flow(self):
        return self._flow

    @property
    def element_shape(self):
        return self._shape_box[0]

    @property
    def dynamic_size(self):
        return self._dynamic_size

    def _with_flow(self, flow):
        ta = TensorArray.__new__(TensorArray)
        ta.__dict__.update(self.__dict__)
        ta._flow = flow
        return ta

    def _merge_shape(self, shape):
        if self._infer_shape:
            known = self._shape_box[0]
            if not known.is_compatible_with(shape):
                raise ValueError(f"Inconsistent shapes: saw {shape} but expected {known} "
                                 f"(and infer_shape=True)")
            self._shape_box[0] = known.merge_with(shape)

    def _check_dtype(self, value):
        if value.dtype != self._dtype:
            raise TypeError(f"TensorArray dtype is {self._dtype.name} but Op is trying to "
                            f"write dtype {value.dtype.name}.")

    # --- reading and writing ---
    def read(self, index, name=None):
        index = convert_to_tensor(index, dtype=dtypes.int32)
        return make_tensor("TensorArrayReadV3", [self._handle, index, self._flow],
                           {"dtype": self._dtype, "element_shape": self.element_shape},
                           name=name or "TensorArrayReadV3")

    def write(self, index, value, name=None):
        with name_scope(name, "TensorArrayWrite", [self._handle, index, value]):
            value = convert_to_tensor(value, name="value")
            self._check_dtype(value)
            index = convert_to_tensor(index, dtype=dtypes.int32)
            self._merge_shape(value.shape)
            flow = make_tensor("TensorArrayWriteV3", [self._handle, index, value, self._flow],
                               name="TensorArrayWriteV3")
        return self._with_flow(flow)

    def gather(self, indices, name=None):
        indices = convert_to_tensor(indices, dtype=dtypes.int32)
        return make_tensor("TensorArrayGatherV3", [self._handle, indices, self._flow],
                           {"dtype": self._dtype, "element_shape": self.element_shape},
                           name=name or "TensorArrayGatherV3")

    def stack(self, name=None):
        with name_scope(name, "TensorArrayStack", [self._handle]):
            from .array_ops import range_
            return self.gather(range_(0, self.size()), name="TensorArrayGatherV3")

    def scatter(self, indices, value, name=None):
        with name_scope(name, "TensorArrayScatter", [self._handle, value, indices]):
            value = convert_to_tensor(value, name="value")
            self._check_dtype(value)
            indices = convert_to_tensor(indices, dtype=dtypes.int32)
            self._merge_shape(value.shape[1:] if value.shape.ndims else TensorShape(None))
            flow = make_tensor("TensorArrayScatterV3",
                               [self._handle, indices, value, self._flow],
                               name="TensorArrayScatterV3")
        return self._with_flow(flow)

    def unstack(self, value, name=None):
        with name_scope(name, "TensorArrayUnstack", [self._handle, value]):
            from .array_ops import range_
            from .shape_ops import shape
            value = convert_to_tensor(value, name="value")
            return self.scatter(range_(0, shape(value)[0]), value)

    def size(self, name=None):
        return make_tensor("TensorArraySizeV3", [self._handle, self._flow],
                           name=name or "TensorArraySizeV3")

    def concat(self, name=None):
        """The elements joined along their first axis (elements of one shape)."""
        with name_scope(name, "TensorArrayConcat", [self._handle]):
            from .array_ops import concat, range_
            from .shape_ops import reshape, shape
            stacked = self.gather(range_(0, self.size()))
            return reshape(stacked, concat([[-1], shape(stacked)[2:]], 0))

    def identity(self):
        from .constant_ops import identity
        return self._with_flow(identity(self._flow))

    def close(self, name=None):
        return make_op("TensorArrayCloseV3", [self._handle], name=name or "TensorArrayCloseV3")
