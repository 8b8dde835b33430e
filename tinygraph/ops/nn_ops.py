"""Neural-network ops: activations (Relu6, Selu, Softsign, LeakyRelu), Softmax and
LogSoftmax, BiasAdd, L2Loss, InTopKV2, and the functions TF1 builds from ops (dropout,
embedding_lookup, xw_plus_b). The cross-entropy losses live in xent_ops."""
import numbers

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape, as_shape
from . import shape_ops
from .array_ops import stack, transpose, unstack
from .constant_ops import constant, constant_value, identity
from .elementwise import GradOp, Unary, abs, cast, exp, less, sign  # noqa: A004
from .gather_ops import gather
from .matmul import matmul
from .random_ops import random_uniform
from .reductions import reduce_sum

_FLOAT_NAMES = "float16, bfloat16, float32, float64"


def fmt_dims(shape):
    """A static shape as TF prints it in op errors: [3,?,5]."""
    shape = as_shape(shape)
    if shape.ndims is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.as_list()) + "]"


def check_float(t, param, allowed=_FLOAT_NAMES):
    if not t.dtype.is_floating:
        raise TypeError(f"Value passed to parameter '{param}' has DataType {t.dtype.name} "
                        f"not in list of allowed values: {allowed}")


def check_rank(op, t, rank, at_least=False):
    """TF's 'Shape must be rank N' error for input `t` of `op`."""
    n = t.shape.ndims
    if n is None or (n >= rank if at_least else n == rank):
        return
    shapes = ", ".join(fmt_dims(i.shape) for i in op.inputs)
    what = "at least rank" if at_least else "rank"
    raise ValueError(f"Shape must be {what} {rank} but is rank {n} for '{op.name}' "
                     f"(op: '{op.type}') with input shapes: {shapes}.")


def merge_dims(op, a, b):
    """Two static dims (ints or None) that must be equal, as TF's shape functions say it."""
    if a is not None and b is not None and a != b:
        shapes = ", ".join(fmt_dims(i.shape) for i in op.inputs)
        raise ValueError(f"Dimensions must be equal, but are {a} and {b} for '{op.name}' "
                         f"(op: '{op.type}') with input shapes: {shapes}.")
    return a if a is not None else b


def outer_shape(x, tail=()):
    """x's shape without its last dim, plus `tail`, as a shape tensor for Reshape: a Const
    (with -1 for one unknown dim) when possible, else stacked from Shape (needs the rank)."""
    dims = x.shape.as_list()[:-1]
    if sum(d is None for d in dims) <= 1:
        return constant(np.array([-1 if d is None else d for d in dims] + list(tail), np.int32))
    parts = unstack(shape_ops.shape(x), num=len(dims) + 1)[:-1]
    parts = [p if d is None else constant(d) for p, d in zip(parts, dims)]
    return stack(parts + [constant(t) for t in tail])


def flat_shape(x):
    """[-1, last dim of x] as a shape tensor (the last dim read at run time if unknown)."""
    last = x.shape[-1].value
    if last is not None:
        return constant(np.array([-1, last], np.int32))
    return stack([constant(-1), unstack(shape_ops.shape(x), num=x.shape.ndims)[-1]])


# ---------------------------------------------------------------- activations
class _FloatUnary(Unary):
    def infer(op):
        check_float(op.inputs[0], "features")
        return op.inputs[0].shape, op.inputs[0].dtype


class Relu6(Unary):
    type = "Relu6"
    expr = "({0} < 0 ? ({T})0 : ({0} > 6 ? ({T})6 : {0}))"   # NaN stays NaN, as np.clip

    def numpy(x):
        return np.clip(x, 0, 6).astype(x.dtype)

    def gradient(op, dy):
        return [make_tensor("Relu6Grad", [dy, op.outputs[0]])]


class Relu6Grad(GradOp):
    type = "Relu6Grad"
    expr = "(({1} > 0 && {1} < 6) ? {0} : ({T})0)"

    def numpy(dy, x):
        return (dy * ((x > 0) & (x < 6))).astype(dy.dtype)

    def gradient(op, g):
        return [make_tensor("Relu6Grad", [g, op.inputs[1]]), shape_ops.zeros_like(op.inputs[1])]


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class Selu(_FloatUnary):
    type = "Selu"
    expr = "(({T})1.0507009873554804934193349852946 * ({0} > 0 ? {0} : ({T})1.6732632423543772848170429916717 * tg_expm1_{T}({0})))"

    def numpy(x):
        neg = _SELU_ALPHA * np.expm1(np.minimum(x, 0))
        return (_SELU_SCALE * np.where(x > 0, x, neg)).astype(x.dtype)

    def gradient(op, dy):
        return [make_tensor("SeluGrad", [dy, op.outputs[0]])]


class SeluGrad(GradOp):
    type = "SeluGrad"
    expr = "({1} > 0 ? {0} * ({T})1.0507009873554804934193349852946 : {0} * ({1} + ({T})1.7580993408473766))"

    def numpy(dy, y):
        # For x <= 0, d selu/dx = scale * alpha * exp(x) = y + scale * alpha.
        return np.where(y > 0, dy * _SELU_SCALE, dy * (y + _SELU_SCALE * _SELU_ALPHA)) \
            .astype(dy.dtype)

    def gradient(op, g):
        dy, y = op.inputs
        return [make_tensor("SeluGrad", [g, y]), g * dy * cast(less(y, 0.0), y.dtype)]


class Softsign(_FloatUnary):
    type = "Softsign"
    expr = "({0} / (({T})1 + tg_fabs_{T}({0})))"

    def numpy(x):
        return (x / (1 + np.abs(x))).astype(x.dtype)

    def gradient(op, dy):
        return [make_tensor("SoftsignGrad", [dy, op.inputs[0]])]


class SoftsignGrad(GradOp):
    type = "SoftsignGrad"
    expr = "({0} / ((({T})1 + tg_fabs_{T}({1})) * (({T})1 + tg_fabs_{T}({1}))))"

    def numpy(dy, x):
        return (dy / np.square(1 + np.abs(x))).astype(dy.dtype)

    def gradient(op, g):
        dy, x = op.inputs
        d = 1.0 + abs(x)
        return [make_tensor("SoftsignGrad", [g, x]), -2.0 * g * dy * sign(x) / (d * d * d)]


class LeakyRelu(_FloatUnary):
    type = "LeakyRelu"

    def expr(op, shapes):
        return "({0} > 0 ? {0} : {0} * ({T})%r)" % float(op.attrs["alpha"])

    def numpy(x, alpha):
        return np.where(x > 0, x, x * np.asarray(alpha, x.dtype)).astype(x.dtype)

    def gradient(op, dy):
        return [make_tensor("LeakyReluGrad", [dy, op.inputs[0]], {"alpha": op.attrs["alpha"]})]


class LeakyReluGrad(GradOp):
    type = "LeakyReluGrad"

    def expr(op, shapes):
        return "({1} > 0 ? {0} : {0} * ({T})%r)" % float(op.attrs["alpha"])

    def numpy(dy, x, alpha):
        return np.where(x > 0, dy, dy * np.asarray(alpha, dy.dtype)).astype(dy.dtype)

    def gradient(op, g):
        x = op.inputs[1]
        return [make_tensor("LeakyReluGrad", [g, x], {"alpha": op.attrs["alpha"]}),
                shape_ops.zeros_like(x)]


def relu6(features, name=None):
    return make_tensor("Relu6", [convert_to_tensor(features)], name=name or "Relu6")


def selu(features, name=None):
    return make_tensor("Selu", [convert_to_tensor(features)], name=name or "Selu")


def softsign(features, name=None):
    return make_tensor("Softsign", [convert_to_tensor(features)], name=name or "Softsign")


def leaky_relu(features, alpha=0.2, name=None):
    with name_scope(name, "LeakyRelu", [features]) as scope:
        features = convert_to_tensor(features, name="features")
        if features.dtype.is_integer:   # TF computes integer inputs in float32
            features = cast(features, dtypes.float32)
        return make_tensor("LeakyRelu", [features], {"alpha": float(alpha)}, name=scope)


# ---------------------------------------------------------------- softmax
def logsumexp_parts(x):
    """(x - max, log(sum(exp(x - max)))) over the last axis: exp never overflows."""
    m = np.max(x, axis=-1, keepdims=True, initial=-np.inf)
    shifted = x - np.where(np.isfinite(m), m, 0).astype(x.dtype)
    with np.errstate(divide="ignore"):
        return shifted, np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax_np(x):
    shifted, lse = logsumexp_parts(x)
    return np.exp(shifted - lse).astype(x.dtype)


def log_softmax_np(x):
    shifted, lse = logsumexp_parts(x)
    return (shifted - lse).astype(x.dtype)


class _SoftmaxBase(OpDef):
    def infer(op):
        x = op.inputs[0]
        check_float(x, "logits")
        check_rank(op, x, 1, at_least=True)
        return x.shape, x.dtype


class Softmax(_SoftmaxBase):
    type = "Softmax"
    numpy = staticmethod(softmax_np)

    def gradient(op, dy):
        y = op.outputs[0]
        return [(dy - reduce_sum(dy * y, -1, keepdims=True)) * y]


class LogSoftmax(_SoftmaxBase):
    type = "LogSoftmax"
    numpy = staticmethod(log_softmax_np)

    def gradient(op, dy):
        return [dy - reduce_sum(dy, -1, keepdims=True) * exp(op.outputs[0])]


def _softmax(op_type, logits, axis, name):
    logits = convert_to_tensor(logits)
    rank = logits.shape.ndims
    axis = -1 if axis is None else axis
    if isinstance(axis, Tensor):
        axis = constant_value(axis)
        if axis is None:
            raise NotImplementedError("softmax over an axis known only at run time")
        axis = int(axis)
    if axis == -1 or (rank is not None and axis == rank - 1):
        return make_tensor(op_type, [logits], name=name or op_type)
    if rank is None:
        raise NotImplementedError("softmax over a non-last axis needs a known rank")
    if not -rank <= axis < rank:
        raise InvalidArgumentError(None, None, f"Dimension ({axis}) must be in the range "
                                               f"[{-rank}, {rank}) where {rank} is the number "
                                               "of dimensions in the input.")
    # As TF: swap the axis with the last one, compute, swap back (the last op is `name`).
    axis %= rank
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    out = make_tensor(op_type, [transpose(logits, perm)])
    out = transpose(out, perm, name=name or "transpose")
    out.set_shape(logits.shape)
    return out


def softmax(logits, axis=None, name=None, dim=None):
    return _softmax("Softmax", logits, axis if axis is not None else dim, name)


def log_softmax(logits, axis=None, name=None, dim=None):
    return _softmax("LogSoftmax", logits, axis if axis is not None else dim, name)


# ---------------------------------------------------------------- bias_add, l2_loss
def _channel_axis(data_format, rank):
    return 1 if data_format.startswith("NC") and rank is not None and rank > 2 else -1


class BiasAdd(OpDef):
    type = "BiasAdd"

    def expr(op, shapes):   # the bias broadcasts along the last axis (NHWC) only
        channel_last = _channel_axis(op.attrs["data_format"], len(shapes[0])) == -1
        return "({0} + {1})" if channel_last else None

    def infer(op):
        value, bias = op.inputs
        if value.dtype != bias.dtype:
            raise TypeError(f"Input 'bias' of 'BiasAdd' Op has type {bias.dtype.name} that "
                            f"does not match type {value.dtype.name} of argument 'value'.")
        check_rank(op, bias, 1)
        check_rank(op, value, 2, at_least=True)
        if value.shape.ndims is None:
            return value.shape, value.dtype
        dims = value.shape.as_list()
        c = _channel_axis(op.attrs["data_format"], len(dims))
        dims[c] = merge_dims(op, dims[c], bias.shape[0].value if bias.shape.ndims else None)
        return TensorShape(dims), value.dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        value, bias = inputs
        c = _channel_axis(op.attrs["data_format"], value.ndim)
        if value.ndim < 2 or bias.shape[0] != value.shape[c]:
            raise InvalidArgumentError(None, op, "Must provide as many biases as the last "
                                                 "dimension of the input tensor: "
                                                 f"{fmt_dims(bias.shape)} vs. "
                                                 f"{fmt_dims(value.shape)}")
        if c == 1:
            bias = bias.reshape((-1,) + (1,) * (value.ndim - 2))
        return [value + bias]

    def gradient(op, dy):
        return [dy, make_tensor("BiasAddGrad", [dy], {"data_format": op.attrs["data_format"]})]


class BiasAddGrad(OpDef):
    """The sum of out_backprop over every axis but the channel one."""
    type = "BiasAddGrad"

    def infer(op):
        dy = op.inputs[0]
        if dy.shape.ndims is None:
            return TensorShape([None]), dy.dtype
        return TensorShape([dy.shape[_channel_axis(op.attrs["data_format"],
                                                   dy.shape.ndims)]]), dy.dtype

    def numpy(dy, data_format):
        c = _channel_axis(data_format, dy.ndim) % dy.ndim
        return np.sum(dy, axis=tuple(i for i in range(dy.ndim) if i != c)).astype(dy.dtype)

    def gradient(op, g):
        dy = op.inputs[0]
        if _channel_axis(op.attrs["data_format"], dy.shape.ndims) == 1:
            g = shape_ops.reshape(g, [-1] + [1] * (dy.shape.ndims - 2))
        return [shape_ops.broadcast_to(g, shape_ops.shape_as_tensor(dy))]


def bias_add(value, bias, data_format=None, name=None):
    with name_scope(name, "BiasAdd", [value, bias]) as scope:
        value = convert_to_tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype=value.dtype, name="bias")
        return make_tensor("BiasAdd", [value, bias], {"data_format": data_format or "NHWC"},
                           name=scope)


def xw_plus_b(x, weights, biases, name=None):
    with name_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        return bias_add(matmul(convert_to_tensor(x), weights), biases, name=scope)


class L2Loss(OpDef):
    type = "L2Loss"

    def infer(op):
        check_float(op.inputs[0], "t")
        return TensorShape([]), op.inputs[0].dtype

    def numpy(x):
        return np.asarray(np.sum(np.square(x)) / 2, dtype=x.dtype)

    def gradient(op, dy):
        return [op.inputs[0] * dy]


def l2_loss(t, name=None):
    return make_tensor("L2Loss", [convert_to_tensor(t)], name=name or "L2Loss")


# ---------------------------------------------------------------- in_top_k
class InTopKV2(OpDef):
    """A target is in the top k when fewer than k predictions are strictly larger (ties
    count in its favour); a row with a non-finite prediction or a bad target is False."""
    type = "InTopKV2"
    not_differentiable = True

    def infer(op):
        predictions, targets, k = op.inputs
        if predictions.dtype != dtypes.float32:
            raise TypeError(f"Input 'predictions' of 'InTopKV2' Op has type "
                            f"{predictions.dtype.name} that does not match expected type of "
                            "float32.")
        if targets.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"Value passed to parameter 'targets' has DataType "
                            f"{targets.dtype.name} not in list of allowed values: int32, int64")
        check_rank(op, predictions, 2)
        check_rank(op, targets, 1)
        check_rank(op, k, 0)
        batch = predictions.shape[0].value if predictions.shape.ndims else None
        t = targets.shape[0].value if targets.shape.ndims else None
        return TensorShape([merge_dims(op, batch, t)]), dtypes.bool

    @classmethod
    def compute(cls, op, inputs, ctx):
        pred, targets, k = inputs
        if pred.shape[0] != targets.shape[0]:
            raise InvalidArgumentError(None, op, f"First dimension of predictions "
                                                 f"{pred.shape[0]} must match length of "
                                                 f"targets {targets.shape[0]}")
        n, classes = pred.shape
        valid = (targets >= 0) & (targets < classes)
        if classes == 0:
            return [valid]
        target_pred = pred[np.arange(n), np.where(valid, targets, 0)]
        larger = np.sum(pred > target_pred[:, None], axis=1)
        return [valid & np.all(np.isfinite(pred), axis=1) & (larger < int(k))]


def in_top_k(predictions, targets, k, name=None):
    with name_scope(name, "in_top_k"):
        predictions = convert_to_tensor(predictions, name="predictions")
        targets = convert_to_tensor(targets, name="targets")
        with name_scope("InTopKV2") as scope:   # TF names k after the op it feeds
            k = convert_to_tensor(k, dtype=targets.dtype, name="k")
            return make_tensor("InTopKV2", [predictions, targets, k], name=scope)


# ---------------------------------------------------------------- dropout, embeddings
def _noise_shape(x, noise_shape):
    if noise_shape is None:
        return shape_ops.shape(x)
    if isinstance(noise_shape, Tensor):
        return noise_shape
    noise = as_shape(noise_shape)
    if x.shape.ndims is not None and x.shape.ndims == noise.ndims:   # fill None from x
        return TensorShape([n if n is not None else d for n, d in
                            zip(noise.as_list(), x.shape.as_list())])
    return noise_shape


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """TF 1.15's dropout: keep_prob becomes rate = 1 - keep_prob, then elements with a
    uniform draw >= rate are kept and scaled by 1 / (1 - rate)."""
    if keep_prob is not None and rate is not None:
        raise ValueError("Cannot specify both 'keep_prob' and 'rate'")
    if keep_prob is not None:
        try:
            rate = 1. - keep_prob
        except TypeError:
            raise ValueError("keep_prob must be a floating point number or Tensor "
                             f"(got {keep_prob!r})") from None
    if rate is None:
        raise ValueError("You must provide a rate to dropout.")
    with name_scope(name, "dropout", [x]):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError("x has to be a floating point tensor since it's going to be "
                             f"scaled. Got a {x.dtype!r} tensor instead.")
        if isinstance(rate, numbers.Real):
            if not 0 <= rate < 1:
                raise ValueError("rate must be a scalar tensor or a float in the range [0, 1), "
                                 f"got {rate:g}")
            if rate == 0:
                return x
        rate = convert_to_tensor(rate, dtype=x.dtype, name="rate")
        rate.shape.assert_is_compatible_with(TensorShape([]))
        value = constant_value(rate)
        if value is not None and value == 0:
            return x
        uniform = random_uniform(_noise_shape(x, noise_shape), seed=seed, dtype=x.dtype)
        scale = 1 / (1 - rate)
        keep_mask = uniform >= rate   # >=: a draw equal to rate is kept, as in TF
        out = x * scale * cast(keep_mask, x.dtype)
        out.set_shape(x.shape)
        return out


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise NotImplementedError("embedding_lookup over partitioned params")
        params = params[0]
    if max_norm is not None:
        raise NotImplementedError("embedding_lookup with max_norm")
    with name_scope(name, "embedding_lookup", [params, ids]) as scope:
        params = convert_to_tensor(params, name="params")
        ids = convert_to_tensor(ids, name="ids")
        return identity(gather(params, ids, name=scope))
