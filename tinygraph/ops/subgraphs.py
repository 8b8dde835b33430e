"""What the functional control-flow ops (While, If) share: building a sub-graph from a
user's function, the values a run records for the backward pass, and the symbolic
gradient of a sub-graph."""
import numpy as np

from ..framework import dtypes, nest
from ..framework.func_graph import FuncGraph
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.registry import get_op_def


def variant(value):
    """A host object as a variant tensor's value: a 0-d object array holding it."""
    box = np.empty((), object)
    box[()] = value
    return box


def unbox(value):
    return value[()] if isinstance(value, np.ndarray) and value.dtype == object else value


def flat_tensors(structure, graph=None):
    """The leaves of a (nested) structure as tensors; a TensorArray stands for its flow."""
    return [leaf.flow if hasattr(leaf, "_with_flow") else convert_to_tensor(leaf)
            for leaf in nest.flatten(structure)]


def repack(structure, tensors):
    """`structure` with its leaves replaced by `tensors` (a TensorArray gets a new flow)."""
    leaves = [old._with_flow(t) if hasattr(old, "_with_flow") else t
              for old, t in zip(nest.flatten(structure), tensors)]
    return nest.pack_sequence_as(structure, leaves)


def recorded(graph):
    """The tensors of `graph` whose values a run records for the backward pass besides
    its inputs: outputs of stateful ops (random draws, inner loops), which recomputing
    would not reproduce."""
    return [t for op in graph.get_operations()
            if op.type not in ("Placeholder", "VariableV2") and get_op_def(op.type).stateful
            for t in op.outputs]


def differentiable(t):
    """Floats, and variants (a TensorArray's flow carries its elements' gradients)."""
    return t.dtype.is_floating or t.dtype == dtypes.variant


def nonzero(dy, t):
    """Whether dy, the gradient tf.gradients passes for output t, can be nonzero: it
    stands in a zero (a ZerosLike of t) for an output nothing differentiates."""
    return dy is not None and not (dy.op.type == "ZerosLike" and dy.op.inputs[0] is t)


def sources(t):
    """The tensors t is computed from along edges a gradient flows through (floats and
    variants, through differentiable ops): a sub-graph input that is not among them gets
    no gradient from t (None in TF, as no path joins them)."""
    found, stack = set(), [t]
    while stack:
        x = stack.pop()
        if x in found or not differentiable(x):
            continue
        found.add(x)
        if not get_op_def(x.op.type).not_differentiable:
            stack.extend(x.op.inputs)
    return found


def zeros_like_value(x):
    """A zero gradient for value x: zeros, or an empty gradient list for a variant."""
    x = np.asarray(x)
    return variant(None) if x.dtype == object else np.zeros_like(x)


def accumulate(total, g):
    """total + g for gradients (None is zero; variants hold TensorLists)."""
    if total is None:
        return g
    if np.asarray(g).dtype == object:
        from .tensor_array_values import add_lists
        return variant(add_lists([total, g]))
    return total + g


def new_subgraph(scope):
    from ..framework.graph import get_default_graph
    return FuncGraph(get_default_graph(), scope.rstrip("/"))


class SubgraphGradient:
    """The gradient of a sub-graph's float outputs with respect to its float inputs
    (arguments and captures), built once inside the sub-graph: placeholders receive the
    outputs' gradients, and `grads` holds one tensor (or None) per input."""

    def __init__(self, graph, outputs, inputs):
        from ..autodiff import gradients
        self.outputs = [t for t in outputs if differentiable(t)]
        self.inputs = [t for t in inputs if differentiable(t)]
        with graph.as_default():
            self.grad_ys = [graph.placeholder(t.dtype, t.shape, "grad_y")
                            for t in self.outputs]
            self.grads = gradients(self.outputs, self.inputs, grad_ys=self.grad_ys) \
                if self.outputs and self.inputs else [None] * len(self.inputs)

    def fetches(self, wanted):
        """The gradients to compute, of those `wanted` (one flag per input), and which
        inputs they are for (the others are zero)."""
        present = [g is not None and w for g, w in zip(self.grads, wanted)]
        return [g for g, p in zip(self.grads, present) if p], present


def fill_gradients(values, present, like):
    """Gradients in input order, with zeros where a gradient is None."""
    it = iter(values)
    return [next(it) if p else zeros_like_value(x) for p, x in zip(present, like)]


def as_tensor_in(graph, value, dtype=None):
    """`value` as a tensor of `graph` (capturing it if it comes from an enclosing graph)."""
    t = value if isinstance(value, Tensor) else convert_to_tensor(value, dtype=dtype)
    if t.graph is not graph:
        t = graph.capture(t)
    return t


