"""Constants, placeholders, identity, no-op and the conversion of Python values."""
import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import get_default_graph, make_op, make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor, register_tensor_conversion_function
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape, as_shape, unknown_shape


def _infer_dtype(value):
    """TF's dtype for a Python or numpy value: Python floats are float32, ints int32."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        if value.dtype == np.float64 or value.dtype.kind in "fiub":
            return dtypes.as_dtype(value.dtype)
    array = np.asarray(value)
    if array.dtype.kind == "f":
        return dtypes.float32
    if array.dtype.kind in "iu":
        if array.size and (array.max() > 2**31 - 1 or array.min() < -2**31):
            return dtypes.int64
        return dtypes.int32
    if array.dtype.kind == "b":
        return dtypes.bool
    if array.dtype.kind in "USO":
        return dtypes.string
    raise TypeError(f"Cannot convert {value!r} to a tensor: unsupported type {array.dtype}")


def _to_array(value, dtype, op_name="Const"):
    if dtype is None:
        dtype = _infer_dtype(value)
    array = np.asarray(value)
    if not isinstance(value, (np.ndarray, np.generic)) and array.size:
        # TF checks Python values element by element (1.0 is no int32, 1 is no bool);
        # numpy values are cast.
        kind = array.dtype.kind
        if dtype.is_integer and kind not in "iub" or dtype.is_bool and kind != "b" or \
                dtype.is_floating and kind not in "fiub" or \
                dtype == dtypes.string and kind not in "USO":
            first = array.ravel()[0]
            first = first.item() if isinstance(first, np.generic) else first
            raise TypeError(f"Expected {dtype.name}, got {first!r} of type "
                            f"'{type(first).__name__}' instead.")
    if dtype == dtypes.string:
        return array.astype(object), dtype
    try:
        return np.array(array, dtype=dtype.as_numpy_dtype), dtype
    except (TypeError, ValueError) as e:
        raise TypeError(f"{op_name}: cannot convert {value!r} to {dtype.name}: {e}") from None


class Const(OpDef):
    type = "Const"

    def infer(op):
        value = op.attrs["value"]
        return value.shape, op.attrs["dtype"]

    def numpy(value, dtype):
        return value


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    array, dtype = _to_array(value, dtype)
    if shape is not None:
        shape = tuple(as_shape(shape).as_list())
        if array.shape != shape:
            if verify_shape:
                raise TypeError(f"Expected Tensor's shape: {shape}, got {array.shape}.")
            if array.size == 1:
                array = np.full(shape, array.reshape(()), dtype=array.dtype)
            elif array.size == int(np.prod(shape)):
                array = array.reshape(shape)
            elif 0 < array.size < int(np.prod(shape)):   # TF1 pads with the last element
                flat = array.ravel()
                array = np.concatenate([flat, np.repeat(flat[-1:], np.prod(shape) - flat.size)])
                array = array.reshape(shape)
            else:
                raise ValueError(f"Too many elements provided. Needed at most "
                                 f"{int(np.prod(shape))}, but received {array.size}")
    array.setflags(write=False)
    return make_tensor("Const", [], {"value": array, "dtype": dtype}, name)


def _convert_value(value, dtype, name, as_ref):
    from .array_ops import autopack, has_tensor   # (array_ops imports this module)
    if isinstance(value, (list, tuple)) and has_tensor(value):
        return autopack(value, dtype, name or "packed")
    return constant(value, dtype=dtype, name=name or "Const")


for _type in (int, float, bool, complex, list, tuple, np.ndarray, np.generic, str):
    register_tensor_conversion_function(_type, _convert_value)


def constant_value(tensor):
    """The value of a tensor known at graph-construction time, or None."""
    if not isinstance(tensor, Tensor):
        return np.asarray(tensor)
    op = tensor.op
    if op.type == "Const":
        return op.attrs["value"]
    if op.type == "Shape" and op.inputs[0].shape.is_fully_defined():
        return np.array(op.inputs[0].shape.as_list(), dtype=tensor.dtype.as_numpy_dtype)
    if op.type == "Identity":
        return constant_value(op.inputs[0])
    return None


def constant_shape(tensor):
    """A 1-D shape tensor as a TensorShape, unknown where its value is not static."""
    value = constant_value(tensor)
    if value is not None:
        return TensorShape([None if d < 0 else int(d) for d in np.asarray(value).ravel()])
    if tensor.op.type == "Shape":
        return tensor.op.inputs[0].shape
    if tensor.op.type == "Pack":
        return TensorShape([None if (v := constant_value(t)) is None or v < 0 else int(v)
                            for t in tensor.op.inputs])
    n = tensor.shape[0].value if tensor.shape.ndims == 1 else None
    return unknown_shape(n)


class Placeholder(OpDef):
    type = "Placeholder"
    stateful = True

    def infer(op):
        return op.attrs["shape"], op.attrs["dtype"]

    @classmethod
    def compute(cls, op, inputs, ctx):
        shape = op.attrs["shape"]
        shape_text = "<unknown>" if shape.ndims is None else \
            "[" + ",".join("?" if d is None else str(d) for d in shape.as_list()) + "]"
        raise InvalidArgumentError(
            None, op, f"You must feed a value for placeholder tensor '{op.name}' with dtype "
                      f"{_KERNEL_DTYPE_NAMES.get(op.attrs['dtype'].name, op.attrs['dtype'].name)}"
                      f" and shape {shape_text}")


# How TF's kernels spell dtypes in messages.
_KERNEL_DTYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def placeholder(dtype, shape=None, name=None):
    return make_tensor("Placeholder", [], {"dtype": dtypes.as_dtype(dtype),
                                           "shape": as_shape(shape)}, name or "Placeholder")


class PlaceholderWithDefault(OpDef):
    type = "PlaceholderWithDefault"

    def infer(op):
        return op.attrs["shape"], op.inputs[0].dtype

    def numpy(x, shape):
        return x

    def gradient(op, dy):
        return [dy]


def placeholder_with_default(input, shape, name=None):
    input = convert_to_tensor(input)
    shape = as_shape(shape)
    if not shape.is_compatible_with(input.shape):
        raise ValueError(f"PlaceholderWithDefault: shape {shape} is not compatible with the "
                         f"default value's shape {input.shape}")
    return make_tensor("PlaceholderWithDefault", [input], {"shape": shape},
                       name or "PlaceholderWithDefault")


class Identity(OpDef):
    type = "Identity"

    def infer(op):
        return op.inputs[0].shape, op.inputs[0].dtype

    def numpy(x):
        return x

    def gradient(op, dy):
        return [dy]


def identity(input, name=None):
    return make_tensor("Identity", [convert_to_tensor(input)], name=name or "Identity")


class StopGradient(OpDef):
    type = "StopGradient"
    not_differentiable = True

    def infer(op):
        return op.inputs[0].shape, op.inputs[0].dtype

    def numpy(x):
        return x


def stop_gradient(input, name=None):
    return make_tensor("StopGradient", [convert_to_tensor(input)], name=name or "StopGradient")


class NoOp(OpDef):
    type = "NoOp"

    def infer(op):
        return []

    def numpy():
        return ()


def no_op(name=None):
    return make_op("NoOp", [], name=name or "NoOp")


def group(*inputs, name=None):
    """An op that runs all of `inputs` (through control dependencies) and outputs nothing."""
    deps = []
    for item in inputs:
        items = item if isinstance(item, (list, tuple)) else [item]
        deps.extend(i.op if isinstance(i, Tensor) else i for i in items)
    with get_default_graph().control_dependencies(deps):
        return no_op(name=name or "group_deps")


def tuple_(tensors, name=None, control_inputs=None):
    """TF's tf.tuple: each output waits for all the tensors (and control_inputs)."""
    with name_scope(name, "tuple", tensors) as scope:
        gate = group(*[t for t in tensors if t is not None], *(control_inputs or []),
                     name="control_dependency")
        out = []
        for t in tensors:
            if t is None:
                out.append(None)
                continue
            with get_default_graph().control_dependencies([gate]):
                out.append(identity(t))
        del scope
        return out
