"""openssl's printed view of a certificate (`x509 -text -subject -issuer ...`) -> CertFacts."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from typing import List, Optional, Sequence

from vncssl.errors import OpensslFailed
from vncssl.x509.certfacts import CertFacts, KeyInfo, San
from vncssl.x509.der import DerError
from vncssl.x509.dernames import EKU_NAMES, KEY_USAGE_NAMES, DerCert, parse_certificate

_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
                                       1)}


def _iso(openssl_date: str) -> dt.datetime:
    # openssl prints "Nov 27 17:10:50 2026 GMT" (C locale, day padded with a space). Parsed
    # by hand: strptime's first call costs ~2.5 ms (and its %b follows the locale).
    parts = openssl_date.split()
    try:
        month, day, clock, year, zone = parts
        hour, minute, second = clock.split(":")
        if zone not in ("GMT", "UTC"):
            raise ValueError
        return dt.datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute),
                           int(second), tzinfo=dt.timezone.utc)
    except (ValueError, KeyError):
        raise ValueError(f"it printed a date vncssl cannot read ({openssl_date!r})") from None


def _fmt(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


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


def parse_x509_output(out: str, pem: str, now: Optional[dt.datetime] = None, *,
                      argv: Sequence[str] = ()) -> CertFacts:
    """CertFacts from what `openssl x509` printed (argv: that command, for the error). Output
    it did not mean to print (a broken or wrapped binary that still exits 0) is OpensslFailed,
    so every command that reads certificates says so instead of showing a traceback."""
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        not_before = _iso(_field(r"^notBefore=(.*)$", out))
        not_after = _iso(_field(r"^notAfter=(.*)$", out))
        cert = parse_certificate(_certificate_der(out))
    except (ValueError, DerError) as exc:
        raise OpensslFailed(f"openssl's output could not be read: {exc}.",
                            "The openssl binary is misbehaving: check `openssl version -a`, or "
                            "try another with --openssl.", argv=argv) from None
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
