"""Checkpoint files: `P.index` (JSON) + `P.data-00000-of-00001` (raw little-endian bytes).

The layout mirrors TF's V2 format so prefixes, `checkpoint` state files and max_to_keep
work as in TF; the encoding is our own and pickle-free, so loading never runs code."""
import contextlib
import dataclasses
import json
import logging
import math
import os
import re
import tempfile
import zlib

import numpy as np

from tinygraph.framework import errors

FORMAT_NAME, FORMAT_VERSION = "tinygraph-checkpoint", 1
STATE_FILENAME = "checkpoint"
_DTYPES = frozenset(["float16", "float32", "float64", "int8", "int16", "int32", "int64",
                     "uint8", "bool"])


def index_path(prefix):
    return os.fspath(prefix) + ".index"


def data_path(prefix):
    return os.fspath(prefix) + ".data-00000-of-00001"


def _le(dtype_name):
    # Bytes on disk are always little-endian so checkpoints move between machines.
    return np.dtype(dtype_name).newbyteorder("<")


def _fsync_dir(directory):
    # Makes the renames themselves durable; best-effort as not every OS can open a dir.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic_write(final_paths, writers):
    """Write each file to a temp name beside its target, fsync, then rename in order.
    A same-directory rename is atomic, so readers see the old or the new file, never a
    torn one; a failure before the renames leaves the targets untouched, temps removed."""
    temps = []
    try:
        for final, write in zip(final_paths, writers):
            directory, base = os.path.split(os.path.abspath(final))
            fd, tmp = tempfile.mkstemp(prefix="." + base + ".", suffix=".tmp", dir=directory)
            temps.append(tmp)
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
        for tmp, final in zip(temps, final_paths):
            os.replace(tmp, final)
    finally:
        for tmp in temps:  # after success these were renamed away; after failure they linger
            if os.path.exists(tmp):
                os.remove(tmp)
    _fsync_dir(os.path.dirname(os.path.abspath(final_paths[-1])))


def write_checkpoint(prefix, tensors):
    """Save dict name -> array at `prefix`, replacing any checkpoint there atomically."""
    prefix = os.fspath(prefix)
    os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
    entries = {}

    def write_data(f):
        offset = 0
        for name, value in tensors.items():
            if not isinstance(name, str):
                raise TypeError(f"Checkpoint tensor names must be str, got {name!r}")
            arr = np.asarray(value)
            if arr.dtype.name not in _DTYPES:
                raise TypeError(f"Cannot checkpoint tensor {name!r} of dtype {arr.dtype}; "
                                f"supported: {sorted(_DTYPES)}")
            raw = arr.astype(_le(arr.dtype.name), copy=False).tobytes(order="C")
            f.write(raw)
            entries[name] = {"dtype": arr.dtype.name, "shape": list(arr.shape),
                             "offset": offset, "length": len(raw), "crc32": zlib.crc32(raw)}
            offset += len(raw)

    def write_index(f):
        doc = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "tensors": entries}
        f.write(json.dumps(doc, indent=1).encode("utf-8"))

    # Data first, index last: the index is the commit point that makes a save visible.
    _atomic_write([data_path(prefix), index_path(prefix)], [write_data, write_index])


def checkpoint_exists(prefix):
    return os.path.isfile(index_path(prefix)) and os.path.isfile(data_path(prefix))


def remove_checkpoint(prefix):
    """Delete both files of a checkpoint (for max_to_keep); already-missing files are fine."""
    for path in (index_path(prefix), data_path(prefix)):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def _is_count(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


class CheckpointReader:
    """Reads a checkpoint lazily: the index is parsed and checked up front, each tensor's
    bytes only when asked for, so one damaged tensor does not hide the others."""

    def __init__(self, prefix):
        self._prefix = os.fspath(prefix)
        self._index, self._data = index_path(self._prefix), data_path(self._prefix)
        if not checkpoint_exists(self._prefix):
            raise self._missing()
        with open(self._index, "rb") as f:
            raw = f.read()
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise self._loss(self._index, f"index is not valid JSON ({e})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME \
                or not isinstance(doc.get("tensors"), dict):
            raise self._loss(self._index, "not a tinygraph checkpoint index")
        if doc.get("version") != FORMAT_VERSION:
            raise self._loss(self._index, f"unsupported format version {doc.get('version')!r}")
        for name, e in doc["tensors"].items():
            self._check_entry(name, e)
        self._entries = doc["tensors"]

    def _missing(self):
        return errors.NotFoundError(
            None, None, f"Failed to find any matching files for {self._prefix}")

    @staticmethod
    def _loss(path, message):
        return errors.DataLossError(None, None, f"Corrupt checkpoint file {path}: {message}")

    def _check_entry(self, name, e):
        ok = (isinstance(e, dict) and e.get("dtype") in _DTYPES
              and isinstance(e.get("shape"), list) and all(map(_is_count, e["shape"]))
              and all(_is_count(e.get(k)) for k in ("offset", "length", "crc32")))
        if ok:  # the byte length must agree with dtype and shape, or reshape would fail later
            ok = e["length"] == math.prod(e["shape"]) * np.dtype(e["dtype"]).itemsize
        if not ok:
            raise self._loss(self._index, f"malformed entry for tensor {name!r}")

    def has_tensor(self, name):
        return name in self._entries

    def get_variable_to_shape_map(self):
        return {n: list(e["shape"]) for n, e in self._entries.items()}

    def get_variable_to_dtype_map(self):
        return {n: e["dtype"] for n, e in self._entries.items()}

    def get_tensor(self, name):
        e = self._entries.get(name)
        if e is None:
            raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
        offset, length = e["offset"], e["length"]
        try:
            f = open(self._data, "rb")
        except FileNotFoundError:  # deleted (e.g. by max_to_keep) since we opened the index
            raise self._missing() from None
        with f:
            size = os.fstat(f.fileno()).st_size
            # Check bounds before seeking so a truncated file is reported, not half-read.
            if offset + length > size:
                raise self._loss(self._data, f"tensor {name!r} needs bytes [{offset}, "
                                 f"{offset + length}) but the file has {size} (truncated?)")
            f.seek(offset)
            raw = f.read(length)
        if len(raw) != length or zlib.crc32(raw) != e["crc32"]:
            raise self._loss(self._data, f"checksum mismatch for tensor {name!r}")
        native = np.dtype(e["dtype"])
        if length == 0:  # frombuffer rejects empty buffers on some numpy versions
            return np.empty(e["shape"], dtype=native)
        arr = np.frombuffer(raw, dtype=_le(e["dtype"])).reshape(e["shape"])
        return arr.astype(native)  # native byte order, and a writable copy


# ---- the `checkpoint` state file: a tiny subset of protobuf text format ----------------

@dataclasses.dataclass
class CheckpointState:
    model_checkpoint_path: str
    all_model_checkpoint_paths: list


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b'"': b'"', b"'": b"'", b"\\": b"\\"}


def _quote(s):
    return '"' + (s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                  .replace("\r", "\\r").replace("\t", "\\t")) + '"'


def _unquote(text):
    """Decode a text-format string literal; TF writes non-ASCII bytes as octal escapes."""
    if len(text) < 2 or text[0] not in "\"'" or text[-1] != text[0]:
        raise ValueError(f"not a string literal: {text}")

    def unescape(m):
        e = m.group(1)
        if e[:1] in b"01234567":
            return bytes([int(e, 8) & 0xFF])
        if e[:1] == b"x":
            return bytes([int(e[1:], 16)])
        if e in _ESCAPES:
            return _ESCAPES[e]
        raise ValueError(f"bad escape in {text}")

    body = text[1:-1].encode("utf-8")
    return re.sub(rb"\\([0-7]{1,3}|x[0-9a-fA-F]{2}|.)", unescape, body).decode("utf-8")


def _state_path(directory, latest_filename):
    return os.path.join(os.fspath(directory), latest_filename or STATE_FILENAME)


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None):
    """Atomically (re)write `save_dir/checkpoint`, listing paths relative to save_dir when
    they lie inside it so the directory can be moved, absolute otherwise."""
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)  # TF also forces the latest to be listed last
    root = os.path.abspath(save_dir)

    def portable(p):
        p = os.path.abspath(os.fspath(p))
        return os.path.relpath(p, root) if os.path.commonpath([p, root]) == root else p

    lines = [f"model_checkpoint_path: {_quote(portable(model_checkpoint_path))}"]
    lines += [f"all_model_checkpoint_paths: {_quote(portable(p))}" for p in paths]
    text = ("\n".join(lines) + "\n").encode("utf-8")
    _atomic_write([_state_path(save_dir, latest_filename)], [lambda f: f.write(text)])


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """Parse the state file; None if it is absent or unreadable (TF logs and ignores it)."""
    path = _state_path(checkpoint_dir, latest_filename)
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        fields = {"model_checkpoint_path": [], "all_model_checkpoint_paths": []}
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"no ':' in line {line!r}")
            if key.strip() in fields:  # timestamps etc. that TF may add are ignored
                fields[key.strip()].append(_unquote(value.strip()))
        if not fields["model_checkpoint_path"]:
            raise ValueError("no model_checkpoint_path")
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:  # UnicodeDecodeError is a ValueError
        logging.warning("%s: Checkpoint ignored: %s", path, e)
        return None

    def resolve(p):
        return p if os.path.isabs(p) else os.path.join(os.fspath(checkpoint_dir), p)

    return CheckpointState(resolve(fields["model_checkpoint_path"][-1]),
                           [resolve(p) for p in fields["all_model_checkpoint_paths"]])


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The newest checkpoint prefix, or None if there is no state or its files are gone."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None:
        return None
    if checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    logging.error("Couldn't match files for checkpoint %s", state.model_checkpoint_path)
    return None
