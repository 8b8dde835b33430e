"""Matrix products: MatMul (rank 2, with transposes) and BatchMatMulV2 (broadcast batches)."""
import numpy as np

from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_tensor
from ..framework.operation import convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape


def _fmt(shape):
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


class MatMul(OpDef):
    type = "MatMul"

    def infer(op):
        a, b = op.inputs
        if a.dtype != b.dtype:
            raise TypeError(f"Input 'b' of 'MatMul' Op has type {b.dtype.name} that does not "
                            f"match type {a.dtype.name} of argument 'a'.")
        sa, sb = a.shape.with_rank(2).as_list(), b.shape.with_rank(2).as_list()
        m, ka = (sa[1], sa[0]) if op.attrs["transpose_a"] else (sa[0], sa[1])
        kb, n = (sb[1], sb[0]) if op.attrs["transpose_b"] else (sb[0], sb[1])
        if ka is not None and kb is not None and ka != kb:
            raise ValueError(f"Dimensions must be equal, but are {ka} and {kb} for "
                             f"'{op.name}' (op: 'MatMul') with input shapes: {_fmt(sa)}, "
                             f"{_fmt(sb)}.")
        return TensorShape([m, n]), a.dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        a, b = inputs
        a = a.T if op.attrs["transpose_a"] else a
        b = b.T if op.attrs["transpose_b"] else b
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
            raise InvalidArgumentError(None, op, f"Matrix size-incompatible: In[0]: "
                                                 f"{_fmt(inputs[0].shape)}, In[1]: "
                                                 f"{_fmt(inputs[1].shape)}")
        return [np.matmul(a, b)]

    def gradient(op, dy):
        a, b = op.inputs
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if not ta and not tb:
            return [matmul(dy, b, transpose_b=True), matmul(a, dy, transpose_a=True)]
        if not ta and tb:
            return [matmul(dy, b), matmul(dy, a, transpose_a=True)]
        if ta and not tb:
            return [matmul(b, dy, transpose_b=True), matmul(a, dy)]
        return [matmul(b, dy, transpose_a=True, transpose_b=True),
                matmul(dy, a, transpose_a=True, transpose_b=True)]


class BatchMatMulV2(OpDef):
    type = "BatchMatMulV2"

    def infer(op):
        from .elementwise import broadcast_shape
        a, b = op.inputs
        sa, sb = a.shape.with_rank_at_least(2), b.shape.with_rank_at_least(2)
        if sa.ndims is None or sb.ndims is None:
            return TensorShape(None), a.dtype
        la, lb = sa.as_list(), sb.as_list()
        m, ka = (la[-1], la[-2]) if op.attrs["adj_x"] else (la[-2], la[-1])
        kb, n = (lb[-1], lb[-2]) if op.attrs["adj_y"] else (lb[-2], lb[-1])
        if ka is not None and kb is not None and ka != kb:
            raise ValueError(f"Dimensions must be equal, but are {ka} and {kb} for "
                             f"'{op.name}' (op: 'BatchMatMulV2') with input shapes: "
                             f"{_fmt(la)}, {_fmt(lb)}.")
        try:
            batch = broadcast_shape(TensorShape(la[:-2]), TensorShape(lb[:-2]), op)
        except ValueError as e:   # name the whole shapes, not just the batch dims
            raise ValueError(f"{str(e).split(' with input shapes')[0]} with input shapes: "
                             f"{_fmt(la)}, {_fmt(lb)}.") from None
        return batch.concatenate([m, n]), a.dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        a, b = inputs
        a = np.swapaxes(a, -1, -2) if op.attrs["adj_x"] else a
        b = np.swapaxes(b, -1, -2) if op.attrs["adj_y"] else b
        try:
            return [np.matmul(a, b)]
        except ValueError:
            raise InvalidArgumentError(None, op, f"In[0] mismatch In[1] shape: "
                                                 f"{_fmt(inputs[0].shape)} vs. "
                                                 f"{_fmt(inputs[1].shape)}") from None

    def gradient(op, dy):
        from .elementwise import unbroadcast
        a, b = op.inputs
        ax, ay = op.attrs["adj_x"], op.attrs["adj_y"]
        if not ax and not ay:
            ga, gb = matmul(dy, b, adjoint_b=True), matmul(a, dy, adjoint_a=True)
        elif not ax and ay:
            ga, gb = matmul(dy, b), matmul(dy, a, adjoint_a=True)
        elif ax and not ay:
            ga, gb = matmul(b, dy, adjoint_b=True), matmul(a, dy)
        else:
            ga = matmul(b, dy, adjoint_a=True, adjoint_b=True)
            gb = matmul(dy, a, adjoint_a=True, adjoint_b=True)
        return [unbroadcast(ga, a), unbroadcast(gb, b)]


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None):
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype=a.dtype) if not hasattr(b, "op") else convert_to_tensor(b)
    ta, tb = transpose_a or adjoint_a, transpose_b or adjoint_b
    if a.shape.ndims == 2 and b.shape.ndims == 2:
        return make_tensor("MatMul", [a, b], {"transpose_a": ta, "transpose_b": tb},
                           name=name or "MatMul")
    return make_tensor("BatchMatMulV2", [a, b], {"adj_x": ta, "adj_y": tb},
                       name=name or "MatMul")
