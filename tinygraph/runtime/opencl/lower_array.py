"""Data movement on the device. Every op that only moves elements (transpose, slices,
concat, stack / unstack, split, tile, reverse, pads, gathers with constant indices)
runs as one copy kernel driven by an index map: with its shape parameters known when the
plan is built, the op's own numpy declaration applied to element numbers gives, for each
output element, which input element it copies (0 for padding). One kernel serves them
all, and their shape semantics stay declared in one place."""
import numpy as np

from ...compiler import codegen
from ...framework.registry import get_op_def
from .lowerings import rule
from .units import Slot

DATA_INPUTS = {   # op type -> positions of the inputs whose elements are moved
    "Transpose": [0], "Slice": [0], "StridedSlice": [0], "Tile": [0], "ReverseV2": [0],
    "Pad": [0], "PadV2": [0], "MirrorPad": [0], "Unpack": [0], "Split": [1], "SplitV": [0],
    "GatherV2": [0],
}


def _data_inputs(op):
    if op.type == "ConcatV2":
        return list(range(len(op.inputs) - 1))
    if op.type == "Pack":
        return list(range(len(op.inputs)))
    return DATA_INPUTS[op.type]


@rule("Transpose", "Slice", "StridedSlice", "Tile", "ReverseV2", "Pad", "PadV2", "MirrorPad",
      "Unpack", "Split", "SplitV", "GatherV2", "ConcatV2", "Pack")
def _move(b, op):
    data = _data_inputs(op)
    values, sizes, offset = [], [], 1   # element numbers start at 1: 0 marks padding
    for i, t in enumerate(op.inputs):
        if i in data:
            shape = b.shape(t)
            n = int(np.prod(shape))
            values.append(np.arange(offset, offset + n, dtype=np.int64).reshape(shape))
            sizes.append(n)
            offset += n
        else:
            value = b.host_value(t)
            if value is None:   # indices computed at run time
                return _gather_device(b, op) if op.type == "GatherV2" else False
            if op.type == "PadV2" and i == 2:
                value = np.zeros((), np.int64)   # padding reads as element 0
            values.append(value)
    try:
        maps = get_op_def(op.type).compute(op, values, None)
    except Exception:
        return False   # invalid parameters: the host raises the op's own error
    if offset >= 2**31:
        return False
    sources = [b.slot_of(op.inputs[i], op) for i in data]
    pad = b.host_value(op.inputs[2]) if op.type == "PadV2" else np.zeros(())
    if pad is None:
        return False
    ctype = codegen.c_type(op.outputs[0].dtype)
    for t, index_map in zip(op.outputs, maps):
        out = b.new_slot(t)
        b.sources[t] = out
        if not out.size:
            continue
        index = Slot(out.shape, _int32())
        index.kind = "const"
        index.value = np.asarray(index_map, dtype=np.int32, order="C")
        name = f"move_{len(b.units)}"
        branches, start = [], 0
        for k, n in enumerate(sizes):
            branches.append(f"if (j < {start + n}) {{ out[g] = in{k}[j - {start}]; return; }}")
            start += n
        params = ", ".join(f"__global const {ctype}* in{k}" for k in range(len(sizes)))
        source = f"""__kernel void {name}(__global {ctype}* out, __global const int* index, {params}) {{
    const long g = get_global_id(0);
    if (g >= {out.size}) return;
    const long j = (long)index[g] - 1;
    if (j < 0) {{ out[g] = {codegen.literal(pad.reshape(()), t.dtype)}; return; }}
    {' '.join(branches)}
}}
"""
        b.launch(source, name, [out, index] + sources, (out.size,))


def _int32():
    from ...framework import dtypes
    return dtypes.int32


def _bad_index_message(indices_slot, limit, check_negative, template):
    """The reference backend's message for the first index out of [0, limit)."""
    from ...ops.gather_ops import _first_bad

    def message(detail, read):
        indices = read(indices_slot)
        bad = indices >= limit
        if check_negative:
            bad |= indices < 0
        return template.format(where=_first_bad(bad, indices), n=limit)
    return message


def _gather_device(b, op):
    """GatherV2 with indices computed at run time: one work-item per output element."""
    shape, axis = b.shape(op.inputs[0]), b.host_value(op.inputs[2])
    if axis is None or op.inputs[1].dtype.name not in ("int32", "int64"):
        return False
    axis = int(axis) % len(shape)
    outer, n, inner = int(np.prod(shape[:axis])), shape[axis], int(np.prod(shape[axis + 1:]))
    params, indices = b.slot_of(op.inputs[0], op), b.slot_of(op.inputs[1], op)
    m = int(np.prod(b.shape(op.inputs[1])))
    flag = b.error_flag(op, _bad_index_message(indices, n, True,
                                               "indices{where} is not in [0, {n})"),
                        keep=[indices])
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    if not out.size:
        return
    ctype, itype = codegen.c_type(out.dtype), codegen.c_type(op.inputs[1].dtype)
    name = f"gather_{len(b.units)}"
    source = f"""__kernel void {name}(__global {ctype}* out, __global const {ctype}* params,
                     __global const {itype}* indices, __global int* flag) {{
    const long g = get_global_id(0);
    if (g >= {out.size}) return;
    const long o = g / {m * inner}, j = (g / {inner}) % {m}, i = g % {inner};
    const long k = indices[j];
    if (k < 0 || k >= {n}) {{ flag[0] = 1; out[g] = 0; return; }}
    out[g] = params[(o * {n} + k) * {inner} + i];
}}
"""
    b.launch(source, name, [out, params, indices, flag], (out.size,))


@rule("UnsortedSegmentSum")
def _segment_sum(b, op):
    """The scatter-add gradient of gather, deterministic: each output element sums the
    rows whose id is its segment (no atomics, so the order of additions is fixed)."""
    num = b.host_value(op.inputs[2])
    data_shape, id_shape = b.shape(op.inputs[0]), b.shape(op.inputs[1])
    if num is None:
        return False
    num, n_ids = int(num), int(np.prod(id_shape))
    inner = int(np.prod(data_shape[len(id_shape):]))
    if num * inner * n_ids > 2e8:
        return False   # too many passes over the ids: numpy's add.at on the host wins
    data, ids = b.slot_of(op.inputs[0], op), b.slot_of(op.inputs[1], op)
    flag = b.error_flag(op, _bad_index_message(ids, num, False, "segment_ids{where} is out "
                                                                "of range [0, {n})"),
                        keep=[ids])
    out = b.new_slot(op.outputs[0])
    b.sources[op.outputs[0]] = out
    if not out.size:
        return
    ctype, itype = codegen.c_type(out.dtype), codegen.c_type(op.inputs[1].dtype)
    name = f"segment_sum_{len(b.units)}"
    source = f"""__kernel void {name}(__global {ctype}* out, __global const {ctype}* data,
                     __global const {itype}* ids, __global int* flag) {{
    const long g = get_global_id(0);
    if (g >= {out.size}) return;
    const long s = g / {inner}, i = g % {inner};
    {ctype} acc = 0;
    for (long j = 0; j < {n_ids}; ++j) {{
        const long id = ids[j];
        if (id >= {num}) flag[0] = 1;
        if (id == s) acc += data[j * {inner} + i];
    }}
    out[g] = acc;
}}
"""
    b.launch(source, name, [out, data, ids, flag], (out.size,))
