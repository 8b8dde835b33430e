"""Run-time checks: CheckNumerics (tf.check_numerics, tf.debugging.check_numerics) and
Assert (tf.Assert)."""
import types

import numpy as np

from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_op, make_tensor, name_scope
from ..framework import dtypes
from ..framework.operation import Tensor, convert_to_tensor
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
            shown = ["[" + " ".join(_text(v) for v in np.ravel(d)[:n]) + "]" for d in inputs[1:]]
            raise InvalidArgumentError(None, op, "assertion failed: " + " ".join(shown))
        return []


def _text(v):
    """A value as TF prints it: floats with 6 significant digits, or 9 when 6 do not
    give the value back."""
    if not isinstance(v, np.floating):
        return str(v)
    text = f"{v:.6g}"
    return text if type(v)(text) == v else f"{v:.9g}"


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's name
    """tf.Assert: an op that fails the run when `condition` is false; the message shows
    `data` (strings as they are, the first `summarize` values of each tensor).

    The ops and their ids are TF 1.15's, so that seeded random ops made later draw TF's
    numbers: TF converts `data` once to learn the dtypes (unused Consts), then again as
    the op's inputs ("data_<i>"); unless every item is a string or an int32, it guards
    the op with a cond ("AssertGuard"), whose ops are only counted here."""
    with name_scope(name, "Assert", [condition]):
        xs = [convert_to_tensor(d) for d in data]
        guarded = any(x.dtype not in (dtypes.string, dtypes.int32) for x in xs)
        if not guarded:
            return _assert_op(condition, data, summarize)
        condition = convert_to_tensor(condition, name="Condition")
        graph = condition.graph
        graph._last_id += 6   # the cond's Switch, switch_t, switch_f, pred_id; NoOp branch
        with name_scope(None, "AssertGuard", [condition]):
            op = _assert_op(condition, data, summarize)
        # then a Switch per tensor the branch takes from outside, an Identity and the Merge
        captured = dict.fromkeys(t for t in op.inputs if not t.name.startswith(op.name + "/"))
        graph._last_id += len(captured) + 2
        return op


def _assert_op(condition, data, summarize):
    """The Assert op itself (TF's generated wrapper): data items that are not tensors
    become Consts in its scope."""
    with name_scope(None, "Assert", [condition]) as scope:
        condition = convert_to_tensor(condition, name="condition")
        tensors = [d if isinstance(d, Tensor) else convert_to_tensor(d, name=f"data_{i}")
                   for i, d in enumerate(data)]
        return make_op("Assert", [condition] + tensors,
                       {"summarize": 3 if summarize is None else summarize}, name=scope)


# tf.debugging: the namespace TF 1.15 also offers these checks under.
debugging = types.SimpleNamespace(check_numerics=check_numerics)
