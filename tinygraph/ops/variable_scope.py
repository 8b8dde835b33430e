"""variable_scope and get_variable: variables named by scope, shared through reuse."""
import contextlib
import enum

from ..framework import dtypes
from ..framework.func_graph import init_scope
from ..framework.graph import get_default_graph
from ..framework.tensor_shape import as_shape
from . import init_ops
from .variables import Variable


class _ReuseMode(enum.Enum):
    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE


class VariableScope:
    def __init__(self, reuse, name="", initializer=None, regularizer=None, dtype=dtypes.float32,
                 name_scope="", custom_getter=None, constraint=None):
        self.name = name
        self._reuse = reuse
        self.initializer = initializer
        self.regularizer = regularizer
        self.dtype = dtypes.as_dtype(dtype)
        self.original_name_scope = name_scope
        self.custom_getter = custom_getter
        self.constraint = constraint

    @property
    def reuse(self):
        return self._reuse

    def reuse_variables(self):
        self._reuse = True

    def set_initializer(self, initializer):
        self.initializer = initializer

    def set_regularizer(self, regularizer):
        self.regularizer = regularizer

    def set_dtype(self, dtype):
        self.dtype = dtypes.as_dtype(dtype)

    def get_variable(self, name, shape=None, dtype=None, initializer=None, regularizer=None,
                     trainable=True, collections=None, **kwargs):
        full_name = f"{self.name}/{name}" if self.name else name
        # `is None` tests: an initializer may be a Tensor, which has no truth value.
        return _store(get_default_graph()).get(
            full_name, shape, dtypes.as_dtype(dtype if dtype is not None else self.dtype),
            initializer if initializer is not None else self.initializer,
            regularizer if regularizer is not None else self.regularizer, self._reuse,
            trainable, collections, kwargs.get("constraint"))


class _VariableStore:
    """Per graph: the variables made by get_variable, and how often each scope was opened."""

    def __init__(self):
        self.variables = {}
        self.scope_counts = {}
        self.scope = VariableScope(False)

    def get(self, name, shape, dtype, initializer, regularizer, reuse, trainable, collections,
            constraint):
        shape = None if shape is None else as_shape(shape)
        if name in self.variables:
            if reuse is False or reuse is None:
                v = self.variables[name]
                path, line = v.op.traceback
                raise ValueError(f"Variable {name} already exists, disallowed. Did you mean to "
                                 "set reuse=True or reuse=tf.AUTO_REUSE in VarScope? "
                                 f"Originally defined at:\n\n  File \"{path}\", line {line}")
            v = self.variables[name]
            if shape is not None and not shape.is_compatible_with(v.shape):
                raise ValueError(f"Trying to share variable {name}, but specified shape "
                                 f"{shape} and found shape {v.shape}.")
            if dtype != v.dtype.base_dtype:
                raise ValueError(f"Trying to share variable {name}, but specified dtype "
                                 f"{dtype.name} and found dtype {v.dtype.name}.")
            return v
        if reuse is True:
            raise ValueError(f"Variable {name} does not exist, or was not created with "
                             "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                             "VarScope?")
        v = self._create(name, shape, dtype, initializer, trainable, collections, constraint)
        if regularizer is not None:
            from ..framework.graph import GraphKeys, name_scope
            with name_scope(f"{name}/Regularizer/"):
                loss = regularizer(v.value())
            if loss is not None:
                get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return v

    def _create(self, name, shape, dtype, initializer, trainable, collections, constraint):
        if initializer is None:
            initializer = init_ops.GlorotUniform() if dtype.is_floating else init_ops.Zeros()
        if isinstance(initializer, type):
            initializer = initializer()
        if callable(initializer):
            if shape is None or not shape.is_fully_defined():
                raise ValueError(f"Shape of a new variable ({name}) must be fully defined, but "
                                 f"instead was {shape}.")
            init_value = lambda: initializer(shape.as_list(), dtype=dtype, partition_info=None)  # noqa: E731
            var_dtype = dtype
        else:   # a tensor or value: the initial value itself
            init_value, var_dtype = initializer, None
            if shape is not None and hasattr(initializer, "shape"):
                if not shape.is_compatible_with(initializer.shape):
                    raise ValueError(f"Initializer for variable {name} has shape "
                                     f"{initializer.shape} but shape {shape} was requested")
        with init_scope() as graph:
            # Variable names depend on the variable scope only, not on the name scope.
            old_stack = graph._name_stack
            graph._name_stack = ""
            try:
                v = Variable(init_value, trainable=trainable, collections=collections,
                             name=name, dtype=var_dtype, constraint=constraint)
            finally:
                graph._name_stack = old_stack
        self.variables[name] = v
        return v


def _store(graph):
    store = getattr(graph, "_variable_store", None)
    if store is None:
        store = graph._variable_store = _VariableStore()
    return store


def get_variable_scope():
    return _store(get_default_graph()).scope


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 **kwargs):
    return get_variable_scope().get_variable(
        name, shape, dtype, initializer, regularizer,
        True if trainable is None else trainable, collections, constraint=constraint)


@contextlib.contextmanager
def variable_scope(name_or_scope=None, default_name=None, values=None, initializer=None,
                   regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                   reuse=None, dtype=None, use_resource=None, constraint=None,
                   auxiliary_name_scope=True):
    if name_or_scope is None and default_name is None:
        raise TypeError("If default_name is None then name_or_scope is required")
    if reuse is False:   # TF1: False means "inherit", only True or AUTO_REUSE change it
        reuse = None
    if reuse is not None and reuse is not True and reuse is not AUTO_REUSE:
        raise ValueError("The reuse parameter must be True or False or None.")
    graph = get_default_graph()
    if values:   # the values' graph, unless it encloses the (loop body) default graph
        found = next((v.graph for v in values if hasattr(v, "graph")), graph)
        graph = graph if graph.encloses(found) else found
    store = _store(graph)
    parent = store.scope
    reopened = isinstance(name_or_scope, VariableScope)
    if reopened:   # jump to a captured scope: its own name and settings, not the parent's
        new_name, base = name_or_scope.name, name_or_scope
        reuse = reuse or name_or_scope.reuse
        ns_name = new_name.rsplit("/", 1)[-1]
    else:
        if name_or_scope is not None:
            relative = ns_name = name_or_scope
        else:
            if reuse is True:
                raise ValueError("reuse=True cannot be used without a name_or_scope")
            relative, ns_name = _unique_scope_name(store, parent.name, default_name), default_name
        new_name = f"{parent.name}/{relative}" if parent.name else relative
        base = parent
        reuse = reuse or parent.reuse
    saved_counts = dict(store.scope_counts) if reopened else None
    _count_scope(store, new_name)
    scope = VariableScope(reuse, new_name,
                          initializer if initializer is not None else base.initializer,
                          regularizer if regularizer is not None else base.regularizer,
                          dtype if dtype is not None else base.dtype, "",
                          custom_getter or base.custom_getter,
                          constraint if constraint is not None else base.constraint)
    # The name scope: a new one named like the scope (made unique by the graph, so a
    # reentered "foo" puts its ops in "foo_1" while its variables stay in "foo"), or the
    # current one when auxiliary_name_scope=False.
    if not auxiliary_name_scope or not ns_name:
        current = graph.get_name_scope()
        ns = contextlib.nullcontext(current + "/" if current else "")
    else:
        ns = graph.name_scope(ns_name)
    with ns as current:
        scope.original_name_scope = name_or_scope.original_name_scope if reopened else current
        store.scope = scope
        try:
            yield scope
        finally:
            store.scope = parent
            if reopened:
                store.scope_counts = saved_counts
            else:   # default names inside a closed scope start again at the next entry
                for key in store.scope_counts:
                    if key.startswith(new_name + "/"):
                        store.scope_counts[key] = 0


def _count_scope(store, name):
    store.scope_counts[name] = store.scope_counts.get(name, 0) + 1


def _unique_scope_name(store, parent_name, default_name):
    prefix = f"{parent_name}/" if parent_name else ""
    name, i = default_name, 0
    while store.scope_counts.get(prefix + name, 0):
        i += 1
        name = f"{default_name}_{i}"
    return name
