"""runtime/opencl/matmul.py against numpy (float64 reference): odd shapes (sizes of 1,
sizes that are not multiples of the kernels' blocks, K = 0, empty C), every transpose
combination, batches, element offsets, and that enqueue() never waits on the host."""
import itertools
import threading

import numpy as np
import pytest

cl = pytest.importorskip("pyopencl")
from tinygraph.runtime.opencl.device import OpenCLUnavailableError, get_device_context  # noqa: E402
from tinygraph.runtime.opencl import matmul as matmul_module  # noqa: E402
from tinygraph.runtime.opencl.matmul import Matmul, build_program, kernel_source  # noqa: E402

SENTINEL = np.float32(-7.25)


@pytest.fixture(scope="module")
def dc():
    try:
        return get_device_context("opencl")
    except OpenCLUnavailableError as e:
        pytest.skip(str(e))


def operands(M, N, K, ta, tb, batch, shared_a=False, shared_b=False, seed=0):
    rng = np.random.default_rng(seed)
    ba, bb = (1 if shared_a else batch), (1 if shared_b else batch)
    a = rng.standard_normal((ba, K, M) if ta else (ba, M, K)).astype(np.float32)
    b = rng.standard_normal((bb, N, K) if tb else (bb, K, N)).astype(np.float32)
    return a, b


def reference(a, b, ta, tb):
    a = np.swapaxes(a, 1, 2) if ta else a
    b = np.swapaxes(b, 1, 2) if tb else b
    return a.astype(np.float64) @ b.astype(np.float64), np.abs(a) @ np.abs(b)


def run(dc, M, N, K, ta=False, tb=False, batch=1, kernel=None, offsets=(0, 0, 0),
        shared_a=False, shared_b=False):
    """C from Matmul, with the operands `offsets` elements into their buffers and C
    between sentinels (checked untouched)."""
    a, b = operands(M, N, K, ta, tb, batch, shared_a, shared_b)
    oa, ob, oc = offsets
    mf = cl.mem_flags
    host_a = np.concatenate([np.full(oa, np.nan, np.float32), a.ravel(), [np.nan]])
    host_b = np.concatenate([np.full(ob, np.nan, np.float32), b.ravel(), [np.nan]])
    host_c = np.full(oc + batch * M * N + 3, SENTINEL, np.float32)
    A = cl.Buffer(dc.context, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=host_a.astype(np.float32))
    B = cl.Buffer(dc.context, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=host_b.astype(np.float32))
    C = cl.Buffer(dc.context, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=host_c)
    mm = Matmul(dc.context, dc.device, M, N, K, ta, tb, batch, kernel=kernel,
                shared_a=shared_a, shared_b=shared_b)
    event = mm.enqueue(dc.queue, A, B, C, oa, ob, oc)
    assert isinstance(event, cl.Event)
    cl.enqueue_copy(dc.queue, host_c, C, wait_for=[event])
    dc.queue.finish()
    assert np.all(host_c[:oc] == SENTINEL) and np.all(host_c[oc + batch * M * N:] == SENTINEL)
    got = host_c[oc:oc + batch * M * N].reshape(batch, M, N)
    return got, a, b


def check(got, a, b, ta, tb):
    want, scale = reference(a, b, ta, tb)
    K = a.shape[1] if ta else a.shape[2]
    # float32 accumulation: errors grow like sqrt(K) relative to sum |a||b|
    tol = 1e-5 * np.sqrt(max(K, 1)) * scale + 1e-30
    bad = np.abs(got - want) > tol
    assert not bad.any(), f"{bad.sum()} of {bad.size} wrong, max error " \
                          f"{np.abs(got - want).max()}"
    assert np.isfinite(got).all()


@pytest.mark.parametrize("M,N,K", [
    (1, 1, 1), (9, 1, 13), (13, 33, 17),
    (130, 40, 512),   # rows of A 2 KiB apart: A copied to a padded stride (ta: to panels)
    (512, 20, 130),   # ta: A copied to panels
    (1024, 5, 64)])   # ta: rows of A 4 KiB apart, copied to a padded stride
def test_matches_numpy_all_transposes(dc, M, N, K):
    for ta, tb in itertools.product([False, True], [False, True]):
        got, a, b = run(dc, M, N, K, ta, tb)
        check(got, a, b, ta, tb)


@pytest.mark.parametrize("M,N,K", [(12, 32, 64), (11, 200, 3), (40, 17, 130), (150, 178, 150)])
def test_matches_numpy(dc, M, N, K):
    got, a, b = run(dc, M, N, K)
    check(got, a, b, False, False)


@pytest.mark.parametrize("vw", [4, 8])
def test_narrower_vectors(dc, monkeypatch, vw):
    """The CPU kernel as built for CPUs without AVX-512 (float8, float4 vectors)."""
    config = matmul_module.cpu_config

    def narrow(device, M, N, K, ta, tb, gather=None):
        return {**config(device, M, N, K, ta, tb, gather), "VW": vw, "NV": 1 if N <= vw else 2,
                "MR": min(6, M)}
    monkeypatch.setattr(matmul_module, "cpu_config", narrow)
    for (M, N, K), (ta, tb) in zip([(13, 21, 17), (7, 5, 9), (130, 40, 512), (6, 16, 3)],
                                   itertools.product([False, True], [False, True])):
        got, a, b = run(dc, M, N, K, ta, tb, batch=2, kernel="cpu", offsets=(1, 2, 3))
        check(got, a, b, ta, tb)


@pytest.mark.parametrize("ta,tb", list(itertools.product([False, True], [False, True])))
def test_batch_and_offsets(dc, ta, tb):
    got, a, b = run(dc, 13, 35, 19, ta, tb, batch=3, offsets=(5, 3, 7))
    check(got, a, b, ta, tb)


@pytest.mark.parametrize("kernel", [None, "gpu"])
@pytest.mark.parametrize("M,N,K,ta,tb,shared_a,shared_b", [
    (13, 35, 19, True, True, False, True), (13, 35, 19, False, True, True, True),
    (130, 20, 512, False, False, True, False)])   # A copied to a padded stride, once
def test_operand_shared_across_batch(dc, kernel, M, N, K, ta, tb, shared_a, shared_b):
    got, a, b = run(dc, M, N, K, ta, tb, batch=3, kernel=kernel, offsets=(4, 2, 1),
                    shared_a=shared_a, shared_b=shared_b)
    check(got, a, b, ta, tb)


@pytest.mark.parametrize("M,N,K,ta,tb,batch", [
    (1, 1, 1, False, False, 1), (70, 65, 33, False, False, 1), (5, 130, 17, True, False, 2),
    (66, 3, 40, False, True, 1), (33, 70, 20, True, True, 2), (17, 19, 0, False, False, 1)])
def test_gpu_kernel(dc, M, N, K, ta, tb, batch):
    """The local-memory kernel for GPUs, run on whatever device there is."""
    got, a, b = run(dc, M, N, K, ta, tb, batch, kernel="gpu", offsets=(2, 1, 3))
    check(got, a, b, ta, tb)


@pytest.mark.parametrize("kernel", [None, "gpu"])
def test_k_zero_gives_zeros(dc, kernel):
    got, _, _ = run(dc, 6, 9, 0, batch=2, kernel=kernel, offsets=(0, 0, 4))
    assert got.shape == (2, 6, 9) and np.all(got == 0)


@pytest.mark.parametrize("M,N", [(0, 5), (4, 0), (0, 0)])
def test_empty_output_launches_nothing(dc, M, N):
    got, _, _ = run(dc, M, N, 3, offsets=(0, 0, 2))   # sentinels around C are checked
    assert got.size == 0


@pytest.fixture(scope="module")
def async_dc(dc):
    """A device whose driver runs commands on threads of its own (PoCL's "pthread"):
    PoCL's "basic" driver runs them on the thread that enqueues or waits, where a
    command gated on a user event cannot be enqueued from another thread."""
    for p_index, platform in enumerate(cl.get_platforms()):
        for d_index, device in enumerate(platform.get_devices()):
            if device.name.startswith("pthread-"):
                return get_device_context(f"{p_index}:{d_index}")
    return dc


def test_enqueue_does_not_wait(async_dc):
    """Gated on a user event, enqueue() must return while nothing can have run; a
    queue.finish() (or any host wait) inside it would block until the gate opens."""
    dc = async_dc
    M, N, K = 40, 50, 60
    a, b = operands(M, N, K, False, False, 1)
    mf = cl.mem_flags
    A = cl.Buffer(dc.context, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=a)
    B = cl.Buffer(dc.context, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=b)
    host_c = np.full(M * N, SENTINEL, np.float32)
    C = cl.Buffer(dc.context, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=host_c)
    mm = Matmul(dc.context, dc.device, M, N, K)
    gate = cl.UserEvent(dc.context)
    result = {}
    thread = threading.Thread(target=lambda: result.update(
        event=mm.enqueue(dc.queue, A, B, C, wait_for=[gate])))
    thread.start()
    thread.join(timeout=10)
    returned = not thread.is_alive()
    gate.set_status(cl.command_execution_status.COMPLETE)   # unblock in any case
    thread.join()
    assert returned, "enqueue() waited for the device"
    # the second call is ordered after the first through the event it returned
    event = mm.enqueue(dc.queue, A, B, C)
    cl.enqueue_copy(dc.queue, host_c, C, wait_for=[event])
    dc.queue.finish()
    check(host_c.reshape(1, M, N), a, b, False, False)


def test_programs_and_kernels_built_once(dc):
    m1 = Matmul(dc.context, dc.device, 20, 30, 40)
    m2 = Matmul(dc.context, dc.device, 20, 30, 40)
    assert m1._mm is not m2._mm   # own kernel objects: arguments differ per instance
    assert m1._mm.program == m2._mm.program   # one program from the cache
    opts = "-D M=20 -D N=30 -D K=40"
    assert build_program(dc.context, dc.device, kernel_source() + "\n", opts) is \
        build_program(dc.context, dc.device, kernel_source() + "\n", opts)


@pytest.mark.parametrize("batch", [1, 2])
def test_transposed_a_products_of_any_k_share_one_program(dc, batch):
    """op(A) = A^T (a weight's gradient, summed over runs of a loop's steps): K is an
    argument of the CPU kernels, so products differing only in K are one program, and
    each still equals numpy; so do long ones, whose A is packed."""
    mms = [Matmul(dc.context, dc.device, 13, 21, K, True, False, batch, kernel="cpu")
           for K in (3, 40, 200)]
    assert len({mm.build_options for mm in mms}) == 1
    assert all("K=" not in option for option in mms[0].build_options)
    for M, K in [(13, 3), (13, 40), (13, 200), (130, 600)]:
        got, a, b = run(dc, M, 21, K, True, False, batch, kernel="cpu", offsets=(2, 1, 3))
        check(got, a, b, True, False)
    assert Matmul(dc.context, dc.device, 130, 21, 600, True, False, batch,
                  kernel="cpu").config["PACK_A"] == 2


def buffer(dc, array):
    return cl.Buffer(dc.context, cl.mem_flags.READ_ONLY | cl.mem_flags.COPY_HOST_PTR,
                     hostbuf=np.ascontiguousarray(array, np.float32))


@pytest.mark.parametrize("vw", [None, 4])
@pytest.mark.parametrize("N,K,tb,batch", [
    (13, 21, False, 1), (40, 130, True, 1), (16, 64, False, 1), (35, 19, False, 3),
    (35, 19, True, 3)])
def test_one_packed_b_read_by_matmuls_of_any_m(dc, monkeypatch, vw, N, K, tb, batch):
    """One Matmul's pack_b packs op(B) once; the mm_cpu kernels of Matmuls of other M,
    with A transposed or not (and A re-strided or not), read that copy: the packed
    layout does not depend on them (a plan launches them so, see lower_matmul.py)."""
    if vw:
        config = matmul_module.cpu_config
        monkeypatch.setattr(matmul_module, "cpu_config", lambda *args: {
            **config(*args), "VW": vw, "NV": 1 if args[2] <= vw else 2, "MR": min(6, args[1])})
    first = Matmul(dc.context, dc.device, 5, N, K, False, tb, batch, kernel="cpu")
    _, b = operands(5, N, K, False, tb, batch, seed=1)
    packed = cl.Buffer(dc.context, cl.mem_flags.READ_WRITE, 4 * first.packed_b_size)
    # B 3 elements into its buffer, NaN around it: a pack reading outside B shows
    launch(dc, first, "pack_b", packed,
           buffer(dc, np.concatenate([[np.nan] * 3, b.ravel(), [np.nan]])), np.int32(3))
    for M, ta in [(1, False), (7, True), (29, False), (130, True)]:
        mm = Matmul(dc.context, dc.device, M, N, K, ta, tb, batch, kernel="cpu")
        assert mm.pack_layout == first.pack_layout and mm.packed_b_size == first.packed_b_size
        a, _ = operands(M, N, K, ta, tb, batch, seed=M)
        A, a_offset = buffer(dc, np.concatenate([[np.nan], a.ravel()])), 1
        if mm.packed_a_size:
            packed_a = cl.Buffer(dc.context, cl.mem_flags.READ_WRITE, 4 * mm.packed_a_size)
            launch(dc, mm, "pack_a", packed_a, A, np.int32(a_offset))
            A, a_offset = packed_a, 0
        C = cl.Buffer(dc.context, cl.mem_flags.READ_WRITE, 4 * batch * M * N)
        launch(dc, mm, "mm_cpu", C, A, packed, np.int32(a_offset), np.int32(0))
        got = np.empty((batch, M, N), np.float32)
        cl.enqueue_copy(dc.queue, got, C)
        check(got, a, b, ta, tb)


def launch(dc, mm, name, *args):
    """One of a CPU Matmul's kernels on its own, as a plan launches it."""
    kernel = cl.Kernel(matmul_module._program(mm), name)
    kernel.set_args(*args, *mm.k_args)
    cl.enqueue_nd_range_kernel(dc.queue, kernel, mm.grid(name), (1, 1, 1))


def test_pack_layouts_differ_with_what_the_panels_hold(dc):
    key = Matmul(dc.context, dc.device, 4, 5, 6, kernel="cpu").pack_layout
    for other in [(4, 6, 6, False), (4, 5, 7, False), (4, 5, 6, True)]:
        M, N, K, tb = other
        assert Matmul(dc.context, dc.device, M, N, K, False, tb, kernel="cpu").pack_layout \
            != key


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("G_B,G_T,L,t0,steps,N", [(4, 9, 3, 2, 5, 7), (32, 40, 32, 8, 20, 128),
                                                   (5, 6, 17, 0, 6, 9)])
def test_gathered_rows(dc, ta, G_B, G_T, L, t0, steps, N):
    """gather=(G_B, G_T): op(A) is steps t0.. of a batch-major [G_B, G_T, L] array taken
    time-major (a loop's input product, or its weight gradient when transposed)."""
    if not dc.device.type & cl.device_type.CPU:
        pytest.skip("gather is for the CPU kernel")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((G_B, G_T, L)).astype(np.float32)
    rows = x.transpose(1, 0, 2).reshape(G_T * G_B, L)[t0 * G_B:(t0 + steps) * G_B]
    M, K = (L, steps * G_B) if ta else (steps * G_B, L)
    b = rng.standard_normal((K, N)).astype(np.float32)
    mf = cl.mem_flags
    pad = 5   # (A a few floats into its buffer, as a fed array may be)
    A = cl.Buffer(dc.context, mf.READ_ONLY | mf.COPY_HOST_PTR,
                  hostbuf=np.concatenate([np.full(pad, np.nan, np.float32), x.ravel()]))
    B = cl.Buffer(dc.context, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=b)
    C = cl.Buffer(dc.context, mf.READ_WRITE, 4 * M * N)
    mm = Matmul(dc.context, dc.device, M, N, K, ta, False, gather=(G_B, G_T))
    assert mm.config["PACK_A"] == (2 if ta else 1)
    mm.enqueue(dc.queue, A, B, C, pad + t0 * L)
    got = np.empty((M, N), np.float32)
    cl.enqueue_copy(dc.queue, got, C)
    want = (rows.T if ta else rows).astype(np.float64) @ b
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="gather"):
        Matmul(dc.context, dc.device, M, N, K, ta, False, 2, gather=(G_B, G_T))
