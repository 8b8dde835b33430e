"""How an RNN cell's elementwise work fuses. Side outputs: a value fused into its
reader's kernel that a gradient loop reads later (an LSTM's gate activations, a GRU's
candidate) is written by that kernel too, not computed again by the gradient. Pending
splits: a split of a value nothing else reads (an LSTM's gate input, matmul + bias) gives
pieces computed where they are read, so the whole value is never laid out."""
import re

import numpy as np
import pytest

import tinygraph as tf
from tinygraph.runtime.opencl.units import KernelUnit, Slot

from test_loop_unrolling import assert_same, run

T, B, I, H = 6, 3, 2, 4
# (sigmoids, tanhs) a step computes: an LSTM's input, forget and output gates, its new
# input and tanh(c); a GRU's reset and update gates (one sigmoid of both) and candidate.
GATES = {"lstm": (3, 2), "gru": (1, 1)}
# Side outputs a step writes: what the gradient multiplies by (an LSTM's three gates, its
# new input and tanh(c); a GRU's candidate and 1 - u), not what it only takes the shape
# of (the sums the gradient of a broadcasting add needs no value of).
KEPT = {"lstm": 5, "gru": 2}


def cell_gradients(cell, train):
    def build():
        X = tf.placeholder(tf.float32, [None, T, I])   # (as the book: shapes at run time)
        make = {"lstm": lambda: tf.nn.rnn_cell.BasicLSTMCell(H),
                "gru": lambda: tf.nn.rnn_cell.GRUCell(H)}[cell]
        outputs, _ = tf.nn.dynamic_rnn(make(), X, dtype=tf.float32)
        loss = tf.reduce_mean(tf.square(outputs))
        fetches = [loss] + (tf.gradients(loss, [X] + tf.trainable_variables()) if train
                            else [])
        return fetches, {X: np.random.RandomState(3).randn(B, T, I).astype(np.float32)}
    return build


def activations_computed(plan):
    kernels = [u for u in plan.units if isinstance(u, KernelUnit)]
    return tuple(sum(u.source.count(f"tg_{f}_") for u in kernels) for f in ("sigmoid", "tanh"))


def side_outputs(plan):
    return sum(len(re.findall(r"\bs\d+\[so\d+ \+ i\]", u.source)) for u in plan.units
               if isinstance(u, KernelUnit))


@pytest.mark.parametrize("cell", sorted(GATES))
def test_gate_activations_are_computed_once_per_step(cell):
    got, plan, _ = run("opencl", cell_gradients(cell, train=True))
    want, _, _ = run("numpy", cell_gradients(cell, train=True))
    assert_same(got, want, rtol=1e-4, atol=1e-6)
    # (without side outputs the gradient loop computes each gate again from its input)
    assert activations_computed(plan) == tuple(n * T for n in GATES[cell])
    assert side_outputs(plan) == KEPT[cell] * T


@pytest.mark.parametrize("cell", sorted(GATES))
def test_a_forward_pass_alone_keeps_nothing(cell):
    """With no gradient loop in the plan, a gate is fused into its reader and no kernel
    writes it: the forward kernels are the ones without side outputs."""
    got, plan, _ = run("opencl", cell_gradients(cell, train=False))
    want, _, _ = run("numpy", cell_gradients(cell, train=False))
    assert_same(got, want, rtol=1e-4, atol=1e-6)
    fused = [u for u in plan.units if isinstance(u, KernelUnit) and "fused_" in u.name]
    assert fused and not any(" s0[so0 + i]" in u.source for u in fused)


def test_an_lstm_never_lays_out_its_gate_input():
    """(Its gradient lays out the gradient of the gate input: the forward pass alone.)"""
    got, plan, _ = run("opencl", cell_gradients("lstm", train=False))
    want, _, _ = run("numpy", cell_gradients("lstm", train=False))
    assert_same(got, want, rtol=1e-4, atol=1e-6)
    written = [u.args[0] for u in plan.units if isinstance(u, KernelUnit) and
               u.name.startswith("fused_")]
    assert written and not [s for s in written if s.shape[-1] == 4 * H]
    # (the matmul's output, which the gates read in pieces, is a slot of that width)
    assert any(s.shape[-1] == 4 * H for u in plan.units if isinstance(u, KernelUnit)
               for s in u.args if isinstance(s, Slot))
