"""What an OpenCL plan keeps in memory: temporaries share buffers (a big one may take a
dead buffer a little bigger than itself), a matmul's packed operands are temporaries of
the plan's, a long loop's weight gradient packs its steps' rows in pieces, a broadcast
is read in place by the kernel that consumes it, and a TensorArray written T times
keeps one table of its elements; the planner's freed memory is handed back before the
programs load. Values against the numpy backend."""
import gc
import platform

import numpy as np
import pytest

import tinygraph as tf
from tinygraph.runtime.opencl import executor, lower_matmul
from tinygraph.runtime.opencl.device import DeviceContext, release_free_heap
from tinygraph.runtime.opencl.buffers import FreeBuffers
from tinygraph.runtime.opencl.lower_matmul import MatmulUnit, products
from tinygraph.runtime.opencl.lower_tensor_array import FlowElements
from tinygraph.runtime.opencl.units import CallUnit, HostUnit

from test_loop_unrolling import assert_same, rnn_with_gradients, run


class FakeBuffer:
    def __init__(self, size):
        self.size = size


def test_a_dead_buffer_is_taken_by_a_temporary_up_to_half_its_size():
    free = FreeBuffers()
    big, small, exact = FakeBuffer(1000), FakeBuffer(100), FakeBuffer(300)
    for b in (big, small, exact):
        free.give(b)
    assert free.take(1001) is None
    assert free.take(40) is None          # 100 is more than twice 40: a new buffer
    assert free.take(300) is exact
    assert free.take(290) is None         # 1000 >= 2 * 290: too big
    assert free.take(600) is big
    assert free.take(60) is small
    assert free.take(1) is None and free.sizes == [] and free.by_size == {}


def rnn_gradients(T, B=4, I=3, H=5):
    def build():
        X = tf.placeholder(tf.float32, [B, T, I])
        cell = tf.nn.rnn_cell.BasicRNNCell(num_units=H)
        outputs, _ = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
        loss = tf.reduce_mean(tf.square(outputs))
        return [loss] + tf.gradients(loss, tf.trainable_variables()), \
            {X: np.random.RandomState(5).randn(B, T, I).astype(np.float32)}
    return build


def matmuls(plan):
    return products(plan.units)


def test_a_long_loops_weight_gradient_packs_its_rows_in_pieces(monkeypatch):
    """sum_t x_t^T dz_t over 12 steps, in runs of 5 steps' rows at most (RUN_BYTES), the
    runs' products summed: the packed operands are a run's, not all steps'. The runs
    of the input and the state parts start at the same steps (the state part has no
    first step: h_-1 is zero, so the input part's first run is cut after it), and a
    run of each over the same steps packs their gradients once."""
    T, B, I, H = 12, 4, 3, 5
    monkeypatch.setattr(lower_matmul, "RUN_BYTES", 4 * B * H * 5)
    got, plan, _ = run("opencl", rnn_gradients(T, B, I, H))
    want, _, _ = run("numpy", rnn_gradients(T, B, I, H))
    assert_same(got, want)
    transposed = sorted((m.M, m.K) for m in matmuls(plan) if m.transpose_a)
    # the input part over steps 0, 1-4, 5-9, 10-11; the state part over 1-4, 5-9, 10-11
    assert transposed == sorted([(I, 1 * B), (I, 4 * B), (I, 5 * B), (I, 2 * B),
                                 (H, 4 * B), (H, 5 * B), (H, 2 * B)])
    packs = [u for u in plan.units if isinstance(u, MatmulUnit) and u.name == "pack_b"
             and u.mm.transpose_a]
    assert sorted(u.mm.K for u in packs) == [1 * B, 2 * B, 4 * B, 5 * B]


def test_a_long_loop_holds_blocks_of_steps_not_all_of_them(monkeypatch):
    """12 steps in blocks of 5 (block_steps): the input product is computed a block of
    steps at a time, the pre-activation gradients live in blocks of 5 steps whose
    weight-gradient terms are summed when the block is done, and the loss's squares are
    never laid out. A block's buffer is the one the block before it used; of the loop's
    values only the states are kept for all steps at once."""
    T, B, I, H = 12, 4, 3, 6
    monkeypatch.setattr(lower_matmul, "block_steps", lambda step_bytes: 5)
    got, plan, _ = run("opencl", rnn_gradients(T, B, I, H))
    want, _, _ = run("numpy", rnn_gradients(T, B, I, H))
    assert_same(got, want)
    assert len([r for r in plan.buffers if r.size == T * B * H]) == 1   # the states
    for block in ((5, B, H), (5 * B, H)):   # gradients; the input product
        first, second = [r for r in plan.buffers if r.shape == block]
        assert plan.buffers[first] is plan.buffers[second]
    assert len([r for r in plan.buffers if r.shape in ((2, B, H), (2 * B, H))]) == 2


@pytest.mark.parametrize("cell", ["lstm", "gru", "two_layers"])
def test_cells_in_blocks_of_steps_give_the_same_values(monkeypatch, cell):
    """Blocks of 4 steps over 11 (the last block short) with the cells whose steps keep
    several values (LSTM gates, GRU's r and u, a stack of two layers), sequence lengths
    past and inside blocks, and the gradients with respect to the inputs too: the same
    values as the numpy backend."""
    monkeypatch.setattr(lower_matmul, "block_steps", lambda step_bytes: 4)
    T, B, I, H = 11, 3, 2, 4

    def build():
        X = tf.placeholder(tf.float32, [B, T, I])
        lengths = tf.placeholder(tf.int32, [B])
        make = {"lstm": lambda: tf.nn.rnn_cell.BasicLSTMCell(H),
                "gru": lambda: tf.nn.rnn_cell.GRUCell(H),
                "two_layers": lambda: tf.nn.rnn_cell.MultiRNNCell(
                    [tf.nn.rnn_cell.BasicRNNCell(H) for _ in range(2)])}[cell]
        outputs, _ = tf.nn.dynamic_rnn(make(), X, sequence_length=lengths,
                                       dtype=tf.float32)
        loss = tf.reduce_mean(tf.square(outputs))
        rng = np.random.RandomState(2)
        return [loss] + tf.gradients(loss, [X] + tf.trainable_variables()), \
            {X: rng.randn(B, T, I).astype(np.float32),
             lengths: np.array([T, 6, 9], np.int32)}
    got, _, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want, rtol=1e-4, atol=1e-6)


def test_packed_operands_are_temporaries_of_the_plan():
    """On the CPU kernel, a product's packed copies of A and B are slots of the plan,
    written by pack units of its own, so their buffers are shared with other
    temporaries; no Matmul keeps scratch of its own."""
    got, plan, _ = run("opencl", rnn_gradients(300, B=32, I=32, H=128))
    want, _, _ = run("numpy", rnn_gradients(300, B=32, I=32, H=128))
    assert_same(got, want, rtol=1e-4, atol=1e-6)
    if matmuls(plan)[0].kind != "cpu":
        pytest.skip("the device runs the GPU kernel, which packs nothing")
    units = [u for u in plan.units if isinstance(u, MatmulUnit)]
    packed_a = [u.mm for u in units if u.name == "mm_cpu" and u.mm.packed_a_size]
    assert packed_a   # the weight gradients' transposed A, K = 300 * 32 rows long
    assert sum(u.name == "pack_a" for u in units) == len(packed_a)
    for u in units:   # a packed operand is a slot of the size the kernel reads
        if u.name != "mm_cpu":
            size = u.mm.packed_a_size if u.name == "pack_a" else u.mm.packed_b_size
            assert u.args[0].shape == (size,) and u.args[0].kind == "temp"
    assert not [u for u in plan.units if isinstance(u, CallUnit)]


def test_mean_gradient_broadcast_is_read_in_place():
    """d mean(square(x)) / dx = 2 x / n: the broadcast of the mean's gradient is a leaf
    of the kernel that multiplies, not a value of x's size computed on the host."""
    def build():
        x = tf.placeholder(tf.float32, [3, 4, 5])
        y = tf.reduce_mean(tf.square(x))
        return [y] + tf.gradients(y, [x]), \
            {x: np.random.RandomState(1).randn(3, 4, 5).astype(np.float32)}
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want)
    x = build()[1]
    np.testing.assert_allclose(got[1], 2 * list(x.values())[0] / 60, rtol=1e-6)
    assert not [u for u in plan.units if isinstance(u, HostUnit)]


def test_flows_of_one_array_share_their_elements():
    elements = FlowElements({0: "a"}.items())
    first = elements.with_pairs([(1, "b")])
    second = first.with_pairs([(2, "c")])
    assert second.store is elements.store   # written in turn: one table
    assert [first.get(i) for i in range(3)] == ["a", "b", None]
    assert sorted(second.items()) == [(0, "a"), (1, "b"), (2, "c")]
    assert 2 not in first and 2 in second
    again = first.with_pairs([(2, "d")])    # an older flow written: a table of its own
    assert again.store is not second.store
    assert sorted(again.items()) == [(0, "a"), (1, "b"), (2, "d")]
    assert second.get(2) == "c"


def test_an_array_written_step_by_step_and_read_back():
    """Writes from an unrolled loop's steps, each flow read after the last write."""
    def build():
        x = tf.placeholder(tf.float32, [6, 3])
        ta = tf.TensorArray(tf.float32, size=6)

        def body(i, ta):
            return i + 1, ta.write(i, tf.tanh(x[i]) * tf.cast(i, tf.float32))
        _, ta = tf.while_loop(lambda i, ta: i < 6, body, [0, ta])
        stacked = ta.stack()
        return [stacked, ta.read(2)] + tf.gradients(tf.reduce_sum(stacked ** 2), [x]), \
            {x: np.random.RandomState(2).randn(6, 3).astype(np.float32)}
    got, _, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want)
    x = list(build()[1].values())[0]
    np.testing.assert_allclose(got[0], np.tanh(x) * np.arange(6)[:, None], rtol=1e-5)


def test_planning_is_freed_and_handed_back_before_the_programs_load(monkeypatch):
    """PoCL keeps a 2 MiB buffer per program: on pages the planner freed, all of it is
    resident. So the plan builder is gone, and its pages handed back, before any program
    of the plan is loaded."""
    events = []

    def release():
        events.append(("release", sum(isinstance(o, executor.PlanBuilder)
                                      for o in gc.get_objects())))

    original = DeviceContext.program

    def program(device, source, options=()):
        events.append(("program", None))
        return original(device, source, options)
    monkeypatch.setattr(executor, "release_free_heap", release)
    monkeypatch.setattr(DeviceContext, "program", program)
    got, _, _ = run("opencl", rnn_with_gradients)
    want, _, _ = run("numpy", rnn_with_gradients)
    assert_same(got, want)
    plans = [i for i, e in enumerate(events) if e[0] == "release"]
    assert plans and all(events[i] == ("release", 0) for i in plans)
    # each plan's programs load after its release (the first plan: the initialisers')
    assert events[0][0] == "release" and ("program", None) in events


def test_release_free_heap_hands_freed_pages_back():
    if platform.libc_ver()[0] != "glibc":
        release_free_heap()   # (no malloc_trim to call: nothing happens)
        return
    blocks = [bytearray(1 << 16) for _ in range(640)]   # 40 MiB of 64 KiB heap blocks
    del blocks[:-1]            # (the last one stays: free pages below it are not trimmed
    before = _resident_mib()   # by free() itself, only by release_free_heap)
    release_free_heap()
    assert before - _resident_mib() > 20


def _resident_mib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

