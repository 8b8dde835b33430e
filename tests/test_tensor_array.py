"""tf.TensorArray against TF 1.15: values (against numpy), static shapes, op names, TF's
errors for misuse, and gradients (against finite differences), also through while_loop
where arrays are loop variables, on every backend."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_gradients, run

R = np.random.RandomState(7)


def test_write_read_stack_gather_concat_size(backend):
    a, b, c = R.rand(2, 3), R.rand(2, 3), R.rand(2, 3)
    ta = tf.TensorArray(tf.float64, size=3).write(2, c).write(0, a).write(1, tf.constant(b))
    got = run(backend, [ta.read(1), ta.stack(), ta.gather([2, 0, 2]), ta.concat(), ta.size()])
    np.testing.assert_array_equal(got[0], b)
    np.testing.assert_array_equal(got[1], np.stack([a, b, c]))
    np.testing.assert_array_equal(got[2], np.stack([c, a, c]))
    np.testing.assert_array_equal(got[3], np.concatenate([a, b, c]))
    assert got[4] == 3 and got[4].dtype == np.int32


def test_python_values_take_the_array_dtype(backend):
    ta = tf.TensorArray(tf.float32, size=2).write(0, [1, 2]).write(1, 3.5 * np.ones(2))
    got = run(backend, ta.stack())
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, [[1, 2], [3.5, 3.5]])


def test_unstack_scatter_split(backend):
    x = R.rand(4, 3)
    ta = tf.TensorArray(tf.float64, size=4).unstack(x)
    sc = tf.TensorArray(tf.float64, size=5).scatter([4, 0, 2], x[:3])
    sp = tf.TensorArray(tf.float64, size=3, infer_shape=False).split(x, [1, 0, 3])
    got = run(backend, [ta.stack(), ta.read(3), sc.gather([0, 2, 4]), sp.read(0), sp.read(1),
                        sp.read(2), sp.concat()])
    np.testing.assert_array_equal(got[0], x)
    np.testing.assert_array_equal(got[1], x[3])
    np.testing.assert_array_equal(got[2], x[[1, 2, 0]])
    np.testing.assert_array_equal(got[3], x[:1])
    assert got[4].shape == (0, 3)
    np.testing.assert_array_equal(got[5], x[1:])
    np.testing.assert_array_equal(got[6], x)


def test_unwritten_elements_read_as_zeros_when_their_shape_is_known(backend):
    x = R.rand(2, 3)
    partial = tf.TensorArray(tf.float64, size=4, element_shape=[3]).scatter([3, 1], x)
    short = tf.TensorArray(tf.float64, size=3).unstack(x)   # TF: fewer rows than size is fine
    got = run(backend, [partial.stack(), partial.read(0), short.stack()])
    np.testing.assert_array_equal(got[0], [np.zeros(3), x[1], np.zeros(3), x[0]])
    np.testing.assert_array_equal(got[1], np.zeros(3))
    np.testing.assert_array_equal(got[2], np.concatenate([x, np.zeros((1, 3))]))


def test_odd_sizes(backend):
    one = tf.TensorArray(tf.float32, size=1).write(0, 5.0)
    empty = tf.TensorArray(tf.float32, size=0, element_shape=[2, 3])
    scalars = tf.TensorArray(tf.int32, size=3).unstack([4, 5, 6])
    got = run(backend, [one.stack(), empty.stack(), empty.size(), scalars.stack(),
                        scalars.gather(tf.zeros([0], tf.int32))])
    np.testing.assert_array_equal(got[0], [5.0])
    assert got[1].shape == (0, 2, 3) and got[2] == 0
    np.testing.assert_array_equal(got[3], [4, 5, 6])
    assert got[4].shape == (0,) and got[4].dtype == np.int32


def test_dynamic_size_grows(backend):
    ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
    w = ta.write(0, 7).write(3, 9)
    grown = tf.TensorArray(tf.float32, size=1, dynamic_size=True).scatter([5], [[1.0]])
    got = run(backend, [w.size(), w.read(3), w.stack(), grown.size(), ta.size()])
    assert got[0] == 4 and got[1] == 9
    np.testing.assert_array_equal(got[2], [7, 0, 0, 9])
    assert got[3] == 6 and got[4] == 0
    assert ta.dynamic_size and not tf.TensorArray(tf.int32, size=1).dynamic_size


def test_flows_are_values(backend):
    """Each write makes a new flow; older flows and other branches do not see it, and
    running again gives the same values."""
    base = tf.TensorArray(tf.float32, size=3, element_shape=[]).write(0, 1.0)
    left, right = base.write(1, 2.0), base.write(2, 3.0)
    again = left.write(2, 4.0)
    fetches = [base.stack(), left.stack(), right.stack(), again.stack()]
    with tf.Session(device=backend) as sess:
        for _ in range(2):
            got = sess.run(fetches)
            np.testing.assert_array_equal(got[0], [1, 0, 0])
            np.testing.assert_array_equal(got[1], [1, 2, 0])
            np.testing.assert_array_equal(got[2], [1, 0, 3])
            np.testing.assert_array_equal(got[3], [1, 2, 4])


def test_identity_and_close(backend):
    ta = tf.TensorArray(tf.float32, size=2).unstack([[1.0], [2.0]])
    same = ta.identity()
    close = ta.close()
    assert isinstance(same, tf.TensorArray) and same.flow is not ta.flow
    assert close.type == "TensorArrayCloseV3" and close.name == "TensorArrayCloseV3"
    got = run(backend, [same.stack(), close])
    np.testing.assert_array_equal(got[0], [[1.0], [2.0]])


def test_static_shapes_and_names_as_tf():
    ta = tf.TensorArray(tf.float32, size=3)
    assert ta.handle.op.name == "TensorArray" and ta.handle.op.type == "TensorArrayV3"
    assert ta.element_shape.ndims is None and ta.dtype == tf.float32
    w = ta.write(0, tf.placeholder(tf.float32, [None, 3]))
    # writes refine the element shape every array of this one shares
    assert w.element_shape.as_list() == [None, 3] and ta.element_shape.as_list() == [None, 3]
    w2 = w.write(1, tf.placeholder(tf.float32, [2, None]))
    assert ta.element_shape.as_list() == [2, 3]
    assert w.flow.name == "TensorArrayWrite/TensorArrayWriteV3:0"
    assert w2.read(0).shape.as_list() == [2, 3] and w2.read(0).name == "TensorArrayReadV3_1:0"
    s = w2.stack()
    assert s.name == "TensorArrayStack/TensorArrayGatherV3:0" and s.shape.as_list() == [None, 2, 3]
    assert w2.gather([0, 1]).shape.as_list() == [2, 2, 3]
    assert w2.concat().shape.as_list() == [None, 3]
    x = tf.constant(np.ones((4, 5), np.float32))
    u = tf.TensorArray(tf.float32, size=4).unstack(x)
    assert u.flow.name == "TensorArrayUnstack/TensorArrayScatter/TensorArrayScatterV3:0"
    assert u.element_shape.as_list() == [5]
    assert u.size().name == "TensorArraySizeV3:0"
    free = tf.TensorArray(tf.float32, size=2, infer_shape=False).write(0, [1.0])
    assert free.element_shape.ndims is None and free.read(0).shape.ndims is None


def test_graph_construction_errors():
    ta = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(ValueError, match="Size must be provided if handle is not provided"):
        tf.TensorArray(tf.float32)
    with pytest.raises(ValueError, match="Cannot provide both a handle and size"):
        tf.TensorArray(tf.float32, size=2, handle=ta.handle, flow=ta.flow)
    with pytest.raises(TypeError, match="Handle must be a Tensor"):
        tf.TensorArray(tf.float32, handle=3)
    with pytest.raises(ValueError, match="flow must not be None if handle is not None"):
        tf.TensorArray(tf.float32, handle=ta.handle)
    w = ta.write(0, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"Inconsistent shapes: saw \(3,\) but expected \(2,\)"):
        w.write(1, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"Inconsistent shapes: saw \(2,\) but expected \(3,\)"):
        tf.TensorArray(tf.float32, size=2, element_shape=[3], infer_shape=False).write(0, [1., 2.])
    with pytest.raises(TypeError, match="TensorArray dtype is float32 but Op is trying to "
                                        "write dtype int32"):
        ta.write(0, tf.constant([1, 2]))
    with pytest.raises(ValueError, match="Shape must be rank 0 but is rank 1 for "
                                         "'TensorArrayReadV3_?\\d*' \\(op: 'TensorArrayReadV3'\\)"):
        ta.read([0])
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2"):
        ta.gather([[0]])
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 2"):
        tf.TensorArray(tf.float32, size=3).scatter([0, 1], np.ones((3, 2), np.float32))
    # the view built from a handle keeps reading the same contents
    view = tf.TensorArray(tf.float32, handle=w.handle, flow=w.flow)
    assert view.read(0).shape.ndims is None


def _fails(backend, fetch, error, message, feed=None):
    with pytest.raises(error, match=message):
        run(backend, fetch, feed)


def test_run_time_errors(backend):
    err = tf.errors.InvalidArgumentError

    def ta(**kw):
        return tf.TensorArray(tf.float32, size=2, tensor_array_name="arr", **kw)
    _fails(backend, ta().write(0, 1.0).write(0, 2.0).stack(), err,
           "TensorArray arr: Could not write to TensorArray index 0 because it has already "
           "been written to.")
    _fails(backend, ta().write(2, 1.0).stack(), err,
           "TensorArray arr: Tried to write to index 2 but array is not resizeable and size is: 2")
    _fails(backend, ta().write(-1, 1.0).stack(), err, "Tried to write to index -1")
    _fails(backend, ta().write(0, 1.0).read(5), err,
           "Tried to read from index 5 but array size is: 2")
    _fails(backend, ta().read(1), err, "Could not read from TensorArray index 1.  Furthermore, "
                                     "the element shape is not fully defined: <unknown>.")
    _fails(backend, ta().scatter([0, 3], [1.0, 2.0]).stack(), err,
           r"Max scatter index must be < array size \(3 vs. 2\)")
    _fails(backend, ta().scatter([1, 1], [1.0, 2.0]).stack(), err,
           "Could not write to TensorArray index 1 because it has already been written to")
    _fails(backend, tf.TensorArray(tf.float32, size=-1).size(), err, "Size should be >= 0.")
    _fails(backend, tf.TensorArray(tf.float32, size=0).stack(), tf.errors.UnimplementedError,
           "TensorArray has size zero, but element shape <unknown> is not fully defined.")
    p = tf.placeholder(tf.float32, [None])
    _fails(backend, ta().write(0, p).write(1, [1.0]).stack(), err,
           r"Could not write to TensorArray index 1 because the value shape is \[1\] which is "
           r"incompatible with the TensorArray's inferred element shape: \[2\]",
           {p: [1.0, 2.0]})
    ragged = ta(infer_shape=False).write(0, p).write(1, [1.0])
    _fails(backend, ragged.stack(), err, r"TensorArray has inconsistent shapes.  Index 0 has "
                                         r"shape: \[2\] but index 1 has shape: \[1\]",
           {p: [1.0, 2.0]})
    _fails(backend, tf.TensorArray(tf.float32, size=2, infer_shape=False).unstack(
        [1.0, 2.0]).concat(), err, "Concat saw a scalar shape at index 0 but requires at least "
                                   "vectors.  Did you mean to call pack?")
    _fails(backend, tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [1, 1]).stack(),
           err, "Expected sum of lengths to be equal to values.shape\\[0\\], but sum of lengths "
                "is 2 and value's shape is: \\[3\\]")
    _fails(backend, tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [1, 1, 1]).stack(),
           err, r"TensorArray's size is not equal to the size of lengths \(2 vs. 3\), and the "
                r"TensorArray is not marked as dynamically resizeable")


# ---------------------------------------------------------------- gradients
def test_read_stack_unstack_gradient(backend):
    def fn(x):
        ta = tf.TensorArray(tf.float64, size=3).unstack(x)
        # index 1 is read twice and index 0 never: its gradient is zero
        return tf.sin(ta.stack()) + ta.read(1) * ta.read(2) + ta.read(1)
    check_gradients(fn, shapes=[(3, 2)], backend=backend)


def test_write_gradient_with_unwritten_elements(backend):
    def fn(a, b):
        ta = tf.TensorArray(tf.float64, size=4).write(3, a).write(1, b * b)
        return ta.stack() * tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64)[:, None]
    check_gradients(fn, shapes=[(2,), (2,)], backend=backend)


def test_gather_scatter_gradient(backend):
    def fn(x):
        ta = tf.TensorArray(tf.float64, size=4, element_shape=[2]).scatter([2, 0], x)
        return ta.gather([0, 1, 2, 0]) * 3.0
    check_gradients(fn, shapes=[(2, 2)], backend=backend)


def test_concat_split_gradient(backend):
    def fn(x, y):
        split = tf.TensorArray(tf.float64, size=3, infer_shape=False).split(x, [2, 0, 3])
        ragged = tf.TensorArray(tf.float64, size=3, infer_shape=False)
        ragged = ragged.write(2, y).write(0, tf.tanh(x[1:])).write(1, y * x[:1])
        return tf.concat([split.concat() * 2.0, split.read(2), ragged.concat()], 0)
    check_gradients(fn, shapes=[(5, 2), (1, 2)], backend=backend)


def test_second_order_gradient(backend):
    def fn(x):
        ta = tf.TensorArray(tf.float64, size=3).unstack(x)
        y = tf.reduce_sum(ta.read(0) ** 3) + tf.reduce_sum(ta.gather([1, 2]) ** 2)
        return tf.gradients(y, x)[0]
    check_gradients(fn, shapes=[(3, 2)], backend=backend)


def test_loop_gradient_dynamic_rnn_pattern(backend):
    """Read step t from a captured array, write to a loop-variable array."""
    def fn(x, w):
        steps = tf.TensorArray(tf.float64, size=5).unstack(x)

        def body(t, h, out):
            h = tf.tanh(steps.read(t) * w + h)
            return t + 1, h, out.write(t, h * h)
        _, h, out = tf.while_loop(lambda t, *_: t < 5, body,
                                  [0, tf.zeros([3], tf.float64),
                                   tf.TensorArray(tf.float64, size=5)])
        return tf.concat([tf.reshape(out.stack(), [-1]), h], 0)
    check_gradients(fn, shapes=[(5, 3), (3,)], backend=backend)


def test_loop_gradient_growing_array_and_final_reads(backend):
    """A dynamic array written in a loop whose condition is data-dependent, then read
    out of order after it; part of its flow's gradient never reaches the loop."""
    def fn(x):
        def body(i, acc, ta):
            acc = acc * 0.5 + x[i]
            return i + 1, acc, ta.write(i, tf.sin(acc))
        _, acc, ta = tf.while_loop(
            lambda i, acc, ta: tf.logical_and(i < 4, tf.reduce_sum(acc) < 1e6),
            body, [0, tf.zeros([2], tf.float64),
                   tf.TensorArray(tf.float64, size=0, dynamic_size=True)])
        return tf.stack([ta.read(3), ta.read(0) * ta.read(2)])
    check_gradients(fn, shapes=[(4, 2)], backend=backend)


def test_arrays_through_cond_gradient(backend):
    for taken in (True, False):
        def fn(x):
            ta = tf.TensorArray(tf.float64, size=2).write(1, x * 3.0)
            ta = tf.cond(tf.constant(taken), lambda: ta.write(0, tf.sin(x)),
                         lambda: ta.write(0, x * x))
            src = tf.TensorArray(tf.float64, size=2).unstack(tf.stack([x, 2.0 * x]))
            y = tf.cond(tf.constant(taken), lambda: src.read(0), lambda: src.read(1) ** 2)
            return ta.stack() + y
        check_gradients(fn, shapes=[(3,)], backend=backend)


def test_loop_keeps_linear_record(backend):
    """10,000 writes and their gradient: each write is O(1), so this stays fast."""
    n = 10000
    x = tf.placeholder(tf.float64, [n])
    xs = tf.TensorArray(tf.float64, size=n).unstack(x)
    _, out = tf.while_loop(lambda t, ta: t < n,
                           lambda t, ta: (t + 1, ta.write(t, xs.read(t) * 2.0)),
                           [0, tf.TensorArray(tf.float64, size=n)])
    y = tf.reduce_sum(out.stack() ** 2)
    g = tf.gradients(y, x)[0]
    v = R.rand(n)
    got = run(backend, [y, g], {x: v})
    np.testing.assert_allclose(got[0], np.sum((2 * v) ** 2))
    np.testing.assert_allclose(got[1], 8 * v)
