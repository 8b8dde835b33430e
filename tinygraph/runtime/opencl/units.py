"""The pieces of an OpenCL plan: logical buffers (slots) and the units that run."""
import copy
import math

import numpy as np


class Slot:
    """A logical device buffer: one tensor's value (or a view of another slot's)."""
    # (slots: an unrolled 2,000-step loop plans thousands; value: a constant's)
    __slots__ = ("shape", "dtype", "kind", "alias_of", "var_name", "value", "__weakref__")

    def __init__(self, shape, dtype, kind="temp"):
        self.shape, self.dtype, self.kind = tuple(shape), dtype, kind
        self.alias_of = None
        self.var_name = None   # for kind "var" (the session's buffer) and "varwrite"

    @property
    def size(self):
        return int(math.prod(self.shape))   # (np.prod costs ~4 us: plans ask thousands)

    @property
    def nbytes(self):
        return max(self.size, 1) * np.dtype(self.dtype.as_numpy_dtype).itemsize

    def root(self):
        return self if self.alias_of is None else self.alias_of.root()


class Deferred:
    """A value planned but not computed unless something reads it: the plan's value_of
    materialises it (once) at its first reader, so an output nobody uses (a split's
    unused piece) costs no launch."""
    __slots__ = ()   # (subclasses made per loop step declare theirs: see StridedView)

    def materialise(self, builder):
        raise NotImplementedError

    def region(self):
        """(slot, offset in elements) when the value is a contiguous piece of a slot,
        which kernels taking an offset read in place; else None."""
        return None


class KernelUnit:
    """One launch: args are Slots or numpy scalars; global/local sizes are tuples."""
    # (slots: an unrolled 2,000-step loop plans ~8,000 of them)
    __slots__ = ("source", "name", "args", "global_size", "local_size", "options",
                 "kernel", "values", "rebind", "rebind_vars")

    def __init__(self, source, name, args, global_size, local_size=None, options=()):
        self.source, self.name, self.args = source, name, args
        self.global_size, self.local_size, self.options = global_size, local_size, options
        # Set by the executor: the cl.Kernel (shared by units of one function), the
        # argument values, and the arguments to set before each launch (see
        # OpenCLPlan._build_kernels).
        self.kernel, self.values = None, None
        self.rebind, self.rebind_vars = (), ()


class RepeatUnit:
    """body (the first step's KernelUnits) run `count` times; at the j-th time, argument
    `index` of body[k] is its value + j * delta for each (index, delta) in steps[k].
    local: the slot roots the first step uses alone (temporaries of one step). Made by
    rolling.py from an unrolled loop's launches."""
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


class HostUnit:
    """An op run by its numpy declaration on the host (the fallback for ops that have no
    OpenCL lowering yet): reads its inputs back, computes, uploads its outputs."""

    def __init__(self, op, inputs, outputs):
        self.op, self.inputs, self.outputs = op, inputs, outputs
        self.variables = []   # (name, slot before, slot after) of those it writes


class HostFunction(HostUnit):
    """A host step that is no op of the graph: outputs = fn(input values), e.g. a
    TensorArray the plan kept as slots, made one host value for an op run on the host."""

    def __init__(self, fn, inputs, outputs):
        super().__init__(None, inputs, outputs)
        self.fn = fn


class CallUnit:
    """A launch built by a lowering object with its own enqueue (e.g. matmul):
    runner.enqueue(queue, *buffers of slots, *offsets)."""

    def __init__(self, runner, slots, offsets=()):
        self.runner, self.slots, self.offsets = runner, slots, tuple(offsets)


def unit_slots(unit):
    """The slots a unit of any kind reads or writes."""
    if isinstance(unit, RepeatUnit):
        return [s for u in unit.body for s in unit_slots(u)]
    if isinstance(unit, KernelUnit):
        return [a for a in unit.args if isinstance(a, Slot)]
    if isinstance(unit, CallUnit):
        return list(unit.slots)
    slots = [s for s in unit.inputs if isinstance(s, Slot)] + list(unit.outputs)
    return slots + [new for _, _, new in unit.variables]


class VarRef:
    def __init__(self, name):
        self.name = name


class PerRun:
    """A kernel argument computed at each run, from the run's context (e.g. the offset a
    random op's Philox stream has reached): fn(run_context) -> numpy scalar."""

    def __init__(self, fn):
        self.fn = fn


class ErrorFlag:
    """A device int pair [raised, detail] a kernel sets when its input is invalid (a label
    out of range, a NaN); read with the fetches, it fails the run with
    message(detail, read), where read(slot) gives the value of a slot in `keep`."""

    def __init__(self, op, message, keep=()):
        self.op, self.message, self.keep = op, message, list(keep)
        self.slot = Slot((2,), _int32())


def _int32():
    from ...framework import dtypes
    return dtypes.int32
