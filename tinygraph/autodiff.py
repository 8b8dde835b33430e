"""tf.gradients: reverse-mode differentiation over the graph. Gradients are built from
ops, so they are graphs too (and can be differentiated again)."""
import numpy as np

from .framework import dtypes
from .framework.graph import get_default_graph, make_tensor, name_scope
from .framework.operation import Tensor, convert_to_tensor
from .framework.registry import get_op_def
from .ops import shape_ops
from .ops.reductions import add_n


def _as_tensor_list(values, as_ref):
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        values = [values]
    return [convert_to_tensor(v, as_ref=as_ref) if not isinstance(v, Tensor) else v
            for v in values]


def _differentiable(t):
    # A variant is a TensorArray's flow, whose gradient is its elements' gradients.
    return t.dtype.is_floating or t.dtype == dtypes.variant


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none"):
    ys = _as_tensor_list(ys, as_ref=False)
    xs = _as_tensor_list(xs, as_ref=True)
    stops = {t.op for t in _as_tensor_list(stop_gradients, as_ref=False)}
    grad_ys = [None] * len(ys) if grad_ys is None else list(grad_ys) \
        if isinstance(grad_ys, (list, tuple)) else [grad_ys]
    if len(grad_ys) != len(ys):
        raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")
    graph = ys[0].graph if ys else get_default_graph()
    with name_scope(name, "gradients", ys + xs) as scope:
        with graph.name_scope(scope):
            between = _ops_between(ys, xs, stops)
            grads = {}   # tensor -> list of gradient contributions
            for y, gy in zip(ys, grad_ys):
                if gy is None:   # ones shaped like y, built as TF builds them
                    # A static shape is a Const (named as TF's Shape, which TF folds), so
                    # the gradient does not have to run y (and y's control dependencies).
                    dims = _static_shape(y, "Shape") if y.shape.is_fully_defined() \
                        else shape_ops.shape(y)
                    gy = shape_ops.fill(dims, _one(y.dtype, f"grad_ys_{len(grads)}"))
                else:
                    gy = convert_to_tensor(gy, dtype=y.dtype)
                grads.setdefault(y, []).append(gy)
            x_ops = {x.op for x in xs}
            for op in sorted(between, key=lambda o: -o._id):
                if op in stops or op in x_ops and not op.inputs:
                    continue
                out_grads = [_total(grads, t) for t in op.outputs]
                if all(g is None for g in out_grads):
                    continue
                op_def = get_op_def(op.type)
                if op_def.not_differentiable:
                    continue
                if op_def.gradient is None:
                    raise LookupError(f"No gradient defined for operation '{op.name}' "
                                      f"(op type: {op.type})")
                # (A variant output, a loop's record, has no gradient to stand in for.)
                out_grads = [g if g is not None or t.dtype == dtypes.variant
                             else shape_ops.zeros_like(t) for g, t in zip(out_grads, op.outputs)]
                with graph.name_scope(op.name + "_grad"):
                    in_grads = op_def.gradient(op, *out_grads)
                if len(in_grads) != len(op.inputs):
                    raise ValueError(f"gradient of {op.type} returned {len(in_grads)} values "
                                     f"for {len(op.inputs)} inputs")
                for t, g in zip(op.inputs, in_grads):
                    if g is not None and _differentiable(t) and t.op in between:
                        grads.setdefault(t, []).append(g)
            result = []
            for x in xs:
                g = _total(grads, x)
                if g is None and unconnected_gradients == "zero":
                    g = shape_ops.zeros_like(x)
                result.append(g)
            return result


def _one(dtype, name):
    from .ops.constant_ops import constant
    return constant(1, dtype=dtype, name=name)


def _static_shape(y, name):
    from .ops.constant_ops import constant
    return constant(np.array(y.shape.as_list(), np.int32), name=name)


def _total(grads, t):
    """The sum of t's gradient contributions (None if none), summed once and kept."""
    contributions = grads.get(t)
    if not contributions:
        return None
    if len(contributions) > 1:
        total = make_tensor("VariantAddN", contributions) if t.dtype == dtypes.variant \
            else add_n(contributions)
        grads[t] = contributions = [total]
    return contributions[0]


def _ops_between(ys, xs, stops):
    """Ops on a path from some x to some y: reachable forward from xs and backward from
    ys (through data edges). Stop ops stay in: they receive gradients (a stopped x still
    gets its own) but pass none on, which the caller sees to."""
    forward = set()
    stack = [x.op for x in xs]
    while stack:
        op = stack.pop()
        if op in forward:
            continue
        forward.add(op)
        for t in op.outputs:
            stack.extend(t._consumers)
    between = set()
    stack = [y.op for y in ys]
    while stack:
        op = stack.pop()
        if op in between or op not in forward:
            continue
        between.add(op)
        stack.extend(t.op for t in op.inputs)
    return between


def hessians(ys, xs, name="hessians"):
    raise NotImplementedError("tf.hessians is not supported yet")


