"""A dynamic_rnn's batch-major input is read where the fed array lies (on a CPU device):
the matmuls of its steps' rows gather them from the array (Matmul's gather), and the
plan lends the array's memory to the device for the run instead of copying it
(executor.OpenCLPlan._lent_feeds). The results are the numpy backend's whatever the
array's alignment, and a change to the array shows in the next run."""
import numpy as np
import pytest

import tinygraph as tf

T, B, I, H = 30, 5, 3, 4


def rnn(x_read_too=False):
    """A dynamic_rnn, its loss and gradients (with respect to its input too: that reads
    the weights, not the input), and if x_read_too a value read from the input itself."""
    X = tf.placeholder(tf.float32, [None, T, I])
    outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(H), X, dtype=tf.float32)
    loss = tf.reduce_mean(tf.square(outputs)) + tf.reduce_sum(tf.sin(state))
    fetches = [loss, outputs] + tf.gradients(loss, tf.trainable_variables() + [X])
    return X, fetches + ([tf.reduce_sum(X * X, axis=1)] if x_read_too else [])


def run(device, feeds, x_read_too=False):
    """The fetched values for each of feeds (in one session), and its largest plan."""
    with tf.Graph().as_default():
        tf.set_random_seed(5)
        X, fetches = rnn(x_read_too)
        with tf.Session(device=device) as sess:
            sess.run(tf.global_variables_initializer())
            values = [sess.run(fetches, {X: x}) for x in feeds()]
            plan = max(sess._plans.values(), key=lambda p: len(getattr(p, "rolled", ())))
    return values, plan


def misaligned(x, shift):
    """x's values in an array starting `shift` floats past a 4 KiB boundary."""
    raw = np.empty(x.size + 1024 + shift, np.float32)
    start = (-raw.ctypes.data % 4096) // 4 + shift
    out = raw[start:start + x.size].reshape(x.shape)
    out[...] = x
    return out


def feeds():
    rng = np.random.RandomState(0)
    return [misaligned(rng.randn(B, T, I).astype(np.float32), shift)
            for shift in (0, 1, 4, 29)]


def assert_same(got, want):
    for g_run, w_run in zip(got, want):
        for g, w in zip(g_run, w_run):
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=1e-6)


@pytest.fixture(autouse=True)
def small_arrays_gathered(monkeypatch):
    """(Arrays below GATHER_BYTES are transposed by the host: these are small.)"""
    from tinygraph.runtime.opencl import lower_tensor_array
    monkeypatch.setattr(lower_tensor_array, "GATHER_BYTES", 0)


def cpu_device():
    from tinygraph.runtime.opencl.device import get_device_context
    if not get_device_context("opencl").is_cpu:
        pytest.skip("the fed array is lent to CPU devices")


def test_fed_array_read_in_place_at_any_alignment():
    cpu_device()
    got, plan = run("opencl", feeds)
    want, _ = run("numpy", feeds)
    assert_same(got, want)
    [(slot, shift)] = plan.lent.items()
    assert slot.shape == (B, T, I) and slot not in plan.host_arrays and not plan.feed_perms
    assert shift == 29   # (the last run's array: 29 floats past an aligned address)


def test_array_changed_in_place_shows_in_the_next_run():
    cpu_device()
    x = misaligned(np.random.RandomState(1).randn(B, T, I).astype(np.float32), 3)

    def twice():
        yield x
        x[:, 5:] *= -2.0   # (after the first run: the same array object, new values)
        yield x
    got, plan = run("opencl", lambda: twice())
    want, _ = run("numpy", lambda: [x / np.where(np.arange(T) >= 5, -2.0, 1.0)[:, None], x])
    assert_same(got, want)
    assert not np.allclose(got[0][0], got[1][0]) and plan.lent


def test_other_inputs_are_converted_or_copied():
    """A float64 array, a list, or a transposed view is made a float32 array of its own;
    a fed array that something else reads too is copied in as before."""
    cpu_device()
    x = np.random.RandomState(2).randn(B, T, I)

    def various():
        return [x, x.astype(np.float32).tolist(),
                np.ascontiguousarray(x.transpose(2, 1, 0)).astype(np.float32).transpose(2, 1, 0)]
    got, plan = run("opencl", various)
    want, _ = run("numpy", various)
    assert_same(got, want)
    assert plan.lent
    got, plan = run("opencl", various, x_read_too=True)
    want, _ = run("numpy", various, x_read_too=True)
    assert_same(got, want)
    assert not plan.lent
