"""Matmul lowering: float32 through kernels/gemm.cl (register-blocked for CPU devices,
tiled in local memory for GPUs); float64 and integers through a simple generated kernel,
one output per work-item."""
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


def _float32_matmul(b, out, A, B, M, N, K, ta, tb, n_batch):
    from .lowerings import kernel_file
    from .units import Slot
    if K == 0:
        name = f"zeros_{len(b.units)}"
        b.launch(codegen.fused_elementwise(name, [("float", "0.0f")], [], out.shape, "float"),
                 name, [out], (out.size,))
        return
    if tb:   # the kernel streams rows of B: give it B as [K, N]
        Bt = Slot((n_batch, K, N), B.dtype)
        name = f"transpose_{len(b.units)}"
        source = f"""__kernel void {name}(__global float* out, __global const float* in) {{
    const long g = get_global_id(0);
    if (g >= {n_batch * K * N}) return;
    const long batch = g / {K * N}, k = (g / {N}) % {K}, n = g % {N};
    out[g] = in[batch * {K * N} + n * {K} + k];
}}
"""
        b.launch(source, name, [Bt, B], (n_batch * K * N,))
        B = Bt
    batched = int(n_batch > 1)
    suffix = f"{M}_{N}_{K}_{int(ta)}_{batched}"
    source = (f"#define M {M}\n#define N {N}\n#define K {K}\n#define TA {int(ta)}\n"
              f"#define BATCHED {batched}\n#define SUFFIX {suffix}\n" + kernel_file("gemm") +
              "\n#undef M\n#undef N\n#undef K\n#undef TA\n#undef BATCHED\n#undef SUFFIX\n")
    groups = -(-((N + 15) // 16) // 4) * 4
    if b.device.is_cpu:
        size, local = ((groups, (M + 7) // 8, n_batch), (4, 1, 1)) if batched else \
            ((groups, (M + 7) // 8), (4, 1))
        name = f"matmul_cpu_{suffix}"
    else:   # GPUs: tiles in local memory
        tiles = (-(-N // 16) * 16, -(-M // 16) * 16)
        size, local = (tiles + (n_batch,), (16, 16, 1)) if batched else (tiles, (16, 16))
        name = f"matmul_tiled_{suffix}"
    # mad-enable lets the compiler fuse multiply-adds (float32 rounding either way).
    b.launch(source, name, [out, A, B], size, local, options=("-cl-mad-enable",))
