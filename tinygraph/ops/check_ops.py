"""Run-time checks: CheckNumerics (tf.check_numerics, tf.debugging.check_numerics)."""
import types

import numpy as np

from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_tensor
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


# tf.debugging: the namespace TF 1.15 also offers these checks under.
debugging = types.SimpleNamespace(check_numerics=check_numerics)
