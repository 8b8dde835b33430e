"""tf.sequence_mask, checked against TF 1.15: values, dtypes, shapes and the graph it builds."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import run


def test_values_as_tf(backend):
    # Expected values printed by TF 1.15 for the same calls.
    given = tf.sequence_mask([1, 3, 2], 5)
    default = tf.sequence_mask([[1, 3], [2, 0]])
    as_float = tf.sequence_mask(tf.constant([2, 0, 4], tf.int64), dtype=tf.float32)
    empty = tf.sequence_mask(tf.zeros([0], tf.int32))
    got = run(backend, [given, default, as_float, empty])
    assert got[0].tolist() == [[True, False, False, False, False],
                               [True, True, True, False, False],
                               [True, True, False, False, False]]
    assert got[1].tolist() == [[[True, False, False], [True, True, True]],
                               [[True, True, False], [False, False, False]]]
    assert got[2].dtype == np.float32
    assert got[2].tolist() == [[1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]]
    assert got[3].shape == (0, 0)
    assert given.dtype == tf.bool and as_float.dtype == tf.float32


def test_fed_lengths_and_static_shape(backend):
    lengths = tf.placeholder(tf.int32, [None])
    mask = tf.sequence_mask(lengths, 4)
    assert mask.shape.as_list() == [None, 4]
    assert run(backend, mask, {lengths: [0, 4, 1]}).tolist() == [
        [False, False, False, False], [True, True, True, True], [True, False, False, False]]


def test_masks_a_loss_past_each_length(backend):
    """The use in a seq2seq loss: only the steps before each length count."""
    losses = np.arange(12, dtype=np.float32).reshape(3, 4)
    mask = tf.sequence_mask([1, 4, 2], 4, dtype=tf.float32)
    mean = tf.reduce_sum(losses * mask) / tf.reduce_sum(mask)
    assert run(backend, mean) == pytest.approx((0 + 4 + 5 + 6 + 7 + 8 + 9) / 7)


def test_graph_and_names_as_tf():
    mask = tf.sequence_mask(tf.constant([2, 0, 4], tf.int64), dtype=tf.float32, name="mask")
    # The ops TF 1.15 builds for this call, in order.
    assert [f"{op.name}:{op.type}" for op in tf.get_default_graph().get_operations()
            if op.name.startswith("mask/")] == [
        "mask/Const:Const", "mask/Max:Max", "mask/Const_1:Const", "mask/Maximum:Maximum",
        "mask/Const_2:Const", "mask/Const_3:Const", "mask/Range:Range",
        "mask/ExpandDims/dim:Const", "mask/ExpandDims:ExpandDims", "mask/Cast:Cast",
        "mask/Less:Less", "mask/Cast_1:Cast"]
    assert mask.name == "mask/Cast_1:0"
    assert tf.sequence_mask([1, 2], 3).name == "SequenceMask/Less:0"


def test_maxlen_must_be_a_scalar():
    with pytest.raises(ValueError, match="maxlen must be scalar for sequence_mask"):
        tf.sequence_mask([1], [2, 3])
