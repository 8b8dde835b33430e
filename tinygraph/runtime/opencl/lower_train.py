"""Optimizer updates on the device: one generated kernel per Apply* op, from the op's
own `c_update`, writing new buffers for the variable and each slot (out of place, so a
failed run changes nothing)."""
import re

from ...compiler import codegen
from ...framework.registry import get_op_def
from ...ops import training_ops
from ...ops.variables import variable_name
from .lowerings import rule


def _apply(b, op):
    op_def = get_op_def(op.type)
    names, refs = op_def.inputs, op_def.refs
    ins = [b.value_of(t, op) if i < refs else b.slot_of(t, op) for i, t in enumerate(op.inputs)]
    outs = [b.new_slot(op.outputs[0])] + [b.new_slot(op.inputs[i]) for i in range(1, refs)]
    body = op_def.c_update(op.attrs) if callable(op_def.c_update) else op_def.c_update
    ctype = codegen.c_type(op.outputs[0].dtype)
    n = outs[0].size
    kname = f"{op.type.lower()}_{len(b.units)}"
    params = [f"__global {ctype}* new_{names[i]}" for i in range(refs)] + \
        [f"__global const {ctype}* in_{name}" for name in names]
    loads = "".join(f"    {ctype} {name} = in_{name}[{'0' if name in op_def.scalars else 'i'}];\n"
                    for name in names)
    stores = "".join(f"    new_{names[i]}[i] = {names[i]};\n" for i in range(refs))
    # sqrt as kernels/fastmath.cl's: PoCL's builtin is an out-of-line call that stops
    # vectorisation. (No bounds check: launched with exactly n work-items.)
    body = re.sub(r"\bsqrt\(", f"tg_sqrt_{ctype}(", body)
    source = (f"#define T {ctype}\n__kernel void {kname}({', '.join(params)}) {{\n"
              f"    const long i = get_global_id(0);\n"
              f"    const T one = (T)1;\n{loads}    {body}\n{stores}}}\n#undef T\n")
    if n:
        b.launch(source, kname, outs + ins, (n,))
    for i in range(refs):
        b.write_variable(variable_name(op.inputs[i].op), outs[i])
    b.sources[op.outputs[0]] = outs[0]


for _name in dir(training_ops):
    _cls = getattr(training_ops, _name)
    if isinstance(_cls, type) and issubclass(_cls, training_ops._ApplyOp) and _cls.type:
        rule(_cls.type)(_apply)
