"""TensorArrays in an OpenCL plan. When an array's indices are known while planning
(constants, an unrolled loop's counter: see lower_loop.py), the plan knows which slot
holds each element, so no op on the array runs on the host: a write makes the written
value's slot the element, a read is that slot, a scatter's elements are rows of its value
(copied out when read), a gather copies the elements into one buffer, and a flow's
gradient is a list of terms per index, summed where read. Anything else (an index known
only at run time, an error TF reports at run time) runs on the host, which gets the
array as the host value its numpy ops expect (to_host)."""
import numpy as np

from ...compiler import codegen
from ...framework import dtypes
from ...ops.subgraphs import unbox, variant
from ...ops.tensor_array_values import ElementGrads, Elements, _Log
from . import lower_addn
from .copies import StridedView, Transposed, _copy, _strides
from .lowerings import planned_rule
from .units import Deferred, HostFunction, Slot


class _Store:
    def __init__(self, entries=None):
        self.entries, self.head = entries or {}, 0   # index -> (version, source)


class FlowElements:
    """A flow's elements: index -> the element's source (a Slot, a host array, or a
    _Row). The flows of an array's successive writes share one store, each seeing the
    entries up to its own version: a loop writing T elements would otherwise keep T
    copies of up to T entries."""
    __slots__ = ("store", "version")   # (one per write: thousands in a long loop)

    def __init__(self, items=(), store=None, version=0):
        self.store = store or _Store({i: (0, e) for i, e in dict(items).items()})
        self.version = version

    def get(self, i):
        entry = self.store.entries.get(i)
        return entry[1] if entry is not None and entry[0] <= self.version else None

    def __contains__(self, i):
        return self.get(i) is not None

    def items(self):
        return [(i, e) for i, (v, e) in self.store.entries.items() if v <= self.version]

    def with_pairs(self, pairs):
        store = self.store
        if store.head != self.version:   # an older flow written again: a store of its own
            store = _Store({i: (0, e) for i, e in self.items()})
        store.head += 1
        store.entries.update((i, (store.head, e)) for i, e in pairs)
        return FlowElements(store=store, version=store.head)


class PlanArray:
    """A flow's value while planning: its elements (FlowElements), the size and the
    element shape so far."""
    __slots__ = ("info", "size", "shape", "elements", "block")   # (as FlowElements)

    def __init__(self, info, size, shape, elements, block=None):
        self.info, self.size, self.shape, self.elements = info, size, shape, elements
        self.block = block   # [size, *shape]: where its single writes are computed

    def plan_signature(self):
        return self.shape


class PlanGrads:
    """A flow's gradient while planning: index -> the terms of that element's gradient."""

    def __init__(self, terms=None):
        self.terms = terms or {}

    @staticmethod
    def total(parts):
        """The sum of PlanGrads: their terms, index by index (in one pass: a loop's
        iterations each give one)."""
        terms = {}
        for p in parts:
            for i, v in p.terms.items():
                terms.setdefault(i, []).extend(v)
        return PlanGrads(terms)


class PlanRecord:
    """A loop's record while planning (lower_loop.py): per iteration, its inputs, the
    values it recorded, and what its body computed (for the gradient to reuse)."""

    def __init__(self, iterations, finals):
        self.iterations, self.finals = iterations, finals


class _Row(StridedView):
    """Row k of a slot (a scattered value's, a gathered gradient's). A loop reads every
    row of an array it unstacked, so a matmul may multiply them all at once (hoistable,
    see lower_matmul.py)."""

    hoistable = True
    __slots__ = ("slot", "k")

    def __init__(self, slot, k):
        shape = slot.shape[1:]
        super().__init__(slot, shape, slot.dtype, k * int(np.prod(shape)), _strides(shape))
        self.slot, self.k = slot, k


class GatheredRow(StridedView):
    """Row k of transpose(x, [1, 0, ...]) for a fed x [batch, steps, ...] read only
    so (dynamic_rnn's unstacked input): step k's elements where x lies. A matmul of the
    steps' rows reads them there (gather: see Matmul), so the feed is not transposed;
    any other reader copies its row out."""

    hoistable = True
    __slots__ = ("k", "size", "gather")

    def __init__(self, fed, k):
        batch, steps, *rest = fed.shape
        width = int(np.prod(rest))
        super().__init__(fed, [batch] + rest, fed.dtype, k * width,
                         [steps * width] + _strides(rest))
        self.k, self.size, self.gather = k, batch * width, fed.shape[:2]


# A smaller fed array is transposed by the host as it copies it in: that costs less than
# the pack launch a matmul gathering rows adds (measured: benchmarks' workload 1, 470 KB
# a run, 4.82 ms a step against 4.92 gathered; workload 5, 8.2 MB, 72.4 against 71.4).
GATHER_BYTES = 1 << 20


def _gathered(b, op):
    """The rows of the array an unstack scatters, as GatheredRows, when it is a fed
    array's transpose that only it reads, of at least GATHER_BYTES (else None)."""
    source = b.sources.get(op.inputs[2])
    fed = getattr(source, "inner", None)
    if not (isinstance(source, Transposed) and source.copy is None and
            source.sole_reader and not source.inner_read and b.read_once(op.inputs[2]) and
            b.fed_as_given(fed) and len(fed.shape) >= 2 and
            source.perm == (1, 0) + tuple(range(2, len(fed.shape))) and
            fed.dtype == dtypes.float32 and b.device.is_cpu and all(fed.shape) and
            fed.nbytes >= GATHER_BYTES):
        return None
    return [GatheredRow(fed, k) for k in range(fed.shape[1])]


class _PendingRow:
    """Row k of a gradient not computed yet (a pending elementwise value, see
    PlanBuilder.row_of): the step reading it computes it in its own kernel. Anything
    else reading it (a sum of terms, a stack, the host) gets the whole value computed
    once, and its row k."""
    __slots__ = ("whole", "k", "shape")   # (one per loop step)

    def __init__(self, whole, k):
        self.whole, self.k = whole, k   # whole: [t, its shape, its slot once computed]
        self.shape = whole[1][1:]

    def settled(self, b):
        whole = self.whole
        if len(whole) == 2:   # (into a slot of its own, not a loop step's row)
            t = whole[0]
            whole.append(b.computed(b.sources[t]))
            b.sources[t] = whole[2]
        return _Row(whole[2], self.k)


def _settled(b, e):
    return e.settled(b) if isinstance(e, _PendingRow) else e


def is_planned(source):
    return isinstance(source, (PlanArray, PlanGrads, PlanRecord))


# ---------------------------------------------------------------- sources
def element(b, e):
    """An element's source as a Slot or host array."""
    return e.materialise(b) if isinstance(e, Deferred) else e


def _index(b, t):
    value = b.host_value(t)
    return None if value is None or np.ndim(value) else int(value)


def _indices(b, t):
    value = b.host_value(t)
    return None if value is None or np.ndim(value) != 1 else [int(i) for i in value]


def _array(b, t):
    source = b.sources.get(t)
    if isinstance(source, PlanArray):
        return source
    value = unbox(source) if isinstance(source, np.ndarray) else None
    if isinstance(value, Elements):   # folded: an empty array, or constants written
        items = {i: value.get(i) for i in value.log.pos}
        return PlanArray(value.info, value.size, value.shape,
                         FlowElements((i, v) for i, v in items.items() if v is not None))
    return None


def _grads(b, t):
    return as_grads(b.sources.get(t))


def as_grads(source):
    """A flow gradient's source as PlanGrads (None if it is not known while planning)."""
    if isinstance(source, PlanGrads):
        return source
    if isinstance(source, np.ndarray) and source.dtype == object:
        value = unbox(source)
        if value is None:
            return PlanGrads()
        if isinstance(value, ElementGrads):
            return PlanGrads({i: [v] for i, v in value.items().items()})
    return None


def _value(b, t, op):
    """t's value as an element: a Slot, a piece of one, or a host array (else None)."""
    source = b.sources.get(t)
    if isinstance(source, np.ndarray):
        return source if source.dtype != object else None
    source = b.leaf(t, op)
    return source if isinstance(source, (Slot, StridedView)) else None


def _fits(shape, dims):
    return shape is None or len(shape) == len(dims) and \
        all(s is None or s == d for s, d in zip(shape, dims))


def sum_terms(b, terms, shape, dtype):
    """The sum of gradient terms (Slots, host arrays, _Rows) as one source."""
    if len(terms) == 1 and isinstance(terms[0], _Row):
        return terms[0]   # (read in place, or copied by its reader)
    if len(terms) == 1 and isinstance(terms[0], _PendingRow) and len(terms[0].whole) == 2:
        return b.row_of(terms[0].whole[0], terms[0].k)   # (computed by its reader)
    terms = [element(b, _settled(b, e)) for e in terms]
    host = [v for v in terms if isinstance(v, np.ndarray)]
    slots = [v for v in terms if isinstance(v, Slot)]
    if host:
        total = sum(host[1:], host[0])
        if not lower_addn.is_zero(total):
            slots.append(b.slot_of_value(np.asarray(total, dtype.as_numpy_dtype), dtype))
    if not slots:
        return np.zeros(shape, dtype.as_numpy_dtype)
    return lower_addn.add_slots(b, slots, shape, dtype)


# ---------------------------------------------------------------- the array's ops
class _Unread(Deferred):
    """A pending value written to an array that nothing reads after its loop: computed
    (into a slot of its own) only if something reads it after all."""

    def __init__(self, b, t):
        self.group, self.shape, self.dtype, self.slot = b.sources[t], b.shape(t), t.dtype, None

    def materialise(self, b):
        if self.slot is None:
            self.slot = b.computed(self.group)
        return self.slot


@planned_rule("TensorArrayWriteV3")
def _write(b, op):
    flow, i = _array(b, op.inputs[3]), _index(b, op.inputs[1])
    if flow is None or i is None:
        return False
    if op.outputs[0] in b.unread_flows and b.pending(op.inputs[2]) and \
            b.shape(op.inputs[2]) is not None:
        return _written(b, op, flow, [(i, _Unread(b, op.inputs[2]))])
    block = _block(b, flow, op.inputs[2])
    if block is not None and 0 <= i < flow.size and i not in flow.elements:
        # computed straight into its row: stack() is then the block itself, no copy
        value = b.materialise_into(op.inputs[2], block, i * int(np.prod(block.shape[1:])))
    else:
        value = _value(b, op.inputs[2], op)
    if value is None:
        return False
    return _written(b, op, flow, [(i, value)], block)


def _block(b, flow, t):
    """The block a fixed-size array of one element shape computes its written values
    into (made at its first write), or None."""
    shape = b.shape(t)
    if flow.info.dynamic or not flow.info.identical or not b.pending(t) or shape is None \
            or 0 in shape \
            or not _fits(flow.shape, shape) or \
            t.dtype.as_numpy_dtype != flow.info.dtype:
        return None
    if flow.block is None or flow.block.shape[1:] != tuple(shape):
        return Slot((flow.size,) + tuple(shape), t.dtype)
    return flow.block


@planned_rule("TensorArrayScatterV3")
def _scatter(b, op):
    flow, indices = _array(b, op.inputs[3]), _indices(b, op.inputs[1])
    rows = _gathered(b, op)
    if flow is not None and rows is not None and list(indices or ()) == list(range(len(rows))):
        return _written(b, op, flow, list(zip(indices, rows)))
    value = _value(b, op.inputs[2], op)
    if flow is None or indices is None or value is None or not np.shape(value) or \
            len(indices) != np.shape(value)[0]:
        return False
    if isinstance(value, StridedView):
        value = element(b, value)
    rows = [value[k] if isinstance(value, np.ndarray) else _Row(value, k)
            for k in range(len(indices))]
    return _written(b, op, flow, list(zip(indices, rows)))


def _written(b, op, flow, pairs, block=None):
    """The flow after writing (index, element) pairs, or False for a write TF refuses
    (left to the host, which raises TF's error)."""
    info, size, shape = flow.info, flow.size, flow.shape
    written = set()
    for i, e in pairs:
        if i < 0 or i >= size and not info.dynamic or i in written or \
                i in flow.elements or not _fits(shape, np.shape(e)):
            return False
        written.add(i)
        shape = tuple(np.shape(e)) if info.identical else shape
        size = max(size, i + 1)
    b.sources[op.outputs[0]] = PlanArray(info, size, shape, flow.elements.with_pairs(pairs),
                                         block or flow.block)


@planned_rule("TensorArrayReadV3")
def _read(b, op):
    flow, i = _array(b, op.inputs[2]), _index(b, op.inputs[1])
    if flow is None or i is None or not 0 <= i < flow.size:
        return False
    e = flow.elements.get(i)
    if e is None:
        if flow.shape is None or None in flow.shape:
            return False
        e = np.zeros(flow.shape, flow.info.dtype)
    b.sources[op.outputs[0]] = e   # (a row stays in place until something reads it)


@planned_rule("TensorArrayGatherV3")
def _gather(b, op):
    flow, indices = _array(b, op.inputs[2]), _indices(b, op.inputs[1])
    if flow is None or not indices or any(not 0 <= i < flow.size for i in indices):
        return False
    rows = [flow.elements.get(i) for i in indices]
    if any(r is None for r in rows):   # unwritten: zeros, if the element shape is known
        if flow.shape is None or None in flow.shape:
            return False
        zeros = np.zeros(flow.shape, flow.info.dtype)
        rows = [zeros if r is None else r for r in rows]
    if len({tuple(np.shape(r)) for r in rows}) != 1:
        return False
    _stack(b, op.outputs[0], rows, op.outputs[0].dtype)


def _stack(b, t, rows, dtype):
    """t = the rows stacked: the rows' own slot when they are all of one, in order."""
    shape = tuple(np.shape(rows[0]))
    st, n = _strides(shape), int(np.prod(shape))
    places = [r.region() if isinstance(r, StridedView) else None for r in rows]
    whole = places[0][0] if places[0] else None
    if whole is not None and whole.size == len(rows) * n and all(
            p is not None and p[0] is whole and p[1] == k * n for k, p in enumerate(places)):
        b.sources[t] = whole   # the rows are all of one slot, in order
        return
    out = Slot((len(rows),) + shape, dtype)
    b.sources[t] = out
    for k, (r, place) in enumerate(zip(rows, places)):
        src, base = place or (element(b, r), 0)
        if isinstance(src, np.ndarray):
            src = b.slot_of_value(src, dtype)
        _copy(b, out, src, shape, k * n, st, base, st)


@planned_rule("TensorArraySizeV3")
def _size(b, op):
    flow = _array(b, op.inputs[1])
    if flow is None:
        return False
    size = np.int32(flow.size)
    b.sources[op.outputs[0]] = b.info.values[op.outputs[0]] = np.asarray(size)


# ---------------------------------------------------------------- gradients
@planned_rule("TensorArrayGradWrite")
def _grad_write(b, op):
    i, dy = _index(b, op.inputs[0]), _value(b, op.inputs[1], op)
    if i is None or dy is None:
        return False
    b.sources[op.outputs[0]] = PlanGrads({i: [dy]})


@planned_rule("TensorArrayGradScatter")
def _grad_scatter(b, op):
    indices, t = _indices(b, op.inputs[0]), op.inputs[1]
    shape = b.shape(t)
    if indices is not None and shape and len(indices) == shape[0] and b.pending(t) and \
            b.read_once(t) and b.iteration is None and b.row_of(t, 0) is not None:
        whole, terms = [t, shape], {}
        for k, i in enumerate(indices):
            terms.setdefault(i, []).append(_PendingRow(whole, k))
        b.sources[op.outputs[0]] = PlanGrads(terms)
        return
    dy = _value(b, t, op)
    if indices is None or dy is None or not np.shape(dy) or len(indices) != np.shape(dy)[0]:
        return False
    terms = {}
    for k, i in enumerate(indices):
        terms.setdefault(i, []).append(dy[k] if isinstance(dy, np.ndarray) else _Row(dy, k))
    b.sources[op.outputs[0]] = PlanGrads(terms)


@planned_rule("ZerosLike")
def _zeros_like(b, op):
    """Zeros: a flow's zero gradient, or a constant once the shape is known (autodiff
    makes one for each loop output nothing differentiates)."""
    x, out = op.inputs[0], op.outputs[0]
    if is_planned(b.sources.get(x)):
        b.sources[out] = PlanGrads()
    elif b.shape(x) is not None and codegen.c_type(x.dtype) is not None:
        b.sources[out] = b.info.values[out] = np.zeros(b.shape(x), x.dtype.as_numpy_dtype)
    else:
        return False


@planned_rule("VariantAddN")
def _variant_add(b, op):
    parts = [_grads(b, t) for t in op.inputs]
    if any(p is None for p in parts):
        return False
    b.sources[op.outputs[0]] = PlanGrads.total(parts)


def _shape_value(b, t):
    value = b.host_value(t)
    return None if value is None else tuple(int(d) for d in np.ravel(value))


@planned_rule("TensorArrayGradRead")
def _grad_read(b, op):
    grads, i, shape = _grads(b, op.inputs[0]), _index(b, op.inputs[1]), \
        _shape_value(b, op.inputs[2])
    if grads is None or i is None or shape is None:
        return False
    terms = grads.terms.get(i, [])
    if any(tuple(np.shape(e)) != shape for e in terms):
        return False
    b.sources[op.outputs[0]] = sum_terms(b, terms, shape, op.outputs[0].dtype)


@planned_rule("TensorArrayGradGather")
def _grad_gather(b, op):
    grads, indices = _grads(b, op.inputs[0]), _indices(b, op.inputs[1])
    shape = _shape_value(b, op.inputs[2])
    if grads is None or indices is None or shape is None or not shape or \
            len(indices) != shape[0] or any(tuple(np.shape(e)) != shape[1:]
                                            for v in grads.terms.values() for e in v):
        return False
    dtype = op.outputs[0].dtype
    rows = []
    for i in indices:
        terms = grads.terms.get(i, [])
        rows.append(_settled(b, terms[0]) if len(terms) == 1 else
                    sum_terms(b, terms, shape[1:], dtype))
    if not rows:
        return False
    _stack(b, op.outputs[0], rows, dtype)


# ---------------------------------------------------------------- to the host
def to_host(b, source):
    """A host slot holding `source` (a PlanArray, PlanGrads or PlanRecord) as the host
    ops' values (Elements, ElementGrads, a loop's history), read from its slots, each
    slot once (the arrays of a loop's iterations share their elements)."""
    leaves = {}   # slot -> its position among the unit's inputs

    def collect(v):   # -> a function rebuilding v from the leaves' values
        v = _settled(b, v)
        if isinstance(v, StridedView):   # (a row, a piece of a block)
            whole = collect(v.src)
            return lambda values: _piece(whole(values), v)
        if isinstance(v, Deferred):
            v = v.materialise(b)
        if isinstance(v, Slot):
            k = leaves.setdefault(v, len(leaves))
            return lambda values: values[k]
        if isinstance(v, PlanArray):
            parts = [(i, collect(e)) for i, e in sorted(v.elements.items())]
            info, size, shape = v.info, v.size, v.shape
            return lambda values: variant(Elements(info, _Log(), 0, size, shape).written(
                [(i, np.asarray(f(values))) for i, f in parts], size, shape))
        if isinstance(v, PlanGrads):
            parts = [(i, [collect(e) for e in terms]) for i, terms in v.terms.items()]

            def grads(values):
                items = {i: sum(f(values) for f in fs) for i, fs in parts}
                return variant(ElementGrads(items) if items else None)
            return grads
        if isinstance(v, PlanRecord):
            history = [(collect(it.values), collect(it.recorded)) for it in v.iterations]
            finals = collect(v.finals)
            return lambda values: variant(([(f(values), g(values)) for f, g in history],
                                           finals(values)))
        if isinstance(v, list):
            fs = [collect(x) for x in v]
            return lambda values: [f(values) for f in fs]
        return lambda values: v   # a host value
    build = collect(source)
    out = Slot((), dtypes.variant, "host")
    b.units.append(HostFunction(lambda values: [build(values)], list(leaves), [out]))
    return out


def _piece(array, view):
    flat = np.ascontiguousarray(array).reshape(-1)[view.base:]
    return np.lib.stride_tricks.as_strided(
        flat, view.shape, [st * flat.itemsize for st in view.strides], writeable=False)
