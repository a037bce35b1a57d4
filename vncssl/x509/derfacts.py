"""CertFacts of a certificate from its DER structure, spelt as `openssl x509 -nameopt RFC2253
-subject -issuer -serial -dates -text -pubkey` printed them (so users' output and the strings
code compares stay what they were), plus the SHA-256 fingerprint openssl computed.

Structure only: whether the bytes are a certificate openssl can parse, and the fingerprint,
are openssl's answers (`chainread`); hashing and signatures never happen here."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Optional, Tuple

from vncssl.x509 import der
from vncssl.x509.certfacts import CertFacts, KeyInfo, San
from vncssl.x509.dernames import EKU_NAMES, KEY_USAGE_NAMES, DerCert, parse_certificate
from vncssl.x509.dnrender import rfc2253
from vncssl.x509.oidnames import SIGNATURE_NAMES


def serial_text(content: bytes) -> str:
    """i2a_ASN1_INTEGER: the magnitude in upper-case hex pairs ("00" for zero), '-' before a
    negative one; past 35 octets openssl breaks the line with a backslash (the old parser
    kept that first line)."""
    value = int.from_bytes(content, "big", signed=True)
    magnitude = abs(value)
    octets = magnitude.to_bytes(max(1, (magnitude.bit_length() + 7) // 8), "big")
    text = octets[:35].hex().upper() + ("\\" if len(octets) > 35 else "")
    return ("-" if value < 0 else "") + text


# What openssl itself reads (asn1_time_to_tm): seconds may be left out, a fraction may follow
# GeneralizedTime's seconds, and the zone is Z or an offset (the time is then given in UTC).
_TIMES = {der.UTC_TIME: re.compile(r"(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?"
                                   r"(Z|[+-]\d{4})"),
          der.GENERALIZED_TIME: re.compile(r"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})"
                                           r"(?:(\d{2})(?:\.\d+)?)?(Z|[+-]\d{4})")}


def _time(tag: int, content: bytes) -> dt.datetime:
    """A validity time as openssl reads it, in UTC (UTCTime years 50-99 are 19xx); anything
    openssl calls a "Bad time value" cannot be read."""
    text = content.decode("ascii", "replace")
    pattern = _TIMES.get(tag)
    m = pattern.fullmatch(text) if pattern else None
    try:
        if not m:
            raise ValueError
        year, month, day, hour, minute = (int(g) for g in m.groups()[:5])
        if tag == der.UTC_TIME:
            year += 1900 if year >= 50 else 2000
        t = dt.datetime(year, month, day, hour, minute, int(m.group(6) or 0),
                        tzinfo=dt.timezone.utc)
        zone = m.group(7)
        if zone != "Z":
            offset = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:]))
            t = t - offset if zone[0] == "+" else t + offset
        return t
    except (ValueError, OverflowError):
        raise der.DerError(f"a validity time vncssl cannot read ({text!r})") from None


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def public_key_pem(spki: bytes) -> str:
    body = base64.b64encode(spki).decode("ascii")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "\n".join(["-----BEGIN PUBLIC KEY-----", *lines, "-----END PUBLIC KEY-----"])


def _hex_id(value: Optional[bytes]) -> Optional[str]:
    return ":".join(f"{b:02X}" for b in value) if value is not None else None


def dates(cert: DerCert) -> Tuple[dt.datetime, dt.datetime]:
    return _time(*cert.validity[0]), _time(*cert.validity[1])


def facts_from_der(data: bytes, pem: str, fingerprint: str,
                   now: Optional[dt.datetime] = None) -> CertFacts:
    """CertFacts of one DER certificate; DerError when its structure cannot be read."""
    now = now or dt.datetime.now(dt.timezone.utc)
    cert = parse_certificate(data)
    not_before, not_after = dates(cert)
    key = cert.key
    ids_agree = cert.akid is None or cert.skid is None or cert.akid == cert.skid
    return CertFacts(
        subject=rfc2253(cert.subject_raw),
        issuer=rfc2253(cert.issuer_raw),
        self_signed=cert.subject_raw == cert.issuer_raw and ids_agree,
        is_ca=cert.is_ca,
        san=[San(g.kind, g.value) for g in cert.san or []],
        not_before=iso(not_before),
        not_after=iso(not_after),
        days_left=int((not_after - now).total_seconds() // 86400),
        fingerprint_sha256=fingerprint,
        signature_algorithm=SIGNATURE_NAMES.get(cert.tbs_signature_oid,
                                                cert.tbs_signature_oid),
        key=KeyInfo(key.type, key.bits, key.curve if key.type == "EC" else None,
                    key.explicit_curve),
        serial=serial_text(cert.serial),
        version=cert.version,
        key_usage=None if cert.key_usage is None else
        [n for n in KEY_USAGE_NAMES if n in cert.key_usage],
        extended_key_usage=None if cert.eku is None else
        [EKU_NAMES.get(o, o) for o in cert.eku],
        subject_key_id=_hex_id(cert.skid),
        authority_key_id=_hex_id(cert.akid),
        public_key_pem=public_key_pem(cert.spki_raw),
        pem=pem,
        der=cert,
    )
