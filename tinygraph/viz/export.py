"""to_networkx: a graph as a networkx.MultiDiGraph, the one data model the DOT text, the
HTML page and the TensorBoard GraphDef are drawn from.

One node per op, keyed by its name (unique across the root graph and its loop and branch
sub-graphs); one edge per tensor an op takes, per control dependency, and per outer
tensor entering a sub-graph. A While's or If's sub-graph ops are nodes too, with
`parent` naming the op that holds them and `role` saying which part they are."""
import networkx as nx
import numpy as np

from ..framework.dtypes import DType
from ..framework.graph import Graph, get_default_graph
from ..framework.operation import Operation, Tensor
from ..framework.tensor_shape import TensorShape

_MAX_ATTR = 120        # characters of an attribute value kept
_MAX_SHOWN_VALUES = 10  # a constant with more elements is shown as its dtype and shape


def to_networkx(graph=None):
    """The ops of `graph` (default: the default graph; a Session gives its graph) and of
    every sub-graph they hold, as a MultiDiGraph (see viz_common's schema)."""
    graph = _as_graph(graph)
    out = nx.MultiDiGraph()
    _add_ops(out, graph, parent=None, roles={})
    return out


def _as_graph(graph):
    if graph is None:
        return get_default_graph()
    if not isinstance(graph, Graph) and isinstance(getattr(graph, "graph", None), Graph):
        return graph.graph   # a Session
    return graph


def _add_ops(out, graph, parent, roles):
    """Adds `graph`'s ops (nodes, then their incoming edges), recursing into sub-graphs."""
    ops = graph.get_operations()
    for op in ops:
        out.add_node(op.name, type=op.type, device=op.device or "",
                     attrs=summarise_attrs(op.attrs),
                     outputs=[{"shape": str(t.shape), "dtype": t.dtype.name}
                              for t in op.outputs],
                     source=_source(op), parent=parent, role=roles.get(op),
                     scope=op.name.rpartition("/")[0])
    for op in ops:
        for i, t in enumerate(op.inputs):
            out.add_edge(t.op.name, op.name, kind="data", tensor=t.name, shape=str(t.shape),
                         dtype=t.dtype.name, src_output=t.value_index, dst_input=i)
        for c in op.control_inputs:
            out.add_edge(c.name, op.name, kind="control")
        for sub, sub_roles, entering in _subgraphs(op):
            _add_ops(out, sub, op.name, sub_roles)
            for outer, inner in entering:
                out.add_edge(outer.op.name, inner.op.name, kind="capture", tensor=outer.name,
                             shape=str(outer.shape), dtype=outer.dtype.name)


def _subgraphs(op):
    """(sub-graph, {op: role}, [(outer tensor, its placeholder inside)]) for each
    sub-graph `op` holds."""
    if op.type == "While":
        a = op.attrs
        graph = a["graph"]
        roles = _loop_roles(graph, a["cond"], a["outputs"] + a["recorded"])
        _mark_gradient(roles, graph, a.get("gradient"))
        # the loop variables' initial values enter as the sub-graph's first placeholders
        loop_vars = list(zip(op.inputs, graph.inputs))
        return [(graph, roles, loop_vars + _entering(graph))]
    if op.type == "If":
        found = []
        grads = op.attrs.get("gradients") or [None, None]
        for graph, role, grad in zip(op.attrs["branches"], ("then", "else"), grads):
            roles = {o: role for o in graph.get_operations()}
            _mark_gradient(roles, graph, grad)
            found.append((graph, roles, _entering(graph)))
        return found
    return []


def _entering(graph):
    """Outer tensors that enter `graph`: captured values, and variables it updates."""
    return list(graph.captures.items()) + list(graph._aliases.items())


def _loop_roles(graph, cond, body_outputs):
    """"cond" for the ops only the loop condition uses, "body" for the others."""
    for_body = _ancestors(graph, body_outputs)
    for_cond = _ancestors(graph, [cond])
    return {op: "cond" if op in for_cond and op not in for_body else "body"
            for op in graph.get_operations()}


def _ancestors(graph, tensors):
    """The ops of `graph` the given tensors are computed from (themselves included)."""
    found, stack = set(), [t.op for t in tensors]
    while stack:
        op = stack.pop()
        if op in found or op.graph is not graph:
            continue
        found.add(op)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    return found


def _mark_gradient(roles, graph, gradient):
    """The backward pass of a sub-graph is built inside it, after everything else (from
    its first grad_y placeholder on): "gradient" for those ops."""
    if gradient is None or not gradient.grad_ys:
        return
    ops = graph.get_operations()
    for op in ops[ops.index(gradient.grad_ys[0].op):]:
        roles[op] = "gradient"


def _source(op):
    path, line = op.traceback
    return f"{path}:{line}" if line else ""


def summarise_attrs(attrs):
    """The attributes as short JSON-safe strings; sub-graphs, functions and other
    internal objects are left out."""
    out = {}
    for key, value in attrs.items():
        text = _attr_text(value)
        if text is not None:
            out[key] = text if len(text) <= _MAX_ATTR else text[:_MAX_ATTR - 3] + "..."
    return out


def _attr_text(value):
    if isinstance(value, (bool, int, float, str, np.generic)):
        return str(value)
    if isinstance(value, (DType, TensorShape)):
        return value.name if isinstance(value, DType) else str(value)
    if isinstance(value, (Tensor, Operation)):
        return value.name
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return None
        if value.size > _MAX_SHOWN_VALUES:
            return f"{value.dtype.name} array of shape {tuple(value.shape)}"
        return np.array2string(value, separator=", ")
    if isinstance(value, (list, tuple)):
        items = [_attr_text(v) for v in value]
        return None if None in items else "[" + ", ".join(items) + "]"
    return None
