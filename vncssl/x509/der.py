"""A bounded reader of DER TLV structure (X.690), for certificates openssl has already parsed.

No crypto and no schema: it splits bytes into (tag, value) elements, linearly, and refuses
anything DER does not allow (indefinite lengths, lengths past the end, absurd nesting), so a
hostile certificate can make it fail but never loop, recurse without bound or read past the
buffer. Callers (`dernames`) give the elements meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Tuple

MAX_LENGTH_OCTETS = 4  # a certificate over 4 GiB is not a certificate


class DerError(ValueError):
    """The bytes are not the DER structure the caller expected."""


# Universal tags used by certificates.
BOOLEAN, INTEGER, BIT_STRING, OCTET_STRING, NULL, OID = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
UTF8_STRING, PRINTABLE_STRING, T61_STRING, IA5_STRING = 0x0C, 0x13, 0x14, 0x16
UTC_TIME, GENERALIZED_TIME, UNIVERSAL_STRING, BMP_STRING = 0x17, 0x18, 0x1C, 0x1E
SEQUENCE, SET = 0x30, 0x31

STRING_TYPES = {UTF8_STRING: "UTF8String", PRINTABLE_STRING: "PrintableString",
                T61_STRING: "TeletexString", IA5_STRING: "IA5String", 0x1A: "VisibleString",
                UNIVERSAL_STRING: "UniversalString", BMP_STRING: "BMPString",
                0x12: "NumericString"}


@dataclass(frozen=True)
class Tlv:
    """One element: offsets into the buffer it was read from (no copies while walking)."""

    tag: int  # the identifier octet (class, constructed bit, number < 31)
    data: bytes = field(repr=False)  # the whole buffer
    start: int  # the identifier octet
    content: int  # the first contents octet
    end: int  # one past the last contents octet

    @property
    def value(self) -> bytes:
        """The contents octets."""
        return self.data[self.content:self.end]

    @property
    def raw(self) -> bytes:
        """Identifier + length + contents, exactly as encoded."""
        return self.data[self.start:self.end]

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)

    def children(self) -> List[Tlv]:
        if not self.constructed:
            raise DerError(f"element with tag 0x{self.tag:02x} is not constructed")
        out, pos = [], self.content
        while pos < self.end:
            child = read_one(self.data, pos, self.end)
            out.append(child)
            pos = child.end
        return out

    def expect(self, tag: int) -> Tlv:
        if self.tag != tag:
            raise DerError(f"expected tag 0x{tag:02x}, found 0x{self.tag:02x}")
        return self


def read_one(data: bytes, pos: int = 0, limit: int = -1) -> Tlv:
    """The element starting at `pos`, which must end by `limit` (default: the buffer's end)."""
    limit = len(data) if limit < 0 else limit
    start = pos
    if pos + 2 > limit:
        raise DerError("truncated element")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-octet tags do not occur in certificates")
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0:
            raise DerError("indefinite length is not DER")
        if count > MAX_LENGTH_OCTETS or pos + count > limit:
            raise DerError("length field too long")
        length = int.from_bytes(data[pos:pos + count], "big")
        if length < 0x80 or data[pos] == 0:
            raise DerError("length not minimally encoded (not DER)")
        pos += count
    if pos + length > limit:
        raise DerError("element runs past the end of its container")
    return Tlv(tag, data, start, pos, pos + length)


def parse(data: bytes) -> Tlv:
    """Exactly one element spanning all of `data`."""
    tlv = read_one(data, 0)
    if tlv.end != len(data):
        raise DerError("trailing bytes after the element")
    return tlv


def oid(value: bytes) -> str:
    """Dotted text of an OBJECT IDENTIFIER's contents."""
    if not value or value[-1] & 0x80:
        raise DerError("malformed OBJECT IDENTIFIER")
    arcs: List[int] = []
    n = 0
    for i, b in enumerate(value):
        if n == 0 and b == 0x80:
            raise DerError("OBJECT IDENTIFIER arc with a leading zero octet")
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(n)
            n = 0
        if n.bit_length() > 128 or i > 256:
            raise DerError("OBJECT IDENTIFIER too long")
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def integer_bits(value: bytes) -> int:
    """Bit length of a non-negative INTEGER's contents (an RSA modulus)."""
    return int.from_bytes(value, "big").bit_length()


def boolean(value: bytes) -> bool:
    if len(value) != 1:
        raise DerError("malformed BOOLEAN")
    return value != b"\x00"


def bit_string(value: bytes) -> Tuple[int, bytes]:
    """(unused bits, bytes) of a BIT STRING's contents."""
    if not value or value[0] > 7:
        raise DerError("malformed BIT STRING")
    return value[0], value[1:]


def text(tlv: Tlv) -> str:
    """A directory string's characters (BMP/Universal strings are UTF-16/32 BE)."""
    if tlv.tag == BMP_STRING:
        return tlv.value.decode("utf-16-be", "replace")
    if tlv.tag == UNIVERSAL_STRING:
        return tlv.value.decode("utf-32-be", "replace")
    if tlv.tag == T61_STRING:
        return tlv.value.decode("latin-1")
    return tlv.value.decode("utf-8", "replace")
