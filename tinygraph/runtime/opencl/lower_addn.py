"""AddN on an OpenCL device: generated kernels summing all inputs (tf.add_n, and the
gradient sums autodiff builds, e.g. one per weight over an unrolled RNN's steps)."""
from ...compiler import codegen
from .lowerings import rule
from .units import Slot

# Buffers one kernel reads at most: more inputs are summed by a chain of kernels, each
# starting from the previous one's partial sum (keeps kernel argument counts modest).
CHUNK = 16


@rule("AddN")
def _add_n(b, op):
    shape = b.shape(op.outputs[0])
    if any(tuple(b.shape(t)) != tuple(shape) for t in op.inputs):
        return False   # (infer allows only equal shapes; anything else: the host decides)
    out = b.new_slot(op.outputs[0])
    ctype = codegen.c_type(out.dtype)
    # bool: numpy's `+=` on booleans is a logical or; `+` on uchar would give 2.
    plus = " | " if out.dtype.name == "bool" else " + "
    pending = [b.slot_of(t, op) for t in op.inputs]
    b.sources[op.outputs[0]] = out
    if out.size == 0:
        return
    while pending:
        # Left to right, like numpy's `out += x` loop: float32 results are bit-identical.
        leaves, pending = pending[:CHUNK], pending[CHUNK:]
        if pending:
            target = Slot(shape, out.dtype)   # a partial sum, the next chunk's first leaf
            pending.insert(0, target)
        else:
            target = out
        expr = plus.join(f"l{k}" for k in range(len(leaves)))
        kname = f"add_n_{len(b.units)}"
        src = codegen.fused_elementwise(kname, [(ctype, expr)],
                                        [(ctype, s.shape) for s in leaves], shape, ctype)
        b.launch(src, kname, [target] + leaves, (out.size,))
