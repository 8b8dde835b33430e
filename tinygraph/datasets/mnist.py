"""MNIST, the Keras way (`load_data`) and the TF1-tutorial way (`read_data_sets`).

The data are the four original IDX .gz files (FILES). They are looked for in, first
match wins: the folder passed in, `$TINYGRAPH_DATA/mnist`, `~/.cache/tinygraph/mnist`.
A missing file is downloaded from MIRRORS into that folder, checked against SHA256
and moved into place atomically, so an interrupted or bad download never leaves a
half file that later runs would trust.

Errors (both from tinygraph.errors, so `except tf.errors.OpError` catches either):
  NotFoundError  a file is missing and no mirror delivered it (e.g. offline); the
                 message names the folder and the four files to copy there.
  DataLossError  a file is corrupt: wrong SHA-256 after download, broken gzip, bad
                 IDX header or size. A bad download is deleted, never cached; a bad
                 file you put in the folder yourself is left alone and named.
"""
import collections
import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.request
import zlib

import numpy as np

from ..framework import errors

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

MIRRORS = [
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # the one TF1 used
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # PyTorch's
]

# Accepted SHA-256 of each .gz file (a str or a tuple of str). Two per file because the
# same pixels circulate in two gzip wrappings: the 1998 originals the mirrors serve, and
# the re-compressed copy in the project's shared data folder (same uncompressed bytes,
# different gzip header), which anyone may serve from a local mirror.
SHA256 = {
    TRAIN_IMAGES: ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                   "b09d8b89df4ad239afc76a323dbe9559169cd8cca365467dfe8aa1f7ca54109b"),
    TRAIN_LABELS: ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                   "c51906e7929bbf7c824fbd16019b56297269ca82cba449c5b5d59c0a02147fed"),
    TEST_IMAGES: ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                  "f72c2dff3457595ec2fe452d25d97b7f974a74ad5b006687704212bedd1486d8"),
    TEST_LABELS: ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                  "4baf84ddd60ae342cfdd282ec3fba3249a201a4459782165496a7cbebbe49a2e"),
}

TIMEOUT = 30  # seconds per connection attempt; a dead mirror should not hang training


def data_dir(path=None):
    """The folder the MNIST files are read from (and downloaded into)."""
    if path is not None:
        return os.path.abspath(os.path.expanduser(os.fspath(path)))
    root = os.environ.get("TINYGRAPH_DATA")
    if root:
        return os.path.abspath(os.path.join(os.path.expanduser(root), "mnist"))
    return os.path.join(os.path.expanduser("~"), ".cache", "tinygraph", "mnist")


def _download(folder, name):
    """Fetch `name` into a temporary file in `folder`; return its path once its SHA-256
    is accepted. The temporary file lives in `folder` so os.replace is an atomic rename."""
    accepted = SHA256[name]
    accepted = {accepted} if isinstance(accepted, str) else set(accepted)
    os.makedirs(folder, exist_ok=True)
    failures, got_bad_bytes = [], False
    for mirror in MIRRORS:
        url = mirror.rstrip("/") + "/" + name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        keep = False
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
                # One read() (files are <10 MB): unlike read(n) in a loop, it raises
                # IncompleteRead when the connection drops before Content-Length.
                data = resp.read()
                out.write(data)
            digest = hashlib.sha256(data).hexdigest()
            keep = digest in accepted
            if not keep:  # a broken or tampered mirror: try the next one
                got_bad_bytes = True
                failures.append(f"{url}: SHA-256 {digest} is not the expected "
                                + " or ".join(sorted(accepted)))
        except (OSError, http.client.HTTPException) as e:  # URLError, timeouts, short reads
            failures.append(f"{url}: {e}")
        finally:
            if not keep:
                os.remove(tmp)
        if keep:
            return tmp
    tried = "\n  ".join(failures) or "(MIRRORS is empty)"
    if got_bad_bytes:
        raise errors.DataLossError(None, None, (
            f"MNIST file {name}: every download was corrupt or failed, nothing was saved "
            f"in {folder}. Tried:\n  {tried}"))
    raise errors.NotFoundError(None, None, (
        f"MNIST file {name} is not in {folder} and could not be downloaded. Tried:\n  {tried}\n"
        f"If this machine is offline, copy the four MNIST files {', '.join(FILES)} into "
        f"{folder} (or pass another folder, or set $TINYGRAPH_DATA to a folder whose "
        f"'mnist' subfolder holds them)."))


def _parse_idx(path, ndim):
    """An IDX file of unsigned bytes (all MNIST uses) as a numpy array; ValueError saying
    what is wrong if it is not one."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:  # EOFError = truncated
        raise ValueError(f"not a valid gzip file ({e})") from None
    # Header: two zero bytes, type code 0x08 (unsigned byte), the number of dimensions,
    # then each dimension as a big-endian uint32.
    magic = bytes([0, 0, 8, ndim])
    if data[:4] != magic or len(data) < 4 + 4 * ndim:
        raise ValueError(f"IDX magic number is {data[:4].hex()}, expected {magic.hex()}")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", ndim, 4))
    size, start = int(np.prod(dims)), 4 + 4 * ndim
    if len(data) - start != size:
        raise ValueError(f"IDX header says shape {dims} ({size} bytes) but the file "
                         f"holds {len(data) - start} bytes of data")
    return np.frombuffer(data, np.uint8, size, start).reshape(dims).copy()  # writable


def _load(folder, name, ndim):
    path = os.path.join(folder, name)
    if os.path.exists(path):
        try:
            return _parse_idx(path, ndim)
        except ValueError as e:
            raise errors.DataLossError(None, None, (
                f"MNIST file {path} is corrupt: {e}. Delete it to have it downloaded "
                f"again, or replace it with a good copy.")) from None
    tmp = _download(folder, name)
    try:
        array = _parse_idx(tmp, ndim)
        os.replace(tmp, path)
        return array
    except ValueError as e:  # SHA256 was set to a bad file's hash; still do not cache it
        raise errors.DataLossError(None, None, (
            f"MNIST file {name} downloaded into {folder} is corrupt: {e}. "
            f"It was not kept.")) from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_data(path=None):
    """((x_train, y_train), (x_test, y_test)) as uint8 arrays, images (n, 28, 28), like
    keras.datasets.mnist.load_data. `path` is the folder holding the .gz files."""
    folder = data_dir(path)

    def split(images_file, labels_file):
        images, labels = _load(folder, images_file, 3), _load(folder, labels_file, 1)
        if len(images) != len(labels):
            raise errors.DataLossError(None, None, (
                f"MNIST files in {folder} do not match: {images_file} has {len(images)} "
                f"images but {labels_file} has {len(labels)} labels"))
        return images, labels

    return split(TRAIN_IMAGES, TRAIN_LABELS), split(TEST_IMAGES, TEST_LABELS)


class DataSet:
    """One split with TF1's tutorial batching. Shuffling uses numpy's global RNG (so
    np.random.seed makes runs repeatable, as in TF1) unless a `seed` is given, which
    gives this DataSet its own RandomState. (TF1 instead reseeded the global RNG.)"""

    def __init__(self, images, labels, dtype=np.float32, reshape=True, seed=None):
        dtype = np.dtype(getattr(dtype, "as_numpy_dtype", dtype))  # accepts tf.float32 too
        if dtype not in (np.uint8, np.float32):
            raise TypeError(f"Invalid image dtype {dtype!r}, expected uint8 or float32")
        images, labels = np.asarray(images), np.asarray(labels)
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        if reshape:
            images = images.reshape(len(images), -1)
        if dtype == np.float32:
            # Multiply by the reciprocal rather than divide: that is what TF1 did, and the
            # two differ in the last bit for about half the pixel values.
            images = images.astype(np.float32) * np.float32(1.0 / 255.0)
        self._images, self._labels = images, labels
        self._num_examples = len(images)
        self._rng = np.random if seed is None else np.random.RandomState(seed)
        self._epochs_completed = 0
        self._index_in_epoch = 0

    images = property(lambda self: self._images)
    labels = property(lambda self: self._labels)
    num_examples = property(lambda self: self._num_examples)
    epochs_completed = property(lambda self: self._epochs_completed)

    def _shuffle(self):
        order = self._rng.permutation(self._num_examples)
        self._images, self._labels = self._images[order], self._labels[order]

    def next_batch(self, batch_size, shuffle=True):
        """The next `batch_size` examples. An epoch serves every example once; a batch
        that crosses the end of an epoch is the epoch's rest followed by the start of
        the next (reshuffled) epoch."""
        start = self._index_in_epoch
        if shuffle and self._epochs_completed == 0 and start == 0:
            self._shuffle()  # the first epoch is shuffled too
        if start + batch_size <= self._num_examples:
            self._index_in_epoch = end = start + batch_size
            return self._images[start:end], self._labels[start:end]
        self._epochs_completed += 1
        rest_images, rest_labels = self._images[start:], self._labels[start:]
        if shuffle:
            self._shuffle()  # makes new arrays, so the rest_* slices stay valid
        self._index_in_epoch = end = batch_size - len(rest_images)
        return (np.concatenate((rest_images, self._images[:end])),
                np.concatenate((rest_labels, self._labels[:end])))


Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


def read_data_sets(train_dir=None, one_hot=False, dtype=np.float32, reshape=True,
                   validation_size=5000, seed=None):
    """Datasets(train, validation, test) like TF1's input_data.read_data_sets: the first
    `validation_size` training images are the validation split; images are (n, 784)
    float32 in [0, 1] (or (n, 28, 28, 1) with reshape=False, or 0..255 with dtype uint8);
    labels are uint8 class ids, or float64 one-hot rows with one_hot=True."""
    (x_train, y_train), (x_test, y_test) = load_data(train_dir)
    if not 0 <= validation_size <= len(x_train):
        raise ValueError(f"Validation size should be between 0 and {len(x_train)}. "
                         f"Received: {validation_size}.")
    if one_hot:
        y_train, y_test = np.eye(10)[y_train], np.eye(10)[y_test]  # float64, as in TF1
    x_train, x_test = x_train[..., None], x_test[..., None]  # TF1 kept a channel axis
    opts = dict(dtype=dtype, reshape=reshape, seed=seed)
    return Datasets(
        train=DataSet(x_train[validation_size:], y_train[validation_size:], **opts),
        validation=DataSet(x_train[:validation_size], y_train[:validation_size], **opts),
        test=DataSet(x_test, y_test, **opts))
