"""Matmul lowering: float32 through matmul.Matmul (kernels/matmul.cl: packed operands and
register blocks for CPU devices, local-memory tiles for GPUs); float64 and integers
through a simple generated kernel, one output per work-item.

On CPU devices a B that no unit of the plan writes (a variable's value as the run found
it, a constant, a feed) is packed once per layout: an unrolled RNN's 28 steps read one
packed copy of the weights instead of packing them 28 times, a launch each."""
import numpy as np

from ...compiler import codegen


def matmul_units(b, op):
    x, y = op.inputs
    sa, sb = b.shape(x), b.shape(y)
    if op.type == "MatMul":
        ta, tb, batch = op.attrs["transpose_a"], op.attrs["transpose_b"], ()
    else:
        ta, tb = op.attrs["adj_x"], op.attrs["adj_y"]
        if tuple(sa[:-2]) != tuple(sb[:-2]):
            return False   # broadcast batches: host fallback
        batch = tuple(sa[:-2])
    M, K = (sa[-1], sa[-2]) if ta else (sa[-2], sa[-1])
    N = sb[-2] if tb else sb[-1]
    out = b.new_slot(op.outputs[0])
    A, B = b.slot_of(x, op), b.slot_of(y, op)
    b.sources[op.outputs[0]] = out
    if out.size == 0:
        return
    n_batch = int(np.prod(batch)) if batch else 1
    if out.dtype.name == "float32":
        return _float32_matmul(b, out, A, B, M, N, K, ta, tb, n_batch)
    ctype = codegen.c_type(out.dtype)
    name = f"matmul_{len(b.units)}"
    a_index = "k * %d + m" % M if ta else "m * %d + k" % K
    b_index = "n * %d + k" % K if tb else "k * %d + n" % N
    source = f"""__kernel void {name}(__global {ctype}* c, __global const {ctype}* a,
                        __global const {ctype}* b) {{
    const long g = get_global_id(0);
    if (g >= {n_batch * M * N}) return;
    const long batch = g / {M * N}, m = (g / {N}) % {M}, n = g % {N};
    a += batch * {M * K};
    b += batch * {K * N};
    {ctype} acc = 0;
    for (long k = 0; k < {K}; ++k) acc += a[{a_index}] * b[{b_index}];
    c[g] = acc;
}}
"""
    b.launch(source, name, [out, A, B], (out.size,))


# Slot kinds whose buffer no unit writes during a run: a variable's update goes to a new
# "varwrite" slot (plan.write_variable), constants are uploaded with the plan, feeds
# before the first unit. (A temporary's buffer may be written by in-place units.)
_UNWRITTEN = ("var", "const", "feed")


def _float32_matmul(b, out, A, B, M, N, K, ta, tb, n_batch):
    from .matmul import Matmul, PackB
    from .units import CallUnit, Slot
    kernel = "cpu" if b.device.is_cpu else "gpu"
    runner = Matmul(b.device.context, b.device.device, M, N, K, ta, tb, batch=n_batch,
                    kernel=kernel)
    root = B.root()
    if runner.kind == "cpu" and root.kind in _UNWRITTEN:
        # One packed copy per (B, layout), a temporary of the plan's: its lifetime runs
        # from the pack to the last matmul that lists it.
        packs = b.__dict__.setdefault("_packed_b", {})   # per plan builder
        key = (root, runner.pack_layout)
        packed, index, unit = packs.get(key, (None, -1, None))
        # (Gone if the plan dropped the units since: a loop it could not unroll.)
        if not 0 <= index < len(b.units) or b.units[index] is not unit:
            packed = Slot((runner.packed_b_size,), out.dtype)
            unit = CallUnit(PackB(runner), [B, packed])   # .enqueue(queue, b, bp)
            packs[key] = packed, len(b.units), unit
            b.units.append(unit)
        runner = Matmul(b.device.context, b.device.device, M, N, K, ta, tb, batch=n_batch,
                        kernel=kernel, packed_b=True)
        B = packed
    b.units.append(CallUnit(runner, [A, B, out]))   # runner.enqueue(queue, a, b, c)
