"""Python operators on Tensor and Variable, named as TF names them (`a + b` is 'add')."""
from ..framework.graph import make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from . import elementwise as ew
from .matmul import matmul
from .variables import Variable


def _binary(op_type, name, reverse=False, fn=None):
    def method(self, other):
        x, y = (other, self) if reverse else (self, other)
        if fn is not None:
            return fn(x, y, name=name)
        with name_scope(None, name, [x, y]) as scope:   # constants become "mul/y", as TF
            x, y = ew._pair(x, y, ("x", "y"))
            return make_tensor(op_type, [x, y], name=scope)
    return method


def _getitem(self, key):
    from .slicing import getitem
    return getitem(self, key)


_OPERATORS = {
    "__add__": _binary("Add", "add"), "__radd__": _binary("Add", "add", True),
    "__sub__": _binary("Sub", "sub"), "__rsub__": _binary("Sub", "sub", True),
    "__mul__": _binary("Mul", "mul"), "__rmul__": _binary("Mul", "mul", True),
    "__truediv__": _binary(None, "truediv", fn=ew.truediv),
    "__rtruediv__": _binary(None, "truediv", True, fn=ew.truediv),
    "__floordiv__": _binary("FloorDiv", "floordiv"),
    "__rfloordiv__": _binary("FloorDiv", "floordiv", True),
    "__mod__": _binary("FloorMod", "mod"), "__rmod__": _binary("FloorMod", "mod", True),
    "__pow__": _binary("Pow", "pow"), "__rpow__": _binary("Pow", "pow", True),
    "__matmul__": _binary(None, "matmul", fn=lambda a, b, name: matmul(a, b, name=name)),
    "__rmatmul__": _binary(None, "matmul", True,
                           fn=lambda a, b, name: matmul(a, b, name=name)),
    "__lt__": _binary("Less", "Less"), "__le__": _binary("LessEqual", "LessEqual"),
    "__gt__": _binary("Greater", "Greater"),
    "__ge__": _binary("GreaterEqual", "GreaterEqual"),
    "__and__": _binary("LogicalAnd", "LogicalAnd"),
    "__rand__": _binary("LogicalAnd", "LogicalAnd", True),
    "__or__": _binary("LogicalOr", "LogicalOr"),
    "__ror__": _binary("LogicalOr", "LogicalOr", True),
    "__xor__": _binary(None, "LogicalXor", fn=ew.logical_xor),
    "__neg__": lambda self: make_tensor("Neg", [convert_to_tensor(self)], name="Neg"),
    "__abs__": lambda self: make_tensor("Abs", [convert_to_tensor(self)], name="Abs"),
    "__invert__": lambda self: make_tensor("LogicalNot", [convert_to_tensor(self)],
                                           name="LogicalNot"),
    "__getitem__": _getitem,
}

for _name, _method in _OPERATORS.items():
    setattr(Tensor, _name, _method)
    setattr(Variable, _name, lambda self, *a, _m=_method: _m(self.value(), *a))
