"""Loops whose trip count follows from the feeds' values (dynamic_rnn with
sequence_length runs min(T, max(lengths)) steps): a plan per distinct trip-count limit,
the loop unrolled in it; past MAX_PLANS limits, or when the limit cannot be computed
from the feeds alone, the loop runs on the host as before. And TF1's row-picking Select
(a vector condition), which such RNNs use every step, as a fused kernel. Values against
the numpy backend and numpy."""
import numpy as np
import pytest

import tinygraph as tf
from tinygraph.framework.errors import InvalidArgumentError
from tinygraph.runtime.opencl import trip_counts
from tinygraph.runtime.opencl.lower_matmul import products
from tinygraph.runtime.opencl.trip_counts import TripCountPlans
from tinygraph.runtime.opencl.units import KernelUnit

from test_loop_unrolling import assert_same, host_steps

T, B, I, H = 9, 4, 3, 5


def rnn(lengths_value):
    def build():
        X = tf.placeholder(tf.float32, [None, T, I])
        lengths = tf.placeholder(tf.int32, [None])
        cell = tf.nn.rnn_cell.BasicRNNCell(num_units=H)
        outputs, state = tf.nn.dynamic_rnn(cell, X, sequence_length=lengths,
                                           dtype=tf.float32)
        loss = tf.reduce_mean(tf.square(outputs)) + tf.reduce_sum(tf.sin(state))
        grads = tf.gradients(loss, [X] + tf.trainable_variables())
        rng = np.random.RandomState(0)
        return [loss, outputs, state] + grads, \
            lambda value: {X: rng.randn(B, T, I).astype(np.float32),
                           lengths: np.array(value, np.int32)}
    return build


def session_runs(device, build, lengths_values):
    """The values of one run per lengths value, in one session, and its plan."""
    with tf.Graph().as_default():
        tf.set_random_seed(7)
        fetches, feed = build()
        with tf.Session(device=device) as sess:
            sess.run(tf.global_variables_initializer())
            values = [sess.run(fetches, feed(v)) for v in lengths_values]
            plans = list(sess._plans.values())
    return values, plans[-1]   # (the first: the initializer's)


LENGTHS = [[T, 1, 0, T - 1], [3, 1, 0, 2], [T - 1, 1, 0, 2], [3, 2, 2, 1]]


def test_a_plan_per_trip_count_with_the_loop_unrolled():
    got, plans = session_runs("opencl", rnn(None), LENGTHS)
    want, _ = session_runs("numpy", rnn(None), LENGTHS)
    for g, w in zip(got, want):
        assert_same(g, w)
    assert isinstance(plans, TripCountPlans)
    assert len(plans.plans) == 3   # limits 9, 3, 8 (the last run takes the 3's plan)
    for plan in plans.plans.values():
        assert host_steps(plan) == []
    assert "While" in host_steps(plans.generic)
    # past the longest sequence, outputs are zero and the state is the last one's
    outputs, state = got[1][1], got[1][2]
    np.testing.assert_array_equal(outputs[:, 3:], 0)
    np.testing.assert_array_equal(outputs[2], 0)
    np.testing.assert_allclose(state[0], outputs[0, 2], rtol=1e-6)
    np.testing.assert_allclose(state[1], outputs[1, 0], rtol=1e-6)


def test_the_zeros_past_a_sequences_end_are_a_literal_not_a_buffer_per_step():
    """Each step selects its outputs from the state and zeros of the state's shape (and
    its gradient selects from zeros too): a constant of one value throughout, which the
    fused kernels take as a literal. Before, each step uploaded its own [B, H] zeros."""
    got, plans = session_runs("opencl", rnn(None), LENGTHS[:1])
    want, _ = session_runs("numpy", rnn(None), LENGTHS[:1])
    assert_same(got[0], want[0])
    plan = list(plans.plans.values())[0]
    steps = [r for r in plan.buffers if r.kind == "const" and r.shape == (B, H)]
    assert len(steps) <= 1   # (at most the initial state, read by the first matmul)
    selects = [u for u in plan.units if isinstance(u, KernelUnit) and "select" in u.name]
    assert len(selects) >= T


def test_the_unrolled_steps_keep_their_values_in_blocks():
    """The state (a Select of the old and the new one) and its gradient stay rows of a
    block of all steps: no step copies them out, and each weight's gradient is a matmul
    over the steps' rows (the input part over the first step and the T - 1 after it,
    the state part over those T - 1)."""
    got, plans = session_runs("opencl", rnn(None), LENGTHS[:1])
    want, _ = session_runs("numpy", rnn(None), LENGTHS[:1])
    assert_same(got[0], want[0])
    plan = list(plans.plans.values())[0]
    copies = [u for u in plan.units if isinstance(u, KernelUnit) and "copy" in u.name]
    assert [u.args[0].shape for u in copies].count((B, H)) == 1   # the fetched state
    assert not [u for u in copies if u.args[0].shape == (B,)]     # nor the condition
    assert sorted((m.M, m.N, m.K) for m in products(plan.units) if m.transpose_a) == \
        [(I, H, B), (I, H, (T - 1) * B), (H, H, (T - 1) * B)]


def test_past_max_plans_the_loop_runs_on_the_host(monkeypatch):
    monkeypatch.setattr(trip_counts, "MAX_PLANS", 1)
    got, plans = session_runs("opencl", rnn(None), LENGTHS[:2])
    want, _ = session_runs("numpy", rnn(None), LENGTHS[:2])
    for g, w in zip(got, want):
        assert_same(g, w)
    assert len(plans.plans) == 1 and plans.last is plans.generic


def test_a_bad_lengths_feed_is_reported_by_the_run():
    """The limit's computation fails (lengths of the wrong size): the run reports TF's
    error, and the session works on."""
    with tf.Graph().as_default():
        fetches, feed = rnn(None)()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            with pytest.raises(InvalidArgumentError, match="sequence_length"):
                sess.run(fetches, feed([1, 2, 3]))
            good = sess.run(fetches[0], feed([2, 2, 2, 2]))
    assert np.isfinite(good)


def test_a_limit_read_from_a_variable_is_not_specialised():
    """The trip count depends on a variable, not on the feeds: the loop stays on the host."""
    def build():
        n = tf.Variable(4, dtype=tf.int32)
        x = tf.placeholder(tf.float32, [3])
        _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * 1.5 + x),
                             [0, tf.zeros([3])], maximum_iterations=10)
        return [y], lambda _: {x: np.array([1.0, -2.0, 0.5], np.float32)}
    got, plan = session_runs("opencl", build, [None])
    assert not isinstance(plan, TripCountPlans) and "While" in host_steps(plan)
    want = np.zeros(3)
    for _ in range(4):
        want = want * 1.5 + np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(got[0][0], want, rtol=1e-6)


@pytest.mark.parametrize("device", ["opencl", "numpy"])
def test_select_with_a_vector_condition_picks_rows(device):
    rng = np.random.RandomState(3)
    c = np.array([True, False, True])
    a, b = rng.randn(3, 2, 4).astype(np.float32), rng.randn(3, 2, 4).astype(np.float32)
    with tf.Graph().as_default():
        cond = tf.placeholder(tf.bool, [3])
        x, y = tf.placeholder(tf.float32, [3, 2, 4]), tf.placeholder(tf.float32, [3, 2, 4])
        z = tf.where(cond, tf.tanh(x), y * 2.0)
        loss = tf.reduce_sum(z * z)
        with tf.Session(device=device) as sess:
            got = sess.run([z] + tf.gradients(loss, [x, y]), {cond: c, x: a, y: b})
            plan = list(sess._plans.values())[0]
    picked = np.where(c[:, None, None], np.tanh(a), 2 * b)
    np.testing.assert_allclose(got[0], picked, rtol=1e-6)
    # finite differences of the loss
    eps, k = 1e-3, (1, 1, 2)

    def loss_at(a_):
        z_ = np.where(c[:, None, None], np.tanh(a_), 2 * b)
        return float((z_.astype(np.float64) ** 2).sum())
    for row in (0, 1):
        k = (row, 1, 2)
        up, down = a.astype(np.float64), a.astype(np.float64)
        up[k] += eps
        down[k] -= eps
        np.testing.assert_allclose(got[1][k], (loss_at(up) - loss_at(down)) / (2 * eps),
                                   rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(got[2], np.where(c[:, None, None], 0, 8 * b), rtol=1e-6)
    if device == "opencl":
        assert host_steps(plan) == []
