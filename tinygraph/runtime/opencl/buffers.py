"""Device buffers as a plan makes them: plain ones, ones over aligned host arrays (a CPU
device uses those in place), reading one back, and the pool of buffers whose temporaries
are dead."""
import bisect

import numpy as np
import pyopencl as cl


HOST_FLAGS = cl.mem_flags.READ_WRITE | cl.mem_flags.USE_HOST_PTR


def aligned_empty(shape, dtype, align=4096):
    """An empty array whose data starts on an `align` boundary, so that the OpenCL
    runtime can use it in place (PoCL copies a misaligned host pointer), and the raw
    bytes behind it (at least one element, as a buffer may not be empty)."""
    n = int(np.prod(shape))
    nbytes = max(n, 1) * np.dtype(dtype).itemsize
    raw = np.empty(nbytes + align, np.uint8)
    start = -raw.ctypes.data % align
    flat = raw[start:start + nbytes]
    return flat.view(dtype)[:n].reshape(shape), flat


def alloc(context, nbytes):
    return cl.Buffer(context, cl.mem_flags.READ_WRITE, max(int(nbytes), 1))


def read(queue, buffer, shape, dtype, blocking):
    out = np.empty(shape, dtype=dtype)
    if out.nbytes:
        cl.enqueue_copy(queue, out, buffer, is_blocking=blocking)
    return out


class FreeBuffers:
    """Buffers whose temporaries are dead, by size. A temporary takes the smallest that
    is big enough but not twice its size (kernels are given their sizes, not a
    buffer's): a matmul's packed operand then lives in what an earlier, dead temporary
    of about its size held, and small ones do not take the big ones."""

    def __init__(self):
        self.sizes, self.by_size = [], {}   # sorted sizes; size -> buffers

    def give(self, buffer):
        if buffer.size not in self.by_size:
            bisect.insort(self.sizes, buffer.size)
        self.by_size.setdefault(buffer.size, []).append(buffer)

    def take(self, nbytes):
        """The smallest free buffer of at least nbytes, or None."""
        k = bisect.bisect_left(self.sizes, nbytes)
        if k == len(self.sizes) or self.sizes[k] >= 2 * nbytes:
            return None
        size = self.sizes[k]
        pool = self.by_size[size]
        buffer = pool.pop()
        if not pool:
            del self.by_size[size], self.sizes[k]
        return buffer
