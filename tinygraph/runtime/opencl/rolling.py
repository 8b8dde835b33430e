"""Rolling a plan's unrolled loops back up: a run of launches that repeats (an unrolled
RNN step: a matmul and a cell kernel, 2,000 times) becomes one RepeatUnit, the first
step's launches run `count` times with their integer arguments (offsets into the
blocks of steps) advancing by a fixed step each time.

The loop planner (lower_loop.py) still lowers every step, so what each step computes
is decided as before; rolling keeps a plan from holding, binding and planning buffers
for thousands of nearly identical launches. A loop rolls its launches up while it is
planned (Window), so they never pile up; the executor rolls a plan that unrolled a
loop once more when it is complete (loops shorter than a window). Benchmarks' workload
5 (a 2,000-step RNN with its gradient): 8,388 launches in 621 units; its peak about
3 MB lower. A repetition rolls only when running the first step's
launches again is exactly the unrolled sequence: every kernel, range and option equal,
every buffer the same, except temporaries that one step writes and reads and nothing
else touches (a step's matmul product), which the repeat keeps in the first step's."""
import weakref

import numpy as np

from .units import KernelUnit, PerRun, RepeatUnit, Slot, unit_slots

MIN_COUNT = 4      # (fewer repetitions are not worth a unit of their own)
MAX_PERIOD = 16    # launches per repeated step: an unrolled LSTM layer's has ~6


def expand(units):
    """A rolled unit list as the launches it makes (for tests and tools)."""
    for unit in units:
        if isinstance(unit, RepeatUnit):
            yield from unit.launches()
        else:
            yield unit


def roll(units, pinned, dropped=None):
    """units with each run of at least MIN_COUNT repetitions as a RepeatUnit. pinned: slot
    roots read or written outside the units (feeds, fetches, error flags), never local.
    dropped: a set that gets the temporaries of the repetitions after each first."""
    first, last = {}, {}
    for i, unit in enumerate(units):
        for s in unit_slots(unit):
            first.setdefault(s.root(), i)
            last[s.root()] = i
    uses = _Uses(first, last, pinned)
    # Each unit's kind of launch as a number, so that the periods worth trying at i
    # (those at which the same kind of launch comes again) are found at once.
    kinds = {}
    kind = [kinds.setdefault(_launch_key(u), len(kinds)) if isinstance(u, KernelUnit) else -1
            for u in units]
    rolled, i = [], 0
    while i < len(units):
        for period in range(1, MAX_PERIOD + 1):
            if i + MIN_COUNT * period > len(units) or kind[i] < 0:
                repeat = None
                break
            repeat = _repeat(units, i, period, uses) if kind[i + period] == kind[i] else None
            if repeat is not None:
                rolled.append(repeat)
                if dropped is not None:   # (the later steps' own temporaries)
                    kept = {s.root() for u in repeat.body for s in unit_slots(u)}
                    dropped.update(s.root() for u in units[i + period:i + repeat.count * period]
                                   for s in unit_slots(u) if s.root() not in kept)
                i += repeat.count * period
                break
        if repeat is None:
            rolled.append(units[i])
            i += 1
    return rolled


class Window:
    """Rolls a loop's launches while the loop is planned (lower_loop.py), every STEPS
    steps, so that a long loop's plan never holds them all. A step's temporaries may be
    read after the window by what is planned later (rarely: a loop rolled so is checked
    by still_right() once the plan is complete); the window's last step is left for
    the next one, as the step after it may read its values."""
    STEPS = 64

    def __init__(self, b):
        self.b, self.start, self.ends = b, len(b.units), []

    def step_done(self):
        b = self.b
        self.ends.append(len(b.units))
        if len(self.ends) < self.STEPS:
            return
        cut = self.ends[-2]
        before = b.units[self.start:cut]
        rolled = roll(before, set(), b.rolled_away)
        if len(rolled) < len(before):
            b.units[self.start:cut] = rolled
            b.units_moved(self.start)
        self.start += len(rolled)
        self.ends = [len(b.units)]


def still_right(units, pinned, dropped):
    """Whether units rolled as they were planned (Window) run as unrolled: no unit reads
    a temporary a repeat dropped, nor one a repeat keeps as its own outside it, and the
    host reads neither."""
    owner = {r: i for i, u in enumerate(units) if isinstance(u, RepeatUnit) for r in u.local}
    for i, unit in enumerate(units):
        for s in unit_slots(unit):
            r = s.root()
            if r in dropped or owner.get(r, i) != i:
                return False
    return not any(r in dropped or r in owner for r in pinned)


def dropped_set():
    """A set of slot roots that does not keep them alive (those of rolled-away steps)."""
    return weakref.WeakSet()


class _Uses:
    def __init__(self, first, last, pinned):
        self.first, self.last, self.pinned = first, last, pinned

    def local(self, root, start, end):
        """Whether units[start:end] are all that use root (a temporary)."""
        return root.kind == "temp" and root not in self.pinned and \
            start <= self.first[root] and self.last[root] < end


def _launch_key(u):
    return (type(u), u.name, u.source, tuple(u.options), u.global_size, u.local_size,
            len(u.args))


def _same_launch(u, v):
    return type(u) is type(v) and u.name == v.name and u.source == v.source and \
        u.options == v.options and u.global_size == v.global_size and \
        u.local_size == v.local_size and len(u.args) == len(v.args)


def _repeat(units, i, period, uses):
    """The RepeatUnit of units[i:] repeating every `period` launches, or None."""
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
