"""Kernels a plan generates are named by their text: the identical kernels of an
unrolled loop are one function in the program (compiled once) with a few cl.Kernels,
and identical matmuls share their kernels and scratch buffers; results are unchanged."""
import re
from collections import Counter

import numpy as np
import pytest

import tinygraph as tf
from tinygraph.compiler import codegen
from tinygraph.runtime.opencl.executor import _KERNELS_PER_FUNCTION
from tinygraph.runtime.opencl.lower_matmul import MatmulUnit, products
from tinygraph.runtime.opencl.matmul import Matmul
from tinygraph.runtime.opencl.units import KernelUnit

STEPS, B, I, H = 20, 4, 3, 5
_KERNEL = re.compile(r"__kernel\s+void\s+(\w+)\s*\(")


def build():
    """An unrolled RNN with a per-step reduction, its gradients and Adam: many identical
    fused ops (tanh, tanh's gradient), reductions and matmuls."""
    x = tf.placeholder(tf.float32, [B, STEPS, I])
    y = tf.placeholder(tf.int32, [B])
    cell = tf.nn.rnn_cell.BasicRNNCell(num_units=H)
    outputs, state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
    extra = tf.add_n([tf.reduce_sum(o * o, axis=1) for o in outputs])
    logits = tf.layers.dense(state, 4)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=y, logits=logits)) + 1e-3 * tf.reduce_mean(extra)
    train = tf.train.AdamOptimizer(0.05).minimize(loss)
    return x, y, loss, train


def feeds(x, y):
    rng = np.random.RandomState(3)
    return {x: rng.rand(B, STEPS, I).astype(np.float32),
            y: rng.randint(0, 4, B).astype(np.int32)}


def train(device, runs=3):
    """Losses of `runs` training steps, and the session's plan for the training step."""
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        x, y, loss, train_op = build()
        feed = feeds(x, y)
        with tf.Session(device=device) as sess:
            sess.run(tf.global_variables_initializer())
            losses = []
            for i in range(runs):
                losses.append(sess.run([loss, train_op], feed)[0])
                plan = max(sess._plans.values(), key=lambda p: len(getattr(p, "units", ())))
            return np.array(losses), plan


def test_one_function_per_distinct_kernel_body():
    _, plan = train("opencl", runs=1)
    kernels = [u for u in plan.units if isinstance(u, KernelUnit)]
    text = "\n".join(plan.program_sources.values())
    defined = [n for n in _KERNEL.findall(text) if n != "K"]   # (K(name): a library's)
    assert len(defined) == len(set(defined))   # each function once
    bodies = {}
    for source in dict.fromkeys(u.source for u in kernels):
        names = _KERNEL.findall(source)
        if len(names) == 1:   # a generated kernel: its text without its name
            body = source.replace(names[0], "")
            assert body not in bodies, (names[0], bodies.get(body))
            bodies[body] = names[0]
    tanh = [u for u in kernels if u.name.startswith("fused_tanh_")]
    assert len(tanh) >= STEPS and len({u.name for u in tanh}) == 1
    grad = [u for u in kernels if u.name.startswith("fused_tanhgrad")]
    # (the last step sums its state's gradient terms in another order: a kernel of its own)
    assert max(Counter(u.name for u in grad).values()) >= STEPS - 1
    assert len({u.name for u in kernels}) < len(kernels) // 3
    # units of one function share a few cl.Kernels
    for name in {u.name for u in tanh + grad}:
        assert len({id(u.kernel) for u in kernels if u.name == name}) <= \
            _KERNELS_PER_FUNCTION
    assert len({id(u.kernel) for u in kernels}) < len(kernels) // 2


def test_identical_matmuls_share_kernels():
    """The unrolled steps' products have few shapes: on the CPU kernel their launches
    are plan kernels sharing cl.Kernels as any others; on the GPU kernel, Matmuls of one
    shape share their state (kernels and scratch)."""
    _, plan = train("opencl", runs=1)
    units = [u for u in plan.units if isinstance(u, MatmulUnit) and u.name == "mm_cpu"]
    if units:
        kernels = {}
        for u in units:
            kernels.setdefault(u.options, set()).add(id(u.kernel))
        assert len(units) > len(kernels)
        assert all(len(k) <= _KERNELS_PER_FUNCTION for k in kernels.values())
        return
    runners = products(plan.units)
    by_key = {}
    for r in runners:
        by_key.setdefault(r.key, set()).add(id(r._state))
    assert len(runners) > len(by_key)
    assert all(len(states) == 1 for states in by_key.values())


def test_results_equal_numpy_backend():
    got, _ = train("opencl")
    want, _ = train("numpy")
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-5)


def test_run_failing_half_way_leaves_no_stale_arguments():
    """A host op failing between two launches of a shared kernel leaves it bound as no
    unit expects (simulated here by binding every shared kernel wrongly); the next run
    must still compute the right values."""
    def build():
        x = tf.placeholder(tf.float32, [4, 5])
        ok = tf.placeholder(tf.bool, [])
        w = tf.constant(np.linspace(0.5, 1.5, 5).astype(np.float32))
        b = tf.constant(np.linspace(-0.3, 0.3, 5).astype(np.float32))
        hs = [x]
        for t in range(3 * _KERNELS_PER_FUNCTION):
            hs.append(tf.tanh(hs[-1] * w + b))
            if t == _KERNELS_PER_FUNCTION + 2:
                with tf.control_dependencies([tf.Assert(ok, [hs[-1]])]):
                    hs.append(tf.identity(hs[-1]))
        return x, ok, hs[1:]   # all fetched: each its own buffer

    def scramble(plan):
        assert plan._kernels_stale   # the failed run marked them
        units = [u for u in plan.units if isinstance(u, KernelUnit)]
        assert len(units) > len({id(u.kernel) for u in units})   # shared
        assert any(u.rebind for u in units)
        # each kernel bound as another one's last unit leaves it (the values a unit keeps)
        groups = plan.shared_kernels
        assert len(groups) > 1
        for (kernel, _), (_, others) in zip(groups, groups[1:] + groups[:1]):
            for index, value in enumerate(others[-1].values):
                kernel.set_arg(index, value)
    value = np.random.RandomState(5).randn(4, 5).astype(np.float32)
    results = {}
    for device in ("opencl", "numpy"):
        with tf.Graph().as_default():
            x, ok, h = build()
            with tf.Session(device=device) as sess:
                first = sess.run(h, {x: value, ok: True})
                with pytest.raises(tf.errors.InvalidArgumentError):
                    sess.run(h, {x: value * 2, ok: False})
                if device == "opencl":
                    scramble(next(iter(sess._plans.values())))
                results[device] = first, sess.run(h, {x: value, ok: True})
    for got, want in zip(results["opencl"], results["numpy"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_name_by_body():
    a = codegen.fused_elementwise("fused_3_tanh", [("float", "tanh(l0)")],
                                  [("float", (4,))], (4,), "float")
    b = codegen.fused_elementwise("fused_17_tanh", [("float", "tanh(l0)")],
                                  [("float", (4,))], (4,), "float")
    c = codegen.fused_elementwise("fused_3_tanh", [("float", "tanh(l0)")],
                                  [("float", (4, 1))], (4, 5), "float")
    (sa, na), (sb, nb), (sc, nc) = (codegen.name_by_body(s, n) for s, n in
                                    ((a, "fused_3_tanh"), (b, "fused_17_tanh"),
                                     (c, "fused_3_tanh")))
    assert sa == sb and na == nb and na.startswith("fused_tanh_") and na in sa
    assert nc != na   # another broadcast: another kernel
    two = "__kernel void k1(__global float* o) {}\n__kernel void k2(__global float* o) {}"
    assert codegen.name_by_body(two, "k1") == (two, "k1")   # several kernels: unchanged


@pytest.mark.parametrize("pool", [False, True])
def test_matmul_share(pool):
    import pyopencl as cl
    from tinygraph.runtime.opencl.device import get_device_context
    dc = get_device_context("opencl")   # OpenCL even when the run picks numpy
    rng = np.random.RandomState(0)
    M, N, K = 9, 13, 21
    shared = {}
    runners = [Matmul(dc.context, dc.device, M, N, K) for _ in range(3)]
    if pool:
        for r in runners:
            r.share(shared)
        assert len({id(r._state) for r in runners}) == 1
    mf = cl.mem_flags
    outs, want = [], []
    for r in runners:   # each with its own operands, enqueued back to back
        a, b = rng.randn(M, K).astype(np.float32), rng.randn(K, N).astype(np.float32)
        A = cl.Buffer(dc.context, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=a)
        B = cl.Buffer(dc.context, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=b)
        C = cl.Buffer(dc.context, mf.READ_WRITE, 4 * M * N)
        r.enqueue(dc.queue, A, B, C)
        outs.append((C, A, B))
        want.append(a @ b)
    for (C, _, _), w in zip(outs, want):
        got = np.empty((M, N), np.float32)
        cl.enqueue_copy(dc.queue, got, C)
        np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-5)
