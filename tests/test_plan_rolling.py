"""An OpenCL plan rolls its unrolled loops back up (runtime/opencl/rolling.py): a run of
launches that repeats with advancing offsets becomes one RepeatUnit, run as the
unrolled launches would be. The results stay the numpy backend's; a long loop's plan
holds a few hundred units instead of thousands."""
import numpy as np

import tinygraph as tf
from tinygraph.runtime.opencl.rolling import Window, dropped_set, expand, roll, still_right
from tinygraph.runtime.opencl.units import HostUnit, KernelUnit, RepeatUnit, Slot
from tinygraph.framework import dtypes


def long_rnn(device, T=300):
    """A dynamic_rnn of T steps with its gradients: values, and the session's largest plan."""
    with tf.Graph().as_default():
        tf.set_random_seed(3)
        X = tf.placeholder(tf.float32, [None, T, 3])
        outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(6), X, dtype=tf.float32)
        loss = tf.reduce_mean(tf.square(outputs)) + tf.reduce_sum(tf.sin(state))
        fetches = [loss, outputs] + tf.gradients(loss, tf.trainable_variables())
        x = np.random.RandomState(0).randn(4, T, 3).astype(np.float32)
        with tf.Session(device=device) as sess:
            sess.run(tf.global_variables_initializer())
            first = sess.run(fetches, {X: x})
            again = sess.run(fetches, {X: 2 * x})
            plan = max(sess._plans.values(), key=lambda p: len(getattr(p, "rolled", ())))
    return first, again, plan


def test_long_loop_rolled_and_equal_to_numpy():
    first, again, plan = long_rnn("opencl")
    want_first, want_again, _ = long_rnn("numpy")
    for got, want in zip(first + again, want_first + want_again):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    launches = plan.units
    repeats = [u for u in plan.rolled if isinstance(u, RepeatUnit)]
    # the forward and the gradient step each repeat ~300 times (the gradient's in blocks)
    assert len(launches) > 4 * 300
    assert len(plan.rolled) < len(launches) / 10
    assert sum(r.count * len(r.body) for r in repeats) > 0.9 * len(launches)
    # repeats of one step (a window of the loop each) share their kernels
    kernels = {id(u.kernel) for r in repeats for u in r.body}
    assert len(kernels) < sum(len(r.body) for r in repeats) / 2


def _unit(name, *args):
    return KernelUnit("kernel void %s() {}" % name, name, list(args), (4,))


def _temp(shape=(4,)):
    return Slot(shape, dtypes.float32)


def _rolled(units, pinned=()):
    return roll(units, set(pinned))


def test_repeat_advances_offsets_and_keeps_the_first_steps_temporaries():
    states, weights = _temp((10, 4)), _temp()
    units, temps = [], []
    for t in range(6):
        temps.append(_temp())
        units += [_unit("product", temps[-1], states, weights, np.int32(4 * t)),
                  _unit("cell", states, temps[-1], np.int64(4 * t + 4))]
    rolled = _rolled(units)
    assert len(rolled) == 1 and rolled[0].count == 6 and len(rolled[0].body) == 2
    assert rolled[0].local == {temps[0]}
    expanded = list(expand(rolled))
    assert [u.name for u in expanded] == [u.name for u in units]
    for got, want in zip(expanded, units):
        for a, b in zip(got.args, want.args):
            if isinstance(b, np.generic):
                assert type(a) is type(b) and a == b
            else:   # every step's temporary is the first step's
                assert a is (temps[0] if b in temps else b)


def test_a_temporary_read_after_its_step_is_not_rolled():
    states = _temp((10, 4))
    temps = [_temp() for _ in range(6)]
    units = [_unit("step", temps[t], states, np.int64(4 * t)) for t in range(6)]
    # the fourth step's value read later (by a host op): no four steps repeat
    later = HostUnit(None, [temps[3]], [_temp()])
    assert _rolled(units + [later]) == units + [later]
    # nor when the host reads a step's value (a fetch)
    assert _rolled(units, pinned=[temps[2]]) == units
    assert len(_rolled(units)) == 1 and _rolled(units)[0].count == 6


def test_arguments_that_do_not_advance_evenly_stop_the_run():
    states = _temp((10, 4))
    offsets = [0, 4, 8, 12, 16, 24, 28, 32, 36]   # a gap after the fifth step
    units = [_unit("step", states, np.int64(o)) for o in offsets]
    rolled = _rolled(units)
    assert [type(u) for u in rolled] == [RepeatUnit, RepeatUnit]
    assert [u.count for u in rolled] == [5, 4]
    assert [u.args[1] for u in expand(rolled)] == offsets
    # a float argument must be equal at every step; other kernels are other units
    units = [_unit("scale", states, np.float32(1 + (t == 3))) for t in range(5)]
    assert _rolled(units) == units
    units = [_unit("a" if t % 3 else "b", states) for t in range(12)]   # b a a b a a ...
    assert len(_rolled(units)) == 1 and _rolled(units)[0].count == 4


class _Builder:
    """What rolling.Window needs of a plan builder."""

    def __init__(self):
        self.units, self.rolled_away, self.moved = [], dropped_set(), []

    def units_moved(self, start):
        self.moved.append(start)


def _window_of_steps(n):
    """n steps of [a product into a temporary, a cell reading it] planned through a
    Window: the builder, and each step's temporary."""
    b, states, temps = _Builder(), _temp((n + 1, 4)), []
    window = Window(b)
    for t in range(n):
        temps.append(_temp())
        b.units += [_unit("product", temps[-1], states, np.int32(4 * t)),
                    _unit("cell", states, temps[-1], np.int64(4 * t + 4))]
        window.step_done()
    return b, temps


def test_window_rolls_while_planning_and_the_plan_is_checked_after():
    b, temps = _window_of_steps(3 * Window.STEPS)
    # rolled every STEPS steps but for each window's last step: a few units at any time
    assert len(b.units) < 12 and b.moved
    assert [u.name for u in expand(b.units)] == ["product", "cell"] * 3 * Window.STEPS
    assert temps[5] in b.rolled_away and temps[0] not in b.rolled_away
    assert still_right(b.units, set(), b.rolled_away)
    # read after its step by a unit planned later: a dropped temporary, or one a repeat
    # keeps as its own; or read by the host
    for late in (temps[5], temps[0]):
        assert not still_right(b.units + [HostUnit(None, [late], [_temp()])], set(),
                               b.rolled_away)
    assert not still_right(b.units, {temps[0]}, b.rolled_away)


def test_a_plan_rolled_wrongly_is_planned_again_unrolled(monkeypatch):
    """A plan still_right() rejects is made again with loops rolled only at the end."""
    from tinygraph.runtime.opencl import executor, plan as plan_module
    flags = []
    original = plan_module.PlanBuilder.__init__

    def recorded(self, *args, **kwargs):
        original(self, *args, **kwargs)
        flags.append(self.roll_loops)
    monkeypatch.setattr(plan_module.PlanBuilder, "__init__", recorded)
    monkeypatch.setattr(executor, "still_right", lambda *args: False)
    first, again, plan = long_rnn("opencl", T=150)
    want_first, want_again, _ = long_rnn("numpy", T=150)
    for got, want in zip(first + again, want_first + want_again):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    assert flags[-2:] == [True, False]
    assert len(plan.rolled) < len(plan.units) / 5   # (rolled at the end instead)
