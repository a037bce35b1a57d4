"""A bounded DER (TLV) reader for structures openssl produced: tags, lengths, OIDs and the
few primitive values vncssl needs. Structure only: no signature or key arithmetic here.

Every read is checked against the buffer it came from, so a hostile file can make it raise
`DerError` but never read past its end or loop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

SEQUENCE, SET, OID, OCTET_STRING, BIT_STRING, INTEGER, BOOLEAN = (
    0x30, 0x31, 0x06, 0x04, 0x03, 0x02, 0x01)


class DerError(ValueError):
    """The bytes are not the DER structure expected."""


@dataclass(frozen=True)
class Tlv:
    tag: int
    data: bytes  # the whole buffer this element lives in
    start: int  # first content byte
    end: int  # one past the last content byte

    @property
    def content(self) -> bytes:
        return self.data[self.start:self.end]

    def children(self) -> List[Tlv]:
        """The elements inside a constructed element, in order."""
        if not self.tag & 0x20:
            raise DerError(f"tag 0x{self.tag:02x} is not constructed")
        out, pos = [], self.start
        while pos < self.end:
            child = read(self.data, pos, self.end)
            out.append(child)
            pos = child.end
        return out

    def expect(self, tag: int) -> Tlv:
        if self.tag != tag:
            raise DerError(f"expected tag 0x{tag:02x}, found 0x{self.tag:02x}")
        return self


def read(data: bytes, pos: int = 0, limit: int = -1) -> Tlv:
    """The element starting at `pos`, which must end by `limit` (default: end of data)."""
    limit = len(data) if limit < 0 else limit
    if pos + 2 > limit:
        raise DerError("truncated element")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used by X.509")
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > limit:
            raise DerError("bad length")  # 0: indefinite length, which DER forbids
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > limit:
        raise DerError("element runs past its container")
    return Tlv(tag, data, pos, pos + length)


def read_whole(data: bytes) -> Tlv:
    """The one element that must fill `data` exactly."""
    top = read(data, 0)
    if top.end != len(data):
        raise DerError("trailing bytes after the element")
    return top


def oid(tlv: Tlv) -> str:
    raw = tlv.expect(OID).content
    if not raw or raw[-1] & 0x80:
        raise DerError("bad OID")
    arcs: List[int] = []
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def integer_bits(tlv: Tlv) -> int:
    """Bit length of a non-negative INTEGER (an RSA modulus)."""
    raw = tlv.expect(INTEGER).content.lstrip(b"\x00")
    return len(raw) * 8 - (8 - raw[0].bit_length()) if raw else 0


def bit_string_bytes(tlv: Tlv) -> bytes:
    raw = tlv.expect(BIT_STRING).content
    if not raw or raw[0] != 0:
        raise DerError("bit string with unused bits")
    return raw[1:]


def text(tlv: Tlv) -> str:
    """A string value (UTF8String, PrintableString, IA5String, BMPString...)."""
    if tlv.tag == 0x1E:  # BMPString
        return tlv.content.decode("utf-16-be", "replace")
    return tlv.content.decode("utf-8", "replace")
