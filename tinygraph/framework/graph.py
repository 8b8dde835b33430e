"""Graph: ops, unique names, name scopes, control dependencies, devices, collections,
the default graph and the default session."""
import contextlib
import re
import threading

from .operation import Operation, Tensor
from .registry import get_op_def, output_specs
from .tensor_shape import as_shape


# TF's rules: an op name starts with a letter, digit or dot; a scope may start with more.
_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\-/>]*$")


class GraphKeys:
    GLOBAL_VARIABLES = "variables"
    VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    TRAIN_OP = "train_op"
    GLOBAL_STEP = "global_step"


class Graph:
    def __init__(self):
        self._ops_by_name = {}
        self._ops = []
        self._names_in_use = {}
        self._name_stack = ""
        self._control_stack = []   # list of lists of ops; None entry clears outer ones
        self._device_stack = []
        self._collections = {}
        self._finalized = False
        self._last_id = 0
        self.seed = None
        self._attr_scope = {}
        self.version = 0

    # --- ops ---
    def create_op(self, op_type, inputs, attrs=None, name=None):
        """Adds an op: checks its declaration's shape rule, names it uniquely."""
        self._check_not_finalized()
        op_def = get_op_def(op_type)
        inputs = list(inputs)
        for t in inputs:
            if not isinstance(t, Tensor):
                raise TypeError(f"op {op_type}: input {t!r} is not a Tensor")
            if t.graph is not self:
                raise ValueError(f"Tensor {t} must be from the same graph as the new "
                                 f"{op_type} op.")
        name = name or op_type
        name = name[:-1] if name.endswith("/") else self.unique_name(name)
        if not _VALID_OP_NAME.match(name):
            raise ValueError(f"'{name}' is not a valid node name")
        if name in self._ops_by_name:   # possible with absolute names ("x/")
            raise ValueError(f"Duplicate node name in graph: '{name}'")
        input_ops = {t.op for t in inputs}
        controls = [c for c in self._current_control_ops() if c not in input_ops]
        device = self._device_stack[-1] if self._device_stack else ""
        op = Operation(self, op_type, name, inputs, dict(attrs or {}), controls, device)
        specs = output_specs(op_def, op)
        op._outputs = [Tensor(op, i, dtype, as_shape(shape))
                       for i, (shape, dtype) in enumerate(specs)]
        for t in inputs:
            t._consumers.append(op)
        self._last_id += 1
        op._id = self._last_id
        self._ops.append(op)
        self._ops_by_name[name] = op
        self.version += 1
        return op

    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not {type(name).__name__}.")
        if ":" in name:
            raise ValueError(f"Name {name!r} appears to refer to a Tensor, not an Operation.")
        try:
            return self._ops_by_name[name]
        except KeyError:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.") from None

    def get_tensor_by_name(self, name):
        if isinstance(name, str) and ":" not in name and name in self._ops_by_name:
            raise ValueError(f"The name {name!r} refers to an Operation, not a Tensor. Tensor "
                             "names must be of the form \"<op_name>:<output_index>\".")
        if not isinstance(name, str) or ":" not in name:
            raise ValueError(f"The name {name!r} looks like an (invalid) Operation name, "
                             "not a Tensor. Tensor names must be of the form "
                             "\"<op_name>:<output_index>\".")
        op_name, index = name.rsplit(":", 1)
        try:
            op = self._ops_by_name[op_name]
        except KeyError:
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The "
                           f"operation, {op_name!r}, does not exist in the graph.") from None
        index = int(index)
        if index >= len(op.outputs):
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The "
                           f"operation, {op_name!r}, exists but only has "
                           f"{len(op.outputs)} outputs.")
        return op.outputs[index]

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        if hasattr(obj, "_as_graph_element"):
            obj = obj._as_graph_element()
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                return self.get_tensor_by_name(obj)
            if allow_operation:
                return self.get_operation_by_name(obj)
        if isinstance(obj, (Tensor, Operation)):
            if obj.graph is not self:
                op = obj if isinstance(obj, Operation) else obj.op
                raise ValueError(f"{type(obj).__name__} {obj} is not an element of this graph. "
                                 f"(created at {op.defined_at})")
            if isinstance(obj, Tensor) and allow_tensor or \
                    isinstance(obj, Operation) and allow_operation:
                return obj
        raise TypeError(f"Can not convert a {type(obj).__name__} into a "
                        f"{'Tensor or Operation' if allow_operation else 'Tensor'}.")

    def finalize(self):
        self._finalized = True

    @property
    def finalized(self):
        return self._finalized

    def _unsafe_unfinalize(self):
        self._finalized = False

    def _check_not_finalized(self):
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")

    # --- names ---
    def get_name_scope(self):
        return self._name_stack

    def unique_name(self, name, mark_as_used=True):
        if self._name_stack:
            name = self._name_stack + "/" + name
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while key in self._names_in_use:
                key = f"{base}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = f"{name}_{i - 1}"
        return name

    @contextlib.contextmanager
    def name_scope(self, name):
        old = self._name_stack
        if name and not _VALID_SCOPE_NAME.match(name):
            raise ValueError(f"'{name}' is not a valid scope name")
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]   # an absolute scope, reused as is
        else:
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield new + "/" if new else ""
        finally:
            self._name_stack = old

    # --- control dependencies and devices ---
    def _current_control_ops(self):
        ops = []
        for frame in reversed(self._control_stack):
            if frame is None:
                break
            ops[:0] = [o for o in frame if o not in ops]
        return ops

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        if control_inputs is None:
            frame = None
        else:
            frame = []
            for c in control_inputs:
                if hasattr(c, "_as_graph_element"):
                    c = c._as_graph_element()
                if isinstance(c, Tensor):
                    c = c.op
                if not isinstance(c, Operation):
                    raise TypeError(f"Control input must be Operation or Tensor: {c!r}")
                frame.append(c)
        self._control_stack.append(frame)
        try:
            yield
        finally:
            self._control_stack.pop()

    @contextlib.contextmanager
    def device(self, device_name_or_function):
        spec = device_name_or_function
        self._device_stack.append("" if spec is None else _canonical_device(spec)
                                  if isinstance(spec, str) else
                                  getattr(spec, "to_string", lambda: str(spec))())
        try:
            yield
        finally:
            self._device_stack.pop()

    # --- collections ---
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for name in ([names] if isinstance(names, str) else set(names)):
            self.add_to_collection(name, value)

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        pattern = re.compile(scope)
        return [i for i in items if hasattr(i, "name") and pattern.match(i.name)]

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v]

    def clear_collection(self, name):
        self._collections.pop(name, None)

    # --- default graph ---
    def as_default(self):
        return _default_graph_stack.scope(self)

    @property
    def building_function(self):
        return False

    @property
    def root(self):
        """The outermost graph: this one, unless this is a loop's or branch's sub-graph."""
        return self

    def encloses(self, graph):
        return graph is self


def _canonical_device(spec):
    """TF's spelling of a device string: "/cpu:0" -> "/device:CPU:0"."""
    parts = []
    for part in spec.split("/"):
        kind, _, index = part.partition(":")
        if kind.lower() in ("cpu", "gpu") and index:
            part = f"device:{kind.upper()}:{index}"
        elif kind.lower() == "device" and index:
            sub, _, number = index.partition(":")
            part = f"device:{sub.upper()}:{number}" if number else part
        parts.append(part)
    return "/".join(parts)


class _DefaultStack(threading.local):
    def __init__(self):
        self.stack = []

    @contextlib.contextmanager
    def scope(self, item):
        self.stack.append(item)
        try:
            yield item
        finally:
            # The innermost entry: a graph may be on the stack twice (a loop body's
            # variables are made with the outer graph pushed again).
            for i in range(len(self.stack) - 1, -1, -1):
                if self.stack[i] is item:
                    del self.stack[i]
                    break


_default_graph_stack = _DefaultStack()
_global_graph = [Graph()]
_default_session_stack = _DefaultStack()


def get_default_graph():
    stack = _default_graph_stack.stack
    return stack[-1] if stack else _global_graph[0]


def reset_default_graph():
    if _default_graph_stack.stack:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If "
                             "you need a cleared graph, exit the nesting and create a new graph.")
    _global_graph[0] = Graph()


def get_default_session():
    stack = _default_session_stack.stack
    return stack[-1] if stack else None


def _graph_for(values):
    """The graph new ops on `values` go to: the first tensor's graph, or the default
    graph when that is a sub-graph nested in it (the tensor will be captured)."""
    default = get_default_graph()
    for v in values:
        if isinstance(v, Tensor):
            return default if default.encloses(v.graph) else v.graph
    return default


def name_scope(name, default_name=None, values=None):
    """TF1's name_scope(name, default_name, values): picks the graph from `values`."""
    return _graph_for(values or ()).name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function):
    return get_default_graph().device(device_name_or_function)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def make_op(op_type, inputs, attrs=None, name=None):
    """Creates an op in the default graph (or the inputs' graph) and returns it."""
    return _graph_for(inputs).create_op(op_type, inputs, attrs, name)


def make_tensor(op_type, inputs, attrs=None, name=None):
    """make_op for the common single-output case: returns outputs[0]."""
    return make_op(op_type, inputs, attrs, name).outputs[0]

