"""What the viewer's rules need from a certificate, read from its DER structure (`der`), never
from openssl's display text: the subject's attributes with their string types, the raw issuer
and subject names (GnuTLS compares them byte for byte), subjectAltName GeneralNames with their
tags, keyUsage bits, extendedKeyUsage OIDs, basicConstraints, every extension's OID and
critical flag, key identifiers, the public key (algorithm, size, curve) and the signature
algorithm. Signatures themselves are openssl's job.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import FrozenSet, List, Optional, Tuple

from vncssl.x509 import der
from vncssl.x509.derkey import PublicKey, public_key, signature_hash

OID_CN = "2.5.4.3"
EXT_BASIC_CONSTRAINTS, EXT_KEY_USAGE, EXT_SAN = "2.5.29.19", "2.5.29.15", "2.5.29.17"
EXT_EKU, EXT_SKID, EXT_AKID = "2.5.29.37", "2.5.29.14", "2.5.29.35"

# keyUsage bits (RFC 5280 4.2.1.3), named as `openssl x509 -text` names them.
KEY_USAGE_NAMES = ("Digital Signature", "Non Repudiation", "Key Encipherment",
                   "Data Encipherment", "Key Agreement", "Certificate Sign", "CRL Sign",
                   "Encipher Only", "Decipher Only")
EKU_NAMES = {"1.3.6.1.5.5.7.3.1": "TLS Web Server Authentication",
             "1.3.6.1.5.5.7.3.2": "TLS Web Client Authentication",
             "1.3.6.1.5.5.7.3.3": "Code Signing", "1.3.6.1.5.5.7.3.4": "E-mail Protection",
             "1.3.6.1.5.5.7.3.8": "Time Stamping", "1.3.6.1.5.5.7.3.9": "OCSP Signing",
             "2.5.29.37.0": "Any Extended Key Usage"}
# GeneralName CHOICE tags (RFC 5280 4.2.1.6) -> the kind vncssl reports.
_GENERAL_NAMES = {0xA0: "otherName", 0x81: "email", 0x82: "DNS", 0xA3: "x400Address",
                  0xA4: "DirName", 0xA5: "ediPartyName", 0x86: "URI", 0x87: "IP",
                  0x88: "RID"}


@dataclass(frozen=True)
class Attribute:
    oid: str
    string_type: str  # UTF8String, PrintableString, ... ("tag 0xNN" for anything else)
    value: str


@dataclass(frozen=True)
class Extension:
    oid: str
    critical: bool
    value: bytes


@dataclass(frozen=True)
class GeneralName:
    kind: str  # DNS, IP, email, URI, otherName, DirName, ...
    value: str  # IP: the address text ("invalid:<hex>" when not 4 or 16 octets)
    raw: bytes = b""


@dataclass
class DerCert:
    version: int
    issuer_raw: bytes
    subject_raw: bytes
    subject: List[List[Attribute]]  # RDNs in order, each a set of attributes
    spki_raw: bytes
    key: PublicKey
    signature_oid: str
    signature_hash: Optional[str]  # "sha256", "sha1", ... None when unknown/intrinsic
    extensions: List[Extension] = field(default_factory=list)
    san: Optional[List[GeneralName]] = None  # None: no subjectAltName extension
    key_usage: Optional[FrozenSet[str]] = None  # KEY_USAGE_NAMES present; None: no extension
    eku: Optional[List[str]] = None  # OIDs; None: no extension
    basic_constraints: Optional[Tuple[bool, Optional[int]]] = None  # (CA, pathlen)
    skid: Optional[bytes] = None
    akid: Optional[bytes] = None
    serial: bytes = b""  # the INTEGER's contents octets
    validity: Tuple[Tuple[int, bytes], ...] = ()  # (tag, contents) of notBefore, notAfter
    tbs_signature_oid: str = ""  # the algorithm inside tbsCertificate (what -text prints)

    def attribute_values(self, oid: str) -> List[str]:
        return [a.value for rdn in self.subject for a in rdn if a.oid == oid]

    @property
    def is_ca(self) -> bool:
        return bool(self.basic_constraints and self.basic_constraints[0])


def name_attributes(tlv: der.Tlv) -> List[List[Attribute]]:
    rdns = []
    for rdn in tlv.expect(der.SEQUENCE).children():
        attrs = []
        for atv in rdn.expect(der.SET).children():
            parts = atv.expect(der.SEQUENCE).children()
            if len(parts) != 2:
                raise der.DerError("malformed AttributeTypeAndValue")
            kind = der.STRING_TYPES.get(parts[1].tag, f"tag 0x{parts[1].tag:02x}")
            attrs.append(Attribute(der.oid(parts[0].expect(der.OID).value), kind,
                                   der.text(parts[1])))
        rdns.append(attrs)
    return rdns


def general_name(tlv: der.Tlv) -> GeneralName:
    kind = _GENERAL_NAMES.get(tlv.tag, f"tag 0x{tlv.tag:02x}")
    if kind == "IP":
        try:
            value = str(ipaddress.ip_address(tlv.value))
        except ValueError:
            value = "invalid:" + tlv.value.hex()
    elif tlv.tag in (0x81, 0x82, 0x86):
        # IA5String is ASCII: any other byte shows as an escape, never as a letter that IDNA
        # or a comparison could take for part of a name.
        value = tlv.value.decode("ascii", "backslashreplace")
    else:
        value = tlv.value.hex()
    return GeneralName(kind, value, tlv.raw)


def _apply(cert: DerCert, ext: Extension) -> None:
    body = der.parse(ext.value)
    if ext.oid == EXT_SAN:
        cert.san = [general_name(g) for g in body.expect(der.SEQUENCE).children()]
    elif ext.oid == EXT_KEY_USAGE:
        unused, bits = der.bit_string(body.expect(der.BIT_STRING).value)
        flags = int.from_bytes(bits, "big") if bits else 0
        width = len(bits) * 8
        cert.key_usage = frozenset(name for i, name in enumerate(KEY_USAGE_NAMES)
                                   if i < width - unused and flags >> (width - 1 - i) & 1)
    elif ext.oid == EXT_EKU:
        cert.eku = [der.oid(o.expect(der.OID).value) for o in body.expect(der.SEQUENCE)
                    .children()]
    elif ext.oid == EXT_BASIC_CONSTRAINTS:
        ca, pathlen = False, None
        for item in body.expect(der.SEQUENCE).children():
            if item.tag == der.BOOLEAN:
                ca = der.boolean(item.value)
            elif item.tag == der.INTEGER:
                pathlen = int.from_bytes(item.value, "big")
        cert.basic_constraints = (ca, pathlen)
    elif ext.oid == EXT_SKID:
        cert.skid = body.expect(der.OCTET_STRING).value
    elif ext.oid == EXT_AKID:
        for item in body.expect(der.SEQUENCE).children():
            if item.tag == 0x80:  # [0] keyIdentifier
                cert.akid = item.value


def parse_certificate(data: bytes) -> DerCert:
    """DerCert of one DER certificate; DerError when it is not one."""
    top = der.parse(data).expect(der.SEQUENCE).children()
    if len(top) != 3:
        raise der.DerError("a certificate has three parts")
    tbs = top[0].expect(der.SEQUENCE).children()
    version = 1
    if tbs and tbs[0].tag == 0xA0:
        version = int.from_bytes(der.parse(tbs[0].value).expect(der.INTEGER).value, "big") + 1
        tbs = tbs[1:]
    if len(tbs) < 6:
        raise der.DerError("tbsCertificate is too short")
    serial, sig_inner, issuer, validity, subject, spki = tbs[:6]
    sig_alg = top[1].expect(der.SEQUENCE).children()
    sig_oid = der.oid(sig_alg[0].expect(der.OID).value)
    cert = DerCert(version, issuer.expect(der.SEQUENCE).raw, subject.expect(der.SEQUENCE).raw,
                   name_attributes(subject), spki.raw, public_key(spki), sig_oid,
                   signature_hash(sig_oid, sig_alg[1:]))
    name_attributes(issuer)  # validated, not kept: GnuTLS compares the raw bytes
    cert.serial = serial.expect(der.INTEGER).value
    cert.validity = tuple((t.tag, t.value) for t in validity.expect(der.SEQUENCE).children())
    if len(cert.validity) != 2:
        raise der.DerError("validity has two times")
    cert.tbs_signature_oid = der.oid(sig_inner.expect(der.SEQUENCE).children()[0]
                                     .expect(der.OID).value)
    for item in tbs[6:]:
        if item.tag != 0xA3:  # [1]/[2] unique identifiers
            continue
        for ext in der.parse(item.value).expect(der.SEQUENCE).children():
            parts = ext.expect(der.SEQUENCE).children()
            critical = len(parts) == 3 and der.boolean(parts[1].expect(der.BOOLEAN).value)
            extension = Extension(der.oid(parts[0].expect(der.OID).value), critical,
                                  parts[-1].expect(der.OCTET_STRING).value)
            cert.extensions.append(extension)
            _apply(cert, extension)
    return cert
