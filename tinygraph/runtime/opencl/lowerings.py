"""How ops that are not elementwise run on an OpenCL device: a table from op type to a
rule rule(builder, op) that adds launches to the plan (or returns False to fall back to
the host). Elementwise ops need no rule: their `expr` is fused by the plan builder."""
import functools

import numpy as np

from ...compiler import codegen
from ...ops.variables import variable_name
from .units import Deferred, Slot

RULES = {}


@functools.lru_cache(maxsize=None)   # read once: a lowering asks once per launch
def kernel_file(name):
    """The text of kernels/<name>.cl (shipped as the package tinygraph.kernels)."""
    from importlib import resources
    return resources.files("tinygraph.kernels").joinpath(f"{name}.cl").read_text()


def library(b, file, dtype, kernel):
    """(source, kernel name) of a hand-written kernel from kernels/<file>.cl, instantiated
    for `dtype`: the file writes T for the element type and K(name) for kernel names."""
    ctype = codegen.c_type(dtype)
    return _instance(file, ctype), f"{kernel}_{ctype}"


@functools.lru_cache(maxsize=None)   # one string per instance: its hash is computed once
def _instance(file, ctype):
    return (f"#define T {ctype}\n#define K(n) n##_{ctype}\n" + kernel_file(file) +
            "\n#undef T\n#undef K\n")


# Rules for ops whose values the plan knows while planning (a TensorArray's elements, a
# loop's iterations): called before the dtype and shape checks device rules need.
PLANNED = {}


def rule(*op_types, table=RULES):
    def register(fn):
        for t in op_types:
            table[t] = fn
        return fn
    return register


def planned_rule(*op_types):
    return rule(*op_types, table=PLANNED)


@rule("Identity", "StopGradient", "Reshape", "ExpandDims", "Squeeze", "PlaceholderWithDefault",
      "Snapshot")
def _view(b, op):
    """Same bytes, another shape: the output is a view of the input's buffer."""
    src = b.slot_of(op.inputs[0], op)
    out = b.new_slot(op.outputs[0])
    out.alias_of = src
    b.sources[op.outputs[0]] = out


@rule("Sum", "Mean", "Max", "Min", "Prod", "All", "Any", "SumToShape")
def _reduce(b, op):
    x = op.inputs[0]
    in_shape = b.shape(x)
    out = b.new_slot(op.outputs[0])
    if op.type == "SumToShape":
        target = tuple(int(d) for d in b.host_value(op.inputs[1]))
        lead = len(in_shape) - len(target)
        axes = list(range(lead)) + [i + lead for i, d in enumerate(target)
                                    if d == 1 and in_shape[i + lead] != 1]
    else:
        axis = b.host_value(op.inputs[1])
        if axis is None:
            return False
        rank = max(len(in_shape), 1)
        axes = sorted({int(a) % rank for a in np.asarray(axis).ravel()}) if in_shape else []
    if not axes:   # nothing reduced: x itself (a piece of a bigger slot stays there)
        if b.pending(x) and b.read_once(x):
            b.sources[op.outputs[0]] = b.sources[x]   # (still to fuse into a reader)
            return
        source = b.leaf(x, op)
        if isinstance(source, Deferred):
            b.sources[op.outputs[0]] = source
            return
        out.alias_of = source
        b.sources[op.outputs[0]] = out
        return
    from .copies import Transposed   # (copies imports this module)
    source = b.sources[x]
    kept = [p for a, p in enumerate(getattr(source, "perm", ())) if a not in axes]
    transposed = isinstance(source, Transposed) and kept == sorted(kept)
    if transposed:
        # The kept axes are in the same order untransposed: reduce the untransposed value.
        axes, in_shape = sorted(source.perm[a] for a in axes), source.inner_shape
    # An elementwise map of one slot read only here is computed on the way (the squares
    # of a mean of squares are never laid out).
    pre = b.element_map(source.inner if transposed else source) if b.read_once(x) else None
    if pre is not None:
        leaf, pre = pre
        src, offset = leaf.region() if isinstance(leaf, Deferred) else (leaf, None)
    elif transposed:
        src, offset = source.operand(b, fuse=False), None
    else:
        src, offset = b.operand(x, op)   # (a piece of a bigger slot is read in place)
    b.sources[op.outputs[0]] = out
    if out.size == 0:
        return
    ctype = codegen.c_type(x.dtype)
    n_red = int(np.prod([in_shape[a] for a in axes]))
    scale = n_red if op.type == "Mean" else None
    kind = op.type
    name = f"reduce_{len(b.units)}"
    parts = 64 if out.size < 16 and n_red >= 4096 else 1
    at = dict(in_offset=offset is not None, pre=pre)
    inputs = [src] + ([np.int64(offset)] if offset is not None else [])
    if parts == 1:
        b.launch(codegen.reduction(name, kind, in_shape, axes, ctype, scale=scale, **at),
                 name, [out] + inputs, (out.size,))
        return
    partial = Slot((out.size, parts), op.outputs[0].dtype)
    b.launch(codegen.reduction(name, kind, in_shape, axes, ctype, parts=parts, **at), name,
             [partial] + inputs, (out.size * parts,))
    final = "Sum" if kind in ("Mean", "SumToShape") else kind
    name2 = name + "_combine"
    b.launch(codegen.reduction(name2, final, (out.size, parts), [1], ctype, scale=scale), name2,
             [out, partial], (out.size,))


@rule("Select")
def _select_rows(b, op):
    """TF1's Select with a vector condition picks rows: the condition is read as a
    column [n, 1, ...], which broadcasts along each row of the fused kernel."""
    c, x, y = op.inputs
    shape = b.shape(op.outputs[0])
    if len(b.shape(c)) != 1 or len(shape) < 2:
        return False
    from .copies import StridedView
    src, offset = b.operand(c, op)   # (a piece of a block stays where it is)
    column = StridedView(src, (shape[0],) + (1,) * (len(shape) - 1), c.dtype, offset or 0,
                         [1] * len(shape))
    operands = [column, b.fused_operand(x, op), b.fused_operand(y, op)]
    b.sources[op.outputs[0]] = b.pending_value(op, "({0} ? {1} : {2})", operands, shape,
                                               op.outputs[0].dtype)


@rule("MatMul", "BatchMatMulV2")
def _matmul(b, op):
    from .lower_matmul import matmul_units
    return matmul_units(b, op)


@rule("Assign")
def _assign(b, op):
    value = b.slot_of(op.inputs[1], op)
    name = variable_name(op.inputs[0].op)
    out = b.new_slot(op.outputs[0])
    # The variable's new value is a copy, so the value's own buffer can be reused later.
    _copy(b, out, value)
    b.write_variable(name, out)
    b.sources[op.outputs[0]] = out


@rule("AssignAdd", "AssignSub")
def _assign_update(b, op):
    name = variable_name(op.inputs[0].op)
    current = b.value_of(op.inputs[0], op)
    delta = b.slot_of(op.inputs[1], op)
    out = b.new_slot(op.outputs[0])
    sign = "+" if op.type == "AssignAdd" else "-"
    ctype = codegen.c_type(out.dtype)
    kname = f"assign_update_{len(b.units)}"
    leaves = [(ctype, current.shape), (ctype, delta.shape)]
    src = codegen.fused_elementwise(kname, [(ctype, f"l0 {sign} l1")], leaves, out.shape, ctype)
    if out.size:
        b.launch(src, kname, [out, current, delta], codegen.elementwise_grid(leaves, out.shape))
    b.write_variable(name, out)
    b.sources[op.outputs[0]] = out


def _copy(b, out, src):
    if out.size:
        ctype = codegen.c_type(out.dtype)
        kname = f"copy_{len(b.units)}"
        leaves = [(ctype, src.shape)]
        b.launch(codegen.fused_elementwise(kname, [(ctype, "l0")], leaves, out.shape, ctype),
                 kname, [out, src], codegen.elementwise_grid(leaves, out.shape))


@rule("NoOp")
def _noop(b, op):
    pass
