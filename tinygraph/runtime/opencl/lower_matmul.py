"""Matmul lowering: float32 through matmul.Matmul (kernels/matmul.cl: packed operands and
register blocks for CPU devices, local-memory tiles for GPUs); float64 and integers
through a simple generated kernel, one output per work-item.

On CPU devices a B that no unit of the plan writes (a variable's value as the run found
it, a constant, a feed) is packed once per layout: an unrolled RNN's 28 steps read one
packed copy of the weights instead of packing them 28 times, a launch each."""
import numpy as np

from ...compiler import codegen
from ...framework import dtypes
from . import lower_addn
from .copies import ConcatView, StridedView
from .units import CallUnit, Deferred, KernelUnit, Slot


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
    concat = b.sources.get(x)
    if isinstance(concat, ConcatView) and concat.copy is None and op.type == "MatMul" and \
            concat.axis == 1 and not ta and not tb and op.outputs[0].dtype.name == "float32" \
            and M * N and _concat_matmul(b, op, concat, b.slot_of(y, op), M, N) is not False:
        return
    t = op.outputs[0]
    if op.type == "MatMul" and ta and not tb and t.dtype.name == "float32" and M * N * K \
            and not t.consumers() and b.iteration is not None:
        A = b.sources.get(x)   # (a step's term of a weight's gradient: see SumOverSteps)
        A = A if isinstance(A, ConcatView) and A.copy is None else b.leaf(x, op)
        b.sources[t] = SumOverSteps(A, b.leaf(y, op), M, N, K)
        return
    if op.type == "MatMul" and tb and t.dtype.name == "float32" and M * N * K and \
            t.consumers() and all(c.type in ("Split", "SplitV") for c in t.consumers()):
        A, a_off = b.operand(x, op)
        b.sources[t] = Product(A, a_off or 0, b.slot_of(y, op), 0, M, N, K, ta)
        return
    out = b.new_slot(op.outputs[0])
    if out.dtype.name == "float32":   # (operands may be pieces of bigger slots)
        (A, a_off), (B, b_off) = b.operand(x, op), b.operand(y, op)
        a_off, b_off = a_off or 0, b_off or 0
    else:
        (A, a_off), (B, b_off) = (b.slot_of(x, op), 0), (b.slot_of(y, op), 0)
    b.sources[op.outputs[0]] = out
    if out.size == 0:
        return
    n_batch = int(np.prod(batch)) if batch else 1
    if out.dtype.name == "float32":
        return _float32_matmul(b, out, A, B, M, N, K, ta, tb, n_batch, a_off, b_off)
    _simple_matmul(b, out, A, B, M, N, K, ta, tb, n_batch, a_off, b_off)


def _simple_matmul(b, out, A, B, M, N, K, ta, tb, n_batch, a_off=0, b_off=0, c_off=0):
    """One output element per work-item, for dtypes other than float32."""
    ctype = codegen.c_type(out.dtype)
    name = f"matmul_{len(b.units)}"
    a_index = "k * %d + m" % M if ta else "m * %d + k" % K
    b_index = "n * %d + k" % K if tb else "k * %d + n" % N
    source = f"""__kernel void {name}(__global {ctype}* c, __global const {ctype}* a,
                        __global const {ctype}* b, const long ao, const long bo,
                        const long co) {{
    const long n = get_global_id(0);
    const uint r = (uint)get_global_id(1), batch = r / {M}, m = r % {M};
    a += ao + (long)batch * {M * K};
    b += bo + (long)batch * {K * N};
    {ctype} acc = 0;
    for (long k = 0; k < {K}; ++k) acc += a[{a_index}] * b[{b_index}];
    c[co + (long)r * {N} + n] = acc;
}}
"""
    # (n, batch and row) as the grid: no division of a flat index, which PoCL would not
    # vectorise
    b.launch(source, name, [out, A, B] + [np.int64(v) for v in (a_off, b_off, c_off)],
             (N, n_batch * M))


# Slot kinds whose buffer no unit writes during a run: a variable's update goes to a new
# "varwrite" slot (plan.write_variable), constants are uploaded with the plan, feeds
# before the first unit. (A temporary's buffer may be written by in-place units.)
_UNWRITTEN = ("var", "const", "feed")


def _float32_matmul(b, out, A, B, M, N, K, ta, tb, n_batch, a_off=0, b_off=0, c_off=0,
                    b_packs=None, gather=None):
    """out = op(A) @ op(B), each operand `*_off` elements into its buffer. b_packs: a
    dict of products in a row over a B that nothing writes between them, which pack
    each piece of it once. gather: A's rows are a fed array's, time-major (Matmul's
    gather; a_off then counts in the array's own layout)."""
    from .matmul import Matmul
    kernel = "cpu" if b.device.is_cpu else "gpu"
    # One Matmul per product shape in a plan (an unrolled loop's steps share theirs):
    # each holds its config, and the run shares the kernels of equal ones anyway.
    matmuls = b.__dict__.setdefault("_matmuls", {})   # per plan builder
    mm = matmuls.get((M, N, K, ta, tb, n_batch, gather))
    if mm is None:
        mm = matmuls[M, N, K, ta, tb, n_batch, gather] = Matmul(
            b.device.context, b.device.device, M, N, K, ta, tb, batch=n_batch, kernel=kernel,
            gather=gather)
    if mm.kind != "cpu":
        b.units.append(CallUnit(mm, [A, B, out], [a_off, b_off, c_off]))
        return
    # The CPU kernels as units of the plan: bound once like its other kernels, and the
    # packed operands temporaries of the plan's, whose buffers other temporaries share.
    # A B nothing writes during the run is packed once per (B, layout): that packed
    # copy lives from the pack to the last matmul that lists it.
    packs = b.__dict__.setdefault("_packed_b", {}) if b_packs is None else b_packs
    key = (B.root(), b_off, mm.pack_layout) \
        if B.root().kind in _UNWRITTEN or b_packs is not None else None
    packed, index, unit = packs.get(key, (None, -1, None))
    # (Gone if the plan dropped the units since: a loop it could not unroll.)
    if not 0 <= index < len(b.units) or b.units[index] is not unit:
        packed = Slot((mm.packed_b_size,), out.dtype)
        unit = MatmulUnit(mm, "pack_b", [packed, B, np.int32(b_off), *mm.k_args])
        if key is not None:
            packs[key] = packed, len(b.units), unit
        b.units.append(unit)
    if mm.packed_a_size:
        packed_a = Slot((mm.packed_a_size,), out.dtype)
        b.units.append(MatmulUnit(mm, "pack_a", [packed_a, A, np.int32(a_off), *mm.k_args]))
        A, a_off = packed_a, 0
    b.units.append(MatmulUnit(mm, "mm_cpu", [out, A, packed, np.int32(a_off),
                                             np.int32(c_off), *mm.k_args]))


class MatmulUnit(KernelUnit):
    """A launch of a CPU Matmul's kernel `name` (pack_a, pack_b, mm_cpu); mm tells what
    product it is part of."""
    __slots__ = ("mm",)

    def __init__(self, mm, name, args):
        from .matmul import kernel_source
        super().__init__(kernel_source(), name, args, mm.grid(name), (1, 1, 1),
                         mm.build_options)
        self.mm = mm


class Product(Deferred):
    """op(A) @ B^T, computed when read. A split of its columns makes each piece a product
    of its own with B's rows, so a piece nobody reads costs nothing and none is copied
    out (the gradient of concat([x, h]) @ W: only h's part is needed by the step before)."""

    def __init__(self, A, a_off, B, b_off, M, N, K, ta):
        self.A, self.a_off, self.B, self.b_off = A, a_off, B, b_off
        self.M, self.N, self.K, self.ta, self.copy = M, N, K, ta, None

    def materialise(self, b):
        if self.copy is None:
            self.copy = Slot((self.M, self.N), self.B.dtype)
            _float32_matmul(b, self.copy, self.A, self.B, self.M, self.N, self.K, self.ta,
                            True, 1, a_off=self.a_off, b_off=self.b_off)
        return self.copy

    def columns(self, start, width):
        return Product(self.A, self.a_off, self.B, self.b_off + start * self.K, self.M,
                       width, self.K, self.ta)


def _operand(b, source):
    """(slot, offset) of a matmul operand's source (a concat's part, a step's term): a
    Slot, a piece of one read in place, or a host value (float32). (For a tensor:
    b.operand.)"""
    if isinstance(source, np.ndarray):
        return b.slot_of_value(source, dtypes.float32), 0
    if not isinstance(source, Deferred):
        return source, 0
    return source.region() or (source.materialise(b), 0)


def _concat_matmul(b, op, concat, B, M, N):
    """MatMul of a concat along its columns, part by part, so the concat is never copied
    together: concat([x, h]) @ W = x @ W[:i] + h @ W[i:], a pending sum that fuses into
    what reads it (an RNN cell's bias add and activation).

    Done when a part is hoistable: a TensorArray's element or an unstacked row (a step's
    input in an unrolled loop, or a static_rnn's). The first step multiplies the whole
    array by the weights at once, each step reads its rows of that product (one big
    matmul instead of one per step). And in any unrolled loop (a deeper layer's
    concat([h_below, h]): its parts lie where the step left them, and copying them
    together would cost two launches a step and a block of the copies)."""
    t, dtype = op.outputs[0], op.outputs[0].dtype
    starts = np.cumsum([0] + [shape[1] for _, shape in concat.parts])
    if B.root().kind not in _UNWRITTEN or b.iteration is None and not any(
            _hoistable(part) for part, _ in concat.parts):
        return False   # (no part to hoist: one matmul of the concat costs fewer launches)
    terms = []
    for (part, shape), col in zip(concat.parts, starts):
        width = shape[1]
        if _hoistable(part):
            terms.append(_hoisted(b, part, B, col, width, N))
        elif lower_addn.is_zero(part):
            continue
        else:
            product = Slot((M, N), dtype)
            A, a_off = _operand(b, part)
            _float32_matmul(b, product, A, B, M, N, width, False, False, 1, a_off=a_off,
                            b_off=col * N)
            terms.append(product)
    b.sources[t] = b.sum_of(op, terms, (M, N), dtype)


class SumOverSteps(Deferred):
    """A^T @ B not computed yet, for a product read only as one step's term of a sum over
    an unrolled loop's steps (a weight's gradient): the loop sums the terms as one matmul
    over the steps' rows (sum_over_steps), or computes each."""

    def __init__(self, A, B, M, N, K):
        self.A, self.B, self.M, self.N, self.K, self.copy = A, B, M, N, K, None

    def parts(self):
        """(rows of the result, A's source for them) per column part of A."""
        if isinstance(self.A, ConcatView):
            starts = np.cumsum([0] + [shape[1] for _, shape in self.A.parts])
            return [(int(r), shape[1], part) for (part, shape), r in zip(self.A.parts, starts)]
        return [(0, self.M, self.A)]

    def materialise(self, b):
        if self.copy is None:
            self.copy = Slot((self.M, self.N), dtypes.float32)
            A = self.A.materialise(b) if isinstance(self.A, ConcatView) else self.A
            (A, a_off), (B, b_off) = _operand(b, A), _operand(b, self.B)
            _float32_matmul(b, self.copy, A, B, self.M, self.N, self.K, True, False, 1,
                            a_off, b_off)
        return self.copy


RUN_BYTES = 4 << 20
# A gradient loop's per-step values live in blocks of steps (lower_loop.Rows; a block's
# terms of the weights' gradients are summed when it is done), and an input product is
# computed a block of steps at a time (_hoisted): a block's buffer serves the next
# block, so a long loop holds a block of these values, not all steps'; and a block's
# sums read values still in the cache. A block holds about this many bytes of a value.
BLOCK_BYTES = 1 << 20


def block_steps(step_bytes):
    """Steps per block of a value of step_bytes a step."""
    return max(1, BLOCK_BYTES // max(step_bytes, 1))


def sum_over_steps(b, terms):
    """The sum of SumOverSteps terms as a few matmuls, when each part's A and the B of
    the steps are consecutive rows of one slot each (the steps' inputs, states and
    gradients in their blocks): sum_t A_t^T B_t = [A_0; A_1; ...]^T [B_0; B_1; ...].
    None if they are not."""
    first = terms[0]
    layout = [(r, w) for r, w, _ in first.parts()]
    if any(not isinstance(t, SumOverSteps) or t.copy is not None or
           (t.M, t.N, t.K) != (first.M, first.N, first.K) or
           [(r, w) for r, w, _ in t.parts()] != layout for t in terms):
        return None
    M, N, K = first.M, first.N, first.K
    # (a run's matmul packs its operands: a long loop's in pieces of ~RUN_BYTES, which
    # start at the same steps in every part)
    longest = max(1, RUN_BYTES // (4 * K * max([N] + [w for _, w in layout])))
    runs = []   # (rows of the result, [(A slot, A offset, B slot, B offset)] of a run)
    for k, (row, width) in enumerate(layout):
        steps = []
        for t in terms:
            a, bsrc = t.parts()[k][2], t.B
            if lower_addn.is_zero(a):
                continue
            place_a, place_b = _rows_of(a), _place(bsrc)
            if place_a is None or place_b is None:
                return None
            steps.append(place_a[:2] + place_b + place_a[2:])
        steps.sort(key=lambda s: s[3])
        for step in steps:   # runs of steps whose rows follow one another in both
            run = runs[-1][2] if runs and runs[-1][0] == row else None
            if run and step[3] // (K * N) % longest and run[-1][0] is step[0] and \
                    run[-1][2] is step[2] and step[1] == run[-1][1] + K * width and \
                    step[3] == run[-1][3] + K * N:
                run.append(step)
            else:
                runs.append((row, width, [step]))
    if {r for r, _, _ in runs} != {r for r, _ in layout}:
        return None   # (a part with no term at all: rows of zeros; not worth a kernel)
    # Parts whose runs cover the same rows of B pack them once (the input and the state
    # parts of an RNN's weight, but for the first step, whose state h_-1 is zero): each
    # run is split where another's starts, and the products share their packs.
    starts = {run[0][2:4] for _, _, run in runs}   # (B slot, B offset)
    runs = [(row, width, piece) for row, width, run in runs
            for piece in _split_at(run, starts)]
    out = Slot((M, N), dtypes.float32)
    rows, packs = {}, {}
    for row, width, run in runs:
        a, a_off, bs, b_off, gather = run[0]
        alone = sum(r == row for r, _, _ in runs) == 1
        target = out if alone else Slot((width, N), dtypes.float32)
        _float32_matmul(b, target, a, bs, width, N, K * len(run), True, False, 1,
                        _a_offset(a_off, width, gather), b_off, row * N if alone else 0,
                        b_packs=packs, gather=gather)
        if not alone:
            rows.setdefault(row, []).append(target)
    for row, products in rows.items():   # parts summed from several runs, in place
        lower_addn.add_slots(b, products, products[0].shape, dtypes.float32, out, row * N)
    return out


def _split_at(run, starts):
    """A run of steps cut before each step at which some run starts."""
    pieces = [[run[0]]]
    for step in run[1:]:
        if step[2:4] in starts:
            pieces.append([])
        pieces[-1].append(step)
    return pieces


def _place(source):
    """(slot, offset) of a Slot or a piece of one, else None."""
    if isinstance(source, Slot):
        return source, 0
    return source.region() if isinstance(source, Deferred) else None


def _hoistable(part):
    return getattr(part, "hoistable", False) and _rows_of(part) is not None


def _rows_of(source):
    """(slot, element offset, gather) of a step's rows among its array's rows: a piece
    of a slot (gather None), or a row of a fed array read time-major in place (gather
    (batch, steps): lower_tensor_array.GatheredRow; the offset counts time-major)."""
    gather = getattr(source, "gather", None)
    if gather is not None:
        return source.src, source.k * source.size, gather
    place = _place(source)
    return None if place is None else place + (None,)


def _a_offset(offset, width, gather):
    """A's offset for Matmul: a time-major row's element offset, for gathered rows in
    the array's own layout (a block starts at a step: its first row is batch element 0)."""
    return offset if gather is None else offset // width // gather[0] * width


def _hoisted(b, part, B, col, width, N):
    """Rows of (part's array) @ B[col:col + width] as a piece of one product computed
    once for the steps of part's block."""
    whole, base, gather = _rows_of(part)
    rows, row, step_rows = whole.size // width, base // width, part.shape[0]
    # (the rows of a block of steps, computed when the first of them is read)
    block = step_rows * block_steps(step_rows * N * whole.dtype.size)
    start = row // block * block
    if row + step_rows > start + block:
        start, block = 0, rows   # (a part across blocks: the whole product at once)
    count = min(block, rows - start)
    cache = b.__dict__.setdefault("_hoisted", {})   # per plan builder
    key = (whole.root(), B.root(), col, width, start, count)
    product = cache.get(key)
    if product is None:
        product = cache[key] = Slot((count, N), whole.dtype)
        _float32_matmul(b, product, whole, B, count, N, width, False, False, 1,
                        a_off=_a_offset(start * width, width, gather), b_off=col * N,
                        gather=gather)
    return StridedView(product, (step_rows, N), whole.dtype, (row - start) * N, [N, 1])


def packs_moved(b, start):
    """The units from index start on were rolled up (rolling.Window): a packed B of
    theirs is found again by its unit (else packed again by its next reader)."""
    packs = b.__dict__.get("_packed_b", {})
    where = {id(u): i for i, u in enumerate(b.units[start:], start)}
    for key, (packed, index, unit) in list(packs.items()):
        if index >= start:
            packs[key] = packed, where.get(id(unit), -1), unit


def products(units):
    """The Matmuls that a plan's units multiply with, one per product (for tests and
    tools that look at a plan)."""
    from .matmul import Matmul
    return [u.mm if isinstance(u, MatmulUnit) else u.runner for u in units
            if (isinstance(u, MatmulUnit) and u.name == "mm_cpu") or
            (isinstance(u, CallUnit) and isinstance(u.runner, Matmul))]


def cpu_product_flops(units):
    """Floating-point operations of the CPU matrix products among a plan's units."""
    return sum(2 * u.mm.M * u.mm.N * u.mm.batch * int(u.args[-1] if u.mm.k_args else u.mm.K)
               for u in units if isinstance(u, MatmulUnit) and u.name == "mm_cpu")
