"""float32 matmul on OpenCL: C[M,N] = op(A) @ op(B) for row-major buffers.

A Matmul is built once per (device, shape, transposes, batch); enqueue() only sets
changed kernel arguments and enqueues, never waits on the host. The kernels are in
kernels/matmul.cl, compiled with the shape as constants (see the notes there):
- CPU devices (PoCL): pack op(B) into zero-padded column panels (and, for large
  enough A, transposed A into row panels, or A to a padded row stride when its rows
  would collide in the cache), then one MR x NR block of C per work-item in vector
  registers over the whole of K.
- other devices (GPUs): local-memory tiles, a small block of C per work-item.
An OpenCL plan does not call enqueue() on the CPU kernel: it launches pack_a, pack_b
and mm_cpu as units of its own (build_options, grid()), so that the packed operands are
temporaries of the plan's, and a B that many products read (an RNN's weights), of one
pack_layout, is packed once.
"""
import numpy as np
import pyopencl as cl

from .device import build_program, kernel_source as device_kernel_source

_OPTIONS = {}    # (Matmul.key, its config) -> its build options


def kernel_source():
    """The text of kernels/matmul.cl."""
    return device_kernel_source("matmul")


def _cdiv(a, b):
    return -(-a // b)


def cpu_config(device, M, N, K, transpose_a, transpose_b, gather=None):
    """Blocking of the CPU kernel: vector width VW, NV vectors (NR = VW*NV columns) by
    MR rows of C per work-item, whether to pack A, and the work-item order."""
    width = device.preferred_vector_width_float
    vw = 16 if width >= 16 else 8 if width >= 8 else 4
    nv = 1 if N <= vw else 2
    # accumulators MR*NV plus NV loads and one broadcast must fit the register file
    # (32 registers with AVX-512, 16 below)
    mr = min(12 if vw == 16 else 6, M)   # MR <= M: see the row shift in mm_cpu
    # A as given is read in place unless (one extra launch, a plain copy):
    # 2: transposed A gives MR floats per row of A per k: copy them to panels [K][MR]
    #    (not worth it for short K, e.g. 4200x28: measured 136 vs 144-177 GFLOP/s);
    # 1: rows of A a multiple of 2 KiB apart map to few cache sets, and the rows (or
    #    successive k) a work-item reads evict each other: copy A to rows padded by 16.
    row = M if transpose_a else K
    pack_a = 0
    if M * K >= 1 << 16:
        if transpose_a and K >= 128:
            pack_a = 2
        elif (4 * row) % 2048 == 0:
            pack_a = 1
    if gather:   # (pack_a gathers the rows: see A_ROW in matmul.cl)
        pack_a = 2 if transpose_a else 1
    # consecutive work-items share a B panel (order 0) or a block of A rows (order 1):
    # keep the bigger operand's block hot
    order = 1 if M > N else 0
    config = dict(VW=vw, NV=nv, MR=mr, PACK_A=pack_a, LDA=row + 16 * (pack_a == 1),
                  ORDER=order, UNROLL=2)
    if gather:
        config.update(GATHER=1, G_B=gather[0], G_T=gather[1])
    if transpose_a and not transpose_b:
        # (K is then an argument: a weight's gradient summed over a loop's steps in runs
        # of several lengths is one program, not one per length, each ~1.4 MB in PoCL)
        config["KRUN"] = 1
    return config


def gpu_config(device):
    """Tile of C per work-group (TM x TN), per work-item (WM x WN), and depth TK."""
    for tm, wm, tk in ((64, 4, 16), (32, 2, 16), (16, 1, 16), (8, 1, 8), (4, 1, 4), (1, 1, 1)):
        if (tm // wm) ** 2 <= device.max_work_group_size:
            return dict(TM=tm, TN=tm, WM=wm, WN=wm, TK=tk)


class _Shareable:
    """Kernels (and scratch) made at the first enqueue(), or taken from an equal object
    (same key) in a pool."""
    _state = None

    def share(self, pool):
        """Use the state of an object with this key in `pool` (a dict the caller keeps),
        or lend this one's."""
        state = pool.get(self.key)
        if state is None:
            pool[self.key] = self._get_state()
        elif self._state is None:
            self._state = state

    def _get_state(self):
        if self._state is None:
            self._state = self._new_state()
        return self._state


class Matmul(_Shareable):
    """C[M,N] = op(A) @ op(B) for float32 row-major buffers, op = transpose or not.
    Built once per (device, shape, transposes); enqueue() never waits on the host.

    batch > 1 is that many independent products, with element strides M*K, K*N and M*N
    between the operands; shared_a (shared_b) means one A (B) for the whole batch.
    gather=(G_B, G_T) (CPU kernel, batch 1): op(A)'s rows are those of a batch-major
    [G_B, G_T, L] array taken time-major, row r = element r % G_B of step r // G_B.
    The kernels and scratch buffers are made at the first enqueue(), and may be shared
    by identical Matmuls (share()). enqueue() orders each call after the previous one
    through them (event chaining), so one Matmul may serve any queue of its context, but
    calls run one after another. kernel="cpu" or "gpu" overrides the choice by device
    type (tests run the GPU kernel on CPU devices)."""

    def __init__(self, context, device, M, N, K, transpose_a=False, transpose_b=False,
                 batch=1, *, shared_a=False, shared_b=False, kernel=None, gather=None):
        for name, v in (("M", M), ("N", N), ("K", K), ("batch", batch)):
            if int(v) != v or v < 0:
                raise ValueError(f"Matmul: {name} must be a non-negative integer, got {v!r}")
        if kernel not in (None, "cpu", "gpu"):
            raise ValueError(f"Matmul: kernel must be 'cpu' or 'gpu', got {kernel!r}")
        self.M, self.N, self.K, self.batch = int(M), int(N), int(K), int(batch)
        self.transpose_a, self.transpose_b = bool(transpose_a), bool(transpose_b)
        self.shared_a, self.shared_b = bool(shared_a), bool(shared_b)
        self.context, self.device = context, device
        self._state = None   # _State: kernels, scratch, the previous call's last event
        M, N, K = self.M, self.N, self.K
        if M == 0 or N == 0 or batch == 0:
            self.kind = "empty"
        elif K == 0:
            self.kind = "zero"
        elif kernel == "cpu" or (kernel is None and device.type & cl.device_type.CPU):
            self.kind = "cpu"
            self.config = cpu_config(device, M, N, K, self.transpose_a, self.transpose_b,
                                     gather)
        else:
            self.kind = "gpu"
            self.config = gpu_config(device)
        if gather and (self.kind == "gpu" or self.batch != 1):
            raise ValueError("Matmul: gather is for the CPU kernel, one product")
        self.gather = tuple(gather) if gather and self.kind == "cpu" else None
        # Everything the kernels and scratch sizes depend on.
        self.key = (context, device, self.kind, M, N, K, self.transpose_a,
                    self.transpose_b, self.batch, self.shared_a, self.shared_b, self.gather)

    @property
    def pack_layout(self):
        """What op(B) packed for the CPU kernel depends on (pack_b in matmul.cl): B's
        shape and transpose, the panel width NR = VW * NV, how many B's the batch has;
        not M nor A. Matmuls with equal layouts can read one packed copy of a B."""
        cfg = self.config
        return (self.context, self.device, self.N, self.K, self.transpose_b,
                1 if self.shared_b else self.batch, cfg["VW"], cfg["NV"])

    @property
    def packed_b_size(self):
        """Floats in op(B) packed: whole panels of NR columns, each K deep."""
        nr = self.config["VW"] * self.config["NV"]
        return (1 if self.shared_b else self.batch) * _cdiv(self.N, nr) * nr * self.K

    @property
    def build_options(self):
        """The options its program is built with: the shape and config as constants.
        (One tuple per key: a plan unrolling 2,000 steps has thousands of Matmuls.)"""
        key = self.key + tuple(self.config.items())
        options = _OPTIONS.get(key)
        if options is None:
            k = "" if self.config.get("KRUN") else f"-D K={self.K} "
            defines = (f"-D M={self.M} -D N={self.N} {k}"
                       f"-D TA={int(self.transpose_a)} -D TB={int(self.transpose_b)} "
                       f"-D SA={int(self.shared_a)} -D SB={int(self.shared_b)} "
                       f"-D MM_{self.kind.upper()} ")
            options = _OPTIONS[key] = tuple(
                (defines + " ".join(f"-D {k}={v}" for k, v in self.config.items()) +
                 " -cl-mad-enable").split())
        return options

    @property
    def k_args(self):
        """The CPU kernels' last arguments: K, when it is not built in (KRUN)."""
        return (np.int32(self.K),) if self.kind == "cpu" and self.config.get("KRUN") else ()

    def grid(self, name):
        """The range of the CPU kernel `name` (work-groups of one work-item)."""
        cfg, batch = self.config, self.batch
        njb = _cdiv(self.N, cfg["VW"] * cfg["NV"])
        if name == "mm_cpu":
            nib = _cdiv(self.M, cfg["MR"])
            return (njb, nib, batch) if cfg["ORDER"] else (nib, njb, batch)
        if name == "pack_a":   # PR = 4 rows of A per work-item
            return (_cdiv(self.K if self.transpose_a else self.M, 4), 1,
                    1 if self.shared_a else batch)
        # pack_b: PK = 64 k per work-item when B is transposed, else PR = 4 rows
        nb_b = 1 if self.shared_b else batch
        return (njb, _cdiv(self.K, 64), nb_b) if self.transpose_b else \
            (_cdiv(self.K, 4), 1, nb_b)

    @property
    def packed_a_size(self):
        """Floats of the pack_a scratch (see cpu_config), 0 when A is read in place."""
        cfg = self.config if self.kind == "cpu" else None
        if not cfg or not cfg["PACK_A"]:
            return 0
        rows = self.K if self.transpose_a else self.M
        size = rows * cfg["LDA"] if cfg["PACK_A"] == 1 else \
            _cdiv(self.M, cfg["MR"]) * cfg["MR"] * self.K
        return (1 if self.shared_a else self.batch) * size

    def _new_state(self):
        return _State(self)

    @property
    def _mm(self):
        return self._get_state().mm

    def enqueue(self, queue, a, b, c, a_offset=0, b_offset=0, c_offset=0, wait_for=None):
        """Enqueue C = op(A) @ op(B) on `queue` after the events `wait_for`; a, b, c are
        cl.Buffers, offsets are in elements. Returns the last cl.Event."""
        st = self._get_state()
        wait = list(wait_for) if wait_for else []
        if st.last is not None:
            wait.append(st.last)
        if self.kind == "empty":
            ev = cl.enqueue_marker(queue, wait_for=wait or None)
        elif self.kind == "zero":
            n = self.batch * self.M * self.N
            ev = cl.enqueue_fill_buffer(queue, c, np.float32(0), 4 * c_offset, 4 * n,
                                        wait_for=wait or None)
        elif self.kind == "cpu":
            enq = cl.enqueue_nd_range_kernel
            one = (1, 1, 1)
            bp, deps = st.bp, [st.pack.enqueue(queue, b, st.bp, b_offset, wait)]
            if st.pack_a is not None:
                deps.append(st.pack_a.enqueue(queue, a, st.ap, a_offset, wait))
                a, a_offset = st.ap, 0
            st.set(st.mm, c, a, bp, np.int32(a_offset), np.int32(c_offset), *self.k_args)
            ev = enq(queue, st.mm, st.grid, one, wait_for=deps or None)
        else:
            st.set(st.mm, c, a, b, np.int32(a_offset), np.int32(b_offset),
                   np.int32(c_offset))
            ev = cl.enqueue_nd_range_kernel(queue, st.mm, st.grid, st.local,
                                            wait_for=wait or None)
        st.last = ev
        return ev


def _program(mm):
    """The cl.Program of mm's kernels."""
    return build_program(mm.context, mm.device, kernel_source(), " ".join(mm.build_options))


class _Args:
    """Sets kernel arguments, each call only those that changed since the last one."""

    def __init__(self):
        self._args = {}     # kernel -> the arguments last set on it

    def set(self, kernel, *args):
        last = self._args.get(kernel)
        if last is None:
            kernel.set_args(*args)
        elif last != args:
            # Only the arguments that changed (Matmuls sharing this state alternate):
            # set_args costs ~12 us, a set_arg of a buffer ~0.1 us, of a numpy scalar
            # ~5 us but of its bytes through _set_arg_buf (as set_args does) ~0.1 us.
            for index, (new, old) in enumerate(zip(args, last)):
                if new is old or isinstance(new, np.generic) and new == old:
                    continue
                if isinstance(new, np.generic) and hasattr(kernel, "_set_arg_buf"):
                    kernel._set_arg_buf(index, new.tobytes())
                else:
                    kernel.set_arg(index, new)
        self._args[kernel] = args


class _Packer(_Args):
    """A pack kernel of a CPU Matmul's program ("pack_a" or "pack_b") and its range."""

    def __init__(self, mm, program, name):
        super().__init__()
        self.kernel, self.grid = cl.Kernel(program, name), mm.grid(name)
        self.k_args = mm.k_args

    def enqueue(self, queue, src, packed, offset, wait_for):
        self.set(self.kernel, packed, src, np.int32(offset), *self.k_args)
        return cl.enqueue_nd_range_kernel(queue, self.kernel, self.grid, (1, 1, 1),
                                          wait_for=wait_for or None)


class _State(_Args):
    """A Matmul's kernels, scratch buffers (packed operands) and last event: what
    identical Matmuls may share."""

    def __init__(self, mm):
        super().__init__()
        self.last = None    # the previous call's last event (scratch reuse)
        if mm.kind not in ("cpu", "gpu"):
            return
        cfg, batch, M, N = mm.config, mm.batch, mm.M, mm.N
        prg = _program(mm)
        if mm.kind == "cpu":
            rw = cl.mem_flags.READ_WRITE
            self.pack = _Packer(mm, prg, "pack_b")
            self.bp = cl.Buffer(mm.context, rw, 4 * mm.packed_b_size)
            self.pack_a = self.ap = None
            if cfg["PACK_A"]:
                self.pack_a = _Packer(mm, prg, "pack_a")
                self.ap = cl.Buffer(mm.context, rw, 4 * mm.packed_a_size)
            self.mm, self.grid = cl.Kernel(prg, "mm_cpu"), mm.grid("mm_cpu")
        else:
            self.mm = cl.Kernel(prg, "mm_gpu")
            lx, ly = cfg["TN"] // cfg["WN"], cfg["TM"] // cfg["WM"]
            self.local = (lx, ly, 1)
            self.grid = (_cdiv(N, cfg["TN"]) * lx, _cdiv(M, cfg["TM"]) * ly, batch)
