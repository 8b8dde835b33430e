"""tinygraph.datasets.mnist: the real files from ../shared/data/mnist, TF1 batching, and
downloads from a local HTTP server (the real mirrors are never contacted)."""
import gzip
import hashlib
import http.server
import os
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from tinygraph.datasets import mnist
from tinygraph.framework import errors

REAL = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mnist").resolve()
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Unless a test serves files itself, every mirror is a closed local port."""
    monkeypatch.setattr(mnist, "MIRRORS", [f"http://127.0.0.1:{_closed_port()}/"])
    monkeypatch.setattr(mnist, "TIMEOUT", 5)


# ----------------------------------------------------------------- the real data

@pytest.fixture(scope="module")
def real():
    if not all((REAL / f).is_file() for f in mnist.FILES):
        pytest.skip(f"real MNIST is only on the project's machines ({REAL})")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mnist, "MIRRORS", [])  # module fixtures run before `offline`
        return mnist.load_data(REAL)


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """read_data_sets() finding the files through $TINYGRAPH_DATA/mnist."""
    root = tmp_path_factory.mktemp("data")
    (root / "mnist").mkdir()
    for f in mnist.FILES:
        (root / "mnist" / f).symlink_to(REAL / f)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mnist, "MIRRORS", [])
        mp.setenv("TINYGRAPH_DATA", str(root))
        result = mnist.read_data_sets()
    assert sorted(os.listdir(root / "mnist")) == sorted(mnist.FILES)  # nothing written
    return result


def test_load_data_real(real):
    (x_train, y_train), (x_test, y_test) = real
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 255 and x_test.max() == 255
    assert np.bincount(y_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test, minlength=10).tolist() == TEST_COUNTS
    assert x_train.flags.writeable  # like Keras's arrays


def test_read_data_sets_real(real, sets):
    (x_train, y_train), (x_test, y_test) = real
    n = {"train": 55000, "validation": 5000, "test": 10000}
    for name, ds in zip(sets._fields, sets):
        assert ds.num_examples == n[name] and ds.epochs_completed == 0
        assert ds.images.shape == (n[name], 784) and ds.images.dtype == np.float32
        assert ds.labels.shape == (n[name],) and ds.labels.dtype == np.uint8
        assert ds.images.min() == 0.0 and ds.images.max() == 1.0
    # The validation split is the first 5000 of the training file, train the rest.
    flat = x_train.reshape(60000, 784)
    np.testing.assert_array_equal(sets.validation.images, flat[:5000] * np.float32(1 / 255))
    np.testing.assert_array_equal(sets.train.images, flat[5000:] * np.float32(1 / 255))
    np.testing.assert_allclose(sets.test.images, x_test.reshape(10000, 784) / 255.0, atol=1e-7)
    np.testing.assert_array_equal(sets.validation.labels, y_train[:5000])
    np.testing.assert_array_equal(sets.train.labels, y_train[5000:])
    np.testing.assert_array_equal(sets.test.labels, y_test)
    counts = np.bincount(sets.train.labels, minlength=10) + np.bincount(sets.validation.labels,
                                                                        minlength=10)
    assert counts.tolist() == TRAIN_COUNTS
    assert np.bincount(sets.test.labels, minlength=10).tolist() == TEST_COUNTS


def test_one_hot_uint8_unreshaped_real(real):
    (_, y_train), (_, y_test) = real
    ds = mnist.read_data_sets(REAL, one_hot=True, dtype=np.uint8, reshape=False,
                              validation_size=100)
    assert ds.validation.num_examples == 100 and ds.train.num_examples == 59900
    assert ds.train.images.shape == (59900, 28, 28, 1) and ds.train.images.dtype == np.uint8
    assert ds.train.images.max() == 255
    for split, ids in ((ds.train, y_train[100:]), (ds.validation, y_train[:100]),
                       (ds.test, y_test)):
        assert split.labels.shape == (len(ids), 10) and split.labels.dtype == np.float64
        assert set(np.unique(split.labels)) == {0.0, 1.0}
        np.testing.assert_array_equal(split.labels.sum(axis=1), 1.0)
        np.testing.assert_array_equal(split.labels.argmax(axis=1), ids)


def test_read_data_sets_bad_arguments(real):
    with pytest.raises(ValueError, match="Validation size"):
        mnist.read_data_sets(REAL, validation_size=60001)
    with pytest.raises(TypeError, match="dtype"):
        mnist.DataSet(np.zeros((2, 28, 28)), np.zeros(2), dtype=np.int32)


def test_next_batch_covers_real_epoch(real):
    (x_train, y_train), _ = real
    ds = mnist.DataSet(x_train[:5000], y_train[:5000], dtype=np.uint8)
    batches = [ds.next_batch(100) for _ in range(50)]
    assert ds.epochs_completed == 0  # TF1 counts the epoch at the next call
    images = np.concatenate([b[0] for b in batches])
    labels = np.concatenate([b[1] for b in batches])
    assert not np.array_equal(labels, y_train[:5000])  # shuffled ...
    assert sorted(map(bytes, images)) == sorted(map(bytes, x_train[:5000].reshape(5000, -1)))
    assert np.bincount(labels).tolist() == np.bincount(y_train[:5000]).tolist()  # ... once
    ds.next_batch(100)
    assert ds.epochs_completed == 1


# ------------------------------------------------------------- TF1 batching rules

def _tiny(n=10, **kw):
    """A DataSet whose image pixel equals its label, so pairs can be checked."""
    ids = np.arange(n, dtype=np.uint8)
    return mnist.DataSet(ids.reshape(n, 1, 1), ids, dtype=np.uint8, **kw)


def _check_pairs(batch):
    np.testing.assert_array_equal(batch[0][:, 0], batch[1])
    return batch[1].tolist()


def test_next_batch_epoch_boundary_concatenates():
    np.random.seed(42)
    first = np.random.permutation(10)
    second = first[np.random.permutation(10)]  # the reshuffle permutes the shuffled order
    np.random.seed(42)
    ds = _tiny()
    assert _check_pairs(ds.next_batch(3)) == first[0:3].tolist()
    assert _check_pairs(ds.next_batch(3)) == first[3:6].tolist()
    assert _check_pairs(ds.next_batch(3)) == first[6:9].tolist()
    assert ds.epochs_completed == 0
    # The rest of epoch 0 (one example), then the start of reshuffled epoch 1.
    assert _check_pairs(ds.next_batch(3)) == first[9:].tolist() + second[:2].tolist()
    assert ds.epochs_completed == 1
    assert _check_pairs(ds.next_batch(3)) == second[2:5].tolist()


def test_next_batch_every_epoch_is_a_permutation():
    ds = _tiny()
    stream = sum((_check_pairs(ds.next_batch(7)) for _ in range(20)), [])  # 140 = 14 epochs
    assert ds.epochs_completed == 13  # the 14th is counted at the next call
    for epoch in range(14):
        assert sorted(stream[10 * epoch:10 * epoch + 10]) == list(range(10))
    assert stream[:10] != stream[10:20]  # reshuffled between epochs


def test_next_batch_exact_end_and_no_shuffle():
    ds = _tiny()
    ds.next_batch(5, shuffle=False)
    assert _check_pairs(ds.next_batch(5, shuffle=False)) == [5, 6, 7, 8, 9]
    assert ds.epochs_completed == 0
    assert _check_pairs(ds.next_batch(5, shuffle=False)) == [0, 1, 2, 3, 4]
    assert ds.epochs_completed == 1
    ds = _tiny()
    got = [_check_pairs(ds.next_batch(4, shuffle=False)) for _ in range(3)]
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1]]


def test_next_batch_reproducible():
    def run(**kw):
        ds = _tiny(50, **kw)
        return [_check_pairs(ds.next_batch(8)) for _ in range(12)]
    np.random.seed(42)
    a = run()
    np.random.seed(42)
    assert run() == a
    # An explicit seed uses its own RandomState and leaves the global RNG alone.
    state = np.random.get_state()
    b = run(seed=7)
    assert np.array_equal(np.random.get_state()[1], state[1])
    np.random.seed(123)
    assert run(seed=7) == b


def test_data_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("TINYGRAPH_DATA", str(tmp_path / "env"))
    assert mnist.data_dir() == str(tmp_path / "env" / "mnist")
    assert mnist.data_dir(tmp_path / "given") == str(tmp_path / "given")
    monkeypatch.delenv("TINYGRAPH_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert mnist.data_dir() == str(tmp_path / "home" / ".cache" / "tinygraph" / "mnist")


# ---------------------------------------------------------------- downloading

def _idx_gz(array):
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def small():
    """Small but valid IDX .gz files: 20 train and 8 test images of 28x28."""
    rng = np.random.RandomState(1)
    arrays = {mnist.TRAIN_IMAGES: rng.randint(0, 256, (20, 28, 28)),
              mnist.TRAIN_LABELS: np.arange(20) % 10,
              mnist.TEST_IMAGES: rng.randint(0, 256, (8, 28, 28)),
              mnist.TEST_LABELS: np.arange(8) % 10}
    return {name: (a.astype(np.uint8), _idx_gz(a)) for name, a in arrays.items()}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server; tests fill server.files {url path: bytes}."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.files, srv.requests = {}, []
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


def _serve(monkeypatch, server, files, mirrors=("missing", "good")):
    """Serve `files` {name: bytes} under /good/, accept exactly the bytes of `small`."""
    for name, body in files.items():
        server.files[f"/good/{name}"] = body
    monkeypatch.setattr(mnist, "MIRRORS", [f"{server.url}/{m}/" for m in mirrors])


def _hashes(files):
    return {name: hashlib.sha256(body).hexdigest() for name, body in files.items()}


def test_download_with_fallback_into_cache(monkeypatch, server, small, tmp_path):
    gz = {name: body for name, (_, body) in small.items()}
    _serve(monkeypatch, server, gz)
    monkeypatch.setattr(mnist, "SHA256", _hashes(gz))
    monkeypatch.delenv("TINYGRAPH_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    cache = tmp_path / ".cache" / "tinygraph" / "mnist"
    assert sorted(os.listdir(cache)) == sorted(mnist.FILES)  # no temporary files left
    for name in mnist.FILES:
        assert (cache / name).read_bytes() == gz[name]
        assert f"/missing/{name}" in server.requests  # the 404 mirror was tried first
    np.testing.assert_array_equal(x_train, small[mnist.TRAIN_IMAGES][0])
    np.testing.assert_array_equal(y_train, small[mnist.TRAIN_LABELS][0])
    np.testing.assert_array_equal(x_test, small[mnist.TEST_IMAGES][0])
    np.testing.assert_array_equal(y_test, small[mnist.TEST_LABELS][0])
    # Cached now: loading again downloads nothing.
    server.requests.clear()
    ds = mnist.read_data_sets(validation_size=5)
    assert server.requests == []
    assert (ds.train.num_examples, ds.validation.num_examples, ds.test.num_examples) == (15, 5, 8)


def test_bad_checksum_is_not_cached(monkeypatch, server, small, tmp_path):
    gz = {name: body for name, (_, body) in small.items()}
    monkeypatch.setattr(mnist, "SHA256", _hashes(gz))
    bad = dict(gz)
    bad[mnist.TRAIN_LABELS] = gz[mnist.TRAIN_LABELS][:-1] + b"x"
    _serve(monkeypatch, server, bad)
    with pytest.raises(errors.DataLossError, match=mnist.TRAIN_LABELS) as info:
        mnist.load_data(tmp_path)
    assert "SHA-256" in str(info.value) and isinstance(info.value, errors.OpError)
    assert os.listdir(tmp_path) == [mnist.TRAIN_IMAGES]  # the good file, nothing else


def test_bad_mirror_falls_back_to_good_one(monkeypatch, server, small, tmp_path):
    gz = {name: body for name, (_, body) in small.items()}
    monkeypatch.setattr(mnist, "SHA256", _hashes(gz))
    for name, body in gz.items():
        server.files[f"/bad/{name}"] = body[::-1]
    _serve(monkeypatch, server, gz, mirrors=("bad", "good"))
    (x_train, _), _ = mnist.load_data(tmp_path)
    np.testing.assert_array_equal(x_train, small[mnist.TRAIN_IMAGES][0])
    assert sorted(os.listdir(tmp_path)) == sorted(mnist.FILES)


@pytest.mark.parametrize("trust_bad_bytes", [False, True])
def test_truncated_gzip_is_not_cached(monkeypatch, server, small, tmp_path, trust_bad_bytes):
    gz = {name: body for name, (_, body) in small.items()}
    truncated = dict(gz)
    truncated[mnist.TRAIN_IMAGES] = gz[mnist.TRAIN_IMAGES][:len(gz[mnist.TRAIN_IMAGES]) // 2]
    # trust_bad_bytes: the checksum itself names the truncated file, so only the gzip
    # check can catch it.
    monkeypatch.setattr(mnist, "SHA256", _hashes(truncated if trust_bad_bytes else gz))
    _serve(monkeypatch, server, truncated)
    expected = "gzip" if trust_bad_bytes else "SHA-256"
    with pytest.raises(errors.DataLossError, match=expected) as info:
        mnist.load_data(tmp_path)
    assert mnist.TRAIN_IMAGES in str(info.value)
    assert os.listdir(tmp_path) == []


def test_bad_idx_header_is_not_cached(monkeypatch, server, small, tmp_path):
    gz = {name: body for name, (_, body) in small.items()}
    images = small[mnist.TRAIN_IMAGES][0]
    header = bytes([0, 0, 8, 3]) + np.array([21, 28, 28], ">u4").tobytes()  # 21 != 20
    gz[mnist.TRAIN_IMAGES] = gzip.compress(header + images.tobytes())
    monkeypatch.setattr(mnist, "SHA256", _hashes(gz))
    _serve(monkeypatch, server, gz)
    with pytest.raises(errors.DataLossError, match="IDX header says shape"):
        mnist.load_data(tmp_path)
    assert os.listdir(tmp_path) == []


def test_corrupt_file_already_in_folder(tmp_path, small):
    (tmp_path / mnist.TRAIN_IMAGES).write_bytes(small[mnist.TRAIN_LABELS][1])  # wrong kind
    with pytest.raises(errors.DataLossError, match="magic number") as info:
        mnist.load_data(tmp_path)
    assert str(tmp_path / mnist.TRAIN_IMAGES) in str(info.value)
    assert (tmp_path / mnist.TRAIN_IMAGES).exists()  # the user's file is left alone


def test_offline_error_says_where_to_put_files(tmp_path):
    folder = tmp_path / "nowhere"
    with pytest.raises(errors.NotFoundError) as info:
        mnist.load_data(folder)
    message = str(info.value)
    assert str(folder) in message
    for name in mnist.FILES:
        assert name in message
    assert os.listdir(folder) == []
