"""AddN on an OpenCL device: generated kernels summing all inputs (tf.add_n, and the
gradient sums autodiff builds, e.g. one per weight over an unrolled RNN's steps)."""
import math

import numpy as np

from ...compiler import codegen
from .lowerings import rule
from .units import Slot

# Buffers one kernel reads at most: more inputs are summed by a chain of kernels, each
# starting from the previous one's partial sum (keeps kernel argument counts modest).
CHUNK = 16


def add_slots(b, slots, shape, dtype, out=None, offset=0):
    """The sum of same-shaped slots, left to right like numpy's `out += x` loop (so
    float32 results are bit-identical), into `out` (from element `offset` on: a piece
    of it) or a new slot, which it returns."""
    out = out or Slot(shape, dtype)
    n = math.prod(shape)   # (np.prod costs ~4 us: a loop's plan adds thousands of sums)
    if n == 0:
        return out
    if len(slots) == 1 and not offset:
        out.alias_of = slots[0]
        return out
    ctype = codegen.c_type(dtype)
    # bool: numpy's `+=` on booleans is a logical or; `+` on uchar would give 2.
    plus = " | " if dtype.name == "bool" else " + "
    pending = list(slots)
    while pending:
        leaves, pending = pending[:CHUNK], pending[CHUNK:]
        if pending:
            target = Slot(shape, dtype)   # a partial sum, the next chunk's first leaf
            pending.insert(0, target)
        else:
            target = out
        expr = plus.join(f"l{k}" for k in range(len(leaves)))
        kname = f"add_n_{len(b.units)}"
        at = target is out and offset != 0
        src = codegen.fused_elementwise(kname, [(ctype, expr)],
                                        [(ctype, s.shape) for s in leaves], shape, ctype,
                                        out_offset=at)
        b.launch(src, kname, [target] + leaves + [np.int64(offset)] * at, (n,))
    return out


def is_zero(value):
    """A host value that adds nothing (autodiff's zeros for an unused output's gradient)."""
    return isinstance(value, np.ndarray) and value.dtype != object and not value.any()


@rule("AddN")
def _add_n(b, op):
    t = op.outputs[0]
    shape = b.shape(t)
    if any(tuple(b.shape(x)) != tuple(shape) for x in op.inputs):
        return False   # (infer allows only equal shapes; anything else: the host decides)
    terms = [x for x in op.inputs if not is_zero(b.sources[x])]
    if not terms:
        b.sources[t] = np.zeros(shape, t.dtype.as_numpy_dtype)
    elif len(terms) <= CHUNK and t.dtype.name != "bool" and len(terms) == len(set(terms)):
        # a pending sum, fused into its reader (an RNN's gradient into its activation's)
        b.sources[t] = b.sum_of(op, [b.fused_operand(x, op) for x in terms], shape, t.dtype)
    else:
        b.sources[t] = add_slots(b, [b.slot_of(x, op) for x in terms], shape, t.dtype,
                                 b.new_slot(t))
