"""FuncGraph: the sub-graph a loop body, a loop condition or a cond branch is built in.

A functional control-flow op (While, If) holds its sub-graphs as attributes. Each
sub-graph is a Graph of its own, but it shares with the graph that holds it (its root)
everything TF1 kept per graph: unique names (so `rnn/while/...` names are unique in the
whole program), op ids (so seeds follow TF1's op order), the graph seed, collections and
the variable store. A tensor from an enclosing graph used inside is captured: it becomes
an input of the control-flow op and a placeholder inside."""
import contextlib

from .graph import Graph, get_default_graph
from .registry import get_op_def


class FuncGraph(Graph):
    def __init__(self, outer_graph, name_stack):
        super().__init__()
        self.outer_graph = outer_graph
        root = outer_graph.root
        self._root = root
        self._names_in_use = root._names_in_use
        self._collections = root._collections
        self._variable_store = _variable_store(root)
        self._name_stack = self.base_scope = name_stack
        self.captures = {}   # tensor of the enclosing graph -> placeholder in here
        self._aliases = {}   # an outer variable updated in here -> its stand-in
        self.inputs = []     # the placeholders of loop variables / branch arguments
        self.outputs = []
        self.sealed_by = None   # the op that holds this graph, once it is made

    @property
    def root(self):
        return self._root

    @property
    def seed(self):
        return self._root.seed

    @seed.setter
    def seed(self, value):
        # Graph.__init__ sets seed = None before _root exists.
        if "_root" in self.__dict__:
            self._root.seed = value

    @property
    def _last_id(self):
        return self._root._last_id

    @_last_id.setter
    def _last_id(self, value):
        if "_root" in self.__dict__:
            self._root._last_id = value

    @property
    def version(self):
        return self._root.version

    @version.setter
    def version(self, value):
        if "_root" in self.__dict__:
            self._root.version = value

    @property
    def building_function(self):
        return True

    def encloses(self, graph):
        """Whether `graph` is this graph or one it is nested in."""
        g = self
        while g is not None:
            if g is graph:
                return True
            g = getattr(g, "outer_graph", None)
        return False

    def create_op(self, op_type, inputs, attrs=None, name=None):
        self._root._check_not_finalized()
        refs = get_op_def(op_type).ref_inputs
        inputs = [t if t.graph is self or not self.encloses(t.graph) else
                  self._variable(t) if i in refs and t.op.type == "VariableV2" else
                  self.capture(t) for i, t in enumerate(inputs)]
        return super().create_op(op_type, inputs, attrs, name)

    def _variable(self, ref):
        """An outer variable an op in here updates (tf.assign in a branch or loop body):
        a stand-in VariableV2 naming it, so that the update reaches the variable itself
        and not a captured copy of its value."""
        alias = self._aliases.get(ref)
        if alias is None:
            old, self._name_stack = self._name_stack, self.base_scope
            try:
                with self.control_dependencies(None):
                    attrs = dict(ref.op.attrs, var_name=ref.op.attrs.get("var_name", ref.op.name))
                    alias = super().create_op("VariableV2", [], attrs, "Enter").outputs[0]
            finally:
                self._name_stack = old
            self._aliases[ref] = alias
        return alias

    def _live_read(self, var):
        """The value of an outer variable this sub-graph updates, read where it is used
        (each iteration sees the updates before it), as TF1 reads through its Enter."""
        old, self._name_stack = self._name_stack, self.base_scope
        try:
            with self.control_dependencies(None):
                return super().create_op("Identity", [self._aliases[var]], {},
                                         "read").outputs[0]
        finally:
            self._name_stack = old

    def capture(self, tensor):
        """The placeholder that stands for `tensor` (of an enclosing graph) in here; for
        a variable this sub-graph updates, a fresh read of it instead."""
        var = tensor if tensor.op.type == "VariableV2" else \
            tensor.op.inputs[0] if tensor.op.type == "Identity" and \
            tensor.op.inputs[0].op.type == "VariableV2" else None
        if var is not None and var in self._aliases:
            return self._live_read(var)
        outer = tensor if tensor.graph is self.outer_graph else \
            self.outer_graph.capture(tensor)
        inner = self.captures.get(outer)
        if inner is None:
            if self.sealed_by is not None:
                raise ValueError(f"{self.sealed_by.name}: {tensor.name}, from outside, is used "
                                 f"inside after {self.sealed_by.name} was built")
            inner = self.placeholder(outer.dtype, outer.shape, "Enter")
            self.captures[outer] = inner
        return inner

    def placeholder(self, dtype, shape, name):
        """A placeholder at the top of the sub-graph's scope ("rnn/while/Enter"),
        whatever scope and control dependencies the caller is in."""
        from .tensor_shape import as_shape
        old, self._name_stack = self._name_stack, self.base_scope
        try:
            with self.control_dependencies(None):
                op = super().create_op("Placeholder", [], {"dtype": dtype,
                                                           "shape": as_shape(shape)}, name)
        finally:
            self._name_stack = old
        return op.outputs[0]


def _variable_store(root):
    from ..ops.variable_scope import _store
    return _store(root)


@contextlib.contextmanager
def init_scope():
    """Where variables and their initializers are made: the outermost graph, outside
    every control dependency (as TF1 lifts them out of loops and conditionals)."""
    graph = get_default_graph()
    root = graph.root
    if root is graph:
        with graph.control_dependencies(None):
            yield graph
        return
    with root.as_default(), root.control_dependencies(None):
        yield root
