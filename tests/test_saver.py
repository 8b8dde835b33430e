"""tf.train.Saver: round trips, checkpoint bookkeeping (global_step suffix, max_to_keep,
the `checkpoint` state file) and typed errors that leave every variable unchanged."""
import os

import numpy as np
import pytest

import tinygraph as tf
from tinygraph.train import checkpoint_format

W0 = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
B0 = np.array([0.25, -1.5], np.float32)


def _model(w=W0, b=B0):
    w = tf.Variable(w, name="w")
    b = tf.Variable(b, name="b")
    return w, b


def _session_with(values, backend="numpy"):
    """A session on the default graph whose variables hold `values` {Variable: array}."""
    sess = tf.Session(device=backend)
    sess.run(tf.global_variables_initializer())
    for var, value in values.items():
        sess.run(var.assign(value))
    return sess


def test_round_trip_into_fresh_session_without_init(tmp_path, backend):
    w, b = _model()
    step = tf.train.get_or_create_global_step()
    saver = tf.train.Saver()
    w1 = np.random.RandomState(3).randn(2, 3).astype(np.float32)
    with _session_with({w: w1, step: 42}, backend) as sess:
        path = saver.save(sess, str(tmp_path / "model"))
    assert path == str(tmp_path / "model")
    assert tf.train.checkpoint_exists(path)
    # The same graph, a new session: restore alone initialises everything.
    with tf.Session(device=backend) as sess:
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), w1)
        np.testing.assert_array_equal(sess.run(b), B0)
        assert sess.run(step) == 42 and sess.run(step).dtype == np.int64
        assert sess.run(tf.report_uninitialized_variables()).size == 0
    # A rebuilt graph (new process in practice).
    with tf.Graph().as_default():
        w, b = _model(np.zeros((2, 3), np.float32), np.zeros(2, np.float32))
        with tf.Session(device=backend) as sess:
            tf.train.Saver([w, b]).restore(sess, path)
            np.testing.assert_array_equal(sess.run(w), w1)
            np.testing.assert_array_equal(sess.run(b), B0)


def test_checkpoint_keys_are_variable_op_names(tmp_path):
    w, b = _model()
    loss = tf.reduce_sum(w * w) + tf.reduce_sum(b)
    tf.train.AdamOptimizer(0.1).minimize(loss)
    saver = tf.train.Saver()
    with _session_with({}) as sess:
        path = saver.save(sess, str(tmp_path / "m"))
    names = [n for n, _ in tf.train.list_variables(path)]
    assert names == sorted(["w", "b", "w/Adam", "w/Adam_1", "b/Adam", "b/Adam_1",
                            "beta1_power", "beta2_power"])
    assert dict(tf.train.list_variables(path))["w/Adam"] == [2, 3]


def test_restored_training_continues_identically(tmp_path, backend):
    def build():
        w, b = _model()
        x = tf.constant(np.random.RandomState(0).randn(5, 2).astype(np.float32))
        loss = tf.reduce_sum(tf.square(tf.matmul(x, w) - 1.0)) + tf.reduce_sum(b * b)
        step = tf.train.get_or_create_global_step()
        train = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=step)
        return w, train, step, tf.train.Saver()

    w, train, step, saver = build()
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        path = saver.save(sess, str(tmp_path / "model"), global_step=step)
        for _ in range(3):
            sess.run(train)
        want = sess.run(w)
    assert path.endswith("model-3")
    with tf.Graph().as_default():
        w, train, step, saver = build()
        with tf.Session(device=backend) as sess:
            saver.restore(sess, tf.train.latest_checkpoint(str(tmp_path)))
            assert sess.run(step) == 3
            for _ in range(3):
                sess.run(train)
            np.testing.assert_array_equal(sess.run(w), want)


def test_global_step_suffix(tmp_path):
    w, b = _model()
    step = tf.train.get_or_create_global_step()
    saver = tf.train.Saver(pad_step_numbers=False)
    with _session_with({step: 17}) as sess:
        prefix = str(tmp_path / "model")
        assert saver.save(sess, prefix, global_step=5) == prefix + "-5"
        assert saver.save(sess, prefix, global_step=np.int64(6)) == prefix + "-6"
        assert saver.save(sess, prefix, global_step=step) == prefix + "-17"
        padded = tf.train.Saver(pad_step_numbers=True)
        assert padded.save(sess, prefix, global_step=9) == prefix + "-00000009"
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["checkpoint"] + [f"model-{s}{ext}" for s in ("5", "6", "17", "00000009")
                          for ext in (".index", ".data-00000-of-00001")])


def test_max_to_keep_deletes_old_and_writes_state(tmp_path):
    w, b = _model()
    saver = tf.train.Saver(max_to_keep=2)
    prefix = str(tmp_path / "model")
    with _session_with({}) as sess:
        paths = [saver.save(sess, prefix, global_step=i) for i in range(4)]
    assert [tf.train.checkpoint_exists(p) for p in paths] == [False, False, True, True]
    assert saver.last_checkpoints == paths[2:]
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == paths[3]
    assert list(state.all_model_checkpoint_paths) == paths[2:]
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[3]
    text = open(tmp_path / "checkpoint").read()
    assert 'model_checkpoint_path: "model-3"' in text


def test_max_to_keep_none_keeps_everything(tmp_path):
    w, b = _model()
    saver = tf.train.Saver(max_to_keep=None)
    with _session_with({}) as sess:
        paths = [saver.save(sess, str(tmp_path / "m"), global_step=i) for i in range(7)]
    assert all(tf.train.checkpoint_exists(p) for p in paths)
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[-1]


def test_latest_checkpoint_none_without_state(tmp_path):
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    assert tf.train.get_checkpoint_state(str(tmp_path)) is None
    w, b = _model()
    with _session_with({}) as sess:
        tf.train.Saver().save(sess, str(tmp_path / "m"), write_state=False)
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    assert tf.train.checkpoint_exists(str(tmp_path / "m"))


def test_var_list_dict_with_renamed_keys(tmp_path):
    w, b = _model()
    other = tf.Variable(np.zeros((2, 3), np.float32), name="other")
    with _session_with({}) as sess:
        path = tf.train.Saver({"layer/kernel": w}).save(sess, str(tmp_path / "m"))
        assert [n for n, _ in tf.train.list_variables(path)] == ["layer/kernel"]
        tf.train.Saver({"layer/kernel": other}).restore(sess, path)
        np.testing.assert_array_equal(sess.run(other), W0)
    reader = tf.train.NewCheckpointReader(path)
    np.testing.assert_array_equal(reader.get_tensor("layer/kernel"), W0)
    assert not reader.has_tensor("w")


def test_missing_checkpoint_is_not_found(tmp_path):
    w, b = _model()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.NotFoundError, match="not a valid checkpoint"):
            tf.train.Saver().restore(sess, str(tmp_path / "nothere"))
        with pytest.raises(ValueError):   # TF 1.15 raises ValueError here
            tf.train.Saver().restore(sess, str(tmp_path / "nothere"))


def test_missing_key_is_not_found_and_changes_nothing(tmp_path):
    w, b = _model()
    with _session_with({}) as sess:
        path = tf.train.Saver([w]).save(sess, str(tmp_path / "m"))
    new = np.ones((2, 3), np.float32)
    with _session_with({w: new}) as sess:
        with pytest.raises(tf.errors.NotFoundError, match="Key b not found in checkpoint"):
            tf.train.Saver([w, b]).restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), new)


def test_shape_mismatch_is_invalid_argument_and_changes_nothing(tmp_path):
    with tf.Graph().as_default():
        a = tf.Variable([1.0, 2.0], name="a")
        z = tf.Variable([1.0, 2.0], name="z")
        with _session_with({}) as sess:
            path = tf.train.Saver().save(sess, str(tmp_path / "m"))
    a = tf.Variable([5.0, 6.0], name="a")
    z = tf.Variable([5.0, 6.0, 7.0], name="z")
    with _session_with({}) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            tf.train.Saver().restore(sess, path)
        message = str(info.value)
        assert "'z'" in message and "lhs shape= [3] rhs shape= [2]" in message
        np.testing.assert_array_equal(sess.run(a), [5.0, 6.0])   # a was valid: untouched too
        np.testing.assert_array_equal(sess.run(z), [5.0, 6.0, 7.0])


def test_dtype_mismatch_is_invalid_argument(tmp_path):
    with tf.Graph().as_default():
        tf.Variable(np.zeros(2, np.float64), name="v")
        with _session_with({}) as sess:
            path = tf.train.Saver().save(sess, str(tmp_path / "m"))
    v = tf.Variable(np.ones(2, np.float32), name="v")
    with _session_with({}) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="expected dtype float32"):
            tf.train.Saver().restore(sess, path)
        np.testing.assert_array_equal(sess.run(v), [1.0, 1.0])


def test_crash_mid_save_keeps_previous_checkpoint(tmp_path, monkeypatch):
    w, b = _model()
    saver = tf.train.Saver()
    prefix = str(tmp_path / "model")
    with _session_with({}) as sess:
        first = saver.save(sess, prefix, global_step=1)
        same = saver.save(sess, prefix)          # to be overwritten below
        sess.run(w.assign(np.full((2, 3), 9.0, np.float32)))

        def crash(*args):
            raise OSError("disk died")
        with monkeypatch.context() as patch:    # dies while writing tensor bytes
            patch.setattr(checkpoint_format.zlib, "crc32", crash)
            with pytest.raises(OSError, match="disk died"):
                saver.save(sess, prefix, global_step=2)
            with pytest.raises(OSError, match="disk died"):
                saver.save(sess, prefix)
    assert tf.train.latest_checkpoint(str(tmp_path)) == same
    assert saver.last_checkpoints == [first, same]
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    for path in (first, same):
        with tf.Session() as sess:
            saver.restore(sess, path)
            np.testing.assert_array_equal(sess.run(w), W0)


def test_truncated_data_file_is_data_loss(tmp_path):
    w, b = _model()
    saver = tf.train.Saver()
    with _session_with({}) as sess:
        path = saver.save(sess, str(tmp_path / "m"))
    data = checkpoint_format.data_path(path)
    with open(data, "r+b") as f:
        f.truncate(os.path.getsize(data) - 5)
    new_w, new_b = np.ones((2, 3), np.float32), np.array([3.0, 4.0], np.float32)
    with _session_with({w: new_w, b: new_b}) as sess:
        with pytest.raises(tf.errors.DataLossError, match="truncated"):
            saver.restore(sess, path)
        # b's bytes are intact, but nothing is restored when any tensor fails.
        np.testing.assert_array_equal(sess.run(w), new_w)
        np.testing.assert_array_equal(sess.run(b), new_b)


def test_works_on_finalized_graph_and_adds_no_ops(tmp_path):
    w, b = _model()
    n_ops = len(tf.get_default_graph().get_operations())
    saver = tf.train.Saver()
    assert len(tf.get_default_graph().get_operations()) == n_ops
    init = tf.global_variables_initializer()
    tf.get_default_graph().finalize()
    with tf.Session() as sess:
        sess.run(init)
        path = saver.save(sess, str(tmp_path / "m"))
    with tf.Session() as sess:
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), W0)


def test_save_uninitialized_is_failed_precondition(tmp_path):
    w, b = _model()
    with tf.Session() as sess:
        sess.run(w.initializer)
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value b"):
            tf.train.Saver().save(sess, str(tmp_path / "m"))
    assert not os.listdir(tmp_path)


def test_saver_construction_errors(tmp_path):
    with pytest.raises(ValueError, match="No variables to save"):
        tf.train.Saver()
    assert tf.train.Saver(allow_empty=True).save(tf.Session(), str(tmp_path / "m")) is None
    w, b = _model()
    with pytest.raises(ValueError, match="same name: w"):
        tf.train.Saver([w, w])
    with pytest.raises(TypeError, match="not a Variable"):
        tf.train.Saver([tf.constant(1.0)])
    with pytest.raises(ValueError, match="cannot be deferred"):
        tf.train.Saver([w], defer_build=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(ValueError, match="Parent directory"):
            tf.train.Saver().save(sess, str(tmp_path / "missing" / "m"))
        with pytest.raises(ValueError, match="collides"):
            tf.train.Saver().save(sess, str(tmp_path / "checkpoint"))


def test_session_variable_api_is_all_or_nothing():
    w, b = _model()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError):
            sess._read_variables(["w"])
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess._write_variables({"w": np.zeros((2, 3)), "b": np.zeros(5)})
        assert sorted(sess.run(tf.report_uninitialized_variables()).tolist()) == ["b", "w"]
        with pytest.raises(tf.errors.NotFoundError):
            sess._write_variables({"nope": np.zeros(2)})
        sess._write_variables({"w": W0 * 2, "b": B0})
        got = sess._read_variables(["w", "b"])
        np.testing.assert_array_equal(got["w"], W0 * 2)
        got["w"][0, 0] = 100.0                      # a copy: the session is unaffected
        assert sess.run(w)[0, 0] == 0.0


def test_string_variables_are_rejected_not_pickled(tmp_path):
    tf.Variable("text", name="s")
    with _session_with({}) as sess:
        with pytest.raises(TypeError, match="Cannot checkpoint"):
            tf.train.Saver().save(sess, str(tmp_path / "m"))
