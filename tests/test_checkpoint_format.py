import json
import os

import numpy as np
import pytest

from tinygraph.framework import errors
from tinygraph.train import checkpoint_format as cf

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def _sample(dtype, shape):
    a = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)
    return ((a % 2) == 1) if dtype == "bool" else (a * 3 - 5).astype(dtype)


def _files(directory):
    return sorted(os.listdir(directory))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (5,), (2, 3, 4)])
def test_round_trip_every_dtype(tmp_path, dtype, shape):
    prefix = str(tmp_path / "model.ckpt-1")
    value = _sample(dtype, shape)
    cf.write_checkpoint(prefix, {"v": value, "other/x": np.float32(1.5)})
    assert _files(tmp_path) == ["model.ckpt-1.data-00000-of-00001", "model.ckpt-1.index"]
    r = cf.CheckpointReader(prefix)
    got = r.get_tensor("v")
    assert got.dtype == np.dtype(dtype) and got.shape == shape
    np.testing.assert_array_equal(got, value)
    got[...] = 0  # returned arrays are private, writable copies
    assert r.get_variable_to_shape_map() == {"v": list(shape), "other/x": []}
    assert r.get_variable_to_dtype_map() == {"v": dtype, "other/x": "float32"}
    assert r.has_tensor("other/x") and not r.has_tensor("nope")
    assert r.get_tensor("other/x") == np.float32(1.5)


def test_noncontiguous_big_endian_and_special_values(tmp_path):
    prefix = str(tmp_path / "ckpt")
    t = np.arange(12, dtype=">f8").reshape(3, 4).T  # big-endian, Fortran-ordered view
    special = np.array([np.nan, np.inf, -np.inf, -0.0], np.float32)
    cf.write_checkpoint(prefix, {"t": t, "s": special})
    r = cf.CheckpointReader(prefix)
    got = r.get_tensor("t")
    assert got.dtype == np.float64 and got.dtype.isnative
    np.testing.assert_array_equal(got, t)
    np.testing.assert_array_equal(r.get_tensor("s"), special)
    # On disk the bytes really are little-endian.
    with open(cf.data_path(prefix), "rb") as f:
        assert f.read(8) == np.float64(0.0).astype("<f8").tobytes() and f.read(8) == \
            np.float64(4.0).astype("<f8").tobytes()


def test_empty_checkpoint_and_overwrite(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {})
    assert cf.CheckpointReader(prefix).get_variable_to_shape_map() == {}
    cf.write_checkpoint(prefix, {"a": np.ones(3)})
    cf.write_checkpoint(prefix, {"b": np.zeros(2, np.int32)})
    r = cf.CheckpointReader(prefix)
    assert not r.has_tensor("a")
    np.testing.assert_array_equal(r.get_tensor("b"), [0, 0])


def test_unsupported_dtype_rejected_without_leftovers(tmp_path):
    prefix = str(tmp_path / "ckpt")
    for bad in (np.array(["s"]), np.array([object()]), np.array([1j])):
        with pytest.raises(TypeError):
            cf.write_checkpoint(prefix, {"x": bad})
    assert _files(tmp_path) == []


class _Boom:
    def __array__(self, dtype=None, copy=None):
        raise OSError("disk full")


def _save_old(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"w": np.arange(4.0), "b": np.int32(7)})
    return prefix, _files(tmp_path)


def _assert_old_intact(prefix, tmp_path, files):
    assert _files(tmp_path) == files  # no temp files left behind
    r = cf.CheckpointReader(prefix)
    np.testing.assert_array_equal(r.get_tensor("w"), np.arange(4.0))
    assert r.get_tensor("b") == 7 and not r.has_tensor("new")


def test_crash_while_writing_data_keeps_old_checkpoint(tmp_path):
    prefix, files = _save_old(tmp_path)
    # The first tensor is already in the temp data file when the second one fails.
    with pytest.raises(OSError, match="disk full"):
        cf.write_checkpoint(prefix, {"w": np.zeros(1000), "new": _Boom()})
    _assert_old_intact(prefix, tmp_path, files)


def test_crash_in_fsync_keeps_old_checkpoint(tmp_path, monkeypatch):
    prefix, files = _save_old(tmp_path)
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 2:  # the index's fsync: both temp files exist at this point
            raise OSError("I/O error")

    monkeypatch.setattr(cf.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="I/O error"):
        cf.write_checkpoint(prefix, {"w": np.zeros(3), "new": np.ones(2)})
    monkeypatch.undo()
    _assert_old_intact(prefix, tmp_path, files)


def test_crash_in_first_rename_keeps_old_checkpoint(tmp_path, monkeypatch):
    prefix, files = _save_old(tmp_path)

    def failing_replace(src, dst):
        raise OSError("power cut")

    monkeypatch.setattr(cf.os, "replace", failing_replace)
    with pytest.raises(OSError, match="power cut"):
        cf.write_checkpoint(prefix, {"w": np.zeros(3), "new": np.ones(2)})
    monkeypatch.undo()
    _assert_old_intact(prefix, tmp_path, files)


def test_torn_save_between_renames_is_detected_not_misread(tmp_path, monkeypatch):
    # Old index + new data (crash after the first rename) must not yield wrong values.
    prefix, _ = _save_old(tmp_path)
    real_replace, calls = os.replace, []

    def replace_once(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("power cut")
        real_replace(src, dst)

    monkeypatch.setattr(cf.os, "replace", replace_once)
    with pytest.raises(OSError):
        cf.write_checkpoint(prefix, {"w": np.full(4, 9.0), "b": np.int32(8)})
    monkeypatch.undo()
    r = cf.CheckpointReader(prefix)
    with pytest.raises(errors.DataLossError):
        r.get_tensor("w")


def test_missing_prefix(tmp_path):
    prefix = str(tmp_path / "nothing-here")
    with pytest.raises(errors.NotFoundError, match="Failed to find any matching files for "
                       + prefix.replace("\\", "\\\\")):
        cf.CheckpointReader(prefix)
    assert not cf.checkpoint_exists(prefix)


def test_missing_one_of_the_two_files(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.ones(2)})
    os.remove(cf.data_path(prefix))
    assert not cf.checkpoint_exists(prefix)
    with pytest.raises(errors.NotFoundError):
        cf.CheckpointReader(prefix)


def test_data_file_deleted_after_open(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.ones(2)})
    r = cf.CheckpointReader(prefix)
    cf.remove_checkpoint(prefix)
    with pytest.raises(errors.NotFoundError):
        r.get_tensor("a")


def test_missing_key(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.ones(2)})
    with pytest.raises(errors.NotFoundError, match="Key layer/w not found in checkpoint"):
        cf.CheckpointReader(prefix).get_tensor("layer/w")


def test_truncated_data_file(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"first": np.ones(4, np.float32), "second": np.ones(4)})
    data = cf.data_path(prefix)
    with open(data, "r+b") as f:
        f.truncate(os.path.getsize(data) - 3)
    r = cf.CheckpointReader(prefix)
    np.testing.assert_array_equal(r.get_tensor("first"), np.ones(4))  # undamaged part reads
    with pytest.raises(errors.DataLossError) as info:
        r.get_tensor("second")
    assert "second" in str(info.value) and data in str(info.value)


def test_flipped_byte_fails_crc(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.arange(10, dtype=np.int64), "b": np.ones(3)})
    data = cf.data_path(prefix)
    with open(data, "r+b") as f:
        f.seek(13)
        byte = f.read(1)
        f.seek(13)
        f.write(bytes([byte[0] ^ 0x01]))
    r = cf.CheckpointReader(prefix)
    with pytest.raises(errors.DataLossError, match="checksum") as info:
        r.get_tensor("a")
    assert "'a'" in str(info.value) and data in str(info.value)
    np.testing.assert_array_equal(r.get_tensor("b"), np.ones(3))


def _rewrite_index(prefix, text):
    with open(cf.index_path(prefix), "wb") as f:
        f.write(text if isinstance(text, bytes) else text.encode("utf-8"))


@pytest.mark.parametrize("mutate", [
    lambda doc: "{not json",
    lambda doc: "",
    lambda doc: b"\xff\xfe not utf-8",
    lambda doc: json.dumps([1, 2, 3]),
    lambda doc: json.dumps(dict(doc, format="something-else")),
    lambda doc: json.dumps(dict(doc, version=999)),
    lambda doc: json.dumps({k: v for k, v in doc.items() if k != "version"}),
    lambda doc: json.dumps(dict(doc, tensors=None)),
    lambda doc: json.dumps(dict(doc, tensors={"a": dict(doc["tensors"]["a"], dtype="object")})),
    lambda doc: json.dumps(dict(doc, tensors={"a": dict(doc["tensors"]["a"], shape=[-1])})),
    lambda doc: json.dumps(dict(doc, tensors={"a": dict(doc["tensors"]["a"], length=7)})),
    lambda doc: json.dumps(dict(doc, tensors={"a": dict(doc["tensors"]["a"], offset="0")})),
    lambda doc: json.dumps(dict(doc, tensors={"a": 5})),
])
def test_garbage_index(tmp_path, mutate):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.ones((2, 2), np.float32)})
    with open(cf.index_path(prefix), encoding="utf-8") as f:
        doc = json.load(f)
    _rewrite_index(prefix, mutate(doc))
    with pytest.raises(errors.DataLossError) as info:
        cf.CheckpointReader(prefix)
    assert cf.index_path(prefix) in str(info.value)


def test_index_offset_beyond_data_file(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.ones(2)})
    with open(cf.index_path(prefix), encoding="utf-8") as f:
        doc = json.load(f)
    doc["tensors"]["a"]["offset"] = 10 ** 12
    _rewrite_index(prefix, json.dumps(doc))
    with pytest.raises(errors.DataLossError, match="'a'"):
        cf.CheckpointReader(prefix).get_tensor("a")


def test_no_pickle_in_files(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.ones(2)})
    with open(cf.index_path(prefix), "rb") as f:
        assert json.loads(f.read())["format"] == "tinygraph-checkpoint"
    assert os.path.getsize(cf.data_path(prefix)) == 16  # just the raw bytes


def test_remove_checkpoint(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.ones(2)})
    assert cf.checkpoint_exists(prefix)
    cf.remove_checkpoint(prefix)
    assert not cf.checkpoint_exists(prefix) and _files(tmp_path) == []
    cf.remove_checkpoint(prefix)  # removing twice is harmless


# ---- checkpoint state file ----------------------------------------------------------------

def test_state_round_trip_and_latest(tmp_path):
    d = str(tmp_path)
    assert cf.get_checkpoint_state(d) is None and cf.latest_checkpoint(d) is None
    prefixes = [os.path.join(d, f"model.ckpt-{i}") for i in (1, 2, 3)]
    for p in prefixes:
        cf.write_checkpoint(p, {"step": np.int64(int(p[-1]))})
    cf.update_checkpoint_state(d, prefixes[-1], prefixes)
    with open(os.path.join(d, "checkpoint"), encoding="utf-8") as f:
        text = f.read()
    assert text == ('model_checkpoint_path: "model.ckpt-3"\n'
                    'all_model_checkpoint_paths: "model.ckpt-1"\n'
                    'all_model_checkpoint_paths: "model.ckpt-2"\n'
                    'all_model_checkpoint_paths: "model.ckpt-3"\n')
    state = cf.get_checkpoint_state(d)
    assert state.model_checkpoint_path == prefixes[-1]
    assert state.all_model_checkpoint_paths == prefixes
    assert cf.latest_checkpoint(d) == prefixes[-1]
    assert cf.CheckpointReader(cf.latest_checkpoint(d)).get_tensor("step") == 3
    assert [n for n in os.listdir(d) if n.endswith(".tmp")] == []


def test_latest_is_appended_when_missing_from_list(tmp_path):
    d = str(tmp_path)
    older = [os.path.join(d, "a")]
    cf.update_checkpoint_state(d, os.path.join(d, "b"), older)
    assert older == [os.path.join(d, "a")]  # caller's list is not mutated
    assert cf.get_checkpoint_state(d).all_model_checkpoint_paths == [
        os.path.join(d, "a"), os.path.join(d, "b")]
    cf.update_checkpoint_state(d, os.path.join(d, "c"))
    assert cf.get_checkpoint_state(d).all_model_checkpoint_paths == [os.path.join(d, "c")]


def test_latest_checkpoint_none_when_files_missing(tmp_path):
    d = str(tmp_path)
    p = os.path.join(d, "model.ckpt-5")
    cf.write_checkpoint(p, {"a": np.ones(1)})
    cf.update_checkpoint_state(d, p, [p])
    assert cf.latest_checkpoint(d) == p
    cf.remove_checkpoint(p)
    assert cf.get_checkpoint_state(d) is not None
    assert cf.latest_checkpoint(d) is None


def test_relative_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.makedirs("run/sub")
    os.makedirs("elsewhere")
    cf.write_checkpoint("run/model-1", {"a": np.ones(1)})
    cf.write_checkpoint("run/sub/model-2", {"a": np.ones(1)})
    cf.write_checkpoint("elsewhere/model-0", {"a": np.ones(1)})
    cf.update_checkpoint_state(
        "run", "run/sub/model-2", ["elsewhere/model-0", "run/model-1", "run/sub/model-2"])
    with open("run/checkpoint", encoding="utf-8") as f:
        lines = f.read().splitlines()
    outside = os.path.join(str(tmp_path.resolve()), "elsewhere", "model-0")
    assert lines[0] == f'model_checkpoint_path: "{os.path.join("sub", "model-2")}"'
    assert lines[2] == 'all_model_checkpoint_paths: "model-1"'
    state = cf.get_checkpoint_state("run")
    # A path outside save_dir is stored absolute so it survives re-joining with the dir.
    assert os.path.isabs(state.all_model_checkpoint_paths[0])
    assert state.model_checkpoint_path == os.path.join("run", "sub", "model-2")
    assert state.all_model_checkpoint_paths[1:] == [os.path.join("run", "model-1"),
                                                    os.path.join("run", "sub", "model-2")]
    assert os.path.samefile(state.all_model_checkpoint_paths[0] + ".index", outside + ".index")
    assert cf.latest_checkpoint("run") == os.path.join("run", "sub", "model-2")
    # The whole directory can be moved: relative entries follow it.
    os.rename("run", "moved")
    assert cf.latest_checkpoint("moved") == os.path.join("moved", "sub", "model-2")


def test_state_file_written_by_tf_is_understood(tmp_path):
    # TF text format: absolute paths, octal escapes for non-ASCII bytes, extra fields.
    d = str(tmp_path)
    with open(os.path.join(d, "checkpoint"), "w", encoding="utf-8") as f:
        f.write('model_checkpoint_path: "/abs/caf\\303\\251/model.ckpt-20"\n'
                'all_model_checkpoint_paths: "model.ckpt-10"\n'
                "all_model_checkpoint_paths: '/abs/caf\\303\\251/model.ckpt-20'\n"
                "all_model_checkpoint_timestamps: 1571234567.5\n"
                "last_preserved_timestamp: 1571234500.25\n")
    state = cf.get_checkpoint_state(d)
    assert state.model_checkpoint_path == "/abs/café/model.ckpt-20"
    assert state.all_model_checkpoint_paths == [os.path.join(d, "model.ckpt-10"),
                                                "/abs/café/model.ckpt-20"]


def test_state_file_with_awkward_names_round_trips(tmp_path):
    d = str(tmp_path)
    p = os.path.join(d, 'we "ird" \\ näme\tx')
    cf.update_checkpoint_state(d, p, [p])
    state = cf.get_checkpoint_state(d)
    assert state.model_checkpoint_path == p and state.all_model_checkpoint_paths == [p]


@pytest.mark.parametrize("text", ["garbage without colon\n", 'model_checkpoint_path: unquoted\n',
                                  'all_model_checkpoint_paths: "x"\n', b"\xff\xfe\x00"])
def test_corrupt_state_file_is_ignored(tmp_path, text):
    path = tmp_path / "checkpoint"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    assert cf.get_checkpoint_state(str(tmp_path)) is None
    assert cf.latest_checkpoint(str(tmp_path)) is None


def test_custom_latest_filename(tmp_path):
    d = str(tmp_path)
    p = os.path.join(d, "m")
    cf.write_checkpoint(p, {"a": np.ones(1)})
    cf.update_checkpoint_state(d, p, latest_filename="best")
    assert cf.latest_checkpoint(d) is None
    assert cf.latest_checkpoint(d, latest_filename="best") == p
