"""tf.while_loop as one functional op, While, that holds its condition and body in one
sub-graph (a FuncGraph: the loop variables are its placeholders, tensors from outside
are captured), and its gradient WhileGrad, which runs the body's gradient backwards over
the iterations the forward run recorded."""
import numpy as np

from ..framework import dtypes, nest
from ..framework.errors import InvalidArgumentError
from ..framework.graph import make_op, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.registry import OpDef
from ..framework.tensor_shape import TensorShape, as_shape
from .subgraphs import (SubgraphGradient, accumulate, differentiable, fill_gradients,
                        flat_tensors, new_subgraph, nonzero, recorded, repack, sources, unbox,
                        variant, zeros_like_value)


class While(OpDef):
    """Inputs: the loop variables' initial values, then the captured tensors. Outputs:
    the loop variables' final values, then a variant recording each iteration's inputs
    (and stateful outputs) for WhileGrad; a run records only when something uses it."""
    type = "While"
    stateful = True

    def infer(op):
        return [(s, t.dtype) for s, t in zip(op.attrs["shapes"], op.attrs["inputs"])] + \
            [((), dtypes.variant)]

    @classmethod
    def compute(cls, op, inputs, ctx):
        a = op.attrs
        n = len(a["inputs"])
        feeds = a["inputs"] + a["captured"]
        values, captured = list(inputs[:n]), list(inputs[n:])
        body = a["outputs"] + a["recorded"]
        history = [] if ctx.wanted(op)[n] else None
        # A counted loop (`i < limit`, i stepping by one) knows its trip count before it
        # starts, so its condition is never evaluated.
        trips = a["trip_count"](values, captured) if a["trip_count"] else None
        # Another loop asks its condition each step; a device runs a block of steps ahead
        # of it and the host takes them up to the first false condition: one read back
        # per block, not one per step.
        block, size = getattr(ctx, "loop_block", None), 4
        while trips is None and block is not None and not a["recorded"]:
            ahead = block(op, size, values + captured)
            if ahead is None:
                break   # (step by step, below)
            for go, out in zip(*ahead):
                if not go:
                    return _finished(values, history)
                _check_shapes(op, out)
                if history is not None:
                    history.append((values, []))
                values = out
            size = min(2 * size, 64)
        done = 0
        while done < trips if trips is not None else \
                ctx.call([a["cond"]], feeds, values + captured)[0]:
            out = ctx.call(body, feeds, values + captured)
            _check_shapes(op, out[:n])
            if history is not None:
                _share_written(a, out, values, captured)
                history.append((values, out[n:]))
            values = out[:n]
            done += 1
        return _finished(values, history)

    def gradient(op, *dys):
        a = op.attrs
        n = len(a["inputs"])
        if not a["back_prop"]:
            return [None] * len(op.inputs)
        grad = a.get("gradient")
        if grad is None:   # built once per loop, inside its sub-graph
            grad = a["gradient"] = SubgraphGradient(
                a["graph"], a["outputs"], a["inputs"] + a["captured"])
        vars_, caps = _differentiable_positions(a)
        used = [i for i in vars_ if nonzero(dys[i], op.outputs[i])]
        reach_vars, reach_caps = _reaching(a, used)
        result = [None] * len(op.inputs)
        if not reach_vars:   # (no used output is a float computed from the inputs)
            return result
        grads = [dys[i] for i in vars_ if dys[i] is not None]
        out = make_op("WhileGrad", [op.outputs[n]] + list(op.inputs[n:]) + grads,
                      {"forward": op, "given": [dys[i] is not None for i in vars_]}).outputs
        # TF gives None, not zeros, to the inputs no used output is computed from.
        for k, i in enumerate(vars_):
            result[i] = out[k] if i in reach_vars else None
        for k, j in enumerate(caps):
            result[n + j] = out[len(vars_) + k] if j in reach_caps else None
        return result


def _finished(values, history):
    """While's outputs: the loop variables' final values and the record (with the final
    values too: with no iteration, they give the zeros' shapes)."""
    return values + [variant((history, values) if history is not None else None)]


def _share_written(attrs, out, values, captured):
    """A loop variable that the body also writes into a TensorArray (dynamic_rnn's state,
    which is its output) is the same value twice: the body's fetched copy and the array's
    element. The record keeps every iteration's values, so `out` takes the element
    instead and the copy is dropped: one array per step, not two."""
    aliases = attrs.get("written_aliases")
    if aliases is None:
        aliases = attrs["written_aliases"] = _written_aliases(attrs)
    for i, j, from_inputs, k in aliases:
        index = (values if from_inputs else captured)[k]
        element = unbox(out[j]).get(int(index))
        v = out[i]
        if element is not None and element.shape == np.shape(v) and \
                element.dtype == np.asarray(v).dtype:
            out[i] = element


def _written_aliases(attrs):
    """(i, j, index from the inputs?, its position) for each loop output i that is the
    value of the TensorArrayWriteV3 giving loop output j, its index an input or capture
    (so known without fetching it)."""
    outputs, inputs, captured = attrs["outputs"], attrs["inputs"], attrs["captured"]
    found = []
    for j, flow in enumerate(outputs):
        write = flow.op
        if write.type != "TensorArrayWriteV3" or write.outputs[0] is not flow:
            continue
        index, value = write.inputs[1], write.inputs[2]
        place = (True, inputs.index(index)) if index in inputs else \
            (False, captured.index(index)) if index in captured else None
        if place is not None:
            found.extend((i, j) + place for i, t in enumerate(outputs) if t is value)
    return found


def _reaching(attrs, used):
    """The loop variables and captured tensors whose values reach the loop variables in
    `used` after the loop: a loop variable reaches its own final value (if the loop runs
    no iteration) and, through the body, those computed from it."""
    deps = attrs.get("sources")
    if deps is None:
        deps = attrs["sources"] = [sources(t) for t in attrs["outputs"]]
    reach, stack = set(), list(used)
    while stack:
        k = stack.pop()
        if k not in reach:
            reach.add(k)
            stack.extend(i for i, t in enumerate(attrs["inputs"]) if t in deps[k])
    return reach, {j for j, t in enumerate(attrs["captured"])
                   if any(t in deps[k] for k in reach)}


def _differentiable_positions(attrs):
    """The loop variables and captured tensors gradients flow to: floats, and variants
    (a TensorArray's flow carries its elements' gradients)."""
    return ([i for i, t in enumerate(attrs["inputs"]) if differentiable(t)],
            [j for j, t in enumerate(attrs["captured"]) if differentiable(t)])


def _check_shapes(op, values):
    # Once per iteration: plain tuples, not TensorShape objects (they cost ~25 us here).
    invariants = op.attrs.get("invariant_dims")
    if invariants is None:
        invariants = op.attrs["invariant_dims"] = [
            None if s.ndims is None else tuple(s.as_list()) for s in op.attrs["shapes"]]
    for dims, v in zip(invariants, values):
        got = np.shape(v)
        if dims is not None and (len(dims) != len(got) or any(
                d is not None and d != g for d, g in zip(dims, got))):
            _shape_error(op, values)


def _shape_error(op, values):
    for t, shape, v in zip(op.attrs["user_vars"], op.attrs["shapes"], values):
        if not shape.is_compatible_with(np.shape(v)):
            raise InvalidArgumentError(
                None, op, f"The loop variable that enters as '{t.name}' has shape "
                          f"{tuple(np.shape(v))} in an iteration, outside its shape invariant "
                          f"{shape}.")


class WhileGrad(OpDef):
    """Inputs: the forward loop's record, its captured tensors, then the gradients of its
    float loop variables. Outputs: the gradients of the float initial values, then of the
    float captured tensors."""
    type = "WhileGrad"
    stateful = True

    def infer(op):
        a = op.attrs["forward"].attrs
        return [(t.shape, t.dtype) for t in a["gradient"].inputs]

    @classmethod
    def compute(cls, op, inputs, ctx):
        fa = op.attrs["forward"].attrs
        grad = fa["gradient"]
        m = len(fa["captured"])
        (history, _), captured = unbox(inputs[0]), list(inputs[1:1 + m])
        vars_, caps = _differentiable_positions(fa)
        # Loop variables' gradients carry from one iteration to the one before, so all
        # are computed; a captured tensor's only if the plan uses it.
        fetches, present = grad.fetches([True] * len(vars_) + ctx.wanted(op)[len(vars_):])
        feeds = fa["inputs"] + fa["captured"] + fa["recorded"] + grad.grad_ys
        given = iter(inputs[1 + m:])
        # the gradients of the loop variables after the last iteration (zero if none)
        g_vars = [np.asarray(next(given)) if g else None for g in op.attrs["given"]]
        g_caps = [None] * len(caps)
        for values, record in reversed(history):
            like = [values[i] for i in vars_] + [captured[j] for j in caps]
            g_vars = [zeros_like_value(x) if g is None else g for g, x in zip(g_vars, like)]
            out = ctx.call(fetches, feeds, values + captured + record + g_vars) \
                if fetches else []
            grads = fill_gradients(out, present, like)
            g_vars = grads[:len(vars_)]
            g_caps = [accumulate(acc, g) for acc, g in zip(g_caps, grads[len(vars_):])]
        return [g if g is not None else zeros_like_value(x)
                for g, x in zip(g_vars + g_caps, _initial_like(op, inputs, vars_, caps))]


def _initial_like(op, inputs, vars_, caps):
    """Values shaped like the loop's initial values and captured tensors (for zeros)."""
    fa = op.attrs["forward"].attrs
    m = len(fa["captured"])
    (history, finals), captured = unbox(inputs[0]), list(inputs[1:1 + m])
    first = history[0][0] if history else finals
    return [first[i] for i in vars_] + [captured[j] for j in caps]


def _shape_less_or_equal(shape, invariant):
    """Whether `shape` is at least as specific as `invariant` (TF1's loop-shape rule)."""
    if invariant.ndims is None:
        return True
    if shape.ndims != invariant.ndims:
        return False
    return all(i is None or s == i for s, i in zip(shape.as_list(), invariant.as_list()))


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None,
               return_same_structure=False):
    """TF1's tf.while_loop: `body(*loop_vars)` while `cond(*loop_vars)`; loop_vars may
    be nested (tuples, lists, namedtuples, TensorArrays)."""
    if not callable(cond):
        raise TypeError("cond must be callable.")
    if not callable(body):
        raise TypeError("body must be callable.")
    if parallel_iterations < 1:
        raise TypeError("parallel_iterations must be a positive integer.")
    single = not nest.is_sequence(loop_vars)
    structure = [loop_vars] if single else loop_vars
    with name_scope(name, "while", [t for t in nest.flatten(structure)
                                    if isinstance(t, Tensor)]) as scope:
        inits = flat_tensors(structure)
        shapes = _invariants(inits, shape_invariants, single)
        counted = maximum_iterations is not None
        if counted:   # as TF: a counter in front of the loop variables, checked first
            limit = convert_to_tensor(maximum_iterations, dtype=dtypes.int32,
                                      name="maximum_iterations")
            inits, shapes = [_zero_counter()] + inits, [TensorShape([])] + shapes
        graph = new_subgraph(scope)
        n = len(inits)
        # Op ids follow TF1's frames (Enter, Merge, LoopCond, Switch, Identity,
        # NextIteration, Exit per loop variable), so that random ops made in or after
        # the loop get TF1's seeds.
        with graph.as_default():
            args = [graph.placeholder(t.dtype, s, "Identity") for t, s in zip(inits, shapes)]
            graph._last_id += n   # TF1: Enter and Merge per variable
            packed = repack(structure, args[counted:])
            if counted:
                from .elementwise import less, logical_and
                within_limit = less(args[0], limit)
            pred = convert_to_tensor(cond(*packed))
            if pred.dtype != dtypes.bool:
                raise TypeError(f"while_loop: cond must return a boolean tensor, not "
                                f"{pred.dtype.name}")
            if pred.shape.ndims is not None and pred.shape.ndims != 0:
                raise ValueError(f"while_loop: cond must return a scalar, not a tensor of "
                                 f"shape {pred.shape}")
            if counted:
                pred = logical_and(within_limit, pred)
            graph._last_id += 1 + 2 * n   # TF1: LoopCond; Switch and Identity per variable
            if counted:
                next_count = args[0] + 1
            result = body(*packed)
            if not nest.is_sequence(result):
                result = [result]
            nest.assert_same_structure(list(packed), list(result), check_types=False)
            flat_result = flat_tensors(result)
            if counted:
                flat_result = [next_count] + flat_result
            outputs = [_loop_output(graph, t, init, s)
                       for t, init, s in zip(flat_result, inits, shapes)]
        graph.inputs, graph.outputs = args, outputs
        captures = list(graph.captures.items())
        attrs = {"graph": graph, "cond": pred, "inputs": args, "outputs": outputs,
                 "captured": [inner for _, inner in captures], "recorded": recorded(graph),
                 "shapes": shapes, "user_vars": inits, "back_prop": back_prop,
                 "trip_count": _trip_count(pred, args, outputs, graph),
                 "parallel_iterations": parallel_iterations, "swap_memory": swap_memory}
        op = make_op("While", inits + [outer for outer, _ in captures], attrs, name=scope)
        graph.sealed_by = op
        graph._last_id += 2 * n - 1   # TF1: NextIteration and Exit per variable
    finals = repack(result, op.outputs[counted:len(inits)])
    if return_same_structure:
        return finals[0] if single else finals
    return finals[0] if len(inits) - counted == 1 else finals


def _zero_counter():
    from .constant_ops import constant
    return constant(0, dtype=dtypes.int32, name="iteration_counter")


def _invariants(inits, shape_invariants, single):
    if shape_invariants is None:
        return [t.shape for t in inits]
    given = [shape_invariants] if single and not nest.is_sequence(shape_invariants) \
        else shape_invariants
    given = [as_shape(s) for s in _flatten_shapes(given)]
    if len(given) != len(inits):
        raise ValueError(f"shape_invariants has {len(given)} shapes for {len(inits)} loop "
                         f"variables")
    for t, s in zip(inits, given):
        if not _shape_less_or_equal(t.shape, s):
            raise ValueError(f"The shape invariant specified for {t.name} is not compatible "
                             f"with the initial shape of the loop variable. It enters the "
                             f"loop with shape {t.shape}, but the specified shape invariant "
                             f"is {s}.")
    return given


def _flatten_shapes(structure):
    # A TensorShape, None, or a non-empty list of ints / None is one shape, not a
    # sequence of shapes (an empty list holds no shapes: use TensorShape([]) for a scalar).
    if isinstance(structure, TensorShape) or structure is None or (
            isinstance(structure, (list, tuple)) and structure and
            all(d is None or isinstance(d, (int, np.integer)) for d in structure)):
        return [structure]
    out = []
    for s in (structure.values() if isinstance(structure, dict) else structure):
        out.extend(_flatten_shapes(s))
    return out


def _loop_output(graph, t, init, shape):
    if t.graph is not graph:   # the body returned a tensor from outside the loop
        t = graph.capture(t)
    if t.dtype != init.dtype:
        raise TypeError(f"Input tensor '{init.name}' enters the loop with type "
                        f"{init.dtype.name}, but has type {t.dtype.name} after one iteration.")
    if not _shape_less_or_equal(t.shape, shape):
        raise ValueError(f"Input tensor '{init.name}' enters the loop with shape {shape}, but "
                         f"has shape {t.shape} after one iteration. To allow the shape to vary "
                         f"across iterations, use the `shape_invariants` argument of "
                         f"tf.while_loop to specify a less-specific shape.")
    return t


def _trip_count(pred, args, outputs, graph):
    """For a condition built from `i < limit` (and `and`s of such), where loop variable
    i steps by one and limit is fixed: a function of the loop's initial values and
    captured values that gives the number of iterations. None for any other condition."""
    from .constant_ops import constant_value
    captured = list(graph.captures.values())

    def fixed(t):   # a value known before the loop starts: a constant or a capture
        if t in captured:
            k = captured.index(t)
            return lambda values, caps: int(caps[k])
        v = constant_value(t)
        return None if v is None or np.ndim(v) else (lambda values, caps: int(v))

    def steps_by_one(k):
        out = outputs[k].op
        if out.type not in ("Add", "AddV2") or args[k] not in out.inputs:
            return False
        other = out.inputs[1] if out.inputs[0] is args[k] else out.inputs[0]
        v = constant_value(other)
        return v is not None and np.ndim(v) == 0 and v == 1

    def count(t):
        op = t.op
        if op.type == "LogicalAnd":
            parts = [count(x) for x in op.inputs]
            if None in parts:
                return None
            return lambda values, caps: min(p(values, caps) for p in parts)
        if op.type != "Less" or not op.inputs[0].dtype.is_integer:
            return None
        i, limit = op.inputs
        if i not in args or not steps_by_one(args.index(i)):
            return None
        k, end = args.index(i), fixed(limit)
        if end is None:
            return None
        return lambda values, caps: max(0, end(values, caps) - int(values[k]))
    return count(pred)
