"""The protocol-buffer wire format, the little of it summaries and events need: enough
to write a Summary or an Event field by field, and to read one back, without depending
on the protobuf package."""
import struct

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5


def varint(n):
    """An unsigned varint; a negative int64 is written as its 64-bit two's complement."""
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def key(field, wire_type):
    return varint(field << 3 | wire_type)


def uint_field(field, n):
    return key(field, VARINT) + varint(n)


def double_field(field, x):
    return key(field, FIXED64) + struct.pack("<d", x)


def float_field(field, x):
    return key(field, FIXED32) + struct.pack("<f", x)


def bytes_field(field, data):
    data = data.encode() if isinstance(data, str) else bytes(data)
    return key(field, LEN) + varint(len(data)) + data


def packed_doubles(field, xs):
    return bytes_field(field, struct.pack(f"<{len(xs)}d", *xs))


def fields(data):
    """(field number, wire type, value) for each field of a serialized message, in
    order: varints as ints, fixed-width values as their raw bytes, LEN fields as bytes.
    Raises ValueError on anything that is not a well-formed message."""
    data = bytes(data)
    pos, end = 0, len(data)
    while pos < end:
        tag, pos = _read_varint(data, pos)
        number, wire_type = tag >> 3, tag & 7
        if number == 0:
            raise ValueError("field number 0")
        if wire_type == VARINT:
            value, pos = _read_varint(data, pos)
        elif wire_type in (FIXED64, FIXED32):
            size = 8 if wire_type == FIXED64 else 4
            value, pos = data[pos:pos + size], pos + size
        elif wire_type == LEN:
            size, pos = _read_varint(data, pos)
            value, pos = data[pos:pos + size], pos + size
        else:
            raise ValueError(f"unsupported wire type {wire_type}")
        if pos > end:
            raise ValueError("truncated message")
        yield number, wire_type, value


def _read_varint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated or overlong varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos
