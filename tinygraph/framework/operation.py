"""Operation and Tensor: the nodes and edges of a Graph."""
import os
import sys

from . import dtypes as dtypes_mod
from .tensor_shape import TensorShape, as_shape

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_frame():
    """(file, line) of the innermost caller outside tinygraph: where the user made the op."""
    frame = sys._getframe(1)
    while frame is not None:
        path = frame.f_code.co_filename
        if not path.startswith(_PACKAGE_DIR) and "contextlib" not in path:
            return path, frame.f_lineno
        frame = frame.f_back
    return "<unknown>", 0


class Operation:
    def __init__(self, graph, op_type, name, inputs, attrs, control_inputs, device):
        self.graph = graph
        self.type = op_type
        self.name = name
        self.attrs = attrs
        self.device = device
        self._inputs = list(inputs)
        self._control_inputs = list(control_inputs)
        self._outputs = []
        self._id = None
        self.traceback = user_frame()

    @property
    def inputs(self):
        return tuple(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def control_inputs(self):
        return list(self._control_inputs)

    @property
    def defined_at(self):
        path, line = self.traceback
        return f"{path}:{line}"

    @property
    def node_def(self):
        return {"name": self.name, "op": self.type, "attr": dict(self.attrs),
                "input": [t.name for t in self._inputs] + ["^" + o.name for o in self._control_inputs]}

    def get_attr(self, name):
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError(f"Operation {self.name!r} has no attr named {name!r}.") from None

    def _add_control_input(self, op):
        if op not in self._control_inputs:
            self._control_inputs.append(op)

    def values(self):
        return tuple(self._outputs)

    def run(self, feed_dict=None, session=None):
        _session_for(self.graph, session, "Operation.run()").run(self, feed_dict)

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"


class Tensor:
    # Lets `numpy_array + tensor` reach Tensor.__radd__ instead of numpy broadcasting.
    __array_priority__ = 100

    def __init__(self, op, value_index, dtype, shape):
        self.op = op
        self.value_index = value_index
        self.dtype = dtypes_mod.as_dtype(dtype)
        self._shape = as_shape(shape)
        self._consumers = []

    @property
    def name(self):
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self):
        return self.op.graph

    @property
    def device(self):
        return self.op.device

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        self._shape = self._shape.merge_with(as_shape(shape))

    def consumers(self):
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        return _session_for(self.graph, session, "Tensor.eval()").run(self, feed_dict)

    def __bool__(self):
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed. "
                        "Use `if t is not None:` instead of `if t:` to test if a tensor is "
                        "defined, and use control-flow ops such as tf.cond to execute "
                        "subgraphs conditioned on the value of a tensor.")

    def __iter__(self):
        raise TypeError("Tensor objects are only iterable when eager execution is enabled. "
                        "To iterate over this tensor use tf.unstack or tf.map_fn.")

    def __len__(self):
        raise TypeError(f"len is not well defined for symbolic Tensors ({self.name}). "
                        "Please call `x.shape` rather than `len(x)` for shape information.")

    def _shape_str(self):
        dims = self._shape.as_tuple_or_none()
        if dims is None:
            return "<unknown>"
        inner = ", ".join("?" if d is None else str(d) for d in dims)
        return f"({inner},)" if len(dims) == 1 else f"({inner})"

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self._shape_str()} dtype={self.dtype.name}>"

    def __str__(self):
        return f'Tensor("{self.name}", shape={self._shape_str()}, dtype={self.dtype.name})'


def _session_for(graph, session, what):
    from . import graph as graph_mod
    session = session or graph_mod.get_default_session()
    if session is None:
        method = what.split('.')[1][:-2]
        subject = "execute operation" if method == "run" else "evaluate tensor"
        raise ValueError(f"Cannot {subject} using `{method}()`: No default session is "
                         f"registered. Use `with sess.as_default()` or pass an explicit "
                         f"session to `{method}(session=sess)`")
    if session.graph is not graph:
        raise ValueError(f"Cannot use the given session to evaluate tensor: the tensor's "
                         "graph is different from the session's graph.")
    return session


# --- conversion of Python values, numpy arrays and tensor-like objects to Tensors ---
_CONVERSIONS = []  # (type, fn(value, dtype, name, as_ref) -> Tensor), newest first


def register_tensor_conversion_function(base_type, fn):
    _CONVERSIONS.insert(0, (base_type, fn))


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, as_ref=False):
    dtype = None if dtype is None else dtypes_mod.as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor with "
                             f"dtype {value.dtype.name}: {value!r}")
        return value
    for base_type, fn in _CONVERSIONS:
        if isinstance(value, base_type):
            if dtype is None and preferred_dtype is not None:
                try:
                    return fn(value, dtypes_mod.as_dtype(preferred_dtype), name, as_ref)
                except (TypeError, ValueError):
                    pass
            return fn(value, dtype, name, as_ref)
    raise TypeError(f"Failed to convert object of type {type(value)} to Tensor. "
                    f"Contents: {value!r}.")


def is_tensor_like(value):
    return isinstance(value, Tensor) or any(
        isinstance(value, t) for t, _ in _CONVERSIONS if t is not object)


def shape_of(value):
    return value.shape if isinstance(value, Tensor) else TensorShape(None)
