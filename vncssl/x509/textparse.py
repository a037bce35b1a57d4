"""openssl's printed view of a certificate (`x509 -text -subject -issuer ...`) -> CertFacts."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import List, Optional, Sequence

from vncssl.errors import OpensslFailed
from vncssl.x509.certfacts import CertFacts, KeyInfo, San

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


def _ext_block(text: str, title: str) -> Optional[str]:
    m = re.search(rf"^\s*{re.escape(title)}:(?: critical)?\s*\n\s*(.+)$", text, re.MULTILINE)
    return m.group(1).strip() if m else None


def parse_san(value: str) -> List[San]:
    out = []
    for part in (p.strip() for p in value.split(",")):
        if not part or ":" not in part:
            continue
        kind, val = part.split(":", 1)
        kind = kind.strip()
        if kind == "IP Address":
            try:
                val = str(ipaddress.ip_address(val.strip()))
            except ValueError:
                pass
            out.append(San("IP", val.strip()))
        else:
            out.append(San({"DNS": "DNS", "email": "email", "URI": "URI"}.get(kind, kind),
                           val.strip()))
    return out


def parse_x509_output(out: str, pem: str, now: Optional[dt.datetime] = None, *,
                      argv: Sequence[str] = ()) -> CertFacts:
    """CertFacts from what `openssl x509` printed (argv: that command, for the error). Output
    it did not mean to print (a broken or wrapped binary that still exits 0) is OpensslFailed,
    so every command that reads certificates says so instead of showing a traceback."""
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        not_before = _iso(_field(r"^notBefore=(.*)$", out))
        not_after = _iso(_field(r"^notAfter=(.*)$", out))
    except ValueError as exc:
        raise OpensslFailed(f"openssl's output could not be read: {exc}.",
                            "The openssl binary is misbehaving: check `openssl version -a`, or "
                            "try another with --openssl.", argv=argv) from None
    algo = _field(r"Public Key Algorithm:\s*(\S+)", out)
    bits_text = _field(r"Public-Key:\s*\((\d+) bit\)", out)
    key_type = {"rsaEncryption": "RSA", "id-ecPublicKey": "EC", "ED25519": "ED25519",
                "ED448": "ED448", "dsaEncryption": "DSA", "rsassaPss": "RSA-PSS"}.get(algo, algo)
    curve = _field(r"NIST CURVE:\s*(\S+)", out) or _field(r"ASN1 OID:\s*(\S+)", out) or None
    if key_type == "ED25519" and not bits_text:
        bits_text = "256"
    san_text = _ext_block(out, "X509v3 Subject Alternative Name")
    bc = _ext_block(out, "X509v3 Basic Constraints") or ""
    ku = _ext_block(out, "X509v3 Key Usage")
    eku = _ext_block(out, "X509v3 Extended Key Usage")
    skid = _ext_block(out, "X509v3 Subject Key Identifier")
    akid = _ext_block(out, "X509v3 Authority Key Identifier")
    if akid:
        akid = akid.replace("keyid:", "").strip()
    subject = _field(r"^subject=\s*(.*)$", out)
    issuer = _field(r"^issuer=\s*(.*)$", out)
    fingerprint = _field(r"^sha256 Fingerprint=(.*)$", out).upper()
    pub = re.search(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", out, re.S)
    version = int(_field(r"Version:\s*(\d+)", out, "1"))
    self_signed = subject == issuer and (not akid or not skid or akid == skid)
    return CertFacts(
        subject=subject,
        issuer=issuer,
        self_signed=self_signed,
        is_ca="CA:TRUE" in bc.upper(),
        san=parse_san(san_text) if san_text else [],
        not_before=_fmt(not_before),
        not_after=_fmt(not_after),
        days_left=int((not_after - now).total_seconds() // 86400),
        fingerprint_sha256=fingerprint,
        signature_algorithm=_field(r"Signature Algorithm:\s*(\S+)", out),
        key=KeyInfo(key_type, int(bits_text) if bits_text else None,
                    curve if key_type == "EC" else None),
        serial=_field(r"^serial=(.*)$", out),
        version=version,
        key_usage=[u.strip() for u in ku.split(",")] if ku else None,
        extended_key_usage=[u.strip() for u in eku.split(",")] if eku else None,
        subject_key_id=skid,
        authority_key_id=akid,
        public_key_pem=pub.group(0) if pub else "",
        pem=pem,
    )
