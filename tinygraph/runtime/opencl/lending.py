"""Fed arrays lent to a CPU device for a run: the kernels read the user's array where it
lies instead of a copy of it. Only for a feed read by nothing but gathered matmuls'
pack_a (a dynamic_rnn's batch-major input: lower_tensor_array.GatheredRow), whose
offset argument then follows the array's alignment at each run."""
import ctypes
import functools

import numpy as np
import pyopencl as cl

from .lower_matmul import MatmulUnit
from .units import PerRun, Slot, unit_slots

_FLAGS = cl.mem_flags.READ_ONLY | cl.mem_flags.USE_HOST_PTR


class LentFeeds(dict):
    """{feed slot root: how many elements past the aligned address below it the fed
    array starts, this run}. Made from a plan's units, whose pack_a offsets it turns
    into per-run arguments."""

    def __init__(self, units, feed_slots, fetch_sources):
        super().__init__()
        self._places = {}   # root -> (address, bytes) its last buffer covers
        readers = {s.root(): [] for s in feed_slots if s.root().kind == "feed"}
        for u in units:
            for s in unit_slots(u):
                if s.root() in readers:
                    readers[s.root()].append(u)
        fetched = {s.root() for s in fetch_sources if isinstance(s, Slot)}
        for r, us in readers.items():
            if us and r not in fetched and all(
                    isinstance(u, MatmulUnit) and u.name == "pack_a" and u.mm.gather and
                    u.args[1] is r for u in us):
                self[r] = 0
                for u in us:
                    u.args[2] = PerRun(functools.partial(self._offset, int(u.args[2]), r))

    def _offset(self, base, root, host):
        return np.int32(base + self[root])

    def lend(self, device, root, array):
        """A buffer over the array's memory from the aligned address at or below it (PoCL
        copies what starts unaligned), or None when the last run's serves (the same
        array, or the next batch where the last one was: PoCL takes ~30 us to bind a new
        one). Sets where the array starts in it."""
        align = max(device.device.mem_base_addr_align // 8, array.itemsize)
        shift = array.ctypes.data % align
        self[root] = shift // array.itemsize
        place = (array.ctypes.data, array.nbytes)
        if self._places.get(root) == place:
            return None
        self._places[root] = place
        memory = (ctypes.c_char * (shift + array.nbytes)).from_address(array.ctypes.data - shift)
        return cl.Buffer(device.context, _FLAGS, hostbuf=memory)
