"""The OpenCL lowerings against the numpy reference, on shapes that stress their edges
(a row or column of 1, sizes that are not multiples of the kernels' blocks, empty
batches), and checks that the ops run as device kernels, not host fallbacks."""
import numpy as np
import pytest

import tinygraph as tf
from tinygraph.runtime.opencl.units import CallUnit, HostUnit


def both(fetches_fn, feeds_fn):
    """Runs the same graph on both backends; returns (opencl, numpy) results and the
    opencl plans' host-run op types."""
    out = {}
    for device in ("opencl", "numpy"):
        with tf.Graph().as_default():
            fetches, feeds = fetches_fn(), None
            feeds = feeds_fn(fetches)
            with tf.Session(device=device) as sess:
                sess.run(tf.global_variables_initializer())
                out[device] = sess.run(fetches[0], feeds)
                hosted = {u.op.type for p in sess._plans.values()
                          for u in getattr(p, "units", ()) if isinstance(u, HostUnit)}
                out[device + "_hosted"] = hosted
    return out["opencl"], out["numpy"], out["opencl_hosted"]


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (7, 3, 5), (8, 16, 16), (33, 17, 65),
                                   (150, 178, 150), (0, 4, 3), (3, 0, 5)])
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_matmul_float32(m, k, n, ta, tb):
    rng = np.random.RandomState(0)
    a = rng.randn(*((k, m) if ta else (m, k))).astype(np.float32)
    b = rng.randn(*((n, k) if tb else (k, n))).astype(np.float32)

    def build():
        x, y = tf.placeholder(tf.float32, a.shape), tf.placeholder(tf.float32, b.shape)
        return [tf.matmul(x, y, transpose_a=ta, transpose_b=tb)], (x, y)
    got, want, hosted = both(lambda: build(), lambda f: dict(zip(f[1], (a, b))))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * max(k, 1) ** 0.5)
    assert "MatMul" not in hosted


def test_batch_matmul_float32():
    rng = np.random.RandomState(1)
    a, b = rng.randn(3, 9, 20).astype(np.float32), rng.randn(3, 20, 17).astype(np.float32)
    got, want, hosted = both(lambda: [tf.matmul(tf.constant(a), tf.constant(b))] * 2,
                             lambda f: None)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert "BatchMatMulV2" not in hosted


@pytest.mark.parametrize("rows,cols", [(1, 1), (5, 7), (0, 3), (3, 100003)])
def test_softmax_and_sparse_xent(rows, cols):
    rng = np.random.RandomState(2)
    logits = (rng.randn(rows, cols) * 50).astype(np.float32)
    labels = rng.randint(0, cols, rows).astype(np.int32)

    def build():
        x, y = tf.placeholder(tf.float32, logits.shape), tf.placeholder(tf.int32, labels.shape)
        xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x)
        return [[tf.nn.softmax(x), tf.nn.log_softmax(x), xent,
                 tf.gradients(tf.reduce_sum(xent), x)[0], tf.argmax(x, 1),
                 tf.nn.in_top_k(x, y, 2)]], (x, y)
    got, want, hosted = both(build, lambda f: dict(zip(f[1], (logits, labels))))
    for g, w in zip(got[0], want[0]):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-5)
    assert not hosted & {"Softmax", "LogSoftmax", "SparseSoftmaxCrossEntropyWithLogits",
                         "ArgMax", "InTopKV2"}


def test_sparse_xent_bad_label_fails_the_run_and_changes_nothing():
    w = tf.Variable(np.ones((2, 3), np.float32))
    y = tf.placeholder(tf.int32, [2])
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=w))
    step = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    with tf.Session(device="opencl") as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Received a label value of 7 which is outside the valid "
                                 r"range of \[0, 3\)\.  Label values: 1 7"):
            sess.run(step, {y: [1, 7]})
        np.testing.assert_array_equal(sess.run(w), np.ones((2, 3)))
        sess.run(step, {y: [1, 2]})
        assert not np.allclose(sess.run(w), 1.0)


@pytest.mark.parametrize("optimizer", [
    lambda: tf.train.GradientDescentOptimizer(0.1),
    lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    lambda: tf.train.AdamOptimizer(0.01),
    lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5),
    lambda: tf.train.RMSPropOptimizer(0.01, centered=True),
    lambda: tf.train.AdagradOptimizer(0.1)])
def test_optimizer_steps_match_numpy(optimizer):
    rng = np.random.RandomState(3)
    x_data = rng.randn(13, 5).astype(np.float32)
    y_data = rng.randint(0, 3, 13).astype(np.int32)

    def build():
        tf.set_random_seed(1)
        x, y = tf.placeholder(tf.float32, x_data.shape), tf.placeholder(tf.int32, [13])
        logits = tf.layers.dense(tf.layers.dense(x, 7, activation=tf.nn.relu), 3)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits))
        step = optimizer().minimize(loss)
        with tf.control_dependencies([step]):
            after = tf.identity(loss)
        return [[after] + tf.trainable_variables()], (x, y)

    results = {}
    for device in ("opencl", "numpy"):
        with tf.Graph().as_default():
            fetches, (x, y) = build()
            with tf.Session(device=device) as sess:
                sess.run(tf.global_variables_initializer())
                for _ in range(5):
                    sess.run(fetches[0], {x: x_data, y: y_data})
                results[device] = sess.run(fetches[0][1:])
                hosted = {u.op.type for p in sess._plans.values()
                          for u in getattr(p, "units", ()) if isinstance(u, HostUnit)}
                if device == "opencl":
                    assert not {t for t in hosted if t.startswith("Apply")}
    for g, w in zip(results["opencl"], results["numpy"]):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_data_movement_runs_on_the_device():
    rng = np.random.RandomState(4)
    a = rng.randn(3, 1, 5).astype(np.float32)
    ids = np.array([[2, 0], [2, 1]], np.int32)

    def build():
        x, i = tf.placeholder(tf.float32, a.shape), tf.placeholder(tf.int32, ids.shape)
        table = tf.reshape(x, [3, 5])
        parts = tf.split(table, [2, 3], axis=1)
        moved = [tf.transpose(x, [2, 0, 1]), x[::-1, :, 1:4:2], tf.concat([x, x * 2.0], 2),
                 tf.stack(tf.unstack(x, axis=2), axis=0), tf.tile(x, [2, 3, 1]),
                 tf.pad(x, [[1, 0], [0, 2], [1, 1]], constant_values=-3.0),
                 tf.pad(x, [[1, 1], [0, 0], [2, 2]], mode="REFLECT"), tf.reverse(x, [0, 2]),
                 parts[0], parts[1], tf.gather(table, i), tf.gather(x, [4, 0], axis=2),
                 tf.gradients(tf.reduce_sum(tf.gather(table, i) ** 2), x)[0]]
        return [moved], (x, i)
    got, want, hosted = both(build, lambda f: dict(zip(f[1], (a, ids))))
    for g, w in zip(got[0], want[0]):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
    assert not hosted & {"Transpose", "StridedSlice", "ConcatV2", "Pack", "Unpack", "Tile",
                         "PadV2", "MirrorPad", "ReverseV2", "SplitV", "GatherV2",
                         "UnsortedSegmentSum"}


def test_gather_index_out_of_range_names_the_index():
    table = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2))
    i = tf.placeholder(tf.int32, [2, 2])
    with tf.Session(device="opencl") as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"indices\[1,0\] = 3 is not in \[0, 3\)"):
            sess.run(tf.gather(table, i), {i: [[0, 1], [3, 2]]})
        np.testing.assert_array_equal(sess.run(tf.gather(table, i), {i: [[0, 1], [2, 2]]}),
                                      [[[0, 1], [2, 3]], [[4, 5], [4, 5]]])


def test_long_reduction_to_a_scalar():
    x = np.random.RandomState(5).rand(10**6).astype(np.float32)

    def build():
        p = tf.placeholder(tf.float32, x.shape)
        return [[tf.reduce_sum(p), tf.reduce_max(p - 0.5), tf.reduce_mean(p)]], p
    got, want, hosted = both(build, lambda f: {f[1]: x})
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5)
    np.testing.assert_allclose(got[0][0], np.sum(x, dtype=np.float64), rtol=1e-5)
    assert not hosted


@pytest.mark.parametrize("m,k,n,ta,tb", [(1, 1, 1, False, False), (33, 17, 65, True, False),
                                         (20, 40, 7, False, True), (0, 3, 4, False, False)])
def test_gpu_tiled_matmul_on_this_device(monkeypatch, m, k, n, ta, tb):
    """The local-memory kernel meant for GPUs, run here by telling the plan the device
    is not a CPU (OpenCL semantics are the same on every device)."""
    from tinygraph.runtime.opencl.device import get_device_context
    monkeypatch.setattr(get_device_context("opencl"), "is_cpu", False)
    rng = np.random.RandomState(6)
    a = rng.randn(*((k, m) if ta else (m, k))).astype(np.float32)
    b = rng.randn(*((n, k) if tb else (k, n))).astype(np.float32)
    x = tf.placeholder(tf.float32, b.shape)
    c = tf.matmul(tf.constant(a), x, transpose_a=ta, transpose_b=tb)
    with tf.Session(device="opencl") as sess:
        got = sess.run(c, {x: b})
        kinds = [u.runner.kind for p in sess._plans.values() for u in p.units
                 if isinstance(u, CallUnit)]
    np.testing.assert_allclose(got, (a.T if ta else a) @ (b.T if tb else b), rtol=1e-5,
                               atol=1e-5)
    assert kinds == (["gpu"] if m else [])
