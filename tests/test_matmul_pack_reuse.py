"""On CPU devices a plan packs a B operand that nothing writes during the run (a
variable's value, a constant, a feed) once per packed layout, and every matmul of that
layout reads the copy: results equal the numpy backend's, also when the variable is
assigned or trained between two matmuls of one run, and an unrolled RNN launches pack_b
once per weight matrix instead of once per step."""
import numpy as np
import pytest

import tinygraph as tf

cl = pytest.importorskip("pyopencl")
from tinygraph.runtime.opencl.device import OpenCLUnavailableError, get_device_context  # noqa: E402
from tinygraph.runtime.opencl.lower_matmul import MatmulUnit, products  # noqa: E402
from tinygraph.runtime.opencl.units import CallUnit  # noqa: E402


@pytest.fixture(scope="module")
def cpu():
    """Whether plans use the CPU kernel (which packs B)."""
    try:
        dc = get_device_context("opencl")
    except OpenCLUnavailableError as e:
        pytest.skip(str(e))
    return dc.is_cpu


@pytest.fixture(params=["device", "gpu"])
def kernel_cpu(request, cpu, monkeypatch):
    """Plans with the device's matmul kernel, then with the GPU kernel (on any device)."""
    if request.param == "gpu":
        monkeypatch.setattr(get_device_context("opencl"), "is_cpu", False)
        return False
    return cpu


def run_both(build, feeds, monkeypatch):
    """build() -> (fetches, placeholders) in a fresh graph, run twice (the second run
    sees the variables the first left) on the numpy and on the OpenCL backend. Returns
    each backend's fetched values of both runs then its trainable variables', the
    OpenCL session's largest plan, and its kernel launches (function name -> count)
    in the second run."""
    results, launches = {}, {}
    enqueue = cl.enqueue_nd_range_kernel

    def counted(queue, kernel, *args, **kwargs):
        launches[kernel.function_name] = launches.get(kernel.function_name, 0) + 1
        return enqueue(queue, kernel, *args, **kwargs)
    for device in ("numpy", "opencl"):
        with tf.Graph().as_default():
            tf.set_random_seed(7)
            fetches, placeholders = build()
            with tf.Session(device=device) as sess:
                sess.run(tf.global_variables_initializer())
                feed = dict(zip(placeholders, feeds))
                results[device] = sess.run(fetches, feed)
                with monkeypatch.context() as m:
                    if device == "opencl":
                        m.setattr(cl, "enqueue_nd_range_kernel", counted)
                    results[device] += sess.run(fetches, feed)
                results[device] += sess.run(tf.trainable_variables())
                if device == "opencl":
                    plan = max(sess._plans.values(), key=lambda p: len(p.units))
    return results["numpy"], results["opencl"], plan, launches


def check(want, got, rtol=1e-5, atol=1e-5):
    assert len(want) == len(got)
    for w, g in zip(want, got):
        if w is not None:   # (an op's)
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def matmul_units(plan):
    """The plan's pack_b units, and the Matmuls of its products."""
    packs = [u for u in plan.units if isinstance(u, MatmulUnit) and u.name == "pack_b"]
    return packs, products(plan.units)


def rand(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def test_b_shared_by_many_matmuls(kernel_cpu, monkeypatch):
    """One weight read by matmuls of several M, as is and transposed (two layouts of the
    same shape); a constant and a fed B likewise."""
    def build():
        x = tf.placeholder(tf.float32, [None, 7])
        z = tf.placeholder(tf.float32, [7, 9])
        w = tf.Variable(rand(7, 7, seed=1), name="w")
        c = tf.constant(rand(7, 9, seed=2))
        h = [tf.matmul(x[:k + 1] * float(k), w) for k in range(5)]
        back = [tf.matmul(v, w, transpose_b=True) for v in h]
        return h + back + [tf.matmul(v, c) for v in back] + \
            [tf.matmul(x, z), tf.matmul(x * 2.0, z)], [x, z]
    want, got, plan, launches = run_both(build, [rand(6, 7, seed=3), rand(7, 9, seed=4)],
                                         monkeypatch)
    check(want, got)
    packs, mms = matmul_units(plan)
    assert len(mms) == 17
    if kernel_cpu:
        assert len(packs) == 4   # w, w transposed, c, z
        assert launches["pack_b"] == 4 and launches["mm_cpu"] == 17
    else:
        assert not packs and all(m.kind == "gpu" for m in mms)
        assert "pack_b" not in launches and launches["mm_gpu"] == 17


def test_variable_written_between_matmuls_is_packed_again(kernel_cpu, monkeypatch):
    """x @ w, then w assigned, then x @ w again, then trained by an optimizer and read
    once more, all in one run: each matmul sees w's value at its point of the run."""
    def build():
        x = tf.placeholder(tf.float32, [5, 4])
        w = tf.Variable(rand(4, 6, seed=1), name="w")
        before = [tf.matmul(x, w), tf.matmul(x + 1.0, w)]
        with tf.control_dependencies(before):
            assign = tf.assign(w, w * 2.0 + 1.0)
        with tf.control_dependencies([assign]):
            after = [tf.matmul(x, w.read_value()), tf.matmul(x - 1.0, assign)]
        loss = tf.reduce_sum(tf.square(after[0]))
        with tf.control_dependencies(after):
            step = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
        with tf.control_dependencies([step]):
            trained = [tf.matmul(x, w.read_value()), tf.matmul(x * 3.0, w.read_value()),
                       w.read_value()]
        return before + after + trained, [x]
    x = rand(5, 4, seed=2)
    want, got, plan, launches = run_both(build, [x], monkeypatch)
    check(want, got)
    w0 = rand(4, 6, seed=1)
    w1 = w0 * 2 + 1
    w2 = w1 - 0.01 * x.T @ (2 * x @ w1)
    for value, expected in zip(got, [x @ w0, (x + 1) @ w0, x @ w1, (x - 1) @ w1,
                                     x @ w2, 3 * x @ w2, w2]):
        np.testing.assert_allclose(value, expected, rtol=1e-4, atol=1e-4)
    if kernel_cpu:
        packs, _ = matmul_units(plan)
        # the session's w is packed once, for the two matmuls before the assign; the
        # others read a new value each, packed for them
        assert sum(u.args[1].root().kind == "var" for u in packs) == 1
        assert launches["pack_b"] == 6 and launches["mm_cpu"] == 6 + 1   # (+ a gradient)


def test_batched_and_transposed(cpu, monkeypatch):
    """Batched products (a B per batch element) sharing their B, as is and transposed."""
    def build():
        x = tf.placeholder(tf.float32, [3, 5, 4])
        w = tf.Variable(rand(3, 4, 6, seed=1), name="w")
        v = tf.Variable(rand(3, 6, 4, seed=2), name="v")
        out = [tf.matmul(x * float(k), w) for k in range(3)]
        out += [tf.matmul(x - float(k), v, transpose_b=True) for k in range(3)]
        out += [tf.matmul(tf.transpose(x, [0, 2, 1]), v, transpose_a=True, transpose_b=True)]
        return out, [x]
    want, got, plan, launches = run_both(build, [rand(3, 5, 4, seed=3)], monkeypatch)
    check(want, got)
    if cpu:
        assert launches["pack_b"] == 2 and launches["mm_cpu"] == 7


@pytest.mark.parametrize("train", [False, True])
def test_static_rnn_packs_its_weights_once(cpu, train, monkeypatch):
    steps = 28

    def build():
        x = tf.placeholder(tf.float32, [6, steps, 5])
        y = tf.placeholder(tf.int32, [6])
        cell = tf.nn.rnn_cell.BasicRNNCell(num_units=8)
        _, state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
        logits = tf.layers.dense(state, 3)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits))
        if not train:
            return [loss, state], [x, y]
        return [loss, tf.train.AdamOptimizer(0.01).minimize(loss)], [x, y]
    feeds = [rand(6, steps, 5, seed=1), np.arange(6, dtype=np.int32) % 3]
    want, got, plan, launches = run_both(build, feeds, monkeypatch)
    check(want, got, rtol=2e-4)
    if cpu:
        # forward: the cell's kernel and the dense layer's; training adds them
        # transposed (input gradients) and each weight gradient's own B (a temporary)
        assert launches["pack_b"] == (2 + 2 + steps + 1 if train else 2)
        assert launches["mm_cpu"] == (steps + 1 + 2 * steps + 1 if train else steps + 1)


def test_pack_dropped_with_its_units_is_made_again(cpu):
    """A plan that drops units it planned (a loop it could not unroll after all) drops
    a pack among them: the next matmul of that B packs it again."""
    if not cpu:
        pytest.skip("only the CPU kernel packs B")
    from types import SimpleNamespace
    from tinygraph.runtime.opencl.lower_matmul import _float32_matmul
    from tinygraph.runtime.opencl.units import Slot
    b = SimpleNamespace(units=[], device=get_device_context("opencl"))
    w = Slot((4, 6), tf.float32, "var")

    def matmul():
        A, out = Slot((3, 4), tf.float32), Slot((3, 6), tf.float32)
        _float32_matmul(b, out, A, w, 3, 6, 4, False, False, 1)
        return b.units[-1].args[2]   # (mm_cpu's arguments: C, A, packed B, offsets)
    first = matmul()
    assert matmul() is first and len(b.units) == 3   # one pack, two matmuls
    kept = len(b.units)
    assert matmul() is first
    del b.units[kept:]   # dropped: a matmul after the pack
    assert matmul() is first
    del b.units[:]       # dropped: the pack, and another unit planned in its place
    b.units.append(CallUnit(None, []))
    again = matmul()
    assert again is not first and b.units[1].name == "pack_b"
    assert b.units[1].args[:2] == [again, w]
