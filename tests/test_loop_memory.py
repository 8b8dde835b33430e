"""What a dynamic_rnn's forward pass keeps for its backward pass (issue 7, workload 5):
the backward pass needs each step's input x_t and state h_t. x_t stays in the input
TensorArray (captured once, not per iteration), so the While's record should hold about
one h_t per step: the state each iteration starts from is the output the previous one
wrote into the outputs TensorArray, kept once, not also as a second copy."""
import numpy as np

import tinygraph as tf
from tinygraph.ops import control_flow
from tinygraph.ops.subgraphs import unbox
from tinygraph.ops.tensor_array_values import Elements

T, B, I, H = 60, 8, 6, 16


def _rnn():
    X = tf.placeholder(tf.float32, [None, T, I])
    cell = tf.nn.rnn_cell.BasicRNNCell(num_units=H)
    outputs, state = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
    loss = tf.reduce_mean(tf.square(outputs))
    grads = tf.gradients(loss, [X] + tf.trainable_variables())
    loop, = [op for op in tf.get_default_graph().get_operations() if op.type == "While"]
    feed = {X: np.random.RandomState(1).randn(B, T, I).astype(np.float32)}
    return loop, [loss, outputs, state] + grads, feed


def _held_bytes(record):
    """The bytes of array data the record keeps alive: its loop values and recorded
    outputs, and the elements of the TensorArrays its flows hold; memory shared by
    several of them (a view of an element) counted once."""
    regions, logs = {}, set()

    def add(a):
        a = np.asarray(a)
        if a.dtype == object:
            return
        start = a.__array_interface__["data"][0]
        regions[start] = max(regions.get(start, 0), a.nbytes)

    def visit(value):
        value = unbox(value)
        if isinstance(value, Elements):
            if id(value.log) not in logs:
                logs.add(id(value.log))
                for v in value.log.values.values():
                    add(v)
        elif isinstance(value, np.ndarray):
            add(value)
    history, finals = unbox(record)
    for values, recorded in history:
        for v in list(values) + list(recorded):
            visit(v)
    for v in finals:
        visit(v)
    return sum(regions.values())


def test_record_holds_each_state_once(backend):
    loop, fetches, feed = _rnn()
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        record = sess.run([loop.outputs[-1]] + fetches, feed)[0]
    per_step = _held_bytes(record) / T
    h_t, x_t = B * H * 4, B * I * 4
    # One h_t per step and the scalars (counter, time) beside it; the bound leaves room
    # for those (8 bytes a step) and for the initial state, but not for a second copy.
    assert per_step <= h_t * (1 + 1 / T) + 8 * 2
    assert per_step <= x_t + h_t


def test_sharing_changes_no_result(backend, monkeypatch):
    """The same numbers, bit for bit, as with the loop keeping its own copies."""
    tf.set_random_seed(3)
    loop, fetches, feed = _rnn()
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        shared = sess.run(fetches, feed)
        monkeypatch.setattr(control_flow, "_share_written", lambda *args: None)
        copied = sess.run(fetches, feed)
    for a, b in zip(shared, copied):
        np.testing.assert_array_equal(a, b)


def test_stack_of_a_full_array_is_read_only_and_unchanged_by_later_writes():
    """stack() of a filled fixed-size array hands out the array's own block, read-only;
    a write to an earlier flow branches off without touching it."""
    ta = tf.TensorArray(tf.float32, size=3)
    first = ta.write(0, [1.0, 2.0])
    full = first.write(1, [3.0, 4.0]).write(2, [5.0, 6.0])
    branch = first.write(1, [7.0, 8.0]).write(2, [9.0, 10.0])
    with tf.Session(device="numpy") as sess:
        a, b = sess.run([full.stack(), branch.stack()])
    np.testing.assert_array_equal(a, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(b, [[1, 2], [7, 8], [9, 10]])
