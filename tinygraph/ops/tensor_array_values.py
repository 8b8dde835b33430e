"""The run-time values of tf.TensorArray's flows (ops in tensor_array_ops.py).

A write costs O(1) whatever the size: the flows of one lineage share a log of writes and
each sees a prefix of it (a write to a flow that is not the newest of its log copies the
prefix first). So a loop that records its flow every iteration stays linear.

Gradients travel back along flows as `ElementGrads`: per index the gradient of that
element (absent, or a variant None: zero). Sums are kept lazily, so a loop summing one
gradient per iteration costs O(iterations)."""
import numpy as np

from .subgraphs import unbox


class _Info:
    """What an array is, fixed when it is made: its name (for messages), dtype, whether
    it grows, and whether its elements share one shape (TF's identical_element_shapes)."""
    __slots__ = ("name", "dtype", "dynamic", "identical")

    def __init__(self, name, dtype, dynamic, identical):
        self.name, self.dtype, self.dynamic, self.identical = name, dtype, dynamic, identical


class _Log:
    """The writes of a lineage of flows, in order: index -> value and log position. A
    fixed-size array of identical elements keeps its single writes in `block`, one
    [size, ...] array (so stacking it all is a view, not a second copy); `in_block`
    counts them."""
    __slots__ = ("values", "pos", "count", "block", "in_block")

    def __init__(self):
        self.values, self.pos, self.count, self.block, self.in_block = {}, {}, 0, None, 0

    def store(self, info, size, i, v, single):
        """Element i := v: a read-only row of the block for a single write that fits it
        (dynamic_rnn's outputs, one per step), else v itself (a scatter's or split's
        pieces are views of their value already)."""
        if single and not info.dynamic and info.identical and v.dtype == info.dtype:
            if self.block is None and self.count == 0:
                self.block = np.empty((size,) + v.shape, info.dtype)
            if self.block is not None and self.block.shape[1:] == v.shape:
                self.block[i] = v
                v = self.block[i, ...]   # (a view, even of a 0-d element)
                v.flags.writeable = False   # shared by reads and stack(): never changed
                self.in_block += 1
        self.values[i] = v

    def stacked(self, n, size):
        """All `size` elements as one read-only array, if the first n writes filled the
        block (each index is written once per lineage, so no later write changes it)."""
        if self.block is None or not n == size == self.in_block:
            return None
        out = self.block[:]
        out.flags.writeable = False
        return out


class Elements:
    """An array's contents at one flow: the first n writes of its log, its size, and the
    element shape so far (a tuple with None for unknown dims, or None: unknown rank)."""
    __slots__ = ("info", "log", "n", "size", "shape")

    def __init__(self, info, log, n, size, shape):
        self.info, self.log, self.n, self.size, self.shape = info, log, n, size, shape

    def plan_signature(self):
        """What a plan built around this array may rely on: its element shape."""
        return self.shape

    def get(self, i):
        p = self.log.pos.get(i)
        return self.log.values[i] if p is not None and p < self.n else None

    def written(self, pairs, size, shape, single=False):
        log = self.log
        if log.count != self.n:   # another flow extended this log: branch off a copy
            old, log = log, _Log()   # (no block: the prefix's rows stay views of old's)
            for i, p in old.pos.items():
                if p < self.n:
                    log.pos[i], log.values[i] = p, old.values[i]
            log.count = self.n
        for i, v in pairs:
            log.store(self.info, self.size, i, v, single)
            log.pos[i] = log.count
            log.count += 1
        return Elements(self.info, log, log.count, size, shape)


class ElementGrads:
    """The gradient with respect to a flow: index -> gradient of that element (absent:
    zero). A sum keeps its terms until read, so adding up k gradients costs O(k)."""
    __slots__ = ("_items", "_terms")

    def __init__(self, items=None, terms=()):
        self._items, self._terms = items, terms

    def items(self):
        if self._items is None:
            out, stack = {}, list(self._terms)
            while stack:
                g = stack.pop()
                if g._items is None:
                    stack.extend(g._terms)
                    continue
                for i, v in g._items.items():
                    out[i] = v if i not in out else out[i] + v
            self._items, self._terms = out, ()
        return self._items


def add_lists(values):
    """The sum of flow gradients (ElementGrads, or None / a variant None for zero)."""
    terms = tuple(v for v in map(unbox, values) if isinstance(v, ElementGrads))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else ElementGrads(terms=terms)
