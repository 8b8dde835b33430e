"""TensorBoard's event files: TFRecord framing (each record is its length, a masked
CRC-32C of the length, the data, and a masked CRC-32C of the data) around serialized
Events, in a file named as TF 1.15 names it."""
import os
import socket
import struct
import time

from . import messages

FILE_VERSION = "brain.Event:2"


def _crc32c_table():
    poly = 0x82F63B78   # the Castagnoli polynomial, bit-reversed
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """TFRecord's masked CRC: rotated and offset, so that a CRC stored inside the data
    it covers does not checksum to a fixed value."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame(data):
    """One TFRecord holding `data`."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc32c(length)) + data +
            struct.pack("<I", masked_crc32c(data)))


def read_records(path):
    """The data of each record in a TFRecord file, checking both CRCs (a reader for
    tests and tools; TensorBoard has its own)."""
    with open(path, "rb") as f:
        blob = f.read()
    pos, records = 0, []
    while pos < len(blob):
        if pos + 12 > len(blob):
            raise ValueError(f"{path}: truncated record header at byte {pos}")
        length_bytes = blob[pos:pos + 8]
        (length,), (length_crc,) = struct.unpack("<Q", length_bytes), \
            struct.unpack("<I", blob[pos + 8:pos + 12])
        if masked_crc32c(length_bytes) != length_crc:
            raise ValueError(f"{path}: bad length CRC at byte {pos}")
        data = blob[pos + 12:pos + 12 + length]
        if pos + 16 + length > len(blob):
            raise ValueError(f"{path}: truncated record at byte {pos}")
        (data_crc,) = struct.unpack("<I", blob[pos + 12 + length:pos + 16 + length])
        if masked_crc32c(data) != data_crc:
            raise ValueError(f"{path}: bad data CRC at byte {pos}")
        records.append(data)
        pos += 16 + length
    return records


class EventFile:
    """An open event file in `logdir`: `events.out.tfevents.<seconds>.<host><suffix>`,
    whose first record is the file_version event. Records go through a buffered file;
    `flush` makes them visible to readers."""

    def __init__(self, logdir, filename_suffix=""):
        now = int(time.time())
        base = f"events.out.tfevents.{now:010d}.{socket.gethostname()}"
        self.path = os.path.join(logdir, base + (filename_suffix or ""))
        n = 0
        while True:
            try:
                self._file = open(self.path, "xb")
                break
            except FileExistsError:
                # TF would truncate the file of another writer made in the same second;
                # a number keeps both, and TensorBoard reads any file named *tfevents*.
                n += 1
                self.path = os.path.join(logdir, f"{base}.{n}{filename_suffix or ''}")
        self.write(messages.event(float(now), file_version=FILE_VERSION))
        self.flush()

    def write(self, event_bytes):
        self._file.write(frame(event_bytes))

    def flush(self):
        self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()

    @property
    def closed(self):
        return self._file.closed
