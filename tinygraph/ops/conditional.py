"""tf.cond as one functional op, If, holding each branch as a sub-graph (a FuncGraph whose
placeholders stand for the tensors it captures), and its gradient IfGrad, which runs the
taken branch's gradient."""
import numpy as np

from ..framework import dtypes, nest
from ..framework.graph import make_op, name_scope
from ..framework.operation import convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape
from .subgraphs import (SubgraphGradient, differentiable, fill_gradients, flat_tensors,
                        new_subgraph, nonzero, recorded, repack, sources, unbox, variant,
                        zeros_like_value)


class If(OpDef):
    """Inputs: the predicate, then every tensor either branch captures. Outputs: the taken
    branch's values, then a variant recording which branch ran (and its stateful outputs)
    for IfGrad."""
    type = "If"
    stateful = True

    def infer(op):
        return [(s, t.dtype) for s, t in zip(op.attrs["shapes"], op.attrs["branches"][0].outputs)] \
            + [((), dtypes.variant)]

    @classmethod
    def compute(cls, op, inputs, ctx):
        taken = 0 if bool(inputs[0]) else 1
        graph = op.attrs["branches"][taken]
        outputs, record = graph.outputs, op.attrs["recorded"][taken]
        feeds, values = _feeds(op, graph, inputs[1:])
        out = ctx.call(outputs + record, feeds, values) if outputs + record else []
        n = len(outputs)
        return out[:n] + [variant((taken, out[n:]))]

    def gradient(op, *dys):
        grads = op.attrs.get("gradients")
        if grads is None:
            grads = op.attrs["gradients"] = [
                SubgraphGradient(g, g.outputs, list(g.captures.values()))
                for g in op.attrs["branches"]]
        outputs = op.attrs["branches"][0].outputs
        reached = _reached(op, [k for k, (d, t) in enumerate(zip(dys, op.outputs))
                                if differentiable(t) and nonzero(d, t)])
        result = [None] * len(op.inputs)
        if not reached:   # (no used output is a float computed from a captured tensor)
            return result
        dys = [d for d, t in zip(dys, outputs) if differentiable(t)]
        floats = [i for i, t in enumerate(op.inputs[1:], 1) if differentiable(t)]
        out = make_op("IfGrad", [op.outputs[len(outputs)]] + list(op.inputs[1:]) +
                      [d for d in dys if d is not None],
                      {"forward": op, "given": [d is not None for d in dys]}).outputs
        # TF gives None, not zeros, to the tensors no used output of either branch is
        # computed from (zeros to those only the branch not taken uses).
        for k, i in enumerate(floats):
            result[i] = out[k] if op.inputs[i] in reached else None
        return result


def _reached(op, used):
    """The captured tensors (outer) that the outputs in `used` are computed from, in
    either branch."""
    reached = set()
    for g in op.attrs["branches"]:
        inner = {p: outer for outer, p in g.captures.items()}
        for k in used:
            reached.update(inner[t] for t in sources(g.outputs[k]) if t in inner)
    return reached


def _feeds(op, graph, captured_values):
    """The branch's capture placeholders and their values, from the If op's inputs."""
    where = {t: i for i, t in enumerate(op.inputs[1:])}
    feeds = list(graph.captures.values())
    values = [captured_values[where[outer]] for outer in graph.captures]
    return feeds, values


class IfGrad(OpDef):
    """Inputs: the If's record, its captured tensors, the gradients of its float outputs.
    Outputs: the gradients of its float captured tensors (zero for the other branch's)."""
    type = "IfGrad"
    stateful = True

    def infer(op):
        return [(t.shape, t.dtype) for t in op.attrs["forward"].inputs[1:] if differentiable(t)]

    @classmethod
    def compute(cls, op, inputs, ctx):
        forward = op.attrs["forward"]
        captured_values = list(inputs[1:len(forward.inputs)])
        given = iter(inputs[len(forward.inputs):])
        dys = [next(given) if g else variant(None) for g in op.attrs["given"]]
        taken, record = unbox(inputs[0])
        graph = forward.attrs["branches"][taken]
        grad = forward.attrs["gradients"][taken]
        feeds, values = _feeds(forward, graph, captured_values)
        inner = graph.captures
        wanted = dict(zip([t for t in forward.inputs[1:] if differentiable(t)], ctx.wanted(op)))
        fetches, present = grad.fetches([wanted[outer] for outer, p in inner.items()
                                         if differentiable(p)])
        out = ctx.call(fetches, feeds + forward.attrs["recorded"][taken] + grad.grad_ys,
                       values + list(record) + dys) if fetches else []
        float_feeds = [(p, v) for p, v in zip(feeds, values) if differentiable(p)]
        branch_grads = dict(zip([p for p, _ in float_feeds], fill_gradients(
            out, present, [v for _, v in float_feeds])))
        return [branch_grads[inner[t]] if t in inner else zeros_like_value(v)
                for t, v in zip(forward.inputs[1:], captured_values) if differentiable(t)]


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """TF1's tf.cond: the value of true_fn() if pred else false_fn(); only the taken
    branch runs."""
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    if true_fn is None:
        raise TypeError("cond(): true_fn argument required")
    if false_fn is None:
        raise TypeError("cond(): false_fn argument required")
    if not callable(true_fn):
        raise TypeError("true_fn must be callable.")
    if not callable(false_fn):
        raise TypeError("false_fn must be callable.")
    if isinstance(pred, (bool, np.bool_)):
        raise TypeError("pred must not be a Python bool")
    with name_scope(name, "cond", [pred]) as scope:
        pred = convert_to_tensor(pred)
        if pred.dtype != dtypes.bool:
            raise TypeError(f"cond: pred must be a bool tensor, not {pred.dtype.name}")
        if pred.shape.ndims is not None and pred.shape.ndims != 0:
            raise ValueError(f"cond: pred must be a scalar, not a tensor of shape "
                             f"{pred.shape}")
        # Op ids follow TF1's cond (Switch, switch_t, switch_f and pred_id first, a
        # Merge per output last), so that random ops made later get TF1's seeds.
        pred.graph._last_id += 4
        branches, results = [], []
        for fn in (true_fn, false_fn):
            graph = new_subgraph(scope)
            with graph.as_default():
                result = fn()
                graph.outputs = [t if t.graph is graph else graph.capture(t)
                                 for t in flat_tensors(result)] if result is not None else []
            branches.append(graph)
            results.append(result)
        nest.assert_same_structure(results[0], results[1])
        t_out, f_out = branches[0].outputs, branches[1].outputs
        for a, b in zip(t_out, f_out):
            if a.dtype != b.dtype:
                raise ValueError(f"Outputs of true_fn and false_fn must have the same type: "
                                 f"{a.dtype.name}, {b.dtype.name}")
        captured = list(dict.fromkeys([t for g in branches for t in g.captures]))
        attrs = {"branches": branches, "recorded": [recorded(g) for g in branches],
                 "shapes": [_most_specific(a.shape, b.shape) for a, b in zip(t_out, f_out)]}
        op = make_op("If", [pred] + captured, attrs, name=scope)
        for g in branches:
            g.sealed_by = op
        op.graph._last_id += len(t_out) - 1
    if results[0] is None:
        return op
    out = repack(results[0], op.outputs[:len(t_out)])
    if not strict and isinstance(out, (list, tuple)) and len(out) == 1 \
            and not hasattr(out, "_fields"):
        return out[0]
    return out


def _most_specific(a, b):
    """The shape both branches' values have: dims that agree, unknown where they differ."""
    if a.ndims is None or b.ndims is None or a.ndims != b.ndims:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])

