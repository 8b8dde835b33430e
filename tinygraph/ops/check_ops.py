"""Run-time checks: CheckNumerics (tf.check_numerics, tf.debugging.check_numerics) and
Assert (tf.Assert)."""
import types

import numpy as np

from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_op, make_tensor, name_scope
from ..framework.operation import convert_to_tensor
from ..framework.registry import OpDef
from .nn_ops import check_float


class CheckNumerics(OpDef):
    """Passes its input through, or fails the run if it holds a NaN or an Inf."""
    type = "CheckNumerics"
    stateful = True   # as in TF: never folded or merged away, so the check always runs

    def infer(op):
        check_float(op.inputs[0], "tensor", "bfloat16, float16, float32, float64")
        return op.inputs[0].shape, op.inputs[0].dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        x = inputs[0]
        nan, inf = bool(np.isnan(x).any()), bool(np.isinf(x).any())
        if nan or inf:
            kind = "Inf and NaN" if nan and inf else "NaN" if nan else "Inf"
            raise InvalidArgumentError(None, op, f"{op.attrs['message']} : Tensor had {kind} "
                                                 "values")
        return [x]

    def gradient(op, dy):
        return [check_numerics(dy, "Not a number (NaN) or infinity (Inf) values detected in "
                                   f"gradient. {op.attrs['message']}")]


def check_numerics(tensor, message, name=None):
    return make_tensor("CheckNumerics", [convert_to_tensor(tensor)], {"message": str(message)},
                       name=name or "CheckNumerics")


class AssertOp(OpDef):
    """Fails the run when its condition is false, printing its data tensors. Not
    stateful: with every input known when a plan is built, the check is done then."""
    type = "Assert"
    not_differentiable = True

    def infer(op):
        if op.inputs[0].dtype.name != "bool":
            raise TypeError(f"{op.name}: the condition of an Assert must be bool, not "
                            f"{op.inputs[0].dtype.name}")
        return []

    @classmethod
    def compute(cls, op, inputs, ctx):
        if not np.all(inputs[0]):
            n = op.attrs["summarize"]
            shown = [f"[{d}]" if isinstance(d, str) else
                     "[" + " ".join(str(v) for v in np.ravel(d)[:n]) + "]"
                     for d in _interleave(op.attrs["data"], inputs[1:])]
            raise InvalidArgumentError(None, op, "assertion failed: " + " ".join(shown))
        return []


def _interleave(layout, values):
    """The data in order: strings kept from construction, tensors' values in their places."""
    it = iter(values)
    return [next(it) if item is None else item for item in layout]


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's name
    """tf.Assert: an op that fails the run when `condition` is false; the message shows
    `data` (strings as they are, the first `summarize` values of each tensor)."""
    with name_scope(name, "Assert", [condition]):
        condition = convert_to_tensor(condition)
        layout, tensors = [], []
        for d in data:
            if isinstance(d, str):
                layout.append(d)
            else:
                layout.append(None)
                tensors.append(convert_to_tensor(d))
        return make_op("Assert", [condition] + tensors,
                       {"data": layout, "summarize": 3 if summarize is None else summarize},
                       name="Assert")


# tf.debugging: the namespace TF 1.15 also offers these checks under.
debugging = types.SimpleNamespace(check_numerics=check_numerics)
