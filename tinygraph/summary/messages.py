"""The messages a FileWriter writes, encoded by hand (wire.py): Summary (scalars, and
the values of other kinds carried as they came) and Event. Field numbers are those of
TensorFlow's summary.proto and event.proto."""
import struct

from . import wire

# Summary.Value
_TAG, _SIMPLE_VALUE, _HISTO = 1, 2, 5
# Event
_WALL_TIME, _STEP, _FILE_VERSION, _GRAPH_DEF, _SUMMARY = 1, 2, 3, 4, 5


class Summary:
    """tf.summary.Summary, the few parts TF1 programs build by hand:
    `Summary(value=[Summary.Value(tag="acc", simple_value=0.9)])`."""

    class Value:
        def __init__(self, tag="", simple_value=None, histo=None):
            self.tag = tag
            self.simple_value = simple_value
            self.histo = histo          # a serialized HistogramProto
            self._raw = None            # the value's bytes, when it was parsed

        def SerializeToString(self):  # noqa: N802 - protobuf's name
            if self._raw is not None:
                return self._raw
            out = wire.bytes_field(_TAG, self.tag) if self.tag else b""
            if self.simple_value is not None:
                out += wire.float_field(_SIMPLE_VALUE, self.simple_value)
            if self.histo is not None:
                out += wire.bytes_field(_HISTO, _serialized(self.histo))
            return out

        def __repr__(self):
            return f"Summary.Value(tag={self.tag!r}, simple_value={self.simple_value!r})"

    def __init__(self, value=()):
        self.value = list(value)

    def SerializeToString(self):  # noqa: N802
        return join_values(v.SerializeToString() for v in self.value)

    @classmethod
    def FromString(cls, data):  # noqa: N802
        """Parses a serialized Summary; values of kinds other than scalars keep their
        bytes, so they are written back unchanged. Raises ValueError on bad bytes."""
        summary = cls()
        for number, wire_type, raw in wire.fields(data):
            if number != 1 or wire_type != wire.LEN:
                continue
            value = cls.Value()
            for n, t, v in wire.fields(raw):
                if n == _TAG and t == wire.LEN:
                    value.tag = v.decode("utf-8", "replace")
                elif n == _SIMPLE_VALUE and t == wire.FIXED32:
                    value.simple_value = struct.unpack("<f", v)[0]
            value._raw = bytes(raw)
            summary.value.append(value)
        return summary

    def __repr__(self):
        return f"Summary(value={self.value!r})"


def scalar_summary(tag, value):
    """The bytes of a Summary holding one scalar, as TF's ScalarSummary op makes them."""
    return Summary([Summary.Value(tag, simple_value=float(value))]).SerializeToString()


def histogram_summary(tag, histogram_proto):
    return Summary([Summary.Value(tag, histo=histogram_proto)]).SerializeToString()


def join_values(serialized_values):
    """A serialized Summary made of already serialized Summary.Value entries."""
    return b"".join(wire.bytes_field(1, v) for v in serialized_values)


def value_entries(data):
    """The serialized Summary.Value entries of a Summary, with their tags: what
    MergeSummary concatenates."""
    entries = []
    for number, wire_type, raw in wire.fields(data):
        if number == 1 and wire_type == wire.LEN:
            tag = next((v for n, t, v in wire.fields(raw) if n == _TAG and t == wire.LEN), b"")
            entries.append((tag.decode("utf-8", "replace"), bytes(raw)))
    return entries


def event(wall_time, step=0, file_version=None, graph_def=None, summary=None):
    """The bytes of an Event. Fields at their default (step 0) are left out, as protobuf
    does, so the bytes are those TF writes for the same event."""
    out = wire.double_field(_WALL_TIME, wall_time)
    if step:
        out += wire.uint_field(_STEP, int(step))
    if file_version is not None:
        out += wire.bytes_field(_FILE_VERSION, file_version)
    if graph_def is not None:
        out += wire.bytes_field(_GRAPH_DEF, graph_def)
    if summary is not None:
        out += wire.bytes_field(_SUMMARY, summary)
    return out


def _serialized(message):
    return message if isinstance(message, (bytes, bytearray)) else message.SerializeToString()


def as_summary_bytes(summary):
    """What add_summary accepts: the bytes a summary op's run gives, or a Summary
    object (ours, or a protobuf one from TensorFlow or TensorBoard)."""
    if hasattr(summary, "SerializeToString"):
        return summary.SerializeToString()
    if hasattr(summary, "item") and getattr(summary, "ndim", 1) == 0:   # a 0-d array
        summary = summary.item()
    if isinstance(summary, (bytes, bytearray, memoryview)):
        return bytes(summary)
    raise TypeError(f"add_summary expects a serialized Summary (bytes, the value of a "
                    f"summary op) or a Summary object, not {type(summary).__name__}")
