"""Ops that pick or scatter by index on the device (kernels/gather.cl, instantiated per
element type and index type): GatherV2, UnsortedSegmentSum (gather's gradient: a
deterministic scatter-add, no atomics) and OneHot. Out-of-range indices raise the
reference's InvalidArgumentError through an error flag."""
import numpy as np

from ...compiler import codegen
from ...framework import dtypes
from ...ops.gather_ops import _first_bad
from .copies import _grid, _prod, _up, library2
from .lower_array import _axis
from .lowerings import rule
from .units import Slot


def _index_error(indices, limit, check_negative, template):
    """The reference's message, naming the first index out of range."""
    def message(detail, read):
        values = read(indices)
        bad = values >= limit
        if check_negative:
            bad |= values < 0
        return template.format(where=_first_bad(bad, values), n=limit)
    return message


def _check_only(b, dtype, indices, flag, limit, check_negative, n):
    if n:
        source, name = library2(dtype, indices.dtype, "check_indices")
        b.launch(source, name, [indices, flag, np.int64(limit), np.int32(check_negative),
                                np.int64(n)], (_up(n, 64),))


def _index_type_ok(t):
    return t.dtype.name in ("int32", "int64")


@rule("GatherV2")
def _gather(b, op):
    shape, ishape = b.shape(op.inputs[0]), b.shape(op.inputs[1])
    if shape is None or ishape is None or not shape or op.attrs.get("batch_dims", 0) or \
            not _index_type_ok(op.inputs[1]):
        return False
    axis = _axis(b, op.inputs[2], len(shape))
    if axis is None:
        return False
    n, m, inner = shape[axis], _prod(ishape), _prod(shape[axis + 1:])
    params, indices = b.slot_of(op.inputs[0], op), b.slot_of(op.inputs[1], op)
    flag = b.error_flag(op, _index_error(indices, n, True, "indices{where} is not in [0, {n})"),
                        keep=[indices])
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    if not out.size:
        return _check_only(b, out.dtype, indices, flag, n, 1, m)
    source, name = library2(out.dtype, indices.dtype, "gather")
    grid, flat = _grid(_prod(shape[:axis]), m, inner)
    b.launch(source, name, [out, params, indices, flag, np.int64(m), np.int64(n),
                            np.int64(inner), np.int32(flat)], grid)


# Below this many (ids x output elements) each output element scans all ids; above it a
# counting sort (one work-item) lets each output element visit only its own rows.
_SCAN_LIMIT = 1 << 22


@rule("UnsortedSegmentSum")
def _segment_sum(b, op):
    data_t, ids_t = op.inputs[:2]
    num = b.host_value(op.inputs[2])
    shape, ishape = b.shape(data_t), b.shape(ids_t)
    if num is None or shape is None or ishape is None or shape[:len(ishape)] != ishape or \
            not _index_type_ok(ids_t) or data_t.dtype.name == "bool":
        return False
    num, n_ids, inner = int(num), _prod(ishape), _prod(shape[len(ishape):])
    if num < 0:
        return False
    data, ids = b.slot_of(data_t, op), b.slot_of(ids_t, op)
    flag = b.error_flag(op, _index_error(ids, num, False,
                                         "segment_ids{where} is out of range [0, {n})"),
                        keep=[ids])
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    if not out.size:
        return _check_only(b, out.dtype, ids, flag, num, 0, n_ids)
    grid, flat = _grid(1, num, inner)
    if n_ids * out.size <= _SCAN_LIMIT:
        source, name = library2(out.dtype, ids.dtype, "segment_sum")
        b.launch(source, name, [out, data, ids, flag, np.int64(n_ids), np.int64(num),
                                np.int64(inner), np.int32(flat)], grid)
        return
    ends, order = Slot((num,), dtypes.int64), Slot((max(n_ids, 1),), dtypes.int64)
    source, name = library2(out.dtype, ids.dtype, "segment_order")
    b.launch(source, name, [ends, order, ids, flag, np.int64(n_ids), np.int64(num)], (1,))
    source, name = library2(out.dtype, ids.dtype, "segment_sum_sorted")
    b.launch(source, name, [out, data, ends, order, np.int64(num), np.int64(inner),
                            np.int32(flat)], grid)


@rule("OneHot")
def _one_hot(b, op):
    indices_t, depth_t, on_t, off_t = op.inputs
    ishape, depth = b.shape(indices_t), b.host_value(depth_t)
    axis = op.attrs["axis"]
    if ishape is None or depth is None or not -1 <= axis <= len(ishape) or int(depth) < 0 or \
            codegen.c_type(indices_t.dtype) is None or indices_t.dtype.is_floating:
        return False
    axis = len(ishape) if axis == -1 else axis
    indices = b.slot_of(indices_t, op)
    on, off = b.slot_of(on_t, op), b.slot_of(off_t, op)
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    if not out.size:
        return
    source, name = library2(out.dtype, indices_t.dtype, "one_hot")
    inner = _prod(ishape[axis:])
    grid, flat = _grid(_prod(ishape[:axis]), int(depth), inner)
    b.launch(source, name, [out, indices, on, off, np.int64(int(depth)), np.int64(inner),
                            np.int32(flat)], grid)
