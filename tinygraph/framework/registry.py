"""Op declarations. Each op type is declared once, as a subclass of OpDef that holds
its shape rule, gradient, numpy reference and (from the OpenCL backend on) its
lowering. Backends read these tables; ops never branch on the backend."""
import numpy as np

from .dtypes import DType

_OP_DEFS = {}


class OpDef:
    """Subclass, set `type`, and define:

    infer(op)            -> (shape, dtype) or a list of them, one per output;
                            raise ValueError / TypeError for bad graphs.
    numpy(*inputs, **attrs) -> an array, or a tuple of arrays for several outputs.
    gradient(op, *dys)   -> one gradient Tensor (or None) per input, built from ops.
    stateful = True      when compute reads or writes session state (variables, RNG);
                         such ops override compute(op, inputs, ctx) instead of numpy.
    """

    type = None
    stateful = False
    ref_inputs = ()             # inputs that receive a VariableRef, not the variable's value
    gradient = None            # None: "no gradient defined" (TF raises LookupError)
    not_differentiable = False  # True: gradients stop here (shape, argmax, comparisons)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.type is not None:
            if cls.type in _OP_DEFS:
                raise ValueError(f"op type {cls.type!r} is declared twice")
            _OP_DEFS[cls.type] = cls

    @classmethod
    def compute(cls, op, inputs, ctx):
        out = cls.numpy(*inputs, **op.attrs)
        return list(out) if isinstance(out, tuple) else [out]


def output_specs(op_def, op):
    """The op's shape rule, always as a list of (shape, dtype) pairs."""
    specs = op_def.infer(op)
    if isinstance(specs, tuple) and len(specs) == 2 and isinstance(specs[1], DType):
        return [specs]
    return specs


def get_op_def(op_type):
    try:
        return _OP_DEFS[op_type]
    except KeyError:
        raise LookupError(f"no op type {op_type!r} is declared") from None


def all_op_defs():
    return dict(_OP_DEFS)


def as_array(value, dtype):
    """A numpy array of the given tinygraph dtype (used by computes to keep dtypes exact)."""
    return np.asarray(value, dtype=dtype.as_numpy_dtype)


class VariableRef:
    """What a VariableV2 op outputs at run time: the variable itself, not its value.
    Backends read the value for every input not listed in the consumer's ref_inputs."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name
