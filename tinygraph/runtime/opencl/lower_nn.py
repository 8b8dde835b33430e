"""tf.nn on the device: softmax, cross-entropies, in_top_k and 2-D bias gradients
(kernels/nn.cl), arg max/min, other bias gradients and l2_loss (generated reductions)."""
import numpy as np

from ...compiler import codegen
from ...framework import dtypes
from .lowerings import library, rule
from .units import Deferred, Slot


def _as_int64(b, t, op):
    """The slot of an int tensor as int64 (the kernels index with long)."""
    slot = b.slot_of(t, op)
    if t.dtype == dtypes.int64:
        return slot
    out = Slot(slot.shape, dtypes.int64)
    if out.size:
        name = f"to_long_{len(b.units)}"
        b.launch(codegen.fused_elementwise(name, [("long", "(long)l0")], [("int", slot.shape)],
                                           slot.shape, "long"), name, [out, slot], (out.size,))
    return out


def _rows(shape):
    cols = shape[-1] if shape else 1
    return int(np.prod(shape[:-1])), cols


@rule("Softmax", "LogSoftmax")
def _softmax(b, op):
    x = b.slot_of(op.inputs[0], op)
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    rows, cols = _rows(out.shape)
    if out.size:
        source, name = library(b, "nn", out.dtype, "softmax")
        b.launch(source, name, [out, x, np.int64(rows), np.int64(cols),
                                np.int32(op.type == "LogSoftmax")], (rows,))


@rule("SoftmaxCrossEntropyWithLogits")
def _softmax_xent(b, op):
    if b.shape(op.inputs[0]) != b.shape(op.inputs[1]):
        return False   # mismatched: the host raises the op's error
    x, labels = b.slot_of(op.inputs[0], op), b.slot_of(op.inputs[1], op)
    loss, backprop = b.new_slot(op.outputs[0]), b.new_slot(op.outputs[1])
    b.sources[op.outputs[0]], b.sources[op.outputs[1]] = loss, backprop
    rows, cols = b.shape(op.inputs[0])
    if rows:
        source, name = library(b, "nn", loss.dtype, "softmax_xent")
        b.launch(source, name, [loss, backprop, x, labels, np.int64(rows), np.int64(cols)],
                 (rows,))


@rule("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_xent(b, op):
    shape, label_shape = b.shape(op.inputs[0]), b.shape(op.inputs[1])
    if len(shape) != 2 or tuple(label_shape) != shape[:1]:
        return False
    rows, cols = shape
    x = b.slot_of(op.inputs[0], op)
    labels = _as_int64(b, op.inputs[1], op)
    label_slot = b.slot_of(op.inputs[1], op)

    def message(bad, read):
        values = " ".join(str(v) for v in read(label_slot).ravel())
        return (f"Received a label value of {bad} which is outside the valid range of [0, "
                f"{cols}).  Label values: {values}")
    flag = b.error_flag(op, message, keep=[label_slot])
    loss, backprop = b.new_slot(op.outputs[0]), b.new_slot(op.outputs[1])
    b.sources[op.outputs[0]], b.sources[op.outputs[1]] = loss, backprop
    if rows:
        source, name = library(b, "nn", loss.dtype, "sparse_xent")
        b.launch(source, name, [loss, backprop, x, labels, np.int64(rows), np.int64(cols),
                                flag], (rows,))


@rule("InTopKV2")
def _in_top_k(b, op):
    k = b.host_value(op.inputs[2])
    shape = b.shape(op.inputs[0])
    if k is None or len(shape) != 2 or tuple(b.shape(op.inputs[1])) != shape[:1]:
        return False
    pred, targets = b.slot_of(op.inputs[0], op), _as_int64(b, op.inputs[1], op)
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    if out.size:
        source, name = library(b, "nn", op.inputs[0].dtype, "in_top_k")
        b.launch(source, name, [out, pred, targets, np.int64(shape[0]), np.int64(shape[1]),
                                np.int64(int(k))], (shape[0],))


@rule("ArgMax", "ArgMin")
def _arg_extremum(b, op):
    axis = b.host_value(op.inputs[1])
    shape = b.shape(op.inputs[0])
    if axis is None or not shape or shape[int(axis) % len(shape)] == 0:
        return False   # an empty axis: the host raises numpy's error
    axis = int(axis) % len(shape)
    outer, n, inner = int(np.prod(shape[:axis])), shape[axis], int(np.prod(shape[axis + 1:]))
    x = b.slot_of(op.inputs[0], op)
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    if not out.size:
        return
    ctype, otype = codegen.c_type(op.inputs[0].dtype), codegen.c_type(out.dtype)
    better = ">" if op.type == "ArgMax" else "<"
    nan_check = "(v != v)" if op.inputs[0].dtype.is_floating else "0"   # isnan, inline
    name = f"{op.type.lower()}_{len(b.units)}"
    source = f"""__kernel void {name}(__global {otype}* out, __global const {ctype}* x) {{
    const long g = get_global_id(0);
    if (g >= {outer * inner}) return;
    const long o = g / {inner}, i = g % {inner};
    x += o * {n * inner} + i;
    long best = 0;
    {ctype} best_value = x[0];
    if (!({nan_check.replace('v', 'best_value')})) {{
        for (long j = 1; j < {n}; ++j) {{
            const {ctype} v = x[j * {inner}];
            if ({nan_check}) {{ best = j; break; }}   /* numpy: the first NaN wins */
            if (v {better} best_value) {{ best = j; best_value = v; }}
        }}
    }}
    out[g] = ({otype})best;
}}
"""
    b.launch(source, name, [out, x], (outer * inner,))


@rule("BiasAddGrad")
def _bias_add_grad(b, op):
    shape = b.shape(op.inputs[0])
    channel = 1 if op.attrs["data_format"].startswith("NC") and len(shape) > 2 else len(shape) - 1
    axes = [a for a in range(len(shape)) if a != channel]
    if len(shape) == 2 and channel == 1 and all(shape):
        x, offset = b.operand(op.inputs[0], op)
        sums = ColumnSums(x, offset or 0, shape, op.inputs[0].dtype)
        # (a step's term of a bias gradient is summed over the steps by the loop)
        loop_term = b.iteration is not None and not op.outputs[0].consumers()
        b.sources[op.outputs[0]] = sums if loop_term else sums.materialise(b)
        return
    _reduce_into(b, op, op.inputs[0], axes, "Sum")


class ColumnSums(Deferred):
    """The column sums of a [rows, cols] piece of a slot, not computed yet: a step's term
    of a bias gradient, which the loop sums over its steps as one reduction over all the
    steps' rows when they lie one after another (column_sums_over_steps)."""

    def __init__(self, src, offset, shape, dtype):
        self.src, self.offset, self.shape, self.dtype = src, offset, tuple(shape), dtype
        self.copy = None

    def materialise(self, b):
        if self.copy is None:
            self.copy = _column_sums(b, self.src, self.offset, self.shape, self.dtype)
        return self.copy


def column_sums_over_steps(b, terms):
    """The sum of ColumnSums terms as one reduction, when their pieces are consecutive
    rows of one slot (in any order of the steps); else None."""
    first = terms[0]
    if any(not isinstance(t, ColumnSums) or t.copy is not None or t.shape != first.shape
           or t.src is not first.src for t in terms):
        return None
    steps = sorted(terms, key=lambda t: t.offset)
    rows, cols = first.shape
    if any(t.offset != steps[0].offset + k * rows * cols for k, t in enumerate(steps)):
        return None
    return _column_sums(b, first.src, steps[0].offset, (rows * len(steps), cols), first.dtype)


def _column_sums(b, src, offset, shape, dtype):
    out = Slot(shape[1:], dtype)
    source, name = library(b, "nn", dtype, "column_sums")
    rows, cols = shape
    b.launch(source, name, [out, src, np.int64(offset), np.int64(rows), np.int64(cols)],
             (-(-cols // 8),))
    return out


@rule("L2Loss")
def _l2_loss(b, op):
    _reduce_into(b, op, op.inputs[0], list(range(len(b.shape(op.inputs[0])))), "Sum",
                 pre=["x = x * x;"], scale=2)


def _reduce_into(b, op, t, axes, kind, pre=None, scale=None):
    x, offset = b.operand(t, op)   # (a piece of a bigger slot is read in place)
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    if not out.size:
        return
    name = f"reduce_{len(b.units)}"
    b.launch(codegen.reduction(name, kind, b.shape(t), axes, codegen.c_type(t.dtype),
                               scale=scale, pre=pre, in_offset=offset is not None), name,
             [out, x] + ([np.int64(offset)] if offset is not None else []), (out.size,))
