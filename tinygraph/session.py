"""Session and InteractiveSession: run(fetches, feed_dict) over a compiled plan cache."""
import os

import numpy as np

from .framework import dtypes
from .framework.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError
from .framework.graph import _default_session_stack, get_default_graph
from .framework.operation import Tensor
from .runtime import get_backend


class ConfigProto:
    """TF1's session config. tinygraph reads one field, `device`: "numpy", "cpu", "gpu",
    "opencl" (the default OpenCL device) or "platform:device" indices; the rest is
    accepted and ignored."""

    def __init__(self, device=None, **kwargs):
        self.device = device
        for k, v in kwargs.items():
            setattr(self, k, v)


class GPUOptions:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


class RunOptions:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


class RunMetadata:
    pass


class BaseSession:
    def __init__(self, target="", graph=None, config=None, device=None):
        self._graph = graph if graph is not None else get_default_graph()
        device = device or getattr(config, "device", None) or \
            os.environ.get("TINYGRAPH_DEVICE") or "opencl"
        self._backend = get_backend(device)
        self._state = self._backend.new_state()
        self._plans = {}
        self._closed = False
        self._context = None

    @property
    def graph(self):
        return self._graph

    @property
    def graph_def(self):
        return self._graph

    @property
    def sess_str(self):
        return ""

    def close(self):
        self._closed = True
        self._plans.clear()

    def as_default(self):
        return _default_session_stack.scope(self)

    def __enter__(self):
        self._context = self.as_default()
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        self._context.__exit__(*exc)
        self._context = None
        self.close()

    # --- run ---
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        flat, rebuild = _flatten_fetches(fetches, self._graph)
        feed_tensors, feed_values = self._convert_feeds(feed_dict or {})
        unique = list(dict.fromkeys(flat))
        key = (tuple(id(f) for f in unique), tuple(id(t) for t in feed_tensors),
               tuple(v.shape for v in feed_values))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._backend.compile(self._graph, unique, feed_tensors,
                                         [v.shape for v in feed_values], self._state)
            self._plans[key] = plan
        # As TF, a 0-d result comes back as a numpy scalar (np.float32), not a 0-d array.
        values = {f: v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v
                  for f, v in zip(unique, plan.run(feed_values, self._state))}
        return rebuild([values[f] for f in flat])

    # --- direct variable access (the Saver's; adds no graph ops) ---
    def _variable_op(self, name):
        op = self._graph._ops_by_name.get(name)
        if op is None or op.type != "VariableV2":
            raise NotFoundError(None, None, f"Variable {name} does not exist in the "
                                            "session's graph.")
        return op

    def _read_variables(self, names):
        """{name: a copy of the value} for VariableV2 op names; FailedPreconditionError
        for an uninitialised one."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        out = {}
        for name in names:
            op = self._variable_op(name)
            value = self._state.get_variable(name)
            if value is None:
                raise FailedPreconditionError(
                    None, op, f"Attempting to use uninitialized value {name}")
            out[name] = np.array(value, copy=True)
        return out

    def _write_variables(self, values):
        """Sets variables {name: array}: all of them, or none if any is invalid."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        checked = {}
        for name, value in values.items():
            op = self._variable_op(name)
            dtype = op.attrs["dtype"]
            array = np.array(value, dtype=dtype.as_numpy_dtype, copy=True)
            if not op.outputs[0].shape.is_compatible_with(array.shape):
                raise InvalidArgumentError(
                    None, op, f"Assign requires shapes of both tensors to match. lhs shape= "
                              f"{op.outputs[0].shape} rhs shape= {list(array.shape)}")
            checked[name] = array
        self._state.set_variables(checked)

    def _convert_feeds(self, feed_dict):
        tensors, values = [], []
        for key, value in feed_dict.items():
            if hasattr(key, "_as_graph_element"):
                key = key._as_graph_element()
            try:
                tensor = self._graph.as_graph_element(key, allow_tensor=True,
                                                      allow_operation=False)
            except (KeyError, TypeError) as e:
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: {e}") from None
            if isinstance(value, Tensor):
                raise TypeError("The value of a feed cannot be a tf.Tensor object. Acceptable "
                                "feed values include Python scalars, strings, lists, numpy "
                                "ndarrays, or TensorHandles.")
            dtype = tensor.dtype
            try:
                array = np.asarray(value, dtype=dtype.as_numpy_dtype) \
                    if dtype != dtypes.string else np.asarray(value, dtype=object)
            except (TypeError, ValueError) as e:
                raise ValueError(f"Cannot feed value {_short(value)} to Tensor "
                                 f"'{tensor.name}' of dtype {dtype.name} (created at "
                                 f"{tensor.op.defined_at}): {e}") from None
            if not tensor.shape.is_compatible_with(array.shape):
                raise ValueError(f"Cannot feed value of shape {array.shape} for Tensor "
                                 f"'{tensor.name}', which has shape "
                                 f"'{tensor._shape_str()}' (created at "
                                 f"{tensor.op.defined_at})")
            tensors.append(tensor)
            values.append(array)
        return tensors, values


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _flatten_fetches(fetches, graph):
    """The graph elements in a (nested) fetch structure, and a function that puts values
    back into that structure."""
    if isinstance(fetches, (list, tuple)) and not hasattr(fetches, "_fields"):
        parts = [_flatten_fetches(f, graph) for f in fetches]
        return _join(parts, lambda vals: type(fetches)(vals))
    if isinstance(fetches, tuple):   # a namedtuple
        parts = [_flatten_fetches(f, graph) for f in fetches]
        return _join(parts, lambda vals: type(fetches)(*vals))
    if isinstance(fetches, dict):
        keys = list(fetches)
        parts = [_flatten_fetches(fetches[k], graph) for k in keys]
        return _join(parts, lambda vals: type(fetches)(zip(keys, vals)))
    if fetches is None:
        raise TypeError(f"Fetch argument None has invalid type {type(None)}")
    try:
        element = graph.as_graph_element(fetches)
    except TypeError:
        raise TypeError(f"Fetch argument {fetches!r} has invalid type {type(fetches)}, must "
                        "be a string or Tensor. (Can not convert a "
                        f"{type(fetches).__name__} into a Tensor or Operation.)") from None
    except ValueError as e:
        raise ValueError(f"Fetch argument {fetches!r} cannot be interpreted as a Tensor. "
                         f"({e})") from None
    except KeyError as e:
        raise ValueError(f"Fetch argument {fetches!r} cannot be interpreted as a Tensor. "
                         f"({e.args[0]})") from None
    return [element], lambda vals: vals[0]


def _join(parts, build):
    flat, sizes = [], []
    for f, _ in parts:
        flat.extend(f)
        sizes.append(len(f))

    def rebuild(values):
        out, i = [], 0
        for (_, rb), n in zip(parts, sizes):
            out.append(rb(values[i:i + n]))
            i += n
        return build(out)
    return flat, rebuild


class Session(BaseSession):
    pass


class InteractiveSession(BaseSession):
    """A session that makes itself the default on creation, for shells and notebooks."""

    def __init__(self, target="", graph=None, config=None, device=None):
        super().__init__(target, graph, config, device)
        self._context = self.as_default()
        self._context.__enter__()

    def close(self):
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = None
        super().close()

