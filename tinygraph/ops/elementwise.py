"""Elementwise ops with broadcasting: arithmetic, comparisons, logic, select, cast,
and the unary math functions. Each declaration carries its numpy reference and its
gradient; the OpenCL lowering (issue 3) adds an `expr` per op here."""
import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import Dimension, TensorShape
from . import shape_ops


def broadcast_shape(a, b, op=None):
    """The static broadcast of two TensorShapes, None where unknown; ValueError if they
    cannot broadcast."""
    if a.ndims is None or b.ndims is None:
        return TensorShape(None)
    da, db = a.as_list(), b.as_list()
    n = max(len(da), len(db))
    da = [1] * (n - len(da)) + da
    db = [1] * (n - len(db)) + db
    out = []
    for x, y in zip(da, db):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None or y is None:
            out.append(x if y is None else y)
        elif x == y:
            out.append(x)
        else:
            where = f" for '{op.name}' (op: '{op.type}')" if op is not None else ""
            raise ValueError(f"Dimensions must be equal, but are {x} and {y}{where} with "
                             f"input shapes: {_dims(a)}, {_dims(b)}.")
    return TensorShape(out)


def _dims(shape):
    dims = shape.as_list() if hasattr(shape, "as_list") else shape
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def unbroadcast(grad, x):
    """`grad` summed down to the shape of `x` (the gradient of broadcasting)."""
    if grad is None:
        return None
    if x.shape.is_fully_defined() and grad.shape.is_fully_defined() and \
            x.shape.as_list() == grad.shape.as_list():
        return grad
    return shape_ops.sum_to_shape(grad, shape_ops.shape_as_tensor(x))


# ---------------------------------------------------------------- unary
# Math that TF defines for floating types only (exp of an int32 is a TypeError).
_FLOAT_ONLY = {"Sqrt", "Rsqrt", "Exp", "Log", "Log1p", "Sin", "Cos", "Floor", "Ceil", "Tanh",
               "Sigmoid", "Elu", "Softplus"}


class Unary(OpDef):
    @classmethod
    def infer(cls, op):
        x = op.inputs[0]
        if cls.type in _FLOAT_ONLY and not x.dtype.is_floating:
            raise TypeError(f"Value passed to parameter 'x' has DataType {x.dtype.name} not in "
                            f"list of allowed values: float16, float32, float64 (op "
                            f"'{op.name}' of type {cls.type})")
        return x.shape, x.dtype


def _unary(op_type, expr, fn, gradient=None, not_differentiable=False):
    attrs = {"type": op_type, "numpy": staticmethod(fn), "expr": expr,
             "not_differentiable": not_differentiable}
    if gradient is not None:
        attrs["gradient"] = staticmethod(gradient)
    return type(op_type, (Unary,), attrs)


def _wrap1(op_type, default_name=None):
    def fn(x, name=None):
        return make_tensor(op_type, [convert_to_tensor(x)], name=name or default_name or op_type)
    fn.__name__ = op_type.lower()
    return fn


def _softplus(x):
    return np.logaddexp(np.zeros((), x.dtype), x).astype(x.dtype)


def _sigmoid(x):
    # The two branches keep exp from overflowing for large |x|.
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


Neg = _unary("Neg", '(-{0})', np.negative, lambda op, dy: [-dy])
Abs = _unary("Abs", ('tg_fabs_{T}({0})', '({0} < 0 ? -{0} : {0})'), np.abs, lambda op, dy: [dy * sign(op.inputs[0])])
Sign = _unary("Sign", '(({T})(({0} > 0) - ({0} < 0)))', np.sign, lambda op, dy: [shape_ops.zeros_like(op.inputs[0])])
Square = _unary("Square", '({0} * {0})', np.square, lambda op, dy: [dy * (2.0 * op.inputs[0])])
Sqrt = _unary("Sqrt", 'tg_sqrt_{T}({0})', np.sqrt, lambda op, dy: [make_tensor("SqrtGrad", [op.outputs[0], dy])])
Rsqrt = _unary("Rsqrt", 'tg_rsqrt_{T}({0})', lambda x: (1 / np.sqrt(x)).astype(x.dtype),
               lambda op, dy: [make_tensor("RsqrtGrad", [op.outputs[0], dy])])
Reciprocal = _unary("Reciprocal", '(({T})1 / {0})', lambda x: (1 / x).astype(x.dtype),
                    lambda op, dy: [-dy * op.outputs[0] * op.outputs[0]])
Exp = _unary("Exp", 'tg_exp_{T}({0})', np.exp, lambda op, dy: [dy * op.outputs[0]])
Log = _unary("Log", 'tg_log_{T}({0})', np.log, lambda op, dy: [dy * reciprocal(op.inputs[0])])
Log1p = _unary("Log1p", 'tg_log1p_{T}({0})', np.log1p, lambda op, dy: [dy * reciprocal(1.0 + op.inputs[0])])
Sin = _unary("Sin", 'tg_sin_{T}({0})', np.sin, lambda op, dy: [dy * cos(op.inputs[0])])
Cos = _unary("Cos", 'tg_cos_{T}({0})', np.cos, lambda op, dy: [-dy * sin(op.inputs[0])])
Floor = _unary("Floor", 'tg_floor_{T}({0})', np.floor, not_differentiable=True)
Ceil = _unary("Ceil", 'tg_ceil_{T}({0})', np.ceil, not_differentiable=True)
Round = _unary("Round", ('tg_rint_{T}({0})', '{0}'), np.round, not_differentiable=True)
Tanh = _unary("Tanh", 'tg_tanh_{T}({0})', np.tanh, lambda op, dy: [make_tensor("TanhGrad", [op.outputs[0], dy])])
Sigmoid = _unary("Sigmoid", 'tg_sigmoid_{T}({0})', _sigmoid,
                 lambda op, dy: [make_tensor("SigmoidGrad", [op.outputs[0], dy])])
Relu = _unary("Relu", '({0} < 0 ? ({T})0 : {0})', lambda x: np.maximum(x, 0).astype(x.dtype),
              lambda op, dy: [make_tensor("ReluGrad", [dy, op.outputs[0]])])
Elu = _unary("Elu", '({0} > 0 ? {0} : tg_expm1_{T}({0}))', lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype),
             lambda op, dy: [make_tensor("EluGrad", [dy, op.outputs[0]])])
Softplus = _unary("Softplus", 'tg_softplus_{T}({0})', _softplus,
                  lambda op, dy: [make_tensor("SoftplusGrad", [dy, op.inputs[0]])])

negative, abs, sign, square = _wrap1("Neg"), _wrap1("Abs"), _wrap1("Sign"), _wrap1("Square")
sqrt, rsqrt, reciprocal = _wrap1("Sqrt"), _wrap1("Rsqrt"), _wrap1("Reciprocal")
exp, log, log1p, sin, cos = _wrap1("Exp"), _wrap1("Log"), _wrap1("Log1p"), _wrap1("Sin"), _wrap1("Cos")
floor, ceil, round = _wrap1("Floor"), _wrap1("Ceil"), _wrap1("Round")
tanh, sigmoid, relu, elu, softplus = (_wrap1("Tanh"), _wrap1("Sigmoid"), _wrap1("Relu"),
                                      _wrap1("Elu"), _wrap1("Softplus"))


# Gradient kernels, elementwise themselves so a compiler can fuse them (as TF's are).
class GradOp(OpDef):
    def infer(op):
        a, b = op.inputs
        return a.shape.merge_with(b.shape), a.dtype


class TanhGrad(GradOp):
    type = "TanhGrad"
    expr = "({1} * (({T})1 - {0} * {0}))"

    def numpy(y, dy):
        return dy * (1 - y * y)

    def gradient(op, g):
        y, dy = op.inputs
        return [g * dy * (-2.0 * y), make_tensor("TanhGrad", [y, g])]


class SigmoidGrad(GradOp):
    type = "SigmoidGrad"
    expr = "({1} * {0} * (({T})1 - {0}))"

    def numpy(y, dy):
        return dy * y * (1 - y)

    def gradient(op, g):
        y, dy = op.inputs
        return [g * dy * (1.0 - 2.0 * y), make_tensor("SigmoidGrad", [y, g])]


class ReluGrad(GradOp):
    type = "ReluGrad"
    expr = "({1} > 0 ? {0} : ({T})0)"

    def numpy(dy, y):
        return (dy * (y > 0)).astype(dy.dtype)

    def gradient(op, g):
        return [make_tensor("ReluGrad", [g, op.inputs[1]]), shape_ops.zeros_like(op.inputs[1])]


class EluGrad(GradOp):
    type = "EluGrad"
    expr = "({1} > 0 ? {0} : {0} * ({1} + ({T})1))"

    def numpy(dy, y):
        return np.where(y > 0, dy, dy * (y + 1)).astype(dy.dtype)

    def gradient(op, g):
        dy, y = op.inputs
        neg = cast(less(y, 0.0), y.dtype)
        return [make_tensor("EluGrad", [g, y]), g * dy * neg]


class SoftplusGrad(GradOp):
    type = "SoftplusGrad"
    expr = "({0} * tg_sigmoid_{T}({1}))"

    def numpy(dy, x):
        return dy * _sigmoid(x)

    def gradient(op, g):
        dy, x = op.inputs
        s = sigmoid(x)
        return [g * s, g * dy * s * (1.0 - s)]


class SqrtGrad(GradOp):
    type = "SqrtGrad"
    expr = "({1} * ({T})0.5 / {0})"

    def numpy(y, dy):
        return (dy * 0.5 / y).astype(y.dtype)

    def gradient(op, g):
        y, dy = op.inputs
        return [-g * dy * 0.5 / (y * y), g * 0.5 / y]


class RsqrtGrad(GradOp):
    type = "RsqrtGrad"
    expr = "({1} * ({T})(-0.5) * {0} * {0} * {0})"

    def numpy(y, dy):
        return (dy * -0.5 * y * y * y).astype(y.dtype)

    def gradient(op, g):
        y, dy = op.inputs
        return [g * dy * -1.5 * y * y, make_tensor("RsqrtGrad", [y, g])]


# ---------------------------------------------------------------- binary
class Binary(OpDef):
    result_dtype = None  # None: same as the inputs

    @classmethod
    def infer(cls, op):
        x, y = op.inputs
        if x.dtype != y.dtype:
            raise TypeError(f"Input 'y' of '{op.type}' Op has type {y.dtype.name} that does "
                            f"not match type {x.dtype.name} of argument 'x'.")
        return broadcast_shape(x.shape, y.shape, op), cls.result_dtype or x.dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        x, y = inputs
        sx, sy = np.shape(x), np.shape(y)
        if sx != sy:   # dims unknown at construction may still disagree
            try:
                np.broadcast_shapes(sx, sy)
            except ValueError:
                raise InvalidArgumentError(None, op, f"Incompatible shapes: {_dims(sx)} vs. "
                                                     f"{_dims(sy)}") from None
        return [cls.numpy(x, y)]


def _binary(op_type, expr, fn, gradient=None, result_dtype=None):
    attrs = {"type": op_type, "numpy": staticmethod(fn), "expr": expr,
             "result_dtype": result_dtype,
             "not_differentiable": gradient is None}
    if gradient is not None:
        def reduced(op, dy):
            x, y = op.inputs
            gx, gy = gradient(op, dy, x, y)
            return [unbroadcast(gx, x), unbroadcast(gy, y)]
        attrs["gradient"] = staticmethod(reduced)
    return type(op_type, (Binary,), attrs)


def _typed(fn):
    """numpy keeps float32 * float32 in float32 but promotes some mixes; pin the dtype."""
    return lambda x, y: np.asarray(fn(x, y)).astype(np.result_type(x, y), copy=False)


def _pow_grad_y(op, dy, x, y):
    # log(x) where x > 0, else 0 (TF's choice); x's shape, so it broadcasts like dy.
    positive = greater(x, 0.0)
    log_x = where(positive, log(where(positive, x, ones_like(x))), zeros_like(x))
    return dy * op.outputs[0] * log_x


Add = _binary("Add", '({0} + {1})', _typed(np.add), lambda op, dy, x, y: (dy, dy))
AddV2 = _binary("AddV2", '({0} + {1})', _typed(np.add), lambda op, dy, x, y: (dy, dy))
Sub = _binary("Sub", '({0} - {1})', _typed(np.subtract), lambda op, dy, x, y: (dy, -dy))
Mul = _binary("Mul", '({0} * {1})', _typed(np.multiply), lambda op, dy, x, y: (dy * y, dy * x))
RealDiv = _binary("RealDiv", '({0} / {1})', _typed(np.divide),
                  lambda op, dy, x, y: (dy / y, -dy * x / (y * y)))
FloorDiv = _binary("FloorDiv", ('tg_floor_{T}({0} / {1})', '({0} / {1} - (({0} % {1} != 0) && (({0} < 0) != ({1} < 0))))'), _typed(np.floor_divide))
FloorMod = _binary("FloorMod", ('({0} - tg_floor_{T}({0} / {1}) * {1})', '((({0} % {1}) + {1}) % {1})'), _typed(np.mod),
                   lambda op, dy, x, y: (dy, -dy * floor(x / y)))
Maximum = _binary("Maximum", ('tg_max_{T}({0}, {1})', '({0} >= {1} ? {0} : {1})'), _typed(np.maximum),
                  lambda op, dy, x, y: (dy * cast(greater_equal(x, y), dy.dtype),
                                        dy * cast(less(x, y), dy.dtype)))
Minimum = _binary("Minimum", ('tg_min_{T}({0}, {1})', '({0} <= {1} ? {0} : {1})'), _typed(np.minimum),
                  lambda op, dy, x, y: (dy * cast(less_equal(x, y), dy.dtype),
                                        dy * cast(greater(x, y), dy.dtype)))
Pow = _binary("Pow", ('tg_pow_{T}({0}, {1})', None), _typed(np.power),
              lambda op, dy, x, y: (dy * y * pow(x, y - 1.0), _pow_grad_y(op, dy, x, y)))
SquaredDifference = _binary("SquaredDifference", '(({0} - {1}) * ({0} - {1}))', _typed(lambda x, y: np.square(x - y)),
                            lambda op, dy, x, y: (2.0 * dy * (x - y), -2.0 * dy * (x - y)))
Equal = _binary("Equal", '({0} == {1})', np.equal, result_dtype=dtypes.bool)
NotEqual = _binary("NotEqual", '({0} != {1})', np.not_equal, result_dtype=dtypes.bool)
Less = _binary("Less", '({0} < {1})', np.less, result_dtype=dtypes.bool)
LessEqual = _binary("LessEqual", '({0} <= {1})', np.less_equal, result_dtype=dtypes.bool)
Greater = _binary("Greater", '({0} > {1})', np.greater, result_dtype=dtypes.bool)
GreaterEqual = _binary("GreaterEqual", '({0} >= {1})', np.greater_equal, result_dtype=dtypes.bool)
LogicalAnd = _binary("LogicalAnd", '({0} && {1})', np.logical_and, result_dtype=dtypes.bool)
LogicalOr = _binary("LogicalOr", '({0} || {1})', np.logical_or, result_dtype=dtypes.bool)


class LogicalNot(Unary):
    type = "LogicalNot"
    expr = "(!{0})"
    not_differentiable = True

    def numpy(x):
        return np.logical_not(x)


def _pair(x, y, names=(None, None)):
    """Converts two operands as TF does: a Python or numpy value takes the tensor's dtype.
    Inside the op's name scope, TF names converted constants "x" and "y" ("mul/y")."""
    if isinstance(x, Tensor) or not isinstance(y, Tensor):
        x = convert_to_tensor(x, name=names[0])
        y = convert_to_tensor(y, dtype=x.dtype, name=names[1]) if not isinstance(y, Tensor) \
            else y
    else:
        x = convert_to_tensor(x, dtype=y.dtype, name=names[0])
    return x, y


def _wrap2(op_type, default_name):
    def fn(x, y, name=None):
        with name_scope(name, default_name, [x, y]) as scope:
            x, y = _pair(x, y, ("x", "y"))
            return make_tensor(op_type, [x, y], name=scope)
    fn.__name__ = default_name
    return fn


add, subtract, multiply = _wrap2("Add", "Add"), _wrap2("Sub", "Sub"), _wrap2("Mul", "Mul")
floordiv, floormod = _wrap2("FloorDiv", "floordiv"), _wrap2("FloorMod", "FloorMod")
maximum, minimum = _wrap2("Maximum", "Maximum"), _wrap2("Minimum", "Minimum")
pow = _wrap2("Pow", "Pow")
squared_difference = _wrap2("SquaredDifference", "SquaredDifference")
equal, not_equal = _wrap2("Equal", "Equal"), _wrap2("NotEqual", "NotEqual")
less, less_equal = _wrap2("Less", "Less"), _wrap2("LessEqual", "LessEqual")
greater, greater_equal = _wrap2("Greater", "Greater"), _wrap2("GreaterEqual", "GreaterEqual")
logical_and, logical_or = _wrap2("LogicalAnd", "LogicalAnd"), _wrap2("LogicalOr", "LogicalOr")
logical_not = _wrap1("LogicalNot")


def divide(x, y, name=None):
    return truediv(x, y, name=name or "truediv")


# TF's true division of integers: small ones in float32, int32 / int64 in float64.
_TRUEDIV_DTYPE = {dtypes.int8: dtypes.float32, dtypes.uint8: dtypes.float32,
                  dtypes.int16: dtypes.float32, dtypes.int32: dtypes.float64,
                  dtypes.int64: dtypes.float64}


def truediv(x, y, name=None):
    with name_scope(name, "truediv", [x, y]) as scope:
        x, y = _pair(x, y, ("x", "y"))
        if x.dtype != y.dtype:
            raise TypeError(f"x and y must have the same dtype, got {x.dtype!r} != {y.dtype!r}")
        if x.dtype in _TRUEDIV_DTYPE:
            x, y = cast(x, _TRUEDIV_DTYPE[x.dtype]), cast(y, _TRUEDIV_DTYPE[x.dtype])
        return make_tensor("RealDiv", [x, y], name=scope)


def div(x, y, name=None):
    x, y = _pair(x, y)
    op_type = "RealDiv" if x.dtype.is_floating else "FloorDiv"
    return make_tensor(op_type, [x, y], name=name or "div")


def logical_xor(x, y, name="LogicalXor"):
    # As TF: no name scope, the helper ops are siblings of the final LogicalAnd.
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


# ---------------------------------------------------------------- cast, select
class Cast(OpDef):
    type = "Cast"

    def expr(op, shapes):   # C truncates like numpy; a bool is "not zero", not a truncation
        return "({0} != 0)" if op.attrs["DstT"].is_bool else "(({T}){0})"

    def infer(op):
        return op.inputs[0].shape, op.attrs["DstT"]

    def numpy(x, DstT):
        return np.asarray(x).astype(DstT.as_numpy_dtype)

    def gradient(op, dy):
        src = op.inputs[0].dtype
        if src.is_floating and op.attrs["DstT"].is_floating:
            return [cast(dy, src)]
        return [None]


def cast(x, dtype, name=None):
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype)
    if x.dtype == dtype:
        return x
    return make_tensor("Cast", [x], {"DstT": dtype}, name=name or "Cast")


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name=name)


class Select(OpDef):
    type = "Select"

    def expr(op, shapes):   # a vector condition picking rows does not broadcast: no fusion
        c, x = shapes[0], shapes[1]
        return None if len(c) == 1 and len(x) > 1 else "({0} ? {1} : {2})"

    def infer(op):
        c, x, y = op.inputs
        if x.dtype != y.dtype:
            raise TypeError(f"Select: x and y must have the same dtype, got {x.dtype.name} "
                            f"and {y.dtype.name}")
        try:
            shape = x.shape.merge_with(y.shape)
            if c.shape.ndims == 1 and shape.ndims not in (None, 1):   # TF1: picks rows
                c.shape.merge_with(shape[:1])
            elif c.shape.ndims != 0:   # a scalar condition picks x or y whole
                c.shape.merge_with(shape)
        except ValueError as e:
            raise ValueError(f"{e} for '{op.name}' (op: 'Select') with input shapes: "
                             f"{c.shape}, {x.shape}, {y.shape}.") from None
        return shape, x.dtype

    def numpy(c, x, y):
        if c.ndim == 1 and x.ndim > 1:   # TF1: a vector condition picks whole rows
            c = c.reshape((-1,) + (1,) * (x.ndim - 1))
        return np.where(c, x, y)

    def gradient(op, dy):
        c = op.inputs[0]
        zeros = shape_ops.zeros_like(dy)
        return [None, where(c, dy, zeros), where(c, zeros, dy)]


class Where(OpDef):
    type = "Where"
    not_differentiable = True

    def infer(op):
        return TensorShape([None, op.inputs[0].shape.ndims]), dtypes.int64

    def numpy(c):
        return np.argwhere(c).astype(np.int64)


def where(condition, x=None, y=None, name=None):
    condition = convert_to_tensor(condition)
    if x is None and y is None:
        return make_tensor("Where", [condition], name=name or "Where")
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    x, y = _pair(x, y)
    return make_tensor("Select", [condition, x, y], name=name or "Select")


def ones_like(x, dtype=None, name=None):
    return shape_ops.ones_like(x, dtype, name)


def zeros_like(x, dtype=None, name=None):
    return shape_ops.zeros_like(x, dtype, name)


__all__ = [n for n in dir() if not n.startswith("_")] + ["Dimension"]
