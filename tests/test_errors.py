"""The error catalog: each error a user can cause has TF1's type and a message that names
the op or tensor and where the user created it; after a run-time error the session
still works and no variable changed."""
import numpy as np
import pytest

import tinygraph as tf

HERE = "test_errors.py"


def _raised_from_here(excinfo):
    """A construction error's traceback passes through the line in this file."""
    return any(HERE in str(entry.path) for entry in excinfo.traceback)


@pytest.fixture
def model(backend):
    """A variable, a step that changes it, and a session with it initialized."""
    w = tf.Variable([1.0, 2.0], name="w")
    step = tf.assign_add(w, [10.0, 10.0])
    sess = tf.Session(device=backend)
    sess.run(w.initializer)
    yield w, step, sess
    sess.close()


def _still_works(sess, w, step, before):
    """No variable changed, and the session runs normally afterwards."""
    np.testing.assert_array_equal(sess.run(w), before)
    np.testing.assert_array_equal(sess.run(step), np.add(before, 10.0))


def test_wrong_feed_shape(model):
    w, step, sess = model
    x = tf.placeholder(tf.float32, [None, 2])
    y = x * w
    with pytest.raises(ValueError) as e:
        sess.run([y, step], {x: np.zeros(3)})
    msg = str(e.value)
    assert msg.startswith("Cannot feed value of shape (3,) for Tensor 'Placeholder:0', which "
                          "has shape '(?, 2)'")
    assert HERE in msg
    _still_works(sess, w, step, [1.0, 2.0])


def test_wrong_feed_dtype(model):
    w, step, sess = model
    x = tf.placeholder(tf.float32, [None, 2], name="X")
    with pytest.raises(ValueError) as e:
        sess.run([x * w, step], {x: [["a", "b"]]})
    assert "'X:0'" in str(e.value) and "float32" in str(e.value) and HERE in str(e.value)
    _still_works(sess, w, step, [1.0, 2.0])


def test_missing_feed(model):
    w, step, sess = model
    x = tf.placeholder(tf.float32, [None, 2], name="X")
    y = x * w
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        sess.run([step, y])
    msg = str(e.value)
    assert msg.startswith("You must feed a value for placeholder tensor 'X' with dtype float "
                          "and shape [?,2]")
    assert "node X" in msg and HERE in msg
    assert e.value.op is x.op and e.value.error_code == 3
    assert isinstance(e.value, tf.errors.OpError)
    _still_works(sess, w, step, [1.0, 2.0])


def test_missing_feed_of_an_unknown_shape(backend):
    p = tf.placeholder(tf.int32, name="anything")
    with tf.Session(device=backend) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="placeholder tensor 'anything' with dtype int32 and shape "
                                 "<unknown>"):
            sess.run(p + 1)


def test_fetch_a_tensor_of_another_graph(model):
    w, step, sess = model
    with tf.Graph().as_default():
        other = tf.constant(1.0, name="elsewhere")
    with pytest.raises(ValueError) as e:
        sess.run([step, other])
    assert "elsewhere:0" in str(e.value) and "is not an element of this graph" in str(e.value)
    assert HERE in str(e.value)
    _still_works(sess, w, step, [1.0, 2.0])


def test_feed_a_tensor_of_another_graph(model):
    w, step, sess = model
    with tf.Graph().as_default():
        other = tf.placeholder(tf.float32, [], name="elsewhere")
    with pytest.raises((TypeError, ValueError), match="elsewhere"):
        sess.run(step, {other: 1.0})
    _still_works(sess, w, step, [1.0, 2.0])


def test_uninitialized_variable(model):
    w, step, sess = model
    u = tf.Variable(3.0, name="u")
    with pytest.raises(tf.errors.FailedPreconditionError) as e:
        sess.run([step, u * 2.0])
    msg = str(e.value)
    assert msg.startswith("Attempting to use uninitialized value u")
    assert HERE in msg and e.value.error_code == 9
    with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value u"):
        sess.run(u)
    with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value u"):
        sess.run(tf.assign_add(u, 1.0))
    _still_works(sess, w, step, [1.0, 2.0])
    sess.run(u.initializer)
    assert sess.run(u * 2.0) == 6.0


def test_matmul_shape_mismatch(model):
    w, step, sess = model
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 2 for "
                                         r"'MatMul' \(op: 'MatMul'\)") as e:
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))
    assert _raised_from_here(e)
    a = tf.placeholder(tf.float32, [None, None])
    b = tf.placeholder(tf.float32, [None, None])
    m = tf.matmul(a, b, name="product")
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        sess.run([step, m], {a: np.ones((2, 3)), b: np.ones((2, 3))})
    msg = str(e.value)
    assert "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3]" in msg
    assert "node product" in msg and HERE in msg and e.value.op is m.op
    _still_works(sess, w, step, [1.0, 2.0])


def test_reshape_shape_mismatch(model):
    w, step, sess = model
    with pytest.raises(ValueError, match=r"Cannot reshape a tensor with 6 elements to shape "
                                         r"\[4\]") as e:
        tf.reshape(tf.ones([2, 3]), [4])
    assert _raised_from_here(e)
    x = tf.placeholder(tf.float32, [None, 3])
    r = tf.reshape(x, [4])
    r2 = tf.reshape(x, [-1, 4])
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        sess.run([step, r], {x: np.ones((2, 3))})
    msg = str(e.value)
    assert "Input to reshape is a tensor with 6 values, but the requested shape has 4" in msg
    assert f"node {r.op.name}" in msg and HERE in msg
    with pytest.raises(tf.errors.InvalidArgumentError, match="a multiple of 4"):
        sess.run([step, r2], {x: np.ones((2, 3))})
    _still_works(sess, w, step, [1.0, 2.0])


def test_broadcast_shape_mismatch(model):
    w, step, sess = model
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 2") as e:
        tf.ones([2, 3]) * tf.ones([2, 2])
    assert _raised_from_here(e)
    x = tf.placeholder(tf.float32, [None])
    y = x * w
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        sess.run([step, y], {x: np.ones(3)})
    assert "Incompatible shapes: [3] vs. [2]" in str(e.value) and "node mul" in str(e.value)
    assert HERE in str(e.value)
    _still_works(sess, w, step, [1.0, 2.0])


def test_concat_shape_mismatch(model):
    w, step, sess = model
    with pytest.raises(ValueError, match="'concat'") as e:
        tf.concat([tf.ones([2, 3]), tf.ones([3, 2])], 0)
    assert _raised_from_here(e)
    a = tf.placeholder(tf.float32, [None, None])
    b = tf.placeholder(tf.float32, [None, None])
    c = tf.concat([a, b], 0)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        sess.run([step, c], {a: np.ones((2, 3)), b: np.ones((2, 2))})
    assert f"node {c.op.name}" in str(e.value) and HERE in str(e.value)
    _still_works(sess, w, step, [1.0, 2.0])


def test_new_op_on_finalized_graph(model):
    w, step, sess = model
    tf.get_default_graph().finalize()
    with pytest.raises(RuntimeError, match="Graph is finalized and cannot be modified."):
        w + 1.0
    _still_works(sess, w, step, [1.0, 2.0])


def test_failed_train_step_changes_no_variable(model):
    """A run that assigns to variables and then fails leaves every variable as it was."""
    w, step, sess = model
    b = tf.Variable(0.5, name="b")
    sess.run(b.initializer)
    x = tf.placeholder(tf.float32, [None, 2])
    target = tf.placeholder(tf.float32, [None])
    loss = tf.reduce_mean(tf.square(tf.reduce_sum(x * w, 1) + b - target))
    gw, gb = tf.gradients(loss, [w, b])
    update_w = tf.assign_sub(w, 0.1 * gw)
    update_b = tf.assign_sub(b, 0.1 * gb)
    with tf.control_dependencies([update_w, update_b]):
        # Runs after both updates, and fails when the batch has the wrong size.
        check = tf.reshape(x, [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        sess.run(check, {x: np.ones((3, 2)), target: np.ones(3)})
    assert f"node {check.op.name}" in str(e.value)
    assert sess.run(b) == 0.5
    np.testing.assert_array_equal(sess.run(w), [1.0, 2.0])
    # The same step with a good batch updates both, as numpy says it should.
    xv, tv = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32), np.array([1.0, 1.0], np.float32)
    sess.run(check, {x: xv, target: tv})
    err = xv @ np.array([1.0, 2.0]) + 0.5 - tv
    np.testing.assert_allclose(sess.run(w), [1.0, 2.0] - 0.1 * (2 * err @ xv / 2), rtol=1e-6)
    np.testing.assert_allclose(sess.run(b), 0.5 - 0.1 * np.mean(2 * err), rtol=1e-6)


def test_assign_then_failing_op_in_the_same_run(model):
    w, step, sess = model
    x = tf.placeholder(tf.float32, [None])
    assign = tf.assign(w, [7.0, 7.0])
    with tf.control_dependencies([assign]):
        bad = tf.reshape(x, [2])
    with pytest.raises(tf.errors.InvalidArgumentError):
        sess.run([assign, bad, step], {x: np.ones(5)})
    _still_works(sess, w, step, [1.0, 2.0])
    sess.run(bad, {x: np.ones(2)})   # the same run with a good feed commits the assign
    np.testing.assert_array_equal(sess.run(w), [7.0, 7.0])


def test_failed_run_does_not_advance_random_streams(backend):
    tf.set_random_seed(3)
    r = tf.random_uniform([4], seed=1)
    x = tf.placeholder(tf.float32, [None])
    bad = tf.reshape(x, [2])
    with tf.Session(device=backend) as fresh:
        first, second = fresh.run(r), fresh.run(r)
    with tf.Session(device=backend) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run([r, bad], {x: np.ones(3)})
        np.testing.assert_array_equal(sess.run(r), first)
        np.testing.assert_array_equal(sess.run(r), second)


def test_mixed_dtype_and_bad_conversions_at_construction():
    with pytest.raises(TypeError, match="Input 'y' of 'Add' Op has type int32"):
        tf.add(tf.constant(1.0), tf.constant(1))
    with pytest.raises(TypeError):
        tf.constant("text") + 1.0
    with pytest.raises(TypeError, match="Failed to convert object"):
        tf.convert_to_tensor(object())
    with pytest.raises(ValueError):
        tf.placeholder(tf.float32, [2]) + tf.ones([3])


def test_error_classes():
    assert issubclass(tf.errors.InvalidArgumentError, tf.errors.OpError)
    assert issubclass(tf.errors.FailedPreconditionError, tf.errors.OpError)
    e = tf.errors.NotFoundError(None, None, "lost")
    assert str(e) == "lost" and e.message == "lost" and e.op is None and e.error_code == 5
    assert tf.errors.InvalidArgumentError.__module__ == "tinygraph.errors"
