"""The DER reader and what vncssl reads from a certificate's structure (issue 14, item 1):
certificates made by the real openssl, including hostile ones whose display text lies."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from vncssl.openssl import binary
from vncssl.x509 import certinfo, der, dernames, hostname
from vncssl.x509.certfacts import CertFacts


def _make(tmp: Path, name: str, ext_lines: list[str], *, newkey: str = "rsa:2048",
          subj: str = "/CN=vnc.test", extra: tuple[str, ...] = ()) -> CertFacts:
    cfg = tmp / f"{name}.cnf"
    cfg.write_text("[req]\ndistinguished_name = dn\nx509_extensions = ext\n[dn]\n[ext]\n"
                   + "".join(f"{line}\n" for line in ext_lines))
    out = tmp / f"{name}.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", newkey, "-nodes", "-keyout",
                    str(tmp / f"{name}.key"), "-out", str(out), "-subj", subj, "-days", "2",
                    "-config", str(cfg), *extra], check=True, capture_output=True)
    return certinfo.read_cert(binary.find()[0], out)


def test_comma_in_dns_name_is_one_name(tmp_path: Path) -> None:
    c = _make(tmp_path, "spoof", ["subjectAltName = @alt", "[alt]",
                                  "DNS.1 = localhost, IP Address:127.0.0.1"])
    assert [(s.type, s.value) for s in c.san] == [("DNS", "localhost, IP Address:127.0.0.1")]
    assert not hostname.hostname_matches(c, "127.0.0.1")
    assert not hostname.hostname_matches(c, "localhost")


def test_uri_san_does_not_count_as_a_dns_name(tmp_path: Path) -> None:
    c = _make(tmp_path, "uri", ["subjectAltName = @alt", "[alt]",
                                "URI.1 = http://x, DNS:localhost"])
    assert [(s.type, s.value) for s in c.san] == [("URI", "http://x, DNS:localhost")]
    assert not hostname.hostname_matches(c, "localhost")
    assert hostname.hostname_matches(c, "vnc.test")  # CN fallback: no DNS/IP SAN at all


def test_subject_string_types_and_raw_names(tmp_path: Path) -> None:
    utf8 = _make(tmp_path, "utf8", ["basicConstraints = critical,CA:true"], subj="/CN=Same")
    cfg = tmp_path / "p.cnf"
    cfg.write_text("[req]\ndistinguished_name = dn\nstring_mask = default\n"
                   "x509_extensions = ext\n[dn]\n[ext]\nbasicConstraints = critical,CA:true\n")
    out = tmp_path / "printable.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-384", "-nodes", "-keyout", str(tmp_path / "p.key"),
                    "-out", str(out), "-subj", "/CN=Same", "-config", str(cfg)],
                   check=True, capture_output=True)
    printable = certinfo.read_cert(binary.find()[0], out)
    assert utf8.der is not None and printable.der is not None
    assert utf8.der.subject[0][0] == dernames.Attribute("2.5.4.3", "UTF8String", "Same")
    assert printable.der.subject[0][0].string_type == "PrintableString"
    assert utf8.subject == printable.subject  # openssl's text cannot tell them apart
    assert utf8.der.subject_raw != printable.der.subject_raw
    assert printable.key.type == "EC" and printable.key.bits == 384
    assert printable.key.curve == "P-384"


def test_extensions_flags_and_key(tmp_path: Path) -> None:
    c = _make(tmp_path, "flags", [
        "basicConstraints = critical,CA:true,pathlen:0",
        "keyUsage = critical,keyEncipherment,keyCertSign",
        "extendedKeyUsage = serverAuth,1.2.3.4", "subjectKeyIdentifier = hash",
        "1.3.6.1.4.1.55555.1 = critical,ASN1:UTF8String:x",
        "subjectAltName = IP:fd00::5,IP:127.0.0.1,email:a@b.test"], newkey="rsa:1024")
    d = c.der
    assert d is not None
    assert d.basic_constraints == (True, 0) and c.is_ca
    assert d.key_usage == frozenset({"Key Encipherment", "Certificate Sign"})
    assert c.key_usage == ["Key Encipherment", "Certificate Sign"]
    assert d.eku == ["1.3.6.1.5.5.7.3.1", "1.2.3.4"]
    assert c.extended_key_usage == ["TLS Web Server Authentication", "1.2.3.4"]
    crit = {e.oid for e in d.extensions if e.critical}
    assert crit == {"2.5.29.19", "2.5.29.15", "1.3.6.1.4.1.55555.1"}
    assert [(s.type, s.value) for s in c.san] == [("IP", "fd00::5"), ("IP", "127.0.0.1"),
                                                  ("email", "a@b.test")]
    assert c.key.type == "RSA" and c.key.bits == 1024
    assert d.signature_hash == "sha256" and d.version == 3
    assert c.self_signed and c.subject_key_id is not None


@pytest.mark.parametrize("data, why", [
    (b"\x30\x80\x00\x00", "indefinite"), (b"\x30\x05\x02\x01", "past the end"),
    (b"\x30\x81\x05\x02\x01\x01\x02\x00", "minimally"), (b"\x1f\x01\x00", "multi-octet"),
    (b"\x30\x85\x01\x00\x00\x00\x00", "too long"), (b"\x02\x01\x01\x00", "trailing"),
])
def test_der_reader_refuses_what_der_does_not_allow(data: bytes, why: str) -> None:
    with pytest.raises(der.DerError, match=why):
        der.parse(data)


def test_der_reader_is_linear_on_deep_nesting() -> None:
    # 10,000 nested SEQUENCEs: children() is one level at a time, never recursive.
    blob = b""
    for _ in range(10000):
        n = len(blob)
        blob = b"\x30" + (bytes([n]) if n < 128 else b"\x81" + bytes([n]) if n < 256
                          else b"\x82" + n.to_bytes(2, "big")) + blob
        if len(blob) > 60000:
            break
    tlv = der.parse(blob)
    depth = 0
    while tlv.value:
        (tlv,) = tlv.children()
        depth += 1
    assert depth > 100


def test_oid_text() -> None:
    assert der.oid(bytes.fromhex("2a864886f70d01010b")) == "1.2.840.113549.1.1.11"
    assert der.oid(bytes.fromhex("550403")) == "2.5.4.3"
    with pytest.raises(der.DerError):
        der.oid(b"\x2a\x86")
