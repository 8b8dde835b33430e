"""AddN (tf.add_n, and the gradient sums autodiff builds) on both backends: values against
numpy for 1 to 40 inputs (more than one kernel's worth), several dtypes, empty tensors;
on OpenCL it runs as generated kernels, not on the host; its gradient against finite
differences."""
import numpy as np
import pytest

import tinygraph as tf
from tinygraph.framework.graph import make_tensor
from tinygraph.runtime.opencl.units import HostUnit, KernelUnit

from gradcheck import check_gradients
from test_opencl_array import sample   # random values of any dtype (int8 ones wrap around)


def run(backend, build, values, fetch_shape=None):
    """build(placeholders) -> fetches, run with `values` fed; returns the results and the
    plan's units (the OpenCL plan's; none on numpy)."""
    with tf.Graph().as_default():
        feeds = [tf.placeholder(tf.as_dtype(v.dtype), fetch_shape or v.shape) for v in values]
        fetches = build(feeds)
        with tf.Session(device=backend) as sess:
            sess.run(tf.global_variables_initializer())
            out = sess.run(fetches, dict(zip(feeds, values)))
            units = [u for p in sess._plans.values() for u in getattr(p, "units", ())]
    return out, units


def sequential_sum(values):
    """numpy's left-to-right sum, the order both backends add in."""
    out = values[0].copy()
    for v in values[1:]:
        out += v
    return out


def hosted(units):
    return {u.op.type for u in units if isinstance(u, HostUnit)}


@pytest.mark.parametrize("n", [1, 2, 3, 17, 40])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_values_match_numpy(backend, n, dtype):
    values = [sample((5, 7), dtype, seed) for seed in range(n)]
    got, units = run(backend, lambda xs: tf.add_n(xs), values)
    want = sequential_sum(values)
    assert got.dtype == want.dtype and got.shape == want.shape
    # Both backends add left to right, so the float32 sum is the same bits as numpy's...
    np.testing.assert_array_equal(got, want)
    # ...which is the exact sum up to float32 rounding.
    exact = np.sum(np.stack(values).astype(np.float64), axis=0)
    np.testing.assert_allclose(got, exact, rtol=1e-5, atol=1e-5 * n)
    assert "AddN" not in hosted(units)


@pytest.mark.parametrize("n", [17, 40])
def test_many_inputs_are_chunked_into_several_kernels(n):
    values = [sample((3, 4), np.float32, seed) for seed in range(n)]
    got, units = run("opencl", lambda xs: tf.add_n(xs), values)
    np.testing.assert_array_equal(got, sequential_sum(values))
    kernels = [u for u in units if isinstance(u, KernelUnit) and u.name.startswith("add_n")]
    # 16 buffers a kernel at most: the first reads 16 inputs, each next a partial + 15.
    assert len(kernels) == 1 + -(-(n - 16) // 15)
    assert max(len(u.args) for u in kernels) == 17   # the output and 16 inputs
    assert not hosted(units)


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.int8, np.uint8, np.bool_])
def test_other_dtypes(backend, dtype):
    values = [sample((4, 6), dtype, seed) for seed in range(20)]   # int8 sums wrap around
    got, units = run(backend, lambda xs: tf.add_n(xs), values)
    want = sequential_sum(values)
    assert got.dtype == want.dtype
    # (as bytes: a bool sum must hold 0/1, not a count that numpy would still call True)
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))
    assert "AddN" not in hosted(units)


def test_single_input_addn_op(backend):
    """add_n([x]) is an Identity; an AddN op of one input still sums (copies) it."""
    x = sample((3, 2), np.float32, 0)
    got, units = run(backend, lambda xs: make_tensor("AddN", xs), [x])
    np.testing.assert_array_equal(got, x)
    assert "AddN" not in hosted(units)


@pytest.mark.parametrize("n", [3, 40])
def test_empty_tensor(backend, n):
    values = [np.zeros((0, 3), np.float32) for _ in range(n)]
    got, units = run(backend, lambda xs: tf.add_n(xs), values)
    assert got.shape == (0, 3) and got.dtype == np.float32
    assert "AddN" not in hosted(units)


def test_shapes_known_only_when_fed(backend):
    values = [sample((4, 3), np.float32, seed) for seed in range(5)]
    got, units = run(backend, lambda xs: tf.add_n(xs) * 2.0, values, fetch_shape=[None, 3])
    np.testing.assert_array_equal(got, sequential_sum(values) * 2)
    assert "AddN" not in hosted(units)


def test_unrolled_rnn_weight_gradient(backend):
    """The sum autodiff builds for a weight used at each of 28 steps runs on the device
    and equals the numpy backend's."""
    rng = np.random.RandomState(1)
    xs_value = rng.randn(28, 6, 5).astype(np.float32)
    w_value = (rng.randn(5, 5) * 0.3).astype(np.float32)

    def build(feeds):
        x, = feeds
        w = tf.Variable(w_value)
        h = tf.zeros([6, 5])
        for step in tf.unstack(x):
            h = tf.tanh(tf.matmul(step, w) + h)
        return tf.gradients(tf.reduce_sum(h * h), w)[0]

    got, units = run(backend, build, [xs_value])
    want, _ = run("numpy", build, [xs_value])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert "AddN" not in hosted(units)
    if backend == "opencl":
        assert any(isinstance(u, KernelUnit) and u.name.startswith("add_n") for u in units)


@pytest.mark.parametrize("n", [2, 3, 17])
def test_gradient(backend, n):
    check_gradients(lambda *xs: tf.add_n(list(xs)), shapes=[(2, 3)] * n, backend=backend)


def test_gradient_through_summed_contributions(backend):
    """x reaches the loss along three paths: its gradient is an AddN of three terms."""
    check_gradients(lambda x, y: tf.add_n([x * x, tf.sin(x) * y, x * 3.0]),
                    shapes=[(3, 2), (3, 2)], backend=backend)
