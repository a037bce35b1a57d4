"""The per-certificate path vncssl used before `x509/chainread` (one `openssl x509 -text` per
certificate, its printed text parsed), kept here only as the reference the new path must agree
with field by field (tests/test_chainread.py). Not product code."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import subprocess
from typing import List, Optional

from vncssl.x509.certfacts import CertFacts, KeyInfo, San
from vncssl.x509.dernames import EKU_NAMES, KEY_USAGE_NAMES, DerCert, parse_certificate
from vncssl.x509.textparse import _fmt, _iso

ARGV = ["x509", "-nameopt", "RFC2253", "-subject", "-issuer", "-serial", "-dates",
        "-fingerprint", "-sha256", "-text", "-pubkey"]


def old_facts(openssl: str, pem: str, now: Optional[dt.datetime] = None) -> CertFacts:
    """What the old read_cert returned for one PEM block."""
    out = subprocess.run([openssl, *ARGV], input=pem.encode(), capture_output=True,
                         check=True, env={"SSL_CERT_FILE": "/dev/null", "PATH": "/usr/bin:/bin"}
                         ).stdout.decode("utf-8", "replace")
    return parse_x509_output(out, pem, now)


def _field(pattern: str, text: str, default: str = "") -> str:
    m = re.search(pattern, text, re.MULTILINE | re.IGNORECASE)
    return m.group(1).strip() if m else default


def sans(cert: DerCert) -> List[San]:
    """subjectAltName entries from the structure: one San per GeneralName, whatever its text
    holds (a dNSName "a, IP Address:1.2.3.4" is one DNS name, not two)."""
    return [San(g.kind, g.value) for g in cert.san or []]


def _certificate_der(out: str) -> bytes:
    """The DER of the certificate openssl printed last (its PEM output)."""
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", out, re.S)
    if not blocks:
        raise ValueError("it printed no certificate")
    try:
        return base64.b64decode("".join(blocks[-1].split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("it printed a certificate vncssl cannot decode") from None


def _hex_id(value: Optional[bytes]) -> Optional[str]:
    return ":".join(f"{b:02X}" for b in value) if value is not None else None


def parse_x509_output(out: str, pem: str, now: Optional[dt.datetime] = None) -> CertFacts:
    now = now or dt.datetime.now(dt.timezone.utc)
    not_before = _iso(_field(r"^notBefore=(.*)$", out))
    not_after = _iso(_field(r"^notAfter=(.*)$", out))
    cert = parse_certificate(_certificate_der(out))
    key = cert.key
    subject = _field(r"^subject=\s*(.*)$", out)
    issuer = _field(r"^issuer=\s*(.*)$", out)
    pub = re.search(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", out, re.S)
    ids_agree = cert.akid is None or cert.skid is None or cert.akid == cert.skid
    return CertFacts(
        subject=subject,
        issuer=issuer,
        self_signed=cert.subject_raw == cert.issuer_raw and ids_agree,
        is_ca=cert.is_ca,
        san=sans(cert),
        not_before=_fmt(not_before),
        not_after=_fmt(not_after),
        days_left=int((not_after - now).total_seconds() // 86400),
        fingerprint_sha256=_field(r"^sha256 Fingerprint=(.*)$", out).upper(),
        signature_algorithm=_field(r"Signature Algorithm:\s*(\S+)", out),
        key=KeyInfo(key.type, key.bits, key.curve if key.type == "EC" else None,
                    key.explicit_curve),
        serial=_field(r"^serial=(.*)$", out),
        version=cert.version,
        key_usage=None if cert.key_usage is None else
        [n for n in KEY_USAGE_NAMES if n in cert.key_usage],
        extended_key_usage=None if cert.eku is None else
        [EKU_NAMES.get(o, o) for o in cert.eku],
        subject_key_id=_hex_id(cert.skid),
        authority_key_id=_hex_id(cert.akid),
        public_key_pem=pub.group(0) if pub else "",
        pem=pem,
        der=cert,
    )
