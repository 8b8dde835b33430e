"""Building an OpenCL plan: the host pass, elementwise fusion into generated kernels,
lowering of the other ops (kernels, or a host fallback for ops without one), and buffer
planning. The graph is only read, never changed."""
import numpy as np

from ...compiler import codegen
from ...compiler.prune import ops_to_run
from ...compiler.shapes import SHAPE_ONLY, ShapePass
from ...framework.operation import Operation
from ...framework.registry import get_op_def
from ...ops.variables import variable_name
from . import lower_matmul, lowerings
# (each fills the rule tables of lowerings.py as it is imported)
from . import lower_addn, lower_array, lower_loop, lower_nn  # noqa: E402,F401
from . import lower_random, lower_tensor_array, lower_train  # noqa: E402,F401
from .copies import ConcatView, StridedView, Transposed
from .lower_tensor_array import is_planned, to_host
from .rolling import dropped_set
from .units import Deferred, ErrorFlag, HostUnit, KernelUnit, Slot, VarRef


class _Group:
    """A pending tree of fused elementwise ops; materialised into one kernel when its
    value is needed by something other than a single elementwise consumer."""

    def __init__(self, op, ctype, expr, operands, shape, dtype):
        self.op, self.ctype, self.expr, self.operands = op, ctype, expr, operands
        self.shape, self.dtype = shape, dtype
        self.keep = None   # the tensor it is the value of, when its reader's kernel keeps it


class PlanBuilder:
    """program(builder) -> fetched sources, if given, plans instead of the fetches' ops
    (lower_loop.py's block of loop steps)."""

    def __init__(self, device, graph, fetches, feeds, feed_shapes, state, hints=None,
                 program=None, limits=None, roll_loops=True):
        self.device = device
        # Whether unrolled loops roll their launches up as they are planned, and the
        # temporaries of the steps rolled away (see rolling.Window); how many it unrolled.
        self.roll_loops, self.rolled_away, self.unrolled_loops = roll_loops, dropped_set(), 0
        self.fetches = fetches
        self.feeds = list(feeds)
        fed = set(self.feeds)
        fetch_ops = [f if isinstance(f, Operation) else f.op for f in fetches]
        self.steps = [op for op in ops_to_run(fetch_ops, fed)
                      if not (op.outputs and all(t in fed for t in op.outputs))]
        var_shapes = {name: a.shape for name, a in state.variables.items()}
        # (op by op as they are lowered: an unrolled loop visits its body once per step)
        self.info = ShapePass([], self.feeds, feed_shapes, var_shapes, hints, limits)
        # Values computed from the feeds' values that would let a loop unroll; the plan
        # is then made again for each run's values of them (trip_counts.py).
        self.trip_limits = {}
        self.units = []
        self._sources = {}
        self.iteration = None   # the unrolled loop step being planned (lower_loop.Rows)
        self.lowered = set()
        self.loop_results = set()   # what unrolled loop bodies hand on (see lower_loop)
        self.read_later = set()     # loop body values its gradient loop reads (lower_loop)
        self.unread_flows = set()   # loop body arrays nothing reads after the loop (ditto)
        self.error_flags = []
        self.sources = {}          # tensor -> Slot | VarRef | np.ndarray (host value) | _Group
        self.var_current = {}      # variable name -> Slot holding its value right now
        self.var_reads = {}        # variable name -> first op reading the session's value
        self.consumers = self._count_consumers(fetches)
        self.fetch_set = {f for f in fetches if not isinstance(f, Operation)}
        for t, shape in zip(self.feeds, feed_shapes):
            # A value no kernel can hold (a variant: a loop's record) stays on the host.
            self.sources[t] = Slot(shape, t.dtype,
                                   "feed" if codegen.c_type(t.dtype) is not None else "host")
        self.feed_slots = [self.sources[t] for t in self.feeds]   # (a program rebinds them)
        self.feed_perms = {}   # feed slot -> the permutation the host feeds it in
        if program is not None:
            self.fetch_sources = [self._on_host(s) for s in program(self)]
            return
        for op in self.steps:
            self._lower(op)
        self.fetch_sources = [None if isinstance(f, Operation) else
                              self._on_host(self.value_of(f, f.op)) for f in fetches]

    # --- helpers used by lowerings ---
    def shape(self, t):
        return self.info.shapes[t]

    def host_value(self, t):
        return self.info.values.get(t)

    def new_slot(self, t):
        shape = self.info.shapes.get(t)
        if shape is None:
            raise _NoStaticShape(t)
        return Slot(shape, t.dtype)

    def value_of(self, t, consumer):
        """The Slot (or host value) holding t's value for `consumer`, materialising a
        pending fused group or resolving a variable to its current buffer."""
        source = self.sources[t]
        if isinstance(source, _Group):
            source = self._materialise(t, source)
        if isinstance(source, Deferred):
            source = self.sources[t] = source.materialise(self)
        if isinstance(source, VarRef):
            slot = self.var_current.get(source.name)
            if slot is None:
                slot = Slot(self.info.shapes[t], t.dtype, "var")
                slot.var_name = source.name
                self.var_current[source.name] = slot
                self.var_reads.setdefault(source.name, consumer)
            elif slot.kind == "var":
                self.var_reads.setdefault(source.name, consumer)
            return slot
        return source

    def slot_of(self, t, consumer):
        """Like value_of, but a host value becomes a constant device buffer."""
        source = self.value_of(t, consumer)
        if isinstance(source, np.ndarray):
            slot = self.sources[t] = self.slot_of_value(source, t.dtype)
            return slot
        return source

    def slot_of_value(self, value, dtype):
        """A constant device buffer holding a host value."""
        slot = Slot(np.shape(value), dtype, "const")
        slot.value = np.asarray(value, dtype=dtype.as_numpy_dtype, order="C")
        return slot

    def write_variable(self, name, slot):
        slot.kind, slot.var_name = "varwrite", name
        self.var_current[name] = slot

    def error_flag(self, op, message, keep=()):
        """A flag slot for kernels to raise; see units.ErrorFlag."""
        flag = ErrorFlag(op, message, keep)
        self.error_flags.append(flag)
        return flag.slot

    def launch(self, source, name, args, global_size, local_size=None, options=()):
        # Generated kernels are named per unit (fused_12_tanh); named by their text
        # instead, an unrolled loop's identical kernels are one function, compiled once.
        source, name = codegen.name_by_body(source, name)
        source = self._sources.setdefault(source, source)   # (one copy of each text)
        self.units.append(KernelUnit(source, name, args, global_size, local_size, options))

    # --- lowering ---
    def _count_consumers(self, fetches):
        counts = {}
        for op in self.steps:
            for t in op.inputs if op.type not in SHAPE_ONLY else ():   # (folded: no read)
                counts[t] = counts.get(t, 0) + 1
        for f in fetches:
            if not isinstance(f, Operation):
                counts[f] = counts.get(f, 0) + 1
        return counts

    def lower_ops(self, steps, known=()):
        """Lowers `steps` in order; `known`: (tensor, source, shape, host value) for the
        tensors they read that are not lowered here (a loop body's inputs)."""
        for t, source, shape, value in known:
            self.sources[t] = source
            self.info.shapes[t] = shape
            if value is None:
                self.info.values.pop(t, None)
            else:
                self.info.values[t] = value
        for op in steps:
            self._lower(op)

    def known(self, t, consumer):
        """(t, its source, shape, host value): what lower_ops needs to read t again."""
        source = self.sources[t]   # (a piece of a slot stays one: read in place later)
        if isinstance(source, _Group):   # (in a loop step: into its row of a block)
            source = self._materialise(t, source)
        if not isinstance(source, Deferred) or isinstance(source, Transposed):
            source = self.value_of(t, consumer)
        return t, source, self.info.shapes.get(t), self.info.values.get(t)

    def units_moved(self, start):
        """The units from index start on were rolled up: what knows a unit by its index
        looks it up again."""
        lower_matmul.packs_moved(self, start)

    def snapshot(self):
        return (len(self.units), len(self.error_flags), dict(self.var_current),
                dict(self.var_reads))

    def restore(self, snapshot):
        """Forgets what was planned since snapshot() (a loop that could not be unrolled)."""
        units, flags, var_current, var_reads = snapshot
        del self.units[units:], self.error_flags[flags:]
        self.var_current, self.var_reads = var_current, var_reads

    def _lower(self, op):
        info = self.info
        self.lowered.add(op)   # (with the ops of unrolled loop bodies)
        for t in op.inputs:   # what shape rules may read of an array's value
            if is_planned(self.sources.get(t)):
                info.hints[t] = self.sources[t]
        info.visit(op)
        if op in info.folded or op.outputs and all(t in info.values for t in op.outputs):
            for t in op.outputs:
                self.sources[t] = info.values[t]
            return
        if op.type == "VariableV2":
            self.sources[op.outputs[0]] = VarRef(variable_name(op))
            return
        op_def = get_op_def(op.type)
        planned = lowerings.PLANNED.get(op.type)   # rules that take host-planned values
        if planned is not None and planned(self, op) is not False:
            for t in op.outputs:   # (e.g. an unrolled loop's outputs: now known)
                source = self.sources.get(t)
                if isinstance(source, Slot):
                    info.shapes[t] = source.shape
            return
        try:
            if self._try_elementwise(op, op_def):
                return
            rule = lowerings.RULES.get(op.type)
            # (Kernels need every shape; one known only at run time means the host.)
            if rule is not None and all(codegen.c_type(t.dtype) is not None and
                                        info.shapes.get(t) is not None
                                        for t in op.inputs + tuple(op.outputs)) \
                    and rule(self, op) is not False:
                return
        except _NoStaticShape:
            pass
        self._host_fallback(op, op_def)

    def _try_elementwise(self, op, op_def):
        if not hasattr(op_def, "expr") or len(op.outputs) != 1:
            return False
        out = op.outputs[0]
        ctype = codegen.c_type(out.dtype)
        shapes = [self.info.shapes.get(t) for t in op.inputs]
        if ctype is None or self.info.shapes.get(out) is None or any(s is None for s in shapes) \
                or any(codegen.c_type(t.dtype) is None for t in op.inputs):
            return False
        expr = codegen.expression(op_def, op, shapes)
        if expr is None:
            return False
        used = [i for i in range(len(op.inputs)) if "{%d}" % i in expr]
        if self._try_sunk(op, expr, used):
            return True
        operands = {}
        for i in used:
            t = op.inputs[i]
            source = self.sources[t]
            if isinstance(source, StridedView) and source.region() is None:
                operands[i] = source   # read where it lies, strided (a split's column)
            else:
                operands[i] = self.fused_operand(t, op)
        self.sources[out] = _Group(op, ctype, expr, operands, self.info.shapes[out], out.dtype)
        return True

    def read_once(self, t):
        """Whether t's pending value may be fused into its reader: it has no other."""
        return self.consumers.get(t, 0) == 1 and t not in self.fetch_set

    def fused_operand(self, t, consumer):
        """t for a kernel its reader generates: its pending value, fused into the reader,
        if nothing else reads it; a literal, if it is a host value of one value
        throughout; else as leaf() gives it."""
        source = self.sources[t]
        if isinstance(source, _Group) and self.read_once(t):
            if t in self.read_later and self.iteration is not None:
                source.keep = t   # (its reader's kernel writes it too: _materialise)
            return source
        if _uniform(source):
            return codegen.literal(source.flat[0], t.dtype)   # (no buffer)
        return self.leaf(t, consumer)

    def _try_sunk(self, op, expr, used):
        """An elementwise op whose operands are all transposed alike (copies.Transposed)
        or the same in any layout (scalars, broadcast scalars) runs in the untransposed
        layout: its value is that result, transposed (not copied yet). (expr holds: the
        operands' shapes relate alike in either layout.)"""
        if self.iteration is not None:
            return False
        sources = {i: self.sources[op.inputs[i]] for i in used}
        views = [v for v in sources.values() if isinstance(v, Transposed)]
        out = op.outputs[0]
        out_shape = tuple(self.info.shapes[out])
        if not views or any(v.perm != views[0].perm or v.shape != out_shape for v in views):
            return False
        if not all(isinstance(v, Transposed) or _layout_free(v) or isinstance(v, np.ndarray)
                   and v.shape == out_shape for v in sources.values()):
            return False
        operands = {}
        for i, source in sources.items():
            t = op.inputs[i]
            if isinstance(source, Transposed):
                operands[i] = source.operand(self, self.read_once(t))
            elif isinstance(source, np.ndarray) and not _uniform(source):
                # a constant: transposed back now
                operands[i] = self.slot_of_value(
                    source.transpose(np.argsort(views[0].perm)), t.dtype)
            else:
                operands[i] = self.fused_operand(t, op)
        group = _Group(op, codegen.c_type(out.dtype), expr, operands, views[0].inner_shape,
                       out.dtype)
        self.sources[out] = Transposed(group, views[0].perm, out_shape, out.dtype)
        return True

    def fed_as_given(self, slot):
        """Whether slot is a feed's own, in the layout the value is fed in (so that it may
        be fed in another, or read where the fed array lies)."""
        return isinstance(slot, Slot) and slot.kind == "feed" and slot.alias_of is None \
            and slot in self.feed_slots and slot not in self.feed_perms

    def fed_transposed(self, slot, perm, shape):
        """Whether a feed's slot, read only by a transpose that must be laid out, is fed
        in that layout instead (the host transposes the value as it copies it in): no
        kernel copies it, no second buffer holds it. The slot takes the new shape."""
        if not self.fed_as_given(slot):
            return False   # (a fetched feed has another reader: sole_reader is false)
        self.feed_perms[slot] = tuple(perm)
        slot.shape = tuple(shape)
        return True

    def row_of(self, t, k):
        """Row k of t's pending value, itself pending (each leaf's row k), or None when
        a leaf is not a slot or a piece of one: a gradient's rows then computed where
        each step reads them, not kept whole (the gradient of dynamic_rnn's outputs)."""
        return _row_of(self.sources[t], k, self.sources[t].shape)

    def piece_of(self, t, axis, start, size):
        """The piece [start, start + size) along axis of t's pending value, itself pending
        (its leaves' pieces; a leaf broadcast along axis as it is), or None when a leaf is
        not a slot or a piece of one: a split's outputs then read t computed whole."""
        return _piece(self.sources[t], axis, start, size)

    def element_map(self, group):
        """A pending group that reads one slot (or piece of one) of its own shape and
        type, as (that source, C statements turning x, an element of it, into the
        group's element): a reader visiting each element once (a reduction) computes it
        on the way, without the group's value laid out. Else None."""
        if not isinstance(group, _Group):
            return None
        leaves, nodes = _flattened(group)
        leaf = leaves[0] if leaves else None
        if leaf is None or any(other is not leaf for other in leaves) or \
                tuple(leaf.shape) != tuple(group.shape) or leaf.dtype != group.dtype or \
                isinstance(leaf, Deferred) and leaf.region() is None:
            return None
        return leaf, [f"const {group.ctype} l{k} = x;" for k in range(len(leaves))] + \
            [f"const {ct} v{j} = ({ct})({expr});" for j, (ct, expr) in enumerate(nodes)] + \
            [f"x = v{len(nodes) - 1};"]

    def is_group(self, source):
        return isinstance(source, _Group)

    def computed(self, group):
        """A pending group computed into a slot of its own (no tensor is its value)."""
        return self._materialise(None, group)

    def leaf(self, t, consumer):
        """t as a fused kernel reads it: a Slot, or a piece of one read in place."""
        source = self.sources[t]
        if isinstance(source, _Group):
            source = self._materialise(t, source)
        into = self.iteration.row(t, source.shape, source.dtype) \
            if isinstance(source, ConcatView) and self.iteration is not None else None
        if into is not None:   # (like a fused value: see _materialise)
            source = self.sources[t] = source.materialise_into(self, *into)
        if isinstance(source, Deferred) and source.region() is not None:
            return source
        return self.slot_of(t, consumer)

    def operand(self, t, consumer):
        """(slot, offset) of t for a kernel that reads at an offset: a piece of a bigger
        slot stays where it is; offset None for a whole slot."""
        source = self.leaf(t, consumer)
        return source.region() if isinstance(source, Deferred) else (source, None)

    def sum_of(self, op, terms, shape, dtype):
        """A pending fused sum of terms (Slots, pieces of slots), to fuse into its
        consumer like any elementwise op's value."""
        return self.pending_value(op, "(%s)" % " + ".join("{%d}" % k for k in range(len(terms))),
                                  terms, shape, dtype)

    def pending_value(self, op, expr, operands, shape, dtype):
        """A value computed by expr ({0}, {1}... the operands: Slots, pieces of slots,
        pending values) when read, fused into its reader like an elementwise op's."""
        return _Group(op, codegen.c_type(dtype), expr, dict(enumerate(operands)), shape, dtype)

    def pending(self, t):
        """Whether t is an elementwise value not computed yet (materialise_into can still
        choose where it goes)."""
        return isinstance(self.sources.get(t), _Group)

    def materialise_into(self, t, block, base, strides=None):
        """Computes pending t into `block` from element `base` on (a TensorArray's row),
        with `strides` if it is not a contiguous piece (a concat's part), and makes t
        that piece of block."""
        into = (block, base) if strides is None else (block, base, list(strides))
        return self._materialise(t, self.sources[t], into)

    def _materialise(self, t, group, into=None):
        """Computes a pending elementwise value: into a slot of its own, a given place,
        or (in an unrolled loop) its row of a block holding its value at every step."""
        if into is None and self.iteration is not None and 0 not in group.shape and \
                t is not None:
            into = self.iteration.row(t, group.shape, group.dtype)
        kept = []
        leaves, nodes = _flattened(group, kept)
        out = Slot(group.shape, group.dtype) if into is None else into[0]
        if t is not None:
            self.sources[t] = out
        if group.shape and 0 in group.shape:
            return out
        # Values fused in here that a gradient loop reads later (an LSTM's gates) are
        # written here too, as side outputs, so that nothing computes them again.
        side = [(j, g) for j, g in kept if g is not group and
                self.sources.get(g.keep) is g and tuple(g.shape) == tuple(group.shape)]
        side_places = [self._side_place(g) for _, g in side]
        name = f"fused_{len(self.units)}_{group.op.type.lower()}"
        regions = {k: s.region() for k, s in enumerate(leaves) if isinstance(s, Deferred)}
        # (a piece with no region is a strided view: read with its strides, from its base)
        shapes = [(codegen.c_type(s.dtype), s.shape) +
                  ((s.strides,) if k in regions and regions[k] is None else ())
                  for k, s in enumerate(leaves)]
        pieces = {k: r or (leaves[k].src, leaves[k].base) for k, r in regions.items()}
        strides = into[2] if into is not None and len(into) > 2 else None
        source = codegen.fused_elementwise(name, nodes, shapes, group.shape, group.ctype,
                                           offsets=pieces, out_offset=into is not None,
                                           out_strides=strides, side=[j for j, _ in side])
        buffers = [pieces[k][0] if k in pieces else s for k, s in enumerate(leaves)]
        offsets = [np.int64(pieces[k][1]) for k in sorted(pieces)] + \
            ([np.int64(into[1])] if into is not None else []) + \
            [np.int64(offset) for _, offset in side_places]
        self.launch(source, name, [out] + [slot for slot, _ in side_places] + buffers +
                    offsets, codegen.elementwise_grid(shapes, group.shape, strides))
        if into is not None:   # t is that piece of the block
            out = self.sources[t] = StridedView(into[0], group.shape, group.dtype, into[1],
                                                strides or codegen._strides(group.shape))
        return out

    def _side_place(self, g):
        """(slot, offset) a side output of group g goes to: its row of a block holding
        its value at every step (like a value computed alone), else a slot of its own;
        g's tensor is then that value."""
        row = self.iteration.row(g.keep, g.shape, g.dtype) if self.iteration is not None \
            else None
        if row is None:
            self.sources[g.keep] = slot = Slot(g.shape, g.dtype)
            return slot, 0
        self.sources[g.keep] = StridedView(row[0], g.shape, g.dtype, row[1],
                                           codegen._strides(g.shape))
        return row

    def _host_fallback(self, op, op_def):
        inputs = []
        for i, t in enumerate(op.inputs):
            if i in op_def.ref_inputs and isinstance(self.sources.get(t), VarRef):
                inputs.append(self.sources[t])
            else:
                inputs.append(self._on_host(self.value_of(t, op)))
        outputs = []
        for t in op.outputs:
            shape = self.info.shapes.get(t)
            # A value the device can hold also gets a buffer, for device consumers.
            on_device = shape is not None and codegen.c_type(t.dtype) is not None
            slot = Slot(shape if shape is not None else (), t.dtype,
                        "temp" if on_device else "host")
            outputs.append(slot)
            self.sources[t] = slot
        unit = HostUnit(op, inputs, outputs)
        # Variables the op may write get a fresh buffer each (writes are out of place, so
        # a failed run leaves the session's buffers untouched).
        for ref in (s for s in inputs if isinstance(s, VarRef)):
            new = Slot(self._var_shape(ref.name), self._var_dtype(op, ref.name), "varwrite")
            new.var_name = ref.name
            unit.variables.append((ref.name, self.var_current.get(ref.name), new))
            self.var_current[ref.name] = new
        self.units.append(unit)

    def _on_host(self, source):
        """A planned value (a TensorArray's, a loop's record) made a host value."""
        if is_planned(source):
            return to_host(self, source)
        return source

    def _var_shape(self, name):
        for op in self.steps:
            if op.type == "VariableV2" and variable_name(op) == name:
                return self.info.shapes[op.outputs[0]]
        raise KeyError(name)

    def _var_dtype(self, op, name):
        for t in op.inputs:
            if t.op.type == "VariableV2" and variable_name(t.op) == name:
                return t.dtype
        raise KeyError(name)


def _uniform(source):
    """Whether source is a host array of one value throughout, which an elementwise
    kernel takes as a literal (the output's shape comes from the op): a scalar, or a
    full array of one value (the gradient of a mean; dynamic_rnn's zero outputs past a
    sequence's end, a constant per step)."""
    if not isinstance(source, np.ndarray) or source.dtype == object or not source.size:
        return False
    first = source.flat[0]   # (a NaN scalar is one value; NaNs throughout are not)
    return source.size == 1 or first == source.flat[-1] and bool((source == first).all())


def _flattened(group, kept=None):
    """(leaves, nodes) of a pending group, as codegen.fused_elementwise takes them: its
    Slots and pieces of slots in order, and a C expression per group over `l<k>` (leaf
    k) and `v<j>` (group j), the last one the whole group's. `kept` gets (j, group) for
    the groups marked to keep."""
    leaves, nodes = [], []

    def visit(g):
        names = {}
        for i, operand in g.operands.items():
            if isinstance(operand, _Group):
                names[i] = visit(operand)
            elif isinstance(operand, str):   # an inlined constant
                names[i] = operand
            else:   # a Slot, or a piece of one (a Deferred with a region)
                leaves.append(operand)
                names[i] = f"l{len(leaves) - 1}"
        filled = g.expr.replace("{T}", g.ctype)
        for i, name in names.items():
            filled = filled.replace("{%d}" % i, name)
        nodes.append((g.ctype, filled))
        if g.keep is not None and kept is not None:
            kept.append((len(nodes) - 1, g))
        return f"v{len(nodes) - 1}"
    visit(group)
    return leaves, nodes


def _row_of(group, k, shape):
    operands = {}
    for i, v in group.operands.items():
        if isinstance(v, _Group):
            v = _row_of(v, k, shape)
        elif isinstance(v, (Slot, StridedView)):
            base, strides = (0, codegen._strides(v.shape)) if isinstance(v, Slot) else \
                (v.base, v.strides)
            src = v if isinstance(v, Slot) else v.src
            lead = len(shape) - len(v.shape)   # (a leaf broadcasts to shape)
            if lead == 0:   # row k of it, or its only row
                v = StridedView(src, v.shape[1:], v.dtype, base + k * strides[0] *
                                (v.shape[0] != 1), strides[1:])
        elif not isinstance(v, str):
            v = None
        if v is None:
            return None
        operands[i] = v
    return _Group(group.op, group.ctype, group.expr, operands, shape[1:], group.dtype)


def _piece(group, axis, start, size):
    shape = list(group.shape)
    shape[axis] = size
    operands = {}
    for i, v in group.operands.items():
        lead = len(group.shape) - len(getattr(v, "shape", ()))
        if isinstance(v, str) or axis < lead or v.shape[axis - lead] == 1:
            pass   # (the same for every piece)
        elif isinstance(v, _Group):
            v = _piece(v, axis - lead, start, size)
        elif isinstance(v, (Slot, StridedView)):
            base, strides = (0, codegen._strides(v.shape)) if isinstance(v, Slot) else \
                (v.base, v.strides)
            dims = list(v.shape)
            dims[axis - lead] = size
            v = StridedView(v if isinstance(v, Slot) else v.src, dims, v.dtype,
                            base + start * strides[axis - lead], strides)
        else:
            v = None
        if v is None:
            return None
        operands[i] = v
    return _Group(group.op, group.ctype, group.expr, operands, tuple(shape), group.dtype)


def _layout_free(source):
    """Whether a value reads the same in any layout: one element, or a pending group of
    such values (a broadcast scalar: the gradient of a mean)."""
    if isinstance(source, str):
        return True
    if isinstance(source, _Group):
        return all(_layout_free(v) for v in source.operands.values())
    shape = getattr(source, "shape", None)
    return shape is not None and int(np.prod(shape)) == 1


class _NoStaticShape(Exception):
    def __init__(self, tensor):
        super().__init__(tensor.name)
