"""Loops whose trip count depends on the feeds' values, not only on their shapes:
dynamic_rnn with sequence_length runs min(T, max(sequence_length)) steps. A plan cannot
unroll such a loop for every feed, but it can for one trip count: the values the trip
count is computed from (`limits`) are computed on the host from each run's feeds (a few
numpy ops: a max, a min), and each distinct set of them gets a plan of its own, the loop
unrolled with them as constants. Past MAX_PLANS distinct sets, the plan that does not
know them (the loop run on the host) takes the rest."""
import numpy as np

from ...compiler.prune import ops_to_run
from ...framework.errors import OpError
from ...framework.registry import get_op_def
from ..numpy_backend import NumpyPlan
from ..state import RunContext

MAX_PLANS = 8     # (each compiles in tens to hundreds of ms)
MAX_CONE = 64     # ops computing the limits: more, and the host loop is simpler


class _Probe(list):
    """Values for trip_count that note which unknown ones (None) it reads."""

    def __init__(self, items, first, read):
        super().__init__(items)
        self.first, self.read = first, read

    def __getitem__(self, k):
        value = super().__getitem__(k)
        if value is None:
            self.read.add(self.first + k)
        return value


def needed_limits(trip_count, outer, inputs, n):
    """The loop's inputs (among `inputs`, n of them loop variables, the rest captured)
    that trip_count reads but the plan does not know: found by calling it, each unknown
    it reads then standing in as 0, until it runs through."""
    known, read = [k[2] for k in outer], set()
    for _ in range(len(inputs) + 1):
        values = [0 if i in read else v for i, v in enumerate(known)]
        try:
            trip_count(_Probe(values[:n], 0, read), _Probe(values[n:], n, read))
            return [inputs[i] for i in sorted(read)]
        except TypeError:   # (int(None): an unknown it read, now noted)
            continue
    return []


def from_feeds(tensors, feeds):
    """Whether the tensors are integer scalars that a few stateless ops compute from the
    feeds alone (no variable, no random draw, no loop)."""
    if any(not t.dtype.is_integer or t.shape.ndims not in (None, 0) for t in tensors):
        return False
    cone = ops_to_run([t.op for t in tensors], set(feeds))
    fed = set(feeds)
    return len(cone) <= MAX_CONE and all(
        op.outputs and all(t in fed for t in op.outputs) or
        op.type == "Assert" or not get_op_def(op.type).stateful and op.type != "Placeholder"
        for op in cone)


class TripCountPlans:
    """Runs `generic` (an OpenCLPlan whose loops wait on feed values) through a plan
    specialised to the run's limits: build(limits: {tensor: value}) -> OpenCLPlan."""

    def __init__(self, generic, feeds, build):
        self.generic, self.build = generic, build
        self.limits = generic.trip_limits
        self.compute = NumpyPlan(self.limits, feeds)
        self.plans = {}
        self.last = generic

    @property
    def units(self):   # (what tests and tools look at: the plans run most recently)
        return self.last.units

    def plan_for(self, feed_values, state):
        try:
            values = self.compute.evaluate(feed_values, RunContext(state))
        except OpError:
            return self.generic   # (which reports the error as the run's own)
        key = tuple(np.asarray(v).tobytes() for v in values)
        plan = self.plans.get(key)
        if plan is None:
            if len(self.plans) >= MAX_PLANS:
                return self.generic
            plan = self.plans[key] = self.build(dict(zip(self.limits, values)))
        return plan

    def run(self, feed_values, state, same_objects=False):
        self.last = self.plan_for(feed_values, state)
        return self.last.run(feed_values, state, same_objects)
