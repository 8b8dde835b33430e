"""Running an OpenCL plan: buffers planned once, kernels bound once, each run enqueued
whole; only the fetched values are read back, once, at the end."""
import operator
import re
import struct

import numpy as np
import pyopencl as cl

from ...framework.errors import FailedPreconditionError, InvalidArgumentError
from ...framework.registry import VariableRef, get_op_def
from ...ops.subgraphs import unbox
from ..state import RunContext, VariableReads
from .buffers import HOST_FLAGS, FreeBuffers, aligned_empty, alloc, read
from .device import kernel_source, release_free_heap
from .lending import LentFeeds
from .lower_matmul import cpu_product_flops
from .plan import PlanBuilder
from .rolling import expand, roll, still_right
from .units import CallUnit, KernelUnit, PerRun, RepeatUnit, Slot, unit_slots


_NO_ERROR = np.zeros(2, np.int32)   # module-level: outlives every non-blocking upload
_USES_FASTMATH = re.compile(r"\btg_\w+")


def program_source(sources):
    """One program's text from its kernels' sources: the fp64 pragma if one uses double,
    then kernels/fastmath.cl once if one calls its tg_* functions (exp, tanh... built from
    plain arithmetic: PoCL's builtins are out-of-line calls that stop vectorisation)."""
    text = "\n".join(sources)
    header = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n" if "double" in text else ""
    if _USES_FASTMATH.search(text):
        header += kernel_source("fastmath") + "\n"
    return header + text


_KERNELS_PER_FUNCTION = 8

# A plan whose launches average more than this many floating-point operations of matrix
# products runs on its device's wide sibling (DeviceContext.wide: every core), where a
# product takes about half the time and a launch ~10 us more. benchmarks/wide_device.py:
# the book's 3-layer LSTM step (8.8 million a launch) takes 0.77 times as long there, its
# GRU version (5.3 million) 0.89 times, the MNIST RNN step (3.9 million) 1.03 times.
WIDE_FLOPS_PER_LAUNCH = 4.5e6


def plan_device(device, units):
    """The DeviceContext a plan of these units runs on: device or its wide sibling (not
    for a unit with a runner of its own: that was built for device)."""
    if device.wide is None or not units or any(isinstance(u, CallUnit) for u in units) or \
            cpu_product_flops(units) <= WIDE_FLOPS_PER_LAUNCH * len(units):
        return device
    return device.wide


def _differing(values, others):
    """How many kernel arguments differ (scalars are interned: see _arg_value)."""
    return sum(map(operator.is_not, values, others))


def _setter(kernel, value):
    # A scalar's bytes through _set_arg_buf (what pyopencl's own set_args uses): set_arg
    # of a numpy scalar costs ~5 us, of bytes ~0.1 us.
    if isinstance(value, np.generic) and hasattr(kernel, "_set_arg_buf"):
        return kernel._set_arg_buf
    return kernel.set_arg


def _as_bytes(kernel, dtype):
    """How an integer becomes what _setter's setter of a `dtype` scalar takes (a
    struct's pack: ~0.1 us, and a run of a long loop makes thousands)."""
    if hasattr(kernel, "_set_arg_buf"):
        code = {1: "b", 2: "h", 4: "i", 8: "q"}[dtype.itemsize]
        return struct.Struct("<" + (code if dtype.kind == "i" else code.upper())).pack
    return dtype.type


def _scalar(value):
    return value.tobytes() if isinstance(value, np.generic) else value


class DeviceArray:
    """A variable's value in device memory."""

    def __init__(self, buffer, shape, dtype):
        self.buffer, self.shape, self.dtype = buffer, tuple(shape), dtype


class OpenCLState:
    """What an OpenCL session keeps between runs: variables as device buffers."""

    def __init__(self, device):
        self.device = device
        self.variables = {}   # VariableV2 op name -> DeviceArray
        self.generators = {}  # random op name -> PhiloxStream

    def get_variable(self, name):
        array = self.variables.get(name)
        if array is None:
            return None
        return read(self.device.queue, array.buffer, array.shape, array.dtype, blocking=True)

    def set_variables(self, values):
        for name, value in values.items():
            value = np.asarray(value, order="C")
            old = self.variables.get(name)
            buffer = old.buffer if old is not None and old.buffer.size == max(value.nbytes, 1) \
                else alloc(self.device.context, value.nbytes)
            if value.nbytes:
                cl.enqueue_copy(self.device.queue, buffer, value, is_blocking=True)
            self.variables[name] = DeviceArray(buffer, value.shape, value.dtype)


def _pinned(plan):
    """Slot roots the host reads or writes: feeds, fetched values, error flags (of a
    plan or its builder)."""
    pinned = {s.root() for s in plan.fetch_sources if isinstance(s, Slot)}
    pinned |= {s.root() for s in plan.feed_slots}
    pinned |= {f.slot for f in plan.error_flags}
    return pinned | {s.root() for f in plan.error_flags for s in f.keep}


class OpenCLPlan:
    def __init__(self, device, graph, fetches, feeds, feed_shapes, state, hints=None,
                 program=None, limits=None):
        self.device = device
        self.zero_copy = device.device.type == cl.device_type.CPU and \
            bool(device.device.host_unified_memory)
        b = PlanBuilder(device, graph, fetches, feeds, feed_shapes, state, hints, program,
                        limits)
        if b.unrolled_loops and not still_right(b.units, _pinned(b), b.rolled_away):
            b = PlanBuilder(device, graph, fetches, feeds, feed_shapes, state, hints,
                            program, limits, roll_loops=False)   # (rare: see Window)
        self.device = plan_device(device, b.units)
        self.trip_limits = list(b.trip_limits)
        self.feeds = b.feeds
        self.fetches = fetches if program is None else [None] * len(b.fetch_sources)
        self.feed_slots, self.feed_perms = b.feed_slots, b.feed_perms
        self.fetch_sources = b.fetch_sources
        self.var_reads = b.var_reads
        self.used = {t for op in b.lowered for t in op.inputs} | set(fetches) | b.loop_results
        self.var_final = {name: s for name, s in b.var_current.items() if s.kind == "varwrite"}
        self.error_flags = b.error_flags
        self.lent = LentFeeds(b.units if self.zero_copy else (), self.feed_slots,
                              self.fetch_sources)
        # (a plan without loops rarely repeats: a static_rnn's 4,600 units, 0.04 s for none)
        self.rolled = roll(b.units, _pinned(self)) if b.unrolled_loops else b.units
        del b
        release_free_heap()   # (what planning freed: see there)
        self.buffers = self._plan_buffers()
        self._buffer_ids = None   # ids of self.buffers' values (see _commit)
        self._build_kernels()
        # Identical matmuls (one per unrolled step) share kernels and scratch buffers:
        # a run enqueues its units one after another, so nothing is lost by chaining them.
        pool = {}
        for unit in self.rolled:
            if isinstance(unit, CallUnit) and hasattr(unit.runner, "share"):
                unit.runner.share(pool)

    @property
    def units(self):
        """Every launch of a run in order, a repeat's made one by one (for tests and tools)."""
        return list(expand(self.rolled))

    # --- build ---
    def _slot_groups(self):
        """The slots of each launch in order; a repeat's buffers that are not its own
        temporaries are live from its first launch to its last."""
        for unit in self.rolled:
            if not isinstance(unit, RepeatUnit):
                yield unit_slots(unit)
                continue
            groups = [unit_slots(u) for u in unit.body]
            outer = [s for g in groups for s in g if s.root() not in unit.local]
            groups[0], groups[-1] = outer + groups[0], groups[-1] + outer
            yield from groups

    def _plan_buffers(self):
        """One buffer per slot root; temporaries whose lifetimes do not overlap share one.
        On a CPU device, feeds and fetched values live in host memory the kernels use
        directly (zero copy): a copy command costs more than a small kernel there."""
        groups = list(self._slot_groups())
        last_use = {}
        for i, slots in enumerate(groups):
            for s in slots:
                last_use[s.root()] = i
        fetched = {s.root() for s in self.fetch_sources if isinstance(s, Slot)}
        fed = {s.root() for s in self.feed_slots}
        pinned = _pinned(self)
        self.host_arrays = {}   # slot root -> the host array behind its zero-copy buffer
        buffers, free = {}, FreeBuffers()

        def allocate(r):
            if r in self.lent:
                return None   # (a buffer over the fed array, made at each run)
            # (Not a variable's new value: that buffer is handed to the session.)
            if self.zero_copy and r in fetched | fed and r.kind in ("temp", "feed"):
                array, memory = aligned_empty(r.shape, r.dtype.as_numpy_dtype)
                self.host_arrays[r] = array
                return cl.Buffer(self.device.context, HOST_FLAGS, hostbuf=memory)
            buffer = alloc(self.device.context, r.nbytes)
            if r.kind == "const" and r.size:
                cl.enqueue_copy(self.device.queue, buffer, r.value, is_blocking=True)
            return buffer

        for i, slots in enumerate(groups):
            for s in slots:
                r = s.root()
                if r in buffers or r.kind in ("var", "host"):
                    continue
                reuse = r.kind == "temp" and r not in pinned and free.take(r.nbytes)
                buffers[r] = reuse or allocate(r)
            for s in slots:
                r = s.root()
                if last_use.get(r) == i and r.kind == "temp" and r not in pinned and r in buffers:
                    free.give(buffers[r])
                    del last_use[r]
        for r in fed | fetched | {f.slot for f in self.error_flags}:
            # feeds, error flags, and e.g. an empty result that no kernel wrote
            if r not in buffers and r.kind not in ("var", "host"):
                buffers[r] = allocate(r)
        return buffers

    def _build_kernels(self):
        repeated = [u for r in self.rolled if isinstance(r, RepeatUnit) for u in r.body]
        kernels = [u for u in self.rolled if isinstance(u, KernelUnit)]
        # One program per set of build options (most kernels use none), built once.
        programs, self.program_sources = {}, {}   # build options -> program (its text)
        for options in dict.fromkeys(tuple(u.options) for u in kernels + repeated):
            group = [u for u in kernels + repeated if tuple(u.options) == options]
            sources = list(dict.fromkeys(u.source for u in group))
            text = self.program_sources[options] = program_source(sources)
            programs[options] = self.device.program(text, options)
        self._scalars, shared = {}, {}
        for r in self.rolled:
            if isinstance(r, RepeatUnit):
                self._bind_repeat(r, programs, shared)
        self.per_run_args = []   # (kernel, index, PerRun) recomputed every run
        # Units of one function share cl.Kernels (an unrolled loop has thousands of
        # launches of a few functions): creating one costs pyopencl ~0.1 ms, a set_arg
        # of a buffer ~0.1 us. A unit takes a kernel whose arguments are already its own,
        # else a new one, up to _KERNELS_PER_FUNCTION, else the one with the fewest to
        # change, so a small plan run many times (a loop body) sets none at all.
        objects = {}   # (options, name) -> [[cl.Kernel, the units using it in order]]
        for u in kernels:
            u.rebind, u.rebind_vars = (), ()
            u.values = [self._arg_value(a) for a in u.args]
            program = programs[tuple(u.options)]
            if any(isinstance(a, PerRun) for a in u.args):   # a kernel of its own
                u.kernel = cl.Kernel(program, u.name)
                for index, (arg, value) in enumerate(zip(u.args, u.values)):
                    if isinstance(arg, PerRun):
                        self.per_run_args.append((u.kernel, index, arg))
                    elif not isinstance(value, Slot):
                        u.kernel.set_arg(index, value)
                u.rebind_vars = [(i, v) for i, v in enumerate(u.values) if isinstance(v, Slot)]
                u.values = None
                continue
            candidates = objects.setdefault((tuple(u.options), u.name), [])
            best = min(candidates, default=None,
                       key=lambda c: _differing(u.values, c[1][-1].values))
            if best is None or _differing(u.values, best[1][-1].values) and \
                    len(candidates) < _KERNELS_PER_FUNCTION:
                best = [cl.Kernel(program, u.name), []]
                candidates.append(best)
            best[1].append(u)
            u.kernel = best[0]
        # Each unit sets what differs from the previous launch of its kernel, the first
        # one of a run from the last one of a run: a kernel starts bound as that last
        # one leaves it. A variable's buffer (a slot here) can change between runs: the
        # first unit sets it whatever the last one had.
        # (An unrolled loop plans thousands of units: their rebinds share the setters
        # and the scalars' bytes, and only the last unit of a kernel keeps its values.)
        self.shared_kernels = [c for group in objects.values() for c in group]
        raw = {}   # id(interned scalar) -> its bytes
        for kernel, units in self.shared_kernels:
            setters = {}
            previous = units[-1].values
            for k, u in enumerate(units):
                changed = [(i, v) for i, v in enumerate(u.values)
                           if v is not previous[i] or k == 0 and isinstance(v, Slot)]
                u.rebind = tuple(
                    (setters.get(type(v)) or setters.setdefault(type(v), _setter(kernel, v)),
                     i, raw.get(id(v)) or raw.setdefault(id(v), _scalar(v)))
                    for i, v in changed if not isinstance(v, Slot))
                u.rebind_vars = tuple((i, v) for i, v in changed if isinstance(v, Slot))
                if k:
                    units[k - 1].values = None
                previous = u.values
        self._reset_kernels()

    def _bind_repeat(self, repeat, programs, kernels):
        """A repeat's launches have kernels of their own, bound once but for the integers
        that advance each time (set as bytes: see _setter) and variables' buffers (set
        at each run, before the first time); launches whose other arguments are the
        same share one (a long loop's repeats: one per window of steps). kernels: those
        made so far, by function and fixed arguments."""
        repeat.bound = []
        for u, steps in zip(repeat.body, repeat.steps):
            values = [self._arg_value(a) for a in u.args]
            advancing = {i for i, _ in steps}
            key = (tuple(u.options), u.name) + tuple(
                None if i in advancing else id(v) for i, v in enumerate(values))
            u.kernel = kernels.get(key)
            if u.kernel is None:
                u.kernel = kernels[key] = cl.Kernel(programs[tuple(u.options)], u.name)
                for index, value in enumerate(values):
                    if not isinstance(value, Slot):
                        u.kernel.set_arg(index, value)
            u.rebind_vars = tuple((i, v) for i, v in enumerate(values) if isinstance(v, Slot))
            advancing = tuple((_setter(u.kernel, u.args[i]), i, int(u.args[i]), delta,
                               _as_bytes(u.kernel, u.args[i].dtype)) for i, delta in steps)
            repeat.bound.append((u.kernel, advancing, u.global_size, u.local_size))

    def _reset_kernels(self):
        """Binds each shared kernel as the last unit using it leaves it (at the end of a
        run): the state the first unit's changes start from."""
        for kernel, units in self.shared_kernels:
            for index, value in enumerate(units[-1].values):
                if not isinstance(value, Slot):
                    kernel.set_arg(index, value)
        self._kernels_stale = False

    def _arg_value(self, arg):
        """A kernel argument's value (a buffer or a scalar), or for a buffer known only
        at run time (a variable's), its slot root. Equal scalars are one object, so that
        `is` compares any two values."""
        if isinstance(arg, Slot):
            r = arg.root()
            return r if r.kind in ("var", "varwrite") or r in self.lent else self.buffers[r]
        if isinstance(arg, np.generic):
            return self._scalars.setdefault((type(arg), arg.tobytes()), arg)
        return arg

    # --- run ---
    def run(self, feed_values, state, same_objects=False):
        """same_objects: a feed that is the very array fed last time is not copied again
        (a loop body's captured values, which nothing changes in place)."""
        queue = self.device.queue
        for name, consumer in self.var_reads.items():
            if name not in state.variables:
                raise FailedPreconditionError(
                    None, consumer, f"Attempting to use uninitialized value {name}")
        if self._kernels_stale:
            self._reset_kernels()
        keep_alive = []
        env = {}      # slot root -> value computed (or fed) on the host
        last, self._last_fed = getattr(self, "_last_fed", ()), feed_values
        for i, (slot, value) in enumerate(zip(self.feed_slots, feed_values)):
            host_array = self.host_arrays.get(slot.root())
            if same_objects and i < len(last) and last[i] is value and slot.kind != "host":
                continue
            if slot.root() in self.lent:
                value = np.ascontiguousarray(value, slot.dtype.as_numpy_dtype)
                keep_alive.append(value)
                buffer = self.lent.lend(self.device, slot.root(), value)
                if buffer is not None:
                    self.buffers[slot.root()] = buffer
                continue
            if slot in self.feed_perms:   # (fed in the layout its one reader wants)
                value = np.asarray(value).transpose(self.feed_perms[slot])
            if slot.kind == "host":
                env[slot] = value
            elif host_array is not None:
                # (the host array's view in the value's shape: a transposed feed is then
                # copied once, not first into a temporary by reshape)
                np.copyto(host_array.reshape(np.shape(value)), value)
            elif value.nbytes:
                value = np.asarray(value, order="C")
                keep_alive.append(value)
                cl.enqueue_copy(queue, self.buffers[slot.root()], value, is_blocking=False)
        host = RunContext(state)   # random streams for host-run ops, committed on success
        for kernel, index, arg in self.per_run_args:
            value = arg.fn(host)
            _setter(kernel, value)(index, _scalar(value))
        for flag in self.error_flags:
            cl.enqueue_copy(queue, self.buffers[flag.slot], _NO_ERROR, is_blocking=False)
        invalid = set()   # variable buffers a host op left unset (it read an uninitialised one)
        # A run stopped half-way leaves shared kernels bound as no unit expects.
        self._kernels_stale = True
        for unit in self.rolled:
            if isinstance(unit, RepeatUnit):
                self._run_repeat(unit, queue, state)
            elif isinstance(unit, KernelUnit):
                for setter, index, value in unit.rebind:
                    setter(index, value)
                for index, root in unit.rebind_vars:
                    unit.kernel.set_arg(index, self._buffer(root, state))
                cl.enqueue_nd_range_kernel(queue, unit.kernel, unit.global_size,
                                           unit.local_size)
            elif isinstance(unit, CallUnit):
                unit.runner.enqueue(queue, *[self._buffer(s.root(), state) for s in unit.slots],
                                    *unit.offsets)
            else:
                self._run_host(unit, state, host, env, keep_alive, invalid)
        self._kernels_stale = False
        results = []
        for fetch, source in zip(self.fetches, self.fetch_sources):
            if source is None:
                results.append(None)
            elif isinstance(source, np.ndarray):
                results.append(np.array(source, copy=True))
            elif source.root() in env:
                results.append(np.array(self._value(source, state, env), copy=True))
            elif source.root() in self.host_arrays:
                results.append(source)   # read after the queue drains, below
            else:
                results.append(read(queue, self._buffer(source.root(), state), source.shape,
                                     source.dtype.as_numpy_dtype, blocking=False))
        flags = [read(queue, self.buffers[f.slot], (2,), np.int32, blocking=False)
                 for f in self.error_flags]
        queue.finish()
        results = [self.host_arrays[r.root()].reshape(r.shape).copy() if isinstance(r, Slot)
                   else r for r in results]
        for flag, value in zip(self.error_flags, flags):
            if value[0]:
                raise InvalidArgumentError(None, flag.op, flag.message(
                    int(value[1]), lambda slot: self._value(slot, state, env)))
        self._commit(state, host, invalid)
        return results

    def _run_repeat(self, repeat, queue, state):
        for u in repeat.body:
            for index, root in u.rebind_vars:
                u.kernel.set_arg(index, self._buffer(root, state))
        enqueue = cl.enqueue_nd_range_kernel
        for j in range(repeat.count):
            for kernel, advancing, global_size, local_size in repeat.bound:
                for setter, index, start, delta, convert in advancing:
                    setter(index, convert(start + j * delta))
                enqueue(queue, kernel, global_size, local_size)

    def _buffer(self, root, state):
        if root.kind == "var":
            return state.variables[root.var_name].buffer
        return self.buffers[root]

    def _value(self, slot, state, env):
        if isinstance(slot, np.ndarray):
            return slot
        r = slot.root()
        if r in env:   # computed on the host; a "host" slot's shape is known only now
            return env[r] if r.kind == "host" else env[r].reshape(slot.shape)
        return read(self.device.queue, self._buffer(r, state), slot.shape,
                     slot.dtype.as_numpy_dtype, blocking=True)

    def _run_host(self, unit, state, host, env, keep_alive, invalid):
        op = unit.op
        variables = {name: (prev, new) for name, prev, new in unit.variables}
        ctx = _HostUnitContext(self, state, host, env, variables, keep_alive, invalid)
        values = [VariableRef(s.name) if not isinstance(s, (Slot, np.ndarray)) else
                  self._value(s, state, env) for s in unit.inputs]
        outputs = unit.fn(values) if op is None else get_op_def(op.type).compute(op, values, ctx)
        for slot, value in zip(unit.outputs, outputs):
            value = np.asarray(value, dtype=slot.dtype.as_numpy_dtype, order="C") \
                if slot.dtype.name != "string" else np.asarray(value)
            env[slot.root()] = value
            if slot.root() in self.buffers and value.nbytes:
                keep_alive.append(value)
                cl.enqueue_copy(self.device.queue, self.buffers[slot.root()], value,
                                is_blocking=False)
        for name, (prev, new) in variables.items():
            if new.root() not in env:   # not written: the new slot keeps the old value
                ctx.copy_forward(name, prev, new)

    def _commit(self, state, host, invalid):
        if self._buffer_ids is None:   # (kept up to date below: a run commits often)
            self._buffer_ids = {id(b) for b in self.buffers.values()}
        for name, slot in self.var_final.items():
            r = slot.root()
            if r in invalid:
                continue
            old = state.variables.get(name)
            given = self.buffers[r]
            state.variables[name] = DeviceArray(given, slot.shape, slot.dtype.as_numpy_dtype)
            # The plan keeps a buffer for the next run: the one the session let go of
            # (unless another of the plan's slots uses it). A varwrite slot's buffer is
            # its own, so handing it over leaves the plan.
            self.buffers[r] = old.buffer if old is not None and old.buffer.size == \
                given.size and id(old.buffer) not in self._buffer_ids \
                else alloc(self.device.context, r.nbytes)
            self._buffer_ids.discard(id(given))
            self._buffer_ids.add(id(self.buffers[r]))
        state.generators.update(host._generators)


class _HostUnitContext(VariableReads):
    """What a host-run op sees: variables as of this point of the run, writes that land in
    the plan's out-of-place buffers, and the session's random streams."""

    def __init__(self, plan, state, host, env, variables, keep_alive, invalid):
        self.plan, self.state, self.host, self.env = plan, state, host, env
        self.used = plan.used
        self.variables, self.keep_alive, self.invalid = variables, keep_alive, invalid

    def read_variable(self, name):
        prev, _ = self.variables[name]
        if prev is None:
            if name not in self.state.variables:
                return None
            array = self.state.variables[name]
            return read(self.plan.device.queue, array.buffer, array.shape, array.dtype, True)
        if prev.root() in self.invalid:
            return None
        return self.plan._value(prev, self.state, self.env)

    def write_variable(self, name, value):
        _, new = self.variables[name]
        value = np.asarray(value, dtype=new.dtype.as_numpy_dtype, order="C")
        self.env[new.root()] = value
        self.keep_alive.append(value)
        if value.nbytes:
            cl.enqueue_copy(self.plan.device.queue, self.plan._buffer(new.root(), self.state),
                            value, is_blocking=False)

    def copy_forward(self, name, prev, new):
        value = self.read_variable(name)
        if value is None:
            self.invalid.add(new.root())
        else:
            self.write_variable(name, value)

    def random_stream(self, op):
        return self.host.random_stream(op)

    def loop_block(self, op, k, values):
        """k steps of While op `op` from `values` in one plan run: (the conditions
        before each step, the values after each), or None (see lower_loop.run_block)."""
        from .lower_loop import run_block
        return run_block(self.plan.device, self.state, op, k, values)

    def call(self, fetches, feeds, values):
        """A loop body's or branch's sub-graph, run on this device: one plan per
        (fetches, feeds, feed shapes), built once and kept on the sub-graph."""
        device = self.plan.device
        shapes = tuple(np.shape(v) for v in values)
        # A fed variant (a TensorArray) tells the plan what it holds: its signature (an
        # element shape) is part of the key, its value a hint to the shape rules.
        hints = {t: unbox(v) for t, v in zip(feeds, values) if t.dtype.name == "variant"}
        signature = tuple(getattr(v, "plan_signature", lambda: None)() for v in hints.values())
        key = (device, tuple(fetches), tuple(feeds), shapes, signature)
        plans = fetches[0].graph.__dict__.setdefault("_device_plans", {})
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = OpenCLPlan(device, fetches[0].graph, list(fetches),
                                           list(feeds), shapes, self.state, hints)
        values = [v if isinstance(v, np.ndarray) else np.asarray(v) for v in values]
        return plan.run(values, self.state, same_objects=True)
