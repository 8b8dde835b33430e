"""Strided copies and views, the data movement lowerings share: one generic kernel
(kernels/array.cl) copies any strided view of a slot into another, after merging the
dims that are contiguous on both sides; StridedView and ConcatView are such copies
planned but made only when something reads them (units.Deferred)."""
import numpy as np

from ...compiler import codegen
from ...framework import dtypes
from .device import kernel_source
from .lowerings import library
from .units import Deferred, Slot

_MAX_LAUNCHES = 16   # see _copy


# ---------------------------------------------------------------- helpers
def library2(dtype, index_dtype, kernel):
    """(source, name) of a kernel from kernels/gather.cl for an element and index type."""
    t, i = codegen.c_type(dtype), codegen.c_type(index_dtype)
    source = (f"#define T {t}\n#define IT {i}\n#define K(n) n##_{t}_{i}\n" +
              kernel_source("gather") + "\n#undef T\n#undef IT\n#undef K\n")
    return source, f"{kernel}_{t}_{i}"


def _const(b, values, dtype=dtypes.int64):
    """A constant device vector (shapes, strides); equal ones in a plan share a buffer."""
    values = np.asarray(values, dtype=dtype.as_numpy_dtype)
    shared = b.__dict__.setdefault("_array_constants", {})   # per plan builder
    key = (dtype.name, values.tobytes())
    slot = shared.get(key)
    if slot is None:
        slot = shared[key] = Slot(values.shape, dtype, "const")
        slot.value = values
    return slot


_strides = codegen._strides   # (row-major strides of a shape, in elements)


def _prod(shape):
    return int(np.prod(shape, dtype=np.int64))


def _up(n, multiple=8):
    """A grid dim rounded up (kernels check bounds): a prime size would force tiny
    work-groups. Short dims stay exact (rounding would waste a large fraction)."""
    return n if n < 8 * multiple else -(-n // multiple) * multiple


def _grid(outer, mid, inner):
    """(global size, flat) for the kernels indexed by (inner, mid, outer); flat = 1 drops
    an inner dim of 1, so that the first grid dim is long."""
    if inner == 1:
        return (_up(mid), outer), 1
    return (_up(inner), mid, outer), 0


def _collapse(shape, *strides):
    """Drops dims of 1 and merges neighbours that are contiguous in every stride list."""
    dims = []
    for d, n in enumerate(shape):
        if n == 1:
            continue
        st = [s[d] for s in strides]
        if dims and all(p == s * n for p, s in zip(dims[-1][1], st)):
            dims[-1] = (dims[-1][0] * n, st)
        else:
            dims.append((n, st))
    return [n for n, _ in dims], [[st[k] for _, st in dims] for k in range(len(strides))]


def _copy(b, dst, src, shape, dbase, dstrides, sbase, sstrides, dynamic=None):
    """dst[view] = src[view] for two strided views of the same shape. With `dynamic`,
    (begin slot, entries, flag slot, which base) moves a base at run time (see
    gather.cl's dynamic_base)."""
    n = _prod(shape)
    if n == 0 and dynamic is None:
        return
    shape, (ds, ss) = _collapse(shape, dstrides, sstrides)
    lead = max(2 - len(shape), 0)   # the kernel wants rank >= 2
    shape, ds, ss = [1] * lead + shape, [0] * lead + ds, [0] * lead + ss
    bases = None
    if dynamic is not None:
        begin, entries, flag, which = dynamic
        fixed = _const(b, [0, 0] + [v for e in entries for v in e])
        bases = Slot((2,), dtypes.int64)
        source, name = library2(dst.dtype, begin.dtype, "dynamic_base")
        b.launch(source, name, [bases, fixed, begin, flag, np.int32(len(entries)),
                                np.int32(which)], (1,))
    if not n:
        return
    # Dims before the last three cost divisions in the kernel: when they are few, one
    # launch per index of theirs is cheaper.
    outer = shape[:-3]
    launches = [()] if len(shape) <= 3 or _prod(outer) > _MAX_LAUNCHES else np.ndindex(*outer)
    for index in launches:
        if index:
            db = dbase + sum(i * st for i, st in zip(index, ds))
            sb = sbase + sum(i * st for i, st in zip(index, ss))
            view, vd, vs = shape[len(outer):], ds[len(outer):], ss[len(outer):]
        else:
            db, sb, view, vd, vs = dbase, sbase, shape, ds, ss
        r = len(view)
        n2, dq, sq = (view[-3], vd[-3], vs[-3]) if r > 2 else (1, 0, 0)
        more = _const(b, view[:-3] + vd[:-3] + vs[:-3] if r > 3 else [0])
        args = [np.int64(v) for v in (db, sb, view[-1], vd[-1], vs[-1], vd[-2], vs[-2], n2, dq,
                                      sq)] + [more, np.int32(max(r - 3, 0))]
        grid = (_up(view[-1]), view[-2], _prod(view[:-2]))
        if bases is None:
            rows = vd[-1] == 1 and vs[-1] == 1
            source, name = library(b, "array", dst.dtype,
                                   "strided_copy_rows" if rows else "strided_copy")
            b.launch(source, name, [dst, src] + args, grid, _local(grid))
        else:
            source, name = library(b, "array", dst.dtype, "strided_copy_at")
            b.launch(source, name, [dst, src, bases] + args, grid)


def _local(grid):
    """Work-groups of about 4096 work-items for a big copy (PoCL's own choice for
    (128, 2000, 32) spent 40 ms on 18M floats, mostly per group), else PoCL's choice."""
    if grid[0] * grid[1] * grid[2] < 1 << 16 or grid[0] > 4096:
        return None
    rows = max(d for d in range(1, min(grid[1], 4096 // grid[0]) + 1) if grid[1] % d == 0)
    return (grid[0], rows, 1)


def _viewed(b, out_shape, dtype, src, shape, base, strides, dynamic=None):
    out = Slot(out_shape, dtype)
    n = _prod(shape)   # (shape may split out's dims further, as Tile's does)
    assert n == out.size, (out.shape, shape)
    merged, (st,) = _collapse(shape, strides)
    if n and n == src.size and base == 0 and merged in ([], [n]) and st in ([], [1]) and \
            dynamic is None:
        out.alias_of = src
        return out
    _copy(b, out, src, shape, 0, _strides(shape), base, strides, dynamic)
    return out


class StridedView(Deferred):
    """A piece of a slot (a split's output, a TensorArray's element): copied out when
    first read, but a concat or stack copies it from where it is, and a piece nothing
    reads is never copied."""
    # (slots: an unrolled loop plans one per step and array, thousands)
    __slots__ = ("src", "shape", "dtype", "base", "strides", "copy", "hoistable")

    def __init__(self, src, shape, dtype, base, strides):
        self.src, self.shape, self.dtype = src, tuple(shape), dtype
        self.base, self.strides, self.copy = base, list(strides), None

    def materialise(self, b):
        if self.copy is None:
            self.copy = _viewed(b, self.shape, self.dtype, self.src, self.shape, self.base,
                                self.strides)
        return self.copy

    def region(self):
        contiguous = _collapse(self.shape, self.strides)[1][0] in ([], [1])
        return (self.src, self.base) if contiguous else None


def _copy_parts(b, parts, out_shape, dtype, axis, stacked, into=None):
    """The parts copied together into a new slot, or into=(slot, base): from element base
    of that slot on."""
    out, base = into or (Slot(out_shape, dtype), 0)
    ost = _strides(out_shape)
    dst = ost[:axis] + ost[axis + 1:] if stacked else ost
    offset = 0
    for src, shape in parts:
        if isinstance(src, np.ndarray):
            src = b.slot_of_value(src, dtype)
        at = base + offset * ost[axis]
        if isinstance(src, StridedView):
            _copy(b, out, src.src, shape, at, dst, src.base, src.strides)
        else:
            _copy(b, out, src, shape, at, dst, 0, _strides(shape))
        offset += 1 if stacked else shape[axis]
    return out


class ConcatView(Deferred):
    """A concat's value before it is copied together: a matmul reading it multiplies
    each part on its own (lower_matmul.py), and only other readers copy it."""
    __slots__ = ("parts", "shape", "dtype", "axis", "copy")   # (one per loop step)

    def __init__(self, parts, shape, dtype, axis):
        self.parts, self.shape, self.dtype, self.axis = parts, tuple(shape), dtype, axis
        self.copy = None

    def materialise(self, b):
        if self.copy is None:
            self.copy = _copy_parts(b, self.parts, self.shape, self.dtype, self.axis, False)
        return self.copy

    def materialise_into(self, b, block, base):
        """The parts copied together into `block` from element `base` on (an unrolled
        loop's row: a weight gradient then reads all steps' rows at once); returns that
        piece of the block."""
        _copy_parts(b, self.parts, self.shape, self.dtype, self.axis, False, (block, base))
        return StridedView(block, self.shape, self.dtype, base, _strides(self.shape))


class Transposed(Deferred):
    """transpose(x, perm) not copied yet: `inner` is x's value in x's own layout (a Slot,
    or a pending fused group). Elementwise ops whose operands are all transposed alike
    run in the inner layout, a reduction reads the inner value, and a transpose back is
    the inner value itself (the plan builder's _try_elementwise, lower_array's transpose,
    lowerings' reduce); only another reader pays for the copy. So `mean(square(
    transpose(h)))` and its gradient never lay out a transposed h (dynamic_rnn's outputs)."""

    def __init__(self, inner, perm, shape, dtype, sole_reader=False):
        self.inner, self.perm, self.shape, self.dtype = inner, tuple(perm), tuple(shape), dtype
        self.copy = None
        # Whether this is the only reader of inner, and whether anything has read inner
        # in its own layout through it: if neither, a fed inner can be fed transposed.
        self.sole_reader, self.inner_read = sole_reader, False

    @property
    def inner_shape(self):
        shape = [0] * len(self.perm)
        for axis, p in enumerate(self.perm):
            shape[p] = self.shape[axis]
        return tuple(shape)

    def operand(self, b, fuse):
        """The inner value for a reader: a pending group if `fuse` (its one reader fuses
        it), else a slot, computed once."""
        self.inner_read = True
        return self._inner(b, fuse)

    def _inner(self, b, fuse):
        if b.is_group(self.inner) and not fuse:
            self.inner = b.computed(self.inner)
        return self.inner

    def materialise(self, b):
        if self.copy is None and self.sole_reader and not self.inner_read and \
                b.fed_transposed(self.inner, self.perm, self.shape):
            self.copy = self.inner   # (the host transposes the value as it feeds it)
        if self.copy is None:
            inner = self._inner(b, fuse=False)
            st = _strides(inner.shape)
            self.copy = _viewed(b, self.shape, self.dtype, inner, self.shape, 0,
                                [st[p] for p in self.perm])
        return self.copy
