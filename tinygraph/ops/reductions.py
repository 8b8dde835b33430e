"""Reductions along axes (sum, mean, max, min, prod, all, any), argmax / argmin, add_n."""
import numpy as np

from ..framework import dtypes
from ..framework.graph import make_tensor, name_scope
from ..framework.operation import convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape
from . import shape_ops
from .constant_ops import constant, constant_value


def _axes(op):
    """The reduction's axes as a sorted tuple of non-negative ints, or None if unknown."""
    x, axis = op.inputs
    value = constant_value(axis)
    if value is None or x.shape.ndims is None:
        return None
    rank = x.shape.ndims
    axes = np.asarray(value, dtype=np.int64).ravel()
    for a in axes:
        if not -rank <= a < max(rank, 1):
            raise ValueError(f"Invalid reduction dimension {a} for input with {rank} "
                             f"dimensions. for '{op.name}' (op: '{op.type}')")
    return tuple(sorted({int(a) % max(rank, 1) for a in axes}))


class Reduction(OpDef):
    result_dtype = None

    @classmethod
    def infer(cls, op):
        x = op.inputs[0]
        axes = _axes(op)
        keep = op.attrs["keep_dims"]
        dtype = cls.result_dtype or x.dtype
        if axes is None:
            if keep and x.shape.ndims is not None:
                return TensorShape([None] * x.shape.ndims), dtype
            return TensorShape(None), dtype
        dims = x.shape.as_list()
        if keep:
            return TensorShape([1 if i in axes else d for i, d in enumerate(dims)]), dtype
        return TensorShape([d for i, d in enumerate(dims) if i not in axes]), dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        x, axis = inputs
        # TF accepts repeated and negative axes; numpy wants each axis once.
        axes = tuple(sorted({int(a) % max(x.ndim, 1) for a in np.asarray(axis).ravel()}))
        return [np.asarray(cls.reduce(x, axes, op.attrs["keep_dims"])).astype(
            (cls.result_dtype or op.inputs[0].dtype).as_numpy_dtype, copy=False)]


def _keepdims_grad(op, dy):
    """dy reshaped to the input's rank with reduced axes of size 1, and the input shape."""
    x, axis = op.inputs
    x_shape = shape_ops.shape_as_tensor(x)
    if op.attrs["keep_dims"]:
        return dy, x_shape
    axes = _axes(op)
    if axes is not None and x.shape.is_fully_defined():
        kept = [1 if i in axes else d for i, d in enumerate(x.shape.as_list())]
        return shape_ops.reshape(dy, constant(np.array(kept, np.int32))), x_shape
    kept = make_tensor("ReducedShape", [x_shape, axis])
    return shape_ops.reshape(dy, kept), x_shape


class Sum(Reduction):
    type = "Sum"
    reduce = staticmethod(lambda x, axes, keep: np.sum(x, axis=axes, keepdims=keep))

    def gradient(op, dy):
        g, x_shape = _keepdims_grad(op, dy)
        return [shape_ops.broadcast_to(g, x_shape), None]


class Mean(Reduction):
    type = "Mean"
    reduce = staticmethod(lambda x, axes, keep: np.mean(x, axis=axes, keepdims=keep))

    def gradient(op, dy):
        x, y = op.inputs[0], op.outputs[0]
        g, x_shape = _keepdims_grad(op, dy)
        g = shape_ops.broadcast_to(g, x_shape)
        nx, ny = x.shape.num_elements(), y.shape.num_elements()
        if nx is not None and ny is not None:
            count = constant(max(nx // max(ny, 1), 1), dtype=dy.dtype)
        else:
            from .elementwise import cast, maximum
            count = cast(maximum(shape_ops.size(x) // maximum(shape_ops.size(y), 1), 1),
                         dy.dtype)
        return [g / count, None]


class _Extremum(Reduction):
    def gradient(op, dy):
        from .elementwise import cast, equal
        x, y = op.inputs[0], op.outputs[0]
        g, x_shape = _keepdims_grad(op, dy)
        y_kept, _ = _keepdims_grad(op, y)
        hits = cast(equal(y_kept, x), dy.dtype)
        count = reduce_sum(hits, op.inputs[1], keepdims=True)
        return [hits / count * g, None]


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else False if dtype.kind == "b" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else True if dtype.kind == "b" else np.iinfo(dtype).max


# An empty reduction gives the identity (-inf for max, +inf for min), as in TF.
class Max(_Extremum):
    type = "Max"
    reduce = staticmethod(lambda x, axes, keep: np.max(x, axis=axes, keepdims=keep,
                                                       initial=_lowest(x.dtype)))


class Min(_Extremum):
    type = "Min"
    reduce = staticmethod(lambda x, axes, keep: np.min(x, axis=axes, keepdims=keep,
                                                       initial=_highest(x.dtype)))


class Prod(Reduction):
    type = "Prod"
    reduce = staticmethod(lambda x, axes, keep: np.prod(x, axis=axes, keepdims=keep))

    def gradient(op, dy):
        g, x_shape = _keepdims_grad(op, dy)
        g = shape_ops.broadcast_to(g, x_shape)
        return [g * make_tensor("ProdOfOthers", [op.inputs[0], op.inputs[1]]), None]


class ProdOfOthers(OpDef):
    """For each element, the product of the other elements in its reduction group:
    the gradient of Prod that stays exact when the input holds zeros."""
    type = "ProdOfOthers"

    def infer(op):
        return op.inputs[0].shape, op.inputs[0].dtype

    def numpy(x, axis):
        axes = sorted({int(a) % max(x.ndim, 1) for a in np.asarray(axis).ravel()})
        rest = [i for i in range(x.ndim) if i not in axes]
        moved = np.transpose(x, rest + axes)
        flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
        ones = np.ones(flat.shape[:-1] + (1,), x.dtype)
        before = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
        after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
        out = (before * after).reshape(moved.shape)
        return np.transpose(out, np.argsort(rest + axes)).astype(x.dtype)


class All(Reduction):
    type = "All"
    not_differentiable = True
    reduce = staticmethod(lambda x, axes, keep: np.all(x, axis=axes, keepdims=keep))


class Any(Reduction):
    type = "Any"
    not_differentiable = True
    reduce = staticmethod(lambda x, axes, keep: np.any(x, axis=axes, keepdims=keep))


def _reduce(op_type, default_name):
    def fn(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
           keep_dims=None):
        x = convert_to_tensor(input_tensor)
        axis = axis if axis is not None else reduction_indices
        keep = bool(keepdims if keepdims is not None else keep_dims)
        if axis is None:   # TF makes the axes a plain Const outside the op's scope
            if x.shape.ndims is None:
                from .array_ops import range_
                axis = range_(0, shape_ops.rank(x))
            else:
                axis = constant(np.arange(x.shape.ndims, dtype=np.int32))
            out = make_tensor(op_type, [x, axis], {"keep_dims": keep}, name=name or default_name)
            if not keep:   # all axes: a scalar even when the rank is unknown
                out.set_shape([])
            return out
        with name_scope(name, default_name, [x]) as scope:
            if not hasattr(axis, "op"):
                axis = convert_to_tensor(axis, dtype=dtypes.int32, name="reduction_indices")
            return make_tensor(op_type, [x, axis], {"keep_dims": keep}, name=scope)
    fn.__name__ = f"reduce_{default_name.lower()}"
    return fn


reduce_sum = _reduce("Sum", "Sum")
reduce_mean = _reduce("Mean", "Mean")
reduce_max = _reduce("Max", "Max")
reduce_min = _reduce("Min", "Min")
reduce_prod = _reduce("Prod", "Prod")
reduce_all = _reduce("All", "All")
reduce_any = _reduce("Any", "Any")


class _ArgExtremum(OpDef):
    not_differentiable = True

    def infer(op):
        x, dim = op.inputs
        d = constant_value(dim)
        if d is None or x.shape.ndims is None:
            return TensorShape(None), op.attrs["output_type"]
        rank = x.shape.ndims
        if not -rank <= int(d) < rank:
            raise ValueError(f"Dimension ({int(d)}) must be in the range [{-rank}, {rank}), "
                             f"where {rank} is the number of dimensions in the input. for "
                             f"'{op.name}' (op: '{op.type}')")
        d = int(d) % rank
        return TensorShape([s for i, s in enumerate(x.shape.as_list()) if i != d]), \
            op.attrs["output_type"]


class ArgMax(_ArgExtremum):
    type = "ArgMax"

    def numpy(x, dim, output_type):
        return np.argmax(x, axis=int(dim)).astype(output_type.as_numpy_dtype)


class ArgMin(_ArgExtremum):
    type = "ArgMin"

    def numpy(x, dim, output_type):
        return np.argmin(x, axis=int(dim)).astype(output_type.as_numpy_dtype)


def _arg(op_type):
    def fn(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):
        axis = axis if axis is not None else (dimension if dimension is not None else 0)
        x = convert_to_tensor(input)
        with name_scope(name, op_type, [x]) as scope:
            axis = convert_to_tensor(axis, dtype=dtypes.int32, name="dimension")
            return make_tensor(op_type, [x, axis], {"output_type": dtypes.as_dtype(output_type)},
                               name=scope)
    return fn


argmax, argmin = _arg("ArgMax"), _arg("ArgMin")


class AddN(OpDef):
    type = "AddN"

    def infer(op):
        shape, dtype = op.inputs[0].shape, op.inputs[0].dtype
        for t in op.inputs[1:]:
            if t.dtype != dtype:
                raise TypeError(f"AddN '{op.name}': inputs must all be {dtype.name}, "
                                f"got {t.dtype.name}")
            try:
                shape = shape.merge_with(t.shape)
            except ValueError:
                raise ValueError(f"Shapes must be equal rank and compatible for '{op.name}' "
                                 f"(op: 'AddN'): {op.inputs[0].shape} vs {t.shape}") from None
        return shape, dtype

    def numpy(*xs):
        out = xs[0].copy()
        for x in xs[1:]:
            out += x
        return out

    def gradient(op, dy):
        return [dy] * len(op.inputs)


def add_n(inputs, name=None):
    inputs = [convert_to_tensor(x) for x in inputs]
    if not inputs:
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype "
                         "and shape")
    if len(inputs) == 1:
        return inputs[0] if name is None else make_tensor("Identity", inputs, name=name)
    return make_tensor("AddN", inputs, name=name or "AddN")
