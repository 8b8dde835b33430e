"""A reduction whose input is an elementwise map of one slot, read by nothing else,
computes the map on the way (lowerings' reduce, PlanBuilder.element_map): the mapped
value is never laid out. Values against numpy on both backends; on OpenCL, no fused
elementwise kernel runs."""
import numpy as np
import pytest

import tinygraph as tf
from tinygraph.runtime.opencl.units import KernelUnit

from test_loop_unrolling import run

RNG = np.random.RandomState(6)
X = RNG.uniform(-2, 2, (3, 4, 5))
REDUCTIONS = {"sum": (tf.reduce_sum, np.sum), "mean": (tf.reduce_mean, np.mean),
              "max": (tf.reduce_max, np.max), "min": (tf.reduce_min, np.min),
              "prod": (tf.reduce_prod, np.prod)}


def fused(plan):
    return [u.name for u in getattr(plan, "units", ())
            if isinstance(u, KernelUnit) and u.name.startswith("fused")]


def build(fn, x, map_):
    def graph():
        t = tf.placeholder(tf.as_dtype(x.dtype), x.shape)
        return fn(map_(t)), {t: x}
    return graph


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", [None, 0, 1, [0, 2]], ids=str)
def test_a_map_of_one_slot_is_computed_by_the_reduction(name, axis, backend):
    fn, np_fn = REDUCTIONS[name]
    # (t read three times: one leaf; the literal 0.5 inlined)
    got, plan, _ = run(backend, build(lambda v: fn(v, axis), X,
                                      lambda t: tf.square(t) - t * 0.5 + tf.tanh(t)))
    want = np_fn(X * X - X * 0.5 + np.tanh(X), axis=None if axis is None else tuple(
        np.atleast_1d(axis)))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    if backend == "opencl":
        assert fused(plan) == []


def test_a_long_reduction_in_parts_maps_each_element_once(backend):
    """A full sum over 6,400 elements runs in 64 parts and a combining pass: the map
    belongs to the first pass only."""
    x = RNG.uniform(-1, 1, (64, 100)).astype(np.float32)
    got, plan, _ = run(backend, build(tf.reduce_mean, x, lambda t: tf.abs(t) * 3.0))
    np.testing.assert_allclose(got, np.mean(np.abs(x.astype(np.float64)) * 3), rtol=1e-5)
    if backend == "opencl":
        assert fused(plan) == []


def test_a_map_read_twice_or_of_two_slots_is_laid_out(backend):
    y = RNG.uniform(-1, 1, X.shape)

    def graph():
        t, u = tf.placeholder(tf.float64, X.shape), tf.placeholder(tf.float64, X.shape)
        squares = tf.square(t)
        return [tf.reduce_sum(squares, 1), tf.reduce_max(squares, 0),
                tf.reduce_sum(t * u)], {t: X, u: y}
    got, plan, _ = run(backend, graph)
    np.testing.assert_allclose(got[0], (X * X).sum(1), rtol=1e-12)
    np.testing.assert_allclose(got[1], (X * X).max(0), rtol=1e-12)
    np.testing.assert_allclose(got[2], (X * y).sum(), rtol=1e-12)
    if backend == "opencl":
        assert len(fused(plan)) == 2   # the squares once, for both readers; t * u


def test_the_gradient_of_a_mean_of_squares_reads_only_their_shape(backend):
    """The mean's gradient reads the squares' shape and size, which the plan knows:
    they do not stop the squares being computed by the mean. Gradient against finite
    differences of the same mean."""
    x = RNG.uniform(-1, 1, (4, 6))

    def graph():
        t = tf.placeholder(tf.float64, x.shape)
        loss = tf.reduce_mean(tf.square(t))
        return [loss, tf.gradients(loss, t)[0]], {t: x}
    (loss, grad), plan, _ = run(backend, graph)
    eps, numeric = 1e-6, np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += eps
        down[index] -= eps
        numeric[index] = (np.mean(up ** 2) - np.mean(down ** 2)) / (2 * eps)
    np.testing.assert_allclose(loss, np.mean(x ** 2), rtol=1e-12)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)
    if backend == "opencl":
        assert not any("square" in name for name in fused(plan))
