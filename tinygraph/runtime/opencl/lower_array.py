"""Data movement on the device. Transposes, slices, strided slices, splits, unstack,
tiles, reverses and the parts of concat / stack are all strided views: each becomes one
generic strided-copy kernel (kernels/array.cl, copies.py) with its shape and strides as arguments,
after merging the dims that are contiguous on both sides; an op that leaves the bytes as
they are becomes a view of its input (no copy). Pads have their own kernel. Begins known
only at run time are fine where they pick one element (x[i], tf.slice at a computed
begin): a one-work-item kernel moves the view's start, and checks it. A rule declines
(the op runs on the host, which raises the reference's error) when its parameters are
invalid or its output's shape is only known at run time. Gathers, segment sums and
one-hot are in lower_gather.py."""
import numpy as np

from ...framework.registry import get_op_def
from ...ops.slicing import _bit, _check_shrinks, _dense_spec, _numpy_index
from .copies import (ConcatView, StridedView, Transposed, _collapse, _const, _copy,
                     _copy_parts, _grid, _prod, _strides, _up, _viewed)
from .lowerings import library, rule
from .units import Slot

def _view_out(b, t, src, shape, base, strides, dynamic=None):
    """Output t = a strided view of src, read into a new contiguous buffer, or src's own
    buffer when the view is all of src in order."""
    b.sources[t] = _viewed(b, b.shape(t), t.dtype, src, shape, base, strides, dynamic)


def _lazy_view_out(b, t, src, shape, base, strides, hoistable=False):
    if _prod(shape) == src.size:   # all of src: a free alias
        return _view_out(b, t, src, shape, base, strides)
    view = b.sources[t] = StridedView(src, shape, t.dtype, base, strides)
    view.hoistable = hoistable   # (see lower_matmul._concat_matmul)


def _static_ints(b, t):
    value = b.host_value(t)
    return None if value is None else [int(v) for v in np.asarray(value).ravel()]


# ---------------------------------------------------------------- views
@rule("Transpose")
def _transpose(b, op):
    shape, perm = b.shape(op.inputs[0]), _static_ints(b, op.inputs[1])
    if shape is None or perm is None or sorted(perm) != list(range(len(shape))):
        return False
    x, out = op.inputs[0], op.outputs[0]
    source, st = b.sources[x], _strides(shape)
    if b.iteration is not None or not isinstance(source, Transposed) and \
            _collapse(b.shape(out), [st[p] for p in perm])[1][0] in ([], [1]):
        # (in a loop step, or no copy needed: a view now)
        _view_out(b, out, b.slot_of(x, op), [shape[p] for p in perm], 0, [st[p] for p in perm])
        return
    alone = b.read_once(x)   # (the only reader of inner)
    if isinstance(source, Transposed):   # a transpose of a transpose
        inner = source.operand(b, alone)
        perm = [source.perm[p] for p in perm]
        alone = alone and source.sole_reader
    else:
        inner = source if b.pending(x) and alone else b.slot_of(x, op)
    # Copied only if something other than an elementwise op, a reduction or a transpose
    # back reads it (copies.Transposed).
    b.sources[out] = inner if perm == sorted(perm) else \
        Transposed(inner, perm, b.shape(out), out.dtype, alone)


def _partial_ints(b, t):
    """The entries of a 1-D int tensor, None where known only at run time (as in
    x[1:, i], whose begin packs a constant with i), or None when its length is unknown."""
    value = _static_ints(b, t)
    if value is not None:
        return value
    shape = b.shape(t)
    if shape is None or len(shape) != 1:
        return None
    op = t.op
    if op.type == "Pack" and t not in b.feeds and len(op.inputs) == shape[0] and \
            all(b.info.shapes.get(u) == () for u in op.inputs):
        return [None if b.host_value(u) is None else int(b.host_value(u)) for u in op.inputs]
    return [None] * shape[0]


@rule("Slice")
def _slice(b, op):
    x, begin_t, size_t = op.inputs
    shape, begin, size = b.shape(x), _partial_ints(b, begin_t), _static_ints(b, size_t)
    if shape is None or size is None or begin is None or \
            not len(size) == len(begin) == len(shape):
        return False
    st, sizes, entries, base = _strides(shape), [], [], 0
    for k, (bg, s, d) in enumerate(zip(begin, size, shape)):
        if bg is None:   # a begin known at run time: its size must be static
            if not 0 <= s <= d:
                return False
            entries.append((k, 0, st[k], d - s + 1))
            sizes.append(s)
            continue
        s = d - bg if s == -1 else s
        if not (0 <= bg <= d and 0 <= s <= d - bg):
            return False
        sizes.append(s)
        base += bg * st[k]
    dynamic = None
    if entries:
        begin_slot = b.slot_of(begin_t, op)
        flag = b.error_flag(op, _slice_message(shape, begin_slot, size), keep=[begin_slot])
        dynamic = (begin_slot, entries, flag, 1)
    _view_out(b, op.outputs[0], b.slot_of(x, op), sizes, base, st, dynamic)


def _raised(fn, *args):
    """The message of the ValueError fn(*args) raises (the reference's own check)."""
    try:
        fn(*args)
    except ValueError as e:
        return str(e)
    return "index out of range"   # not reached: the device and the reference agree


def _slice_message(shape, begin_slot, size):
    dummy = np.broadcast_to(np.zeros((), np.uint8), shape)   # a stand-in without data
    return lambda detail, read: _raised(get_op_def("Slice").numpy, dummy, read(begin_slot),
                                        size)


def _index_view(shape, index):
    """(base, shape, strides) of x[index] for a basic numpy index (ints, slices, None)."""
    st, base, dims, strides, d = _strides(shape), 0, [], [], 0
    for item in index:
        if item is None:
            dims.append(1)
            strides.append(0)
            continue
        if isinstance(item, slice):
            start, stop, step = item.indices(shape[d])
            n = len(range(start, stop, step))
            dims.append(n)
            strides.append(step * st[d])
            base += start * st[d] if n else 0
        else:
            base += (item + shape[d] if item < 0 else item) * st[d]
        d += 1
    return base, dims + list(shape[d:]), strides + st[d:]


def _strided_view(b, op, shape):
    """(base, shape, strides, dynamic) of a StridedSlice's view of a `shape` tensor, or None.
    Begins known only at run time are allowed where they pick one element (x[i]): dynamic
    lists those (see gather.cl's dynamic_base) with the begin tensor's index."""
    begin, end = _partial_ints(b, op.inputs[1]), _partial_ints(b, op.inputs[2])
    strides, attrs = _static_ints(b, op.inputs[3]), op.attrs
    if shape is None or strides is None or begin is None or end is None or \
            not len(begin) == len(end) == len(strides):
        return None
    n = len(strides)
    try:
        spec = _dense_spec(len(shape), n, attrs)
    except ValueError:
        return None
    st, dynamic = _strides(shape), []
    for kind, i, d in spec:
        if kind == "slice" and (begin[i] is None and not _bit(attrs["begin_mask"], i) or
                                end[i] is None and not _bit(attrs["end_mask"], i)):
            return None   # (its length is then unknown too)
        if kind == "shrink" and begin[i] is None:
            dynamic.append((i, shape[d], st[d], shape[d]))
    # Placeholders where a value is unused (masked, a shrink's end) or moves at run time.
    begin, end = [0 if v is None else v for v in begin], [0 if v is None else v for v in end]
    try:
        _check_shrinks(shape, begin, attrs)
        base, dims, view_strides = _index_view(shape, _numpy_index(len(shape), begin, end,
                                                                   strides, attrs))
    except (ValueError, IndexError):
        return None
    return base, dims, view_strides, dynamic


def _dynamic(b, op, shape, entries, which):
    """The dynamic argument of _copy for a StridedSlice(Grad) with run-time begins."""
    if not entries:
        return None
    begin = b.slot_of(op.inputs[1], op)
    message = (lambda detail, read: _raised(_check_shrinks, shape,
                                            [int(v) for v in read(begin)], op.attrs))
    return begin, entries, b.error_flag(op, message, keep=[begin]), which


@rule("StridedSlice")
def _strided_slice(b, op):
    shape = b.shape(op.inputs[0])
    view = _strided_view(b, op, shape)
    if view is None or tuple(view[1]) != b.shape(op.outputs[0]):
        return False
    base, vshape, strides, entries = view
    dynamic = _dynamic(b, op, shape, entries, 1)
    _view_out(b, op.outputs[0], b.slot_of(op.inputs[0], op), vshape, base, strides, dynamic)


@rule("StridedSliceGrad")
def _strided_slice_grad(b, op):
    """dy written into its view of a zero-filled output."""
    shape = _static_ints(b, op.inputs[0])
    view = None if shape is None else _strided_view(b, op, shape)
    if view is None or tuple(view[1]) != b.shape(op.inputs[4]):
        return False
    base, vshape, strides, entries = view
    dynamic = _dynamic(b, op, shape, entries, 0)
    dy = b.slot_of(op.inputs[4], op)
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    if out.size and (_prod(vshape) < out.size or dynamic):   # else dy covers every element
        source, name = library(b, "copy", out.dtype, "fill")
        zero = np.zeros((), np.uint8 if out.dtype.name == "bool" else out.dtype.as_numpy_dtype)
        b.launch(source, name, [out, zero[()], np.int64(out.size)], (_up(out.size, 64),))
    _copy(b, out, dy, vshape, base, strides, 0, _strides(vshape), dynamic)


@rule("Tile")
def _tile(b, op):
    """A view of 2 * rank dims: [m0, d0, m1, d1, ...] with stride 0 on the m's."""
    shape, multiples = b.shape(op.inputs[0]), _static_ints(b, op.inputs[1])
    if shape is None or multiples is None or len(multiples) != len(shape) or \
            min(multiples, default=0) < 0:
        return False
    st = _strides(shape)
    dims = [v for m, d in zip(multiples, shape) for v in (m, d)]
    strides = [v for s in st for v in (0, s)]
    _view_out(b, op.outputs[0], b.slot_of(op.inputs[0], op), dims, 0, strides)


@rule("ReverseV2")
def _reverse(b, op):
    shape, axes = b.shape(op.inputs[0]), _static_ints(b, op.inputs[1])
    if shape is None or axes is None or not all(-len(shape) <= a < len(shape) for a in axes):
        return False
    axes = [a % len(shape) for a in axes]
    if len(set(axes)) != len(axes):
        return False
    st, base = _strides(shape), 0
    for a in axes:
        base += (shape[a] - 1) * st[a]
        st[a] = -st[a]
    _view_out(b, op.outputs[0], b.slot_of(op.inputs[0], op), shape,
              base if _prod(shape) else 0, st)


def _split_outputs(b, op, x, axis, sizes):
    """Outputs = consecutive pieces of x along axis."""
    shape = b.shape(x)
    product = b.sources.get(x)
    if hasattr(product, "columns") and product.copy is None and axis == len(shape) - 1:
        for t, start, n in zip(op.outputs, np.cumsum([0] + sizes), sizes):
            b.sources[t] = product.columns(int(start), n)   # (see lower_matmul.Product)
        return
    if b.pending(x) and b.read_once(x) and x not in b.read_later:
        # each piece computed where it is read (an LSTM's four gates), x never laid out
        pieces = [b.piece_of(x, axis, int(start), n)
                  for start, n in zip(np.cumsum([0] + sizes), sizes)]
        if None not in pieces:
            for t, piece in zip(op.outputs, pieces):
                b.sources[t] = piece
            return
    (src, base), st, offset = b.operand(x, op), _strides(shape), 0
    for t, n in zip(op.outputs, sizes):   # (pieces of x, where x lies: maybe in a block)
        dims = list(shape)
        dims[axis] = n
        _lazy_view_out(b, t, src, dims, (base or 0) + offset * st[axis], st)
        offset += n


def _axis(b, t, rank):
    axis = b.host_value(t)
    if axis is None or np.size(axis) != 1:
        return None
    axis = int(np.asarray(axis).ravel()[0])
    return axis % rank if -rank <= axis < rank else None


@rule("Split")
def _split(b, op):
    x, n = op.inputs[1], op.attrs["num_split"]
    shape = b.shape(x)
    axis = None if shape is None or not shape else _axis(b, op.inputs[0], len(shape))
    if axis is None or shape[axis] % n:
        return False
    _split_outputs(b, op, x, axis, [shape[axis] // n] * n)


@rule("SplitV")
def _split_v(b, op):
    x = op.inputs[0]
    shape, sizes = b.shape(x), _static_ints(b, op.inputs[1])
    axis = None if shape is None or not shape else _axis(b, op.inputs[2], len(shape))
    if axis is None or sizes is None or len(sizes) != op.attrs["num_split"] or \
            sizes.count(-1) > 1 or min(sizes, default=0) < -1:
        return False
    known = sum(s for s in sizes if s != -1)
    if (known != shape[axis]) if -1 not in sizes else known > shape[axis]:
        return False
    _split_outputs(b, op, x, axis, [shape[axis] - known if s == -1 else s for s in sizes])


@rule("Unpack")
def _unpack(b, op):
    x = op.inputs[0]
    shape, num = b.shape(x), op.attrs["num"]
    if shape is None or not shape or not -len(shape) <= op.attrs["axis"] < len(shape):
        return False
    axis = op.attrs["axis"] % len(shape)
    if shape[axis] != num:
        return False
    src, st = b.slot_of(x, op), _strides(shape)
    for k, t in enumerate(op.outputs):
        _lazy_view_out(b, t, src, shape[:axis] + shape[axis + 1:], k * st[axis],
                       st[:axis] + st[axis + 1:], hoistable=True)


def _place_parts(b, op, parts, out_t, axis, stacked):
    """Each part copied into its place in out along axis (a new axis when stacked)."""
    if len(parts) == 1:
        out = b.new_slot(out_t)
        out.alias_of = b.slot_of(parts[0], op)
        b.sources[out_t] = out
        return
    b.sources[out_t] = _copy_parts(b, _parts(b, op, parts), b.shape(out_t), out_t.dtype,
                                   axis, stacked)


def _parts(b, op, parts):
    """The parts' sources as copies read them: Slots, pieces of slots (read in place),
    host values (kept: a matmul skips a part of zeros)."""
    out = []
    for t in parts:
        source = b.sources.get(t)
        if not isinstance(source, (np.ndarray, StridedView)):
            source = b.leaf(t, op)
        if isinstance(source, StridedView) and source.shape != b.shape(t):
            source = b.slot_of(t, op)
        out.append((source, b.shape(t)))
    return out


@rule("ConcatV2")
def _concat(b, op):
    parts = list(op.inputs[:-1])
    shapes, out_shape = [b.shape(t) for t in parts], b.shape(op.outputs[0])
    if out_shape is None or not out_shape or any(s is None for s in shapes):
        return False
    axis = _axis(b, op.inputs[-1], len(out_shape))
    if axis is None or any(len(s) != len(out_shape) or
                           s[:axis] + s[axis + 1:] != out_shape[:axis] + out_shape[axis + 1:]
                           for s in shapes) or sum(s[axis] for s in shapes) != out_shape[axis]:
        return False
    if len(parts) == 1:
        return _place_parts(b, op, parts, op.outputs[0], axis, False)
    if all(b.pending(t) for t in parts) and _computed_in_place(b, op, parts, axis):
        return
    b.sources[op.outputs[0]] = ConcatView(_parts(b, op, parts), out_shape, op.outputs[0].dtype,
                                          axis)


def _computed_in_place(b, op, parts, axis):
    """In an unrolled loop, a concat of values not computed yet (an LSTM's four gate
    gradients) is its row of a block, each part computed straight into its columns: no
    copy, and a weight gradient reads every step's row at once (see SumOverSteps)."""
    t = op.outputs[0]
    shape = b.shape(t)
    into = b.iteration.row(t, shape, t.dtype) if b.iteration is not None else None
    if into is None:
        return False
    block, base = into
    strides, offset = _strides(shape), 0
    for part in parts:
        b.materialise_into(part, block, base + offset * strides[axis], strides)
        offset += b.shape(part)[axis]
    b.sources[t] = StridedView(block, shape, t.dtype, base, strides)
    return True


@rule("Pack")
def _pack(b, op):
    parts, out_shape = list(op.inputs), b.shape(op.outputs[0])
    if out_shape is None or any(b.shape(t) is None for t in parts):
        return False
    axis = op.attrs["axis"]
    if not -len(out_shape) <= axis < len(out_shape):
        return False
    axis %= len(out_shape)
    if any(b.shape(t) != out_shape[:axis] + out_shape[axis + 1:] for t in parts):
        return False
    _place_parts(b, op, parts, op.outputs[0], axis, True)


# ---------------------------------------------------------------- pads
_MIRROR = {"REFLECT": 1, "SYMMETRIC": 2}


def _paddings(b, op, rank):
    value = b.host_value(op.inputs[1])
    if value is None or np.size(value) != 2 * rank:
        return None
    value = np.asarray(value, dtype=np.int64).reshape(rank, 2)
    return None if (value < 0).any() else [(int(a), int(c)) for a, c in value]


@rule("Pad", "PadV2", "MirrorPad")
def _pad(b, op):
    shape = b.shape(op.inputs[0])
    pads = None if shape is None else _paddings(b, op, len(shape))
    if pads is None:
        return False
    mode = _MIRROR[op.attrs["mode"]] if op.type == "MirrorPad" else 0
    if mode and any(max(p) >= d if mode == 1 else max(p) > d for p, d in zip(pads, shape)):
        return False
    x = b.slot_of(op.inputs[0], op)
    if not any(a or c for a, c in pads):
        return _view_out(b, op.outputs[0], x, shape, 0, _strides(shape))
    value = b.slot_of(op.inputs[2], op) if op.type == "PadV2" else \
        _const(b, [0], op.outputs[0].dtype)
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    if not out.size:
        return
    dims = []   # (out, in, before); neighbouring unpadded dims merge, dims of 1 go
    for d, (a, c) in zip(shape, pads):
        if d == 1 and not a and not c:
            continue
        if dims and not (a or c) and dims[-1][0] == dims[-1][1]:
            dims[-1] = (dims[-1][0] * d, dims[-1][1] * d, 0)
        else:
            dims.append((d + a + c, d, a))
    dims = [(1, 1, 0)] * max(2 - len(dims), 0) + dims   # the kernel wants rank >= 2
    more = _const(b, [v[k] for k in range(3) for v in dims[:-2]] or [0])
    source, name = library(b, "array", out.dtype, "pad")
    b.launch(source, name, [out, x, value, np.int32(mode)] +
             [np.int64(v) for v in dims[-1] + dims[-2]] + [more, np.int32(len(dims) - 2)],
             (_up(dims[-1][0]), dims[-2][0], _prod([v[0] for v in dims[:-2]])))


@rule("MirrorPadGrad")
def _mirror_pad_grad(b, op):
    """dy's borders folded back, one axis after another (as the reference does)."""
    shape = b.shape(op.inputs[0])
    pads = None if shape is None else _paddings(b, op, len(shape))
    if pads is None or op.attrs["mode"] not in _MIRROR:
        return False
    edge = _MIRROR[op.attrs["mode"]] - 1
    lens = [d - a - c for d, (a, c) in zip(shape, pads)]
    if any(n < 0 or (a or c) and max(a, c) > n - 1 + edge for n, (a, c) in zip(lens, pads)):
        return False
    src = b.slot_of(op.inputs[0], op)
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    folded = [k for k, p in enumerate(pads) if p != (0, 0)]
    if not folded:
        out.alias_of = src
        return
    current = list(shape)
    for k in folded:
        current[k] = lens[k]
        dst = out if k == folded[-1] else Slot(current, out.dtype)
        if dst.size:
            source, name = library(b, "array", out.dtype, "mirror_fold")
            inner = _prod(current[k + 1:])
            grid, flat = _grid(_prod(current[:k]), lens[k], inner)
            args = [shape[k], lens[k], inner, pads[k][0], pads[k][1], edge]
            b.launch(source, name, [dst, src] + [np.int64(a) for a in args] + [np.int32(flat)],
                     grid)
        src = dst


@rule("Range")
def _range(b, op):
    """A range too long to fold on the host (its bounds are known: its shape is)."""
    values = [b.host_value(t) for t in op.inputs]
    shape = b.shape(op.outputs[0])
    if any(v is None for v in values) or shape is None:
        return False
    dtype = op.outputs[0].dtype.as_numpy_dtype
    start, limit, delta = (np.asarray(v).astype(dtype).reshape(())[()] for v in values)
    with np.errstate(all="ignore"):
        # numpy's own count (in the element type: float32 bounds count in float32)
        count = np.ceil((limit - start) / delta) if delta else np.nan
    if not np.isfinite(count) or max(int(count), 0) != shape[0]:
        return False   # the host reports the error (or its numpy count differs)
    second = dtype(start + delta)
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    if out.size:
        source, name = library(b, "array", out.dtype, "range")
        b.launch(source, name, [out, start, second, np.int64(out.size)], (_up(out.size, 64),))


from . import lower_gather  # noqa: E402,F401  (gather, segment sums, one-hot)
