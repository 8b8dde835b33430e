"""Cross-entropy losses: the SoftmaxCrossEntropyWithLogits and
SparseSoftmaxCrossEntropyWithLogits ops (outputs: loss, backprop), and TF1's wrappers
around them, plus sigmoid_cross_entropy_with_logits built from elementwise ops."""
import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_op, name_scope
from ..framework.operation import convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape
from . import shape_ops
from .array_ops import transpose
from .constant_ops import stop_gradient
from .elementwise import add, exp, log1p, where
from .nn_ops import (check_float, check_rank, flat_shape, fmt_dims, log_softmax,
                     logsumexp_parts, merge_dims, outer_shape, softmax)
from .reductions import reduce_sum


def _batch_mul(vec, mat):
    """vec[:, None] * mat (TF's _BroadcastMul)."""
    return shape_ops.reshape(vec, [-1, 1]) * mat


def _backprop_grad(op, grad_grad):
    """What the backprop output (softmax - labels) sends to the logits: the softmax
    Jacobian applied to grad_grad. Skipped when nothing flows there (second order only)."""
    if grad_grad.op.type == "ZerosLike":
        return None
    sm = softmax(op.inputs[0])
    return (grad_grad - reduce_sum(grad_grad * sm, -1, keepdims=True)) * sm


class SoftmaxCrossEntropyWithLogits(OpDef):
    type = "SoftmaxCrossEntropyWithLogits"

    def infer(op):
        features, labels = op.inputs
        check_float(features, "features")
        if labels.dtype != features.dtype:
            raise TypeError(f"Input 'labels' of '{op.type}' Op has type {labels.dtype.name} "
                            f"that does not match type {features.dtype.name} of argument "
                            "'features'.")
        check_rank(op, features, 2)
        check_rank(op, labels, 2)
        f = features.shape.as_list() if features.shape.ndims else [None, None]
        lab = labels.shape.as_list() if labels.shape.ndims else [None, None]
        classes = merge_dims(op, f[1], lab[1])
        batch = merge_dims(op, f[0], lab[0])
        return [(TensorShape([batch]), features.dtype),
                (TensorShape([batch, classes]), features.dtype)]

    @classmethod
    def compute(cls, op, inputs, ctx):
        logits, labels = inputs
        if logits.shape != labels.shape:
            raise InvalidArgumentError(None, op, "logits and labels must be broadcastable: "
                                                 f"logits_size={fmt_dims(logits.shape)} "
                                                 f"labels_size={fmt_dims(labels.shape)}")
        shifted, lse = logsumexp_parts(logits)
        loss = np.sum(labels * (lse - shifted), axis=-1)
        return [loss.astype(logits.dtype), (np.exp(shifted - lse) - labels).astype(logits.dtype)]

    def gradient(op, grad_loss, grad_grad):
        grad_logits = _batch_mul(grad_loss, op.outputs[1])
        grad_labels = _batch_mul(grad_loss, -log_softmax(op.inputs[0]))
        extra = _backprop_grad(op, grad_grad)
        if extra is not None:
            grad_logits, grad_labels = grad_logits + extra, grad_labels - grad_grad
        return [grad_logits, grad_labels]


class SparseSoftmaxCrossEntropyWithLogits(OpDef):
    type = "SparseSoftmaxCrossEntropyWithLogits"

    def infer(op):
        features, labels = op.inputs
        check_float(features, "features")
        if labels.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"Value passed to parameter 'labels' has DataType "
                            f"{labels.dtype.name} not in list of allowed values: int32, int64")
        check_rank(op, features, 2)
        check_rank(op, labels, 1)
        f = features.shape.as_list() if features.shape.ndims else [None, None]
        lab = labels.shape.as_list() if labels.shape.ndims else [None]
        batch = merge_dims(op, f[0], lab[0])
        return [(TensorShape([batch]), features.dtype),
                (TensorShape([batch, f[1]]), features.dtype)]

    @classmethod
    def compute(cls, op, inputs, ctx):
        logits, labels = inputs
        if logits.ndim != 2 or labels.ndim != 1 or logits.shape[0] != labels.shape[0]:
            raise InvalidArgumentError(None, op, "logits and labels must have the same first "
                                                 "dimension, got logits shape "
                                                 f"{fmt_dims(logits.shape)} and labels shape "
                                                 f"{fmt_dims(labels.shape)}")
        n, classes = logits.shape
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            bad = labels.min() if labels.min() < 0 else labels.max()
            raise InvalidArgumentError(None, op, f"Received a label value of {bad} which is "
                                                 "outside the valid range of [0, "
                                                 f"{classes}).  Label values: "
                                                 + " ".join(str(v) for v in labels))
        shifted, lse = logsumexp_parts(logits)
        rows = np.arange(n)
        backprop = np.exp(shifted - lse)
        backprop[rows, labels] -= 1
        loss = lse[:, 0] - shifted[rows, labels]
        return [loss.astype(logits.dtype), backprop.astype(logits.dtype)]

    def gradient(op, grad_loss, grad_grad):
        grad_logits = _batch_mul(grad_loss, op.outputs[1])
        extra = _backprop_grad(op, grad_grad)
        return [grad_logits if extra is None else grad_logits + extra, None]


def _ensure_xent_args(name, sentinel, labels, logits):
    if sentinel is not None:
        raise ValueError(f"Only call `{name}` with named arguments (labels=..., logits=..., "
                         "...)")
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")


def _move_to_end(x, axis):
    """x with `axis` moved last (TF's _move_dim_to_end), for xent over another axis."""
    rank = x.shape.ndims
    if axis == -1 or axis == rank - 1:
        return x
    axis %= rank
    return transpose(x, [i for i in range(rank) if i != axis] + [axis])


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """Cross entropy of softmax(logits) against the distribution `labels`, along `axis`;
    the gradient flows into both logits and labels."""
    axis = -1 if axis is None and dim is None else (axis if axis is not None else dim)
    with name_scope(name, "softmax_cross_entropy_with_logits", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels")
        shape = logits.shape
        if shape.ndims is None:
            raise NotImplementedError("softmax_cross_entropy_with_logits needs logits of "
                                      "known rank")
        if shape.ndims == 0:
            raise ValueError(f"Logits cannot be scalars - received shape {shape}.")
        logits, labels = _move_to_end(logits, axis), _move_to_end(labels, axis)
        # The op is 2-D: flatten the outer dims, then restore them on the loss (as TF).
        flat_logits = shape_ops.reshape(logits, flat_shape(logits))
        flat_labels = shape_ops.reshape(labels, flat_shape(labels))
        loss = make_op("SoftmaxCrossEntropyWithLogits", [flat_logits, flat_labels],
                       name=scope).outputs[0]
        out = shape_ops.reshape(loss, outer_shape(logits))
        out.set_shape(TensorShape(logits.shape.as_list()[:-1]))
        return out


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """TF1's (deprecated) version: no gradient flows into labels."""
    _ensure_xent_args("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "softmax_cross_entropy_with_logits_sg", [logits, labels]) as scope:
        labels = stop_gradient(labels, name="labels_stop_gradient")
        return softmax_cross_entropy_with_logits_v2(labels, logits, axis=axis if axis
                                                    is not None else dim, name=scope)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                             name=None):
    _ensure_xent_args("sparse_softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "SparseSoftmaxCrossEntropyWithLogits", [labels, logits]):
        labels = convert_to_tensor(labels)
        logits = convert_to_tensor(logits)
        lab_shape, log_shape = labels.shape, logits.shape
        if log_shape.ndims == 0:
            raise ValueError(f"Logits cannot be scalars - received shape {log_shape}.")
        if log_shape.ndims is not None and lab_shape.ndims is not None:
            if lab_shape.ndims != log_shape.ndims - 1:
                raise ValueError(f"Rank mismatch: Rank of labels (received {lab_shape.ndims}) "
                                 "should equal rank of logits minus 1 (received "
                                 f"{log_shape.ndims}).")
            outer = TensorShape(log_shape.as_list()[:-1])
            if lab_shape.is_fully_defined() and outer.is_fully_defined() and \
                    lab_shape.as_list() != outer.as_list():
                raise ValueError(f"Shape mismatch: The shape of labels (received {lab_shape}) "
                                 "should equal the shape of logits except for the last "
                                 f"dimension (received {log_shape}).")
        else:
            raise NotImplementedError("sparse_softmax_cross_entropy_with_logits needs labels "
                                      "and logits of known rank")
        if log_shape.ndims == 2:
            return make_op("SparseSoftmaxCrossEntropyWithLogits", [logits, labels],
                           name="SparseSoftmaxCrossEntropyWithLogits").outputs[0]
        labels_shape = shape_ops.shape_as_tensor(labels) if lab_shape.is_fully_defined() \
            else shape_ops.shape(labels)
        flat_logits = shape_ops.reshape(logits, flat_shape(logits))
        flat_labels = shape_ops.reshape(labels, [-1])
        loss = make_op("SparseSoftmaxCrossEntropyWithLogits", [flat_logits, flat_labels],
                       name="SparseSoftmaxCrossEntropyWithLogits").outputs[0]
        out = shape_ops.reshape(loss, labels_shape)
        out.set_shape(lab_shape)
        return out


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """max(x, 0) - x * z + log(1 + exp(-|x|)): exact for any logit, no overflow."""
    _ensure_xent_args("sigmoid_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, dtype=logits.dtype, name="labels")
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs "
                             f"{labels.shape})")
        zeros = shape_ops.zeros_like(logits)
        cond = logits >= zeros
        relu_logits = where(cond, logits, zeros)
        neg_abs_logits = where(cond, -logits, logits)
        return add(relu_logits - logits * labels, log1p(exp(neg_abs_logits)), name=scope)
