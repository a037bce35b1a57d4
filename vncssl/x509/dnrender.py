"""A distinguished name's DER -> the string `openssl ... -nameopt RFC2253` prints for it, so a
subject read from the structure is the same text the per-certificate `openssl x509` printed
(code compares subjects and issuers across certificates, and renew turns one back into -subj).

openssl's rules (crypto/asn1/a_strex.c, X509_NAME_print_ex with XN_FLAG_RFC2253):
- the attributes in reverse order of the encoding (multi-valued RDNs too), ',' between RDNs
  and '+' inside one; the attribute type as its short name, or dotted when openssl does not
  know it, and then the value is the '#' + hex of its DER;
- a value whose type is not a string type (BIT STRING, SEQUENCE, ...) is '#' + hex DER;
- a string's characters (UTF8String byte by byte, BMPString 2 and UniversalString 4 octets a
  character, the others one octet a character taken as Latin-1) are written as UTF-8, and
  every octet >= 0x80 as \\XX; control characters as \\XX; , + " \\ < > ; with a backslash;
  a space first or last and a '#' first with a backslash, except that a single-character
  value counts as last only (so "#" alone stays "#").
"""

from __future__ import annotations

from typing import List

from vncssl.x509 import der
from vncssl.x509.oidnames import ATTRIBUTE_NAMES

# Octets per character of the string types openssl prints as text; any other tag is dumped.
_WIDTH = {der.UTF8_STRING: 1, 0x12: 1, der.PRINTABLE_STRING: 1, der.T61_STRING: 1,
          der.IA5_STRING: 1, 0x1A: 1, der.UNIVERSAL_STRING: 4, der.BMP_STRING: 2}
_BACKSLASHED = frozenset(b',+"\\<>;')


def _utf8(c: int) -> bytes:
    """UTF8_putc: also for surrogates and values past U+10FFFF, as openssl encodes them."""
    if c < 0x80:
        return bytes([c])
    for limit, count, lead in ((0x800, 2, 0xC0), (0x10000, 3, 0xE0), (0x200000, 4, 0xF0),
                               (0x4000000, 5, 0xF8), (0x80000000, 6, 0xFC)):
        if c < limit:
            tail = [0x80 | (c >> (6 * i)) & 0x3F for i in range(count - 2, -1, -1)]
            return bytes([lead | (c >> (6 * (count - 1)))] + tail)
    raise der.DerError("character out of range")


def _escape(octet: int, first: bool, last: bool) -> str:
    if octet >= 0x80 or octet < 0x20 or octet == 0x7F:
        return f"\\{octet:02X}"
    if octet in _BACKSLASHED or (octet == 0x20 and (first or last)) or \
            (octet == 0x23 and first):
        return "\\" + chr(octet)
    return chr(octet)


def _hex_dump(tlv: der.Tlv) -> str:
    return "#" + tlv.raw.hex().upper()


def value_text(tlv: der.Tlv) -> str:
    width = _WIDTH.get(tlv.tag)
    if width is None:
        return _hex_dump(tlv)
    data = tlv.value
    if len(data) % width:
        raise der.DerError("string length is not a whole number of characters")
    count = len(data) // width
    out: List[str] = []
    for i in range(count):
        c = int.from_bytes(data[i * width:(i + 1) * width], "big")
        # openssl's quirk: the last character's flag replaces the first's.
        last = i == count - 1
        first = i == 0 and not last
        encoded = bytes([c]) if tlv.tag == der.UTF8_STRING else _utf8(c)
        out.extend(_escape(o, first, last) for o in encoded)
    return "".join(out)


def rfc2253(name: bytes) -> str:
    """The RFC 2253 text of a Name (its whole DER, tag and length included)."""
    entries = []
    for rdn_index, rdn in enumerate(der.parse(name).expect(der.SEQUENCE).children()):
        for atv in rdn.expect(der.SET).children():
            parts = atv.expect(der.SEQUENCE).children()
            if len(parts) != 2:
                raise der.DerError("malformed AttributeTypeAndValue")
            oid = der.oid(parts[0].expect(der.OID).value)
            short = ATTRIBUTE_NAMES.get(oid)
            text = value_text(parts[1]) if short else _hex_dump(parts[1])
            entries.append((rdn_index, f"{short or oid}={text}"))
    out: List[str] = []
    previous = None
    for rdn_index, text in reversed(entries):
        if previous is not None:
            out.append("+" if rdn_index == previous else ",")
        out.append(text)
        previous = rdn_index
    return "".join(out)
