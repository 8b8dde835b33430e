"""Rolling a plan's unrolled loops back up: a run of launches that repeats (an unrolled
RNN step: a matmul and a cell kernel, 2,000 times) becomes one RepeatUnit, the first
step's launches run `count` times with their integer arguments (offsets into the
blocks of steps) advancing by a fixed step each time.

The loop planner (lower_loop.py) still lowers every step, so what each step computes
is decided as before; rolling keeps a plan from holding, binding and planning buffers
for thousands of nearly identical launches (benchmarks' workload 5: 8,315 launches in
469 units, 1.7 MB less at the peak). A repetition rolls only when running the first step's
launches again is exactly the unrolled sequence: every kernel, range and option equal,
every buffer the same, except temporaries that one step writes and reads and nothing
else touches (a step's matmul product), which the repeat keeps in the first step's."""
import copy

import numpy as np

from .units import KernelUnit, PerRun, Slot

MIN_COUNT = 4      # (fewer repetitions are not worth a unit of their own)
MAX_PERIOD = 16    # launches per repeated step: an unrolled LSTM layer's has ~6


class RepeatUnit:
    """body (the first step's KernelUnits) run `count` times; at the j-th time, argument
    `index` of body[k] is its value + j * delta for each (index, delta) in steps[k].
    local: the slot roots the first step uses alone (temporaries of one step)."""
    __slots__ = ("body", "count", "steps", "local", "bound")

    def __init__(self, body, count, steps, local):
        self.body, self.count, self.steps, self.local = body, count, steps, local
        self.bound = None   # set by the executor: each launch's kernel and what it sets

    def launches(self):
        """The launches it stands for, as KernelUnits with each time's arguments."""
        for j in range(self.count):
            for unit, steps in zip(self.body, self.steps):
                if not steps:
                    yield unit
                    continue
                args = list(unit.args)
                for index, delta in steps:
                    args[index] = type(args[index])(args[index] + j * delta)
                launch = copy.copy(unit)
                launch.args = args
                yield launch


def expand(units):
    """A rolled unit list as the launches it makes (for tests and tools)."""
    for unit in units:
        if isinstance(unit, RepeatUnit):
            yield from unit.launches()
        else:
            yield unit


def roll(units, pinned, slots_of):
    """units with each run of at least MIN_COUNT repetitions as a RepeatUnit. pinned: slot
    roots read or written outside the units (feeds, fetches, error flags), never local;
    slots_of(unit): the slots a unit of any kind reads or writes."""
    first, last = {}, {}
    for i, unit in enumerate(units):
        for s in slots_of(unit):
            first.setdefault(s.root(), i)
            last[s.root()] = i
    uses = _Uses(first, last, pinned)
    rolled, i = [], 0
    while i < len(units):
        for period in range(1, MAX_PERIOD + 1):
            repeat = _repeat(units, i, period, uses)
            if repeat is not None:
                rolled.append(repeat)
                i += repeat.count * period
                break
        else:
            rolled.append(units[i])
            i += 1
    return rolled


class _Uses:
    def __init__(self, first, last, pinned):
        self.first, self.last, self.pinned = first, last, pinned

    def local(self, root, start, end):
        """Whether units[start:end] are all that use root (a temporary)."""
        return root.kind == "temp" and root not in self.pinned and \
            start <= self.first[root] and self.last[root] < end


def _same_launch(u, v):
    return type(u) is type(v) and u.name == v.name and u.source == v.source and \
        u.options == v.options and u.global_size == v.global_size and \
        u.local_size == v.local_size and len(u.args) == len(v.args)


def _repeat(units, i, period, uses):
    """The RepeatUnit of units[i:] repeating every `period` launches, or None."""
    if len(units) < i + MIN_COUNT * period or not isinstance(units[i], KernelUnit) or \
            not _same_launch(units[i], units[i + period]):
        return None   # (the cheap test first: most periods fail it)
    body = units[i:i + period]
    # What each argument does from one time to the next, from the first two times:
    # ("same",), ("step", delta) for an integer, ("local",) for a one-step temporary.
    kinds, local = [], set()
    for u, v in zip(body, units[i + period:i + 2 * period]):
        if not isinstance(u, KernelUnit) or not _same_launch(u, v):
            return None
        kinds.append([])
        for a, b in zip(u.args, v.args):
            kind = _kind(a, b)
            if kind is None or kind[0] == "local" and not (
                    uses.local(a.root(), i, i + period) and
                    uses.local(b.root(), i + period, i + 2 * period)):
                return None   # (a step's value read by the next step: not a repeat)
            kinds[-1].append(kind)
            if kind[0] == "local":
                local.add(a.root())
    count = 1
    while i + (count + 1) * period <= len(units) and \
            _matches(body, units[i + count * period:i + (count + 1) * period], kinds, count,
                     uses, i + count * period, i + (count + 1) * period):
        count += 1
    if count < MIN_COUNT:
        return None
    steps = [tuple((index, k[1]) for index, k in enumerate(ks) if k[0] == "step" and k[1])
             for ks in kinds]
    return RepeatUnit(body, count, steps, local)


def _kind(a, b):
    if isinstance(a, PerRun):
        return None   # (set at each run: a launch of its own)
    if isinstance(a, Slot) and isinstance(b, Slot):
        if a.root() is b.root():
            return ("same",)
        return ("local",) if a.shape == b.shape and a.dtype == b.dtype else None
    if isinstance(a, np.integer) and type(a) is type(b):
        return ("step", int(b) - int(a))
    if isinstance(a, np.generic):
        return ("same",) if type(a) is type(b) and a.tobytes() == b.tobytes() else None
    return ("same",) if a is b else None


def _matches(body, launches, kinds, j, uses, start, end):
    """Whether launches are body's j-th time: the same kernels, arguments advanced by j
    steps, and temporaries of their own standing one for one for the first time's."""
    mapping = {}
    for u, v, ks in zip(body, launches, kinds):
        if not _same_launch(u, v):
            return False
        for a, b, k in zip(u.args, v.args, ks):
            if k[0] == "local":
                if not isinstance(b, Slot) or b.shape != a.shape or b.dtype != a.dtype:
                    return False
                theirs = mapping.setdefault(a.root(), b.root())
                if theirs is not b.root() or not uses.local(theirs, start, end):
                    return False
            elif k[0] == "step":
                if type(b) is not type(a) or int(b) != int(a) + j * k[1]:
                    return False
            elif _kind(a, b) != ("same",):
                return False
    # one for one: two temporaries of the first time are two of this time
    return len(set(map(id, mapping.values()))) == len(mapping)
