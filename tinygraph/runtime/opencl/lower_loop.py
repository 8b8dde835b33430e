"""While loops in an OpenCL plan, unrolled while planning. A loop whose trip count the
plan can compute (a counted loop, `i < n` with n known from the feeds' shapes: every
dynamic RNN) has its body lowered once per iteration, each time with that iteration's
counter as a constant, so TensorArray reads and writes become plain slots
(lower_tensor_array.py) and a run enqueues every step without waiting for the device.
The gradient loop (WhileGrad) is unrolled backwards over the same iterations and takes
what each forward step computed instead of computing it again. It keeps its steps'
values in blocks of steps (lower_matmul.block_steps) and sums a block's terms of the
weights' gradients when the block is done, into the sum of the blocks before, so that a
long loop holds one block of them, and two or three sums, at a time.

A loop whose trip count follows from the feeds' values (dynamic_rnn with
sequence_length) is unrolled in a plan made for each run's trip count (trip_counts.py).
A loop the plan cannot unroll (a condition that depends on computed data, random ops in
its body, more steps than MAX_OPS allows, a shape its invariant forbids) runs on the
host, one step at a time, as before (control_flow.While.compute)."""
import numpy as np

from ...compiler.prune import ops_to_run
from ...compiler.shapes import SHAPE_ONLY
from ...framework import dtypes
from ...framework.registry import get_op_def
from ...ops.control_flow import _differentiable_positions
from . import lower_matmul
from .lower_matmul import SumOverSteps, sum_over_steps
from .lower_nn import ColumnSums, column_sums_over_steps
from .lower_tensor_array import PlanGrads, PlanRecord, as_grads, sum_terms
from .units import Deferred, Slot
from .lowerings import planned_rule
from .rolling import Window
from .trip_counts import from_feeds, needed_limits

# Body ops times iterations a loop may unroll into (its gradient: three times as many).
# A plan takes ~0.1 ms per op to build (2 s for a 2,000-step RNN with its gradient, once)
# and holds a launch per op and step; beyond this bound the host loop is the better deal.
MAX_OPS = 50000
_STATEFUL_OK = {"While", "WhileGrad"}   # (unrolled in turn, or run on the host)


class _Abort(Exception):
    """The loop cannot be unrolled after all: the plan forgets what it added."""


class Rows:
    """The step of an unrolled loop being planned: a value its body computes goes into
    row `k` of a block holding that value at `chunk` steps, so the steps' values of one
    tensor lie one after another (a gradient summed over the steps reads them at once)."""

    def __init__(self, steps, trips, chunk):
        self.body = {t for op in steps for t in op.outputs}
        self.trips, self.chunk, self.k, self.blocks = trips, chunk, 0, {}

    def row(self, t, shape, dtype):
        if t not in self.body:
            return None   # (an outer value read first inside the loop)
        first = self.k // self.chunk * self.chunk
        block = self.blocks.get((t, first))
        if block is None or block.shape[1:] != tuple(shape):
            steps = min(self.chunk, self.trips - first)
            block = self.blocks[t, first] = Slot((steps,) + tuple(shape), dtype)
        return block, (self.k - first) * int(np.prod(shape))


class _Iteration:
    """One forward step: its inputs, what it recorded (stateful ops' outputs) and every
    tensor its body computed, each as (tensor, source, shape, host value)."""
    __slots__ = ("inputs", "recorded_known", "computed")   # (one per step)

    def __init__(self, inputs, recorded, computed):
        self.inputs, self.recorded_known, self.computed = inputs, recorded, computed

    @property
    def values(self):
        return [k[1] for k in self.inputs]

    @property
    def recorded(self):
        return [k[1] for k in self.recorded_known]


def _steps(fetches, fed):
    steps = [op for op in ops_to_run([t.op for t in fetches], fed)
             if not (op.outputs and all(t in fed for t in op.outputs))]
    if any(get_op_def(op.type).stateful and op.type not in _STATEFUL_OK for op in steps):
        return None   # random draws must differ per step: the host loop's streams do that
    return steps


def _counts(steps, fetches):
    counts = {}
    for t in [t for op in steps for t in op.inputs] + list(fetches):
        counts[t] = counts.get(t, 0) + 1
    return counts


def _fits(shape, invariant):
    dims = invariant.as_list() if invariant.ndims is not None else None
    return shape is not None and (dims is None or len(dims) == len(shape) and all(
        d is None or d == s for d, s in zip(dims, shape)))


def _unrolled(b, steps, fetches, run, trips, chunk=None):
    """Plans `run(rows)` (which lowers the steps once per iteration, rows.k the step, in
    blocks of `chunk` steps); on _Abort the plan is as before and the result False."""
    snapshot, outer = b.snapshot(), b.iteration
    b.consumers.update(_counts(steps, fetches))
    b.loop_results.update(fetches)
    b.iteration = Rows(steps, trips, chunk or max(trips, 1))
    try:
        result = run(b.iteration)
    except _Abort:
        b.restore(snapshot)
        return False
    finally:
        b.iteration = outer
    b.unrolled_loops += 1
    return result


def _set(b, t, known):
    source, shape, value = known
    b.sources[t], b.info.shapes[t] = source, shape
    if value is None:
        b.info.values.pop(t, None)
    else:
        b.info.values[t] = value


@planned_rule("While")
def _while(b, op):
    a = op.attrs
    n = len(a["inputs"])
    outer = [b.known(t, op)[1:] for t in op.inputs]
    try:
        trips = a["trip_count"]([k[2] for k in outer[:n]], [k[2] for k in outer[n:]]) \
            if a["trip_count"] else None
    except TypeError:   # (a limit known only at run time)
        trips = None
        limits = needed_limits(a["trip_count"], outer, op.inputs, n)
        if limits and from_feeds(limits, b.feeds):   # (see trip_counts.py)
            b.trip_limits.update(dict.fromkeys(limits))
    feeds = a["inputs"] + a["captured"]
    fetches = a["outputs"] + a["recorded"]
    steps = _steps(fetches, set(feeds)) if trips is not None else None
    if steps is None or trips * len(steps) > MAX_OPS:
        return False
    # What an iteration's record keeps of the values its body computed: those its
    # gradient loop reads, if that is planned too (an unrolled 2,000-step loop would keep
    # a dozen per step, most of which nothing reads).
    wanted = set()
    if b.consumers.get(op.outputs[n], 0) and a.get("gradient") is not None:
        read, wanted = _read_by_gradient(a, steps)   # (its WhileGrad is planned too)
        b.read_later.update(read)
    # (a TensorArray written there is computed only if read: dynamic_rnn's outputs when
    # only the final state is fetched)
    b.unread_flows.update(t for t, out in zip(a["outputs"], op.outputs[:n])
                          if not b.consumers.get(out, 0) and out not in b.fetch_set)

    def run(rows):
        values, iterations, biggest = outer[:n], [], 1
        window = Window(b) if b.roll_loops else None
        for rows.k in range(trips):
            known = [(t,) + k for t, k in zip(feeds, values + outer[n:])]
            b.lower_ops(steps, known)
            out = [b.known(t, op)[1:] for t in fetches]
            if not all(_fits(k[1], s) for k, s in zip(out, a["shapes"])):
                raise _Abort   # (the host run reports the loop variable's shape)
            computed = [t for step in steps for t in step.outputs if t in b.sources]
            if rows.k == 0:   # (the gradient's blocks are sized by the biggest)
                biggest = max([int(np.prod(b.info.shapes[t])) * t.dtype.size
                               for t in computed if b.info.shapes.get(t) is not None
                               and t.dtype != dtypes.variant], default=1)
            computed = [(t, b.sources[t], b.info.shapes.get(t), b.info.values.get(t))
                        for t in computed if t in wanted]
            iterations.append(_Iteration(known[:n], [(t,) + k for t, k in zip(
                a["recorded"], out[n:])], computed))
            values = out[:n]
            if window:
                window.step_done()
        for t, k in zip(op.outputs, values):
            _set(b, t, k)
        record = PlanRecord(iterations, [k[0] for k in values])
        record.finals_known, record.biggest = values, biggest
        b.sources[op.outputs[n]] = record
    return _unrolled(b, steps, fetches, run, trips)


def _read_by_gradient(a, steps):
    """The values of a loop body's steps that its gradient loop reads (an LSTM's gates),
    and those it reads or reads the shape of."""
    grad = a["gradient"]
    computed = {t for op in steps for t in op.outputs}
    fed = set(a["inputs"] + a["captured"] + a["recorded"] + grad.grad_ys) | computed
    fetches = [g.op for g in grad.grads if g is not None]
    readers = ops_to_run(fetches, fed)
    return ({t for op in readers if op.type not in SHAPE_ONLY   # (a shape is known: no
             for t in op.inputs if t in computed},              # read)
            {t for op in readers for t in op.inputs if t in computed})


def _zeros(t, shape):
    if t.dtype == dtypes.variant:
        return PlanGrads(), (), None
    if shape is None:
        raise _Abort
    zeros = np.zeros(shape, t.dtype.as_numpy_dtype)
    return zeros, shape, zeros


@planned_rule("WhileGrad")
def _while_grad(b, op):
    fa = op.attrs["forward"].attrs
    grad, record = fa["gradient"], b.sources.get(op.inputs[0])
    if not isinstance(record, PlanRecord):
        return False
    m = len(fa["captured"])
    captured = [b.known(t, op)[1:] for t in op.inputs[1:1 + m]]
    vars_, caps = _differentiable_positions(fa)
    wanted = [b.consumers.get(t, 0) > 0 or t in b.fetch_set for t in op.outputs]
    fetches, present = grad.fetches([True] * len(vars_) + wanted[len(vars_):])
    given = iter(op.inputs[1 + m:])
    g_vars = [b.known(next(given), op)[1:] if g else None for g in op.attrs["given"]]
    iterations = record.iterations
    first = [k[1:] for k in iterations[0].inputs] if iterations else record.finals_known
    like = [(fa["inputs"][i], first[i]) for i in vars_] + \
        [(fa["captured"][j], captured[j]) for j in caps]
    steps = []
    if iterations and fetches:
        fed = set(fa["inputs"] + fa["captured"] + fa["recorded"] + grad.grad_ys)
        steps = _steps(fetches, fed | {k[0] for k in iterations[0].computed})
        if steps is None or len(iterations) * len(steps) > 3 * MAX_OPS:
            return False

    def run(rows):
        nonlocal g_vars
        g_caps = [[] for _ in caps]
        sums = [[] for _ in caps]   # the sum of the blocks of steps done (one or none)
        window = Window(b) if b.roll_loops else None
        for rows.k, it in reversed(list(enumerate(iterations if fetches else []))):
            ys = [g if g is not None else _zeros(t, k[1])
                  for g, (t, k) in zip(g_vars, like[:len(vars_)])]
            known = it.computed + it.inputs + it.recorded_known + \
                [(t,) + k for t, k in zip(fa["captured"], captured)] + \
                [(t,) + k for t, k in zip(grad.grad_ys, ys)]
            b.lower_ops(steps, known)
            if window:
                window.step_done()
            out = iter([b.known(t, op)[1:] for t in fetches])
            grads = [next(out) if p else None for p in present]
            g_vars = grads[:len(vars_)]
            for terms, g in zip(g_caps, grads[len(vars_):]):
                if g is not None:
                    terms.append(g[0])
            if rows.k % rows.chunk == 0:   # a block's steps are done: their terms summed
                for (t, k), terms, done in zip(like[len(vars_):], g_caps, sums):
                    if terms and t.dtype != dtypes.variant:   # now, so that the block's
                        total = _total(b, t, k, terms)[0]     # rows can go, and added to
                        done[:] = [sum_terms(b, done + [total], k[1], t.dtype)   # the sum
                                   if done else total]        # of the blocks before, so
                        terms.clear()                         # that its own can go too
        totals = [_total(b, t, k, terms) if not done else (done[0], k[1], None)
                  for (t, k), terms, done in zip(like[len(vars_):], g_caps, sums)]
        for out, g, (t, k) in zip(op.outputs, g_vars + totals, like):
            _set(b, out, g if g is not None else _zeros(t, k[1]))
    # (blocks sized by the biggest value a forward step computed: an LSTM's gates)
    return _unrolled(b, steps, fetches, run, len(iterations),
                     lower_matmul.block_steps(record.biggest))


def _total(b, t, like, terms):
    """The sum over the iterations of a captured tensor's gradient, or None (zero)."""
    if not terms:
        return None
    if t.dtype == dtypes.variant:
        parts = [as_grads(g) for g in terms]
        if None in parts:
            raise _Abort
        return PlanGrads.total(parts), (), None
    if like[1] is None:
        raise _Abort
    total = sum_over_steps(b, terms) if isinstance(terms[0], SumOverSteps) else \
        column_sums_over_steps(b, terms) if isinstance(terms[0], ColumnSums) else None
    if total is None:
        total = sum_terms(b, terms, like[1], t.dtype)
    return total, like[1], None


# ---------------------------------------------------------------- loops on the host
def run_block(device, state, op, k, values):
    """A loop whose condition depends on computed data runs on the host, but in blocks:
    one plan computes k steps' conditions and values, and the host reads them back once
    (While.compute takes the values up to the first false condition). None when the
    body cannot run ahead of its condition: random draws, TensorArrays, or a step past
    the end that fails (an index out of range); the host then goes step by step."""
    from ...framework.errors import OpError
    from .executor import OpenCLPlan
    a = op.attrs
    feeds = a["inputs"] + a["captured"]
    steps = a.get("block_steps")
    if steps is None:
        fed = set(feeds)
        steps = a["block_steps"] = (_steps([a["cond"]], fed), _steps(a["outputs"], fed))
    if None in steps or any(np.asarray(v).dtype == object for v in values):
        return None
    shapes = tuple(np.shape(v) for v in values)
    plans = a["graph"].__dict__.setdefault("_block_plans", {})
    key = (device, k, shapes)
    if key not in plans:
        plans[key] = OpenCLPlan(device, a["graph"], [], feeds, shapes, state,
                                program=lambda b: _block(b, op, k, *steps))
    try:
        out = plans[key].run([np.asarray(v) for v in values], state, same_objects=True)
    except OpError:
        return None
    n = len(a["inputs"])
    return [bool(out[i * (n + 1)]) for i in range(k)], \
        [out[i * (n + 1) + 1:(i + 1) * (n + 1)] for i in range(k)]


def _block(b, op, k, cond_steps, body_steps):
    """Plans k steps of the loop: per step, its condition and the values it computes."""
    a = op.attrs
    feeds, n = a["inputs"] + a["captured"], len(a["inputs"])
    b.consumers.update(_counts(cond_steps + body_steps, [a["cond"]] + a["outputs"]))
    b.loop_results.update([a["cond"]] + a["outputs"])
    start = [b.known(t, op)[1:] for t in feeds]
    values, fetched = start[:n], []
    for _ in range(k):
        known = [(t,) + v for t, v in zip(feeds, values + start[n:])]
        b.lower_ops(cond_steps, known)
        fetched.append(b.value_of(a["cond"], op))
        b.lower_ops(body_steps, known)
        values = [b.known(t, op)[1:] for t in a["outputs"]]
        fetched.extend(v[0].materialise(b) if isinstance(v[0], Deferred) else v[0]
                       for v in values)
    return fetched
