"""tf.reverse_sequence and tf.Assert, on both backends."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_forward, check_gradients, run


def np_reverse_sequence(x, lengths, seq, batch):
    out = x.copy()
    for b, n in enumerate(lengths):
        index = [slice(None)] * x.ndim
        index[batch], index[seq] = b, slice(0, n)
        out[tuple(index)] = np.flip(x[tuple(index)], axis=seq - (batch < seq))
    return out


@pytest.mark.parametrize("shape,seq,batch,lengths", [
    ((3, 5, 2), 1, 0, [5, 0, 3]),
    ((4, 3), 0, 1, [1, 4, 2]),
    ((2, 1, 6), 2, 0, [6, 1]),
])
def test_reverse_sequence_forward(backend, shape, seq, batch, lengths):
    x = np.random.RandomState(0).randn(*shape).astype(np.float32)
    check_forward(lambda t: tf.reverse_sequence(t, lengths, seq_axis=seq, batch_axis=batch),
                  lambda a: np_reverse_sequence(a, lengths, seq, batch), [x], backend)


def test_reverse_sequence_gradient(backend):
    check_gradients(lambda t: tf.reverse_sequence(t, tf.constant([3, 1], tf.int64), seq_axis=1,
                                                  batch_axis=0), shapes=[(2, 4, 2)],
                    backend=backend)


def test_reverse_sequence_errors(backend):
    x = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(TypeError, match="seq_lengths must be int32 or int64"):
        tf.reverse_sequence(x, [1.0, 2.0], seq_axis=1)
    with pytest.raises(ValueError, match="seq_dim and batch_dim must be different"):
        tf.reverse_sequence(x, [1, 2], seq_axis=0, batch_axis=0)
    y = tf.reverse_sequence(x, tf.placeholder(tf.int32, [None], name="lengths"), seq_axis=1)
    lengths = y.op.inputs[1]
    with tf.Session(device=backend) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"seq_lens\(1\) > input.dims\(1\)"):
            sess.run(y, {x: np.zeros((2, 3)), lengths: [1, 4]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="Length of seq_lengths"):
            sess.run(y, {x: np.zeros((2, 3)), lengths: [1, 2, 3]})


def test_assert(backend):
    x = tf.placeholder(tf.int32, [None])
    check = tf.Assert(tf.reduce_all(x > 0), ["x must be positive:", x], summarize=2)
    with tf.control_dependencies([check]):
        y = tf.identity(x)
    assert run(backend, y, {x: [1, 2, 3]}).tolist() == [1, 2, 3]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"assertion failed: \[x must be positive:\] \[1 -2\]"):
        run(backend, y, {x: [1, -2, 3]})
    with pytest.raises(TypeError, match="must be bool"):
        tf.Assert(x, ["no"])
