"""The host pass of a plan: with the feed shapes known, every tensor gets a concrete
shape, and every tensor computable from constants and shapes alone gets its value
(constant folding). Device backends then lower only what depends on data."""
import numpy as np

from ..framework.operation import Tensor
from ..framework.registry import get_op_def, output_specs
from ..framework.tensor_shape import TensorShape


class _ConstOp:
    """Stands in for a tensor's producer when its value is known, so that the ops' own
    shape rules (which read constant inputs through constant_value) see it."""
    type = "Const"

    name = "<folded>"

    def __init__(self, value, dtype):
        self.attrs = {"value": value, "dtype": dtype}
        self.inputs = ()


class _Concrete(Tensor):
    """A tensor as the shape rules see it during planning: a concrete shape, and its
    value when the host knows it."""

    def __init__(self, tensor, shape, value=None, hint=None):   # no consumers: a stand-in
        self.hint = hint
        self._shape = TensorShape(shape)
        self.dtype = tensor.dtype
        self.value_index = tensor.value_index
        self.op = _ConstOp(value, tensor.dtype) if value is not None else tensor.op


class _PlanningOp:
    def __init__(self, op, inputs):
        self.name, self.type, self.attrs = op.name, op.type, op.attrs
        self.inputs = inputs
        self.graph = op.graph
        self.outputs = op.outputs
        self.defined_at = op.defined_at
        self.traceback = op.traceback


# Ops whose outputs depend only on their inputs' shapes, never their values.
SHAPE_ONLY = {"Shape", "Size", "Rank"}
# Folding a big constant costs host time and upload, never correctness; this bound keeps
# plan building fast on graphs with large Fill/Range results.
FOLD_LIMIT = 1 << 22


class ShapePass:
    """shapes[tensor] -> tuple, values[tensor] -> np.ndarray for host-known tensors.

    Built over `steps` at once, or op by op through visit() (a plan that unrolls a loop
    visits its body once per iteration, each time with that iteration's inputs)."""

    def __init__(self, steps, feeds, feed_shapes, variable_shapes, hints=None, given=None):
        self.shapes, self.values = {}, {}
        self._tuples = {}   # shape -> the one tuple of it (see visit)
        self._unknown = {}  # (op, its inputs' shapes) -> its outputs' (see visit)
        # Values the caller computed (a loop's trip-count limits, from the feeds' values):
        # their ops are folded to them.
        self.given = dict(given or {})
        # Fed variants' values (a loop's TensorArray), which shape rules may read for
        # what they hold (e.g. an array's element shape); never folded.
        self.hints = dict(hints or {})
        self.folded = set()   # ops fully computed here (also those without outputs)
        self.variable_shapes = variable_shapes
        for t, s in zip(feeds, feed_shapes):
            self.shapes[t] = tuple(s)
        fed = set(feeds)
        for op in steps:
            if op.outputs and all(t in fed for t in op.outputs):
                continue
            self.visit(op)

    def visit(self, op):
        self.folded.discard(op)
        if op.outputs and all(t in self.given for t in op.outputs):
            for t in op.outputs:
                self._set(t, self.given[t])
            self.folded.add(op)
            return
        op_def = get_op_def(op.type)
        if op.type == "VariableV2":
            shape = self.variable_shapes.get(op.attrs.get("var_name", op.name))
            if shape is None:
                shape = op.attrs["shape"].as_tuple_or_none()
            self.shapes[op.outputs[0]] = tuple(shape) if shape is not None else None
            return
        in_values = [self.values.get(t) for t in op.inputs]
        if op.type == "Const":
            self._set(op.outputs[0], op.attrs["value"])
            return
        if op.type in SHAPE_ONLY and self.shapes.get(op.inputs[0]) is not None:
            # (a view of one byte in the input's shape: the shape costs no memory)
            like = np.broadcast_to(np.empty((), np.uint8), self.shapes[op.inputs[0]])
            value = op_def.numpy(like, **op.attrs)
            self._set(op.outputs[0], value)
            return
        # An op none of whose inputs the host knows gets its shapes from theirs alone, and
        # an unrolled loop visits its body's ops once per step with the same shapes.
        key = (op, tuple(self.shapes.get(t) for t in op.inputs)) if op.inputs and all(
            v is None for v in in_values) and not self.hints.keys() & set(op.inputs) else None
        shapes = self._unknown.get(key) if key else None
        if shapes is not None:
            self.shapes.update(zip(op.outputs, shapes))
            for t in op.outputs:
                self.values.pop(t, None)
            return
        concrete = [_Concrete(t, self.shapes.get(t), self.values.get(t), self.hints.get(t))
                    for t in op.inputs]
        try:
            specs = output_specs(op_def, _PlanningOp(op, concrete))
        except (ValueError, TypeError):
            # The feeds' shapes break the op's shape rule: its shapes stay unknown, so it
            # runs on the host, where its numpy declaration raises the run-time error.
            specs = [(TensorShape(None), t.dtype) for t in op.outputs]
        # (an output the shape rule already knows to be too big is not computed at all:
        # the gradient of a mean over a long sequence broadcasts a constant to its shape)
        foldable = not op_def.stateful and all(v is not None for v in in_values) and \
            not any(TensorShape(s).is_fully_defined() and
                    TensorShape(s).num_elements() > FOLD_LIMIT for s, _ in specs)
        if foldable:
            try:
                outs = op_def.compute(op, in_values, None)
            except Exception:   # left to run time, where the op reports its own error
                outs = [np.zeros(FOLD_LIMIT + 1)]
            if all(np.size(v) <= FOLD_LIMIT for v in outs):
                for t, v in zip(op.outputs, outs):
                    self._set(t, v)
                self.folded.add(op)
                return
        shapes = []
        for t, (shape, _) in zip(op.outputs, specs):
            shape = TensorShape(shape)
            shape = shape.as_tuple_or_none() if shape.is_fully_defined() else None
            # (one tuple per shape: an unrolled loop's records keep each step's shapes)
            shapes.append(self._tuples.setdefault(shape, shape))
            self.shapes[t] = shapes[-1]
            self.values.pop(t, None)
        if key:
            self._unknown[key] = shapes

    def _set(self, t, value):
        value = np.asarray(value)
        self.values[t] = value
        self.shapes[t] = value.shape
