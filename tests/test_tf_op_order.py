"""Ops made as TF 1.15 makes them, so that seeded random ops made after them get TF's op
ids and draw TF's numbers: tf.Assert (its string Consts and the cond that guards it),
tf.stack and list conversion (one Const, or a Pack with its Consts), tf.rank (a Const
when the rank is static). Every name, id and number here was printed by TF 1.15."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import run


def test_assert_makes_tf_ops_and_ids(backend):
    tf.set_random_seed(42)
    x = tf.placeholder(tf.float32, [None])
    ok = tf.reduce_all(x > 0)
    graph = tf.get_default_graph()
    ids = []
    # guarded (float data), guarded (bool data), guarded and named, plain (str and int32)
    a1 = tf.Assert(ok, ["x must be positive:", x, "and", 3])
    ids.append(graph._last_id)
    a2 = tf.Assert(ok, ["only strings", ok])
    ids.append(graph._last_id)
    a3 = tf.Assert(ok, [x, x, 2.5], name="chk")
    ids.append(graph._last_id)
    a4 = tf.Assert(True, ["ints", tf.placeholder(tf.int32, [None]), 4])
    ids.append(graph._last_id)
    assert ids == [22, 34, 47, 54]
    assert [a.name for a in (a1, a2, a3, a4)] == [
        "Assert/AssertGuard/Assert", "Assert_1/AssertGuard/Assert", "chk/AssertGuard/Assert",
        "Assert_2/Assert"]   # (TF returns the guards' Merge ops: tinygraph has no Merge)
    assert sorted(op.name for op in graph.get_operations() if op.type == "Const") == [
        "Assert/AssertGuard/Assert/data_0", "Assert/AssertGuard/Assert/data_2",
        "Assert/AssertGuard/Assert/data_3", "Assert/Const", "Assert/Const_1", "Assert/Const_2",
        "Assert_1/AssertGuard/Assert/data_0", "Assert_1/Const", "Assert_2/Assert/condition",
        "Assert_2/Assert/data_0", "Assert_2/Assert/data_2", "Assert_2/Const",
        "Assert_2/Const_1", "Const", "Greater/y", "chk/AssertGuard/Assert/data_2",
        "chk/Const"]
    r = tf.random_normal([3])   # seeded by its op id
    with tf.control_dependencies([a1, a2, a3]):
        y = tf.identity(x)
    np.testing.assert_allclose(run(backend, r), [-1.7003907, -1.081465, 1.1471845], atol=1e-6)
    assert run(backend, y, {x: [1., 2.]}).tolist() == [1., 2.]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"^assertion failed: \[x must be positive:\] \[1 -2\] \[and\] \[3\]"):
        run(backend, y, {x: [1., -2.]})


def test_assert_prints_floats_as_tf(backend):
    x = tf.constant([1.0, -2.0, 0.1, 1 / 3, 1e-7, 123456789.0])
    check = tf.Assert(False, [x], summarize=10)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"^assertion failed: \[1 -2 0\.1 0\.333333343 1e-07 123456792\]"):
        run(backend, check)


def test_stack_and_list_conversion_make_tf_ops(backend):
    x = tf.placeholder(tf.int32, [])
    packed = tf.convert_to_tensor([x, 2])
    stacks = [tf.stack([1, 2]), tf.stack([x, 3]), tf.stack([[x, 1], [2, 3]]),
              tf.stack([[1, 2], [x, 3]])]
    assert [(op.name, op.type) for op in tf.get_default_graph().get_operations()] == [
        ("Placeholder", "Placeholder"), ("packed/1", "Const"), ("packed", "Pack"),
        ("stack", "Const"), ("stack_1/1", "Const"), ("stack_1", "Pack"),
        ("stack_2/0/1", "Const"), ("stack_2/0", "Pack"), ("stack_2/1_1", "Const"),
        ("stack_2", "Pack"), ("stack_3/1/1", "Const"), ("stack_3/1", "Pack"),
        ("stack_3/0_1", "Const"), ("stack_3", "Pack")]
    got = run(backend, [packed] + stacks, {x: 7})
    assert [g.tolist() for g in got] == [[7, 2], [1, 2], [7, 3], [[7, 1], [2, 3]],
                                         [[1, 2], [7, 3]]]
    assert tf.stack([x, x], axis=-1).op.type == "Pack"   # other axes: always a Pack


def test_rank_is_a_const_when_static(backend):
    known, unknown = tf.placeholder(tf.float32, [None, 3]), tf.placeholder(tf.float32)
    r1, r2 = tf.rank(known), tf.rank(unknown, name="r")
    assert (r1.op.type, r1.name, r2.op.type, r2.name) == ("Const", "Rank:0", "Rank", "r:0")
    assert run(backend, [r1, r2], {known: np.zeros((2, 3)), unknown: np.zeros((1, 2, 3))}) \
        == [2, 3]
