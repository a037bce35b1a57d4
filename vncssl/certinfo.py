"""Facts about a certificate and a key, read with the openssl binary (one process each)."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

from vncssl import openssl
from vncssl.errors import OpensslFailed, OpensslTimeout, UsageError

# OpenSSL 3's `x509` loads the whole default trust store (~150 CA certificates, ~17 ms of a
# ~21 ms run) before anything else, though printing a certificate's facts never uses it.
# Pointing SSL_CERT_FILE at nothing makes the same call ~4 ms (openssl ignores a store that
# fails to load there). Only for reading facts: never for verify or signing.
NO_TRUST_STORE = {"SSL_CERT_FILE": os.devnull}

_PEM_CERT = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)


@dataclass
class San:
    type: str  # "IP", "DNS", "email", "URI", ...
    value: str


@dataclass
class KeyInfo:
    type: str  # "RSA", "EC", "ED25519", "ED448", "DSA", ...
    bits: Optional[int]
    curve: Optional[str] = None


@dataclass
class CertFacts:
    subject: str  # RFC 2253
    issuer: str
    self_signed: bool
    is_ca: bool
    san: List[San]
    not_before: str  # ISO 8601 UTC
    not_after: str
    days_left: int
    fingerprint_sha256: str  # AA:BB:...
    signature_algorithm: str
    key: KeyInfo
    serial: str
    version: int
    key_usage: Optional[List[str]]  # None when the extension is absent
    extended_key_usage: Optional[List[str]]
    subject_key_id: Optional[str]
    authority_key_id: Optional[str]
    public_key_pem: str = field(repr=False)
    pem: str = field(repr=False)

    @property
    def not_after_dt(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.not_after.replace("Z", "+00:00"))

    @property
    def not_before_dt(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.not_before.replace("Z", "+00:00"))

    @property
    def common_name(self) -> Optional[str]:
        m = re.search(r"(?:^|,)CN=((?:[^,\\]|\\.)*)", self.subject)
        return m.group(1).replace("\\", "") if m else None

    def san_values(self, kind: str) -> List[str]:
        return [s.value for s in self.san if s.type == kind]


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


def split_pem(text: str) -> List[str]:
    return [m.group(0) + "\n" for m in _PEM_CERT.finditer(text)]


def read_pem_file(path: Path) -> str:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file.", "Check the path.") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory, not a certificate.", "") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror}).", "Check permissions.") from None
    return data.decode("utf-8", "replace")


def read_cert(ossl: openssl.OpensslInfo, path: Path, *, pem: Optional[str] = None,
              now: Optional[dt.datetime] = None, timeout: Optional[float] = None
              ) -> CertFacts:
    """Facts of the first certificate in `path` (or of the PEM text given), one openssl call.
    DER files are read too (openssl -inform DER) when no PEM block is present."""
    if pem is None:
        text = read_pem_file(path)
        blocks = split_pem(text)
        if blocks:
            pem = blocks[0]
    result = _x509_text(ossl, path, pem, timeout)
    return parse_x509_output(result.stdout, pem or "", now=now, argv=result.argv)


def _x509_text(ossl: openssl.OpensslInfo, path: Path, pem: Optional[str],
               timeout: Optional[float]) -> openssl.Result:
    """`openssl x509 -text` and friends on `pem`, or on the DER file `path` when pem is None."""
    argv = [ossl.path, "x509", "-noout", "-nameopt", "RFC2253", "-subject", "-issuer",
            "-serial", "-dates", "-fingerprint", "-sha256", "-text", "-pubkey"]
    if pem is None:
        argv += ["-inform", "DER", "-in", str(path)]
        return openssl.run(argv, timeout=timeout, what="openssl x509", env=NO_TRUST_STORE)
    argv += ["-in", "-"]
    return _run_with_input(argv, pem, timeout)


def _run_with_input(argv: List[str], data: str, timeout: Optional[float]) -> openssl.Result:
    # stdin stays closed for every process we start; input goes through a private temp file.
    from vncssl import files

    with files.scratch_dir() as work:
        name = str(work / "cert.pem")
        files.write_text(work / "cert.pem", data, 0o600)
        argv = [name if a == "-" else a for a in argv]
        return openssl.run(argv, timeout=timeout, what="openssl x509", env=NO_TRUST_STORE)


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


@dataclass
class KeyFacts:
    encrypted: bool
    public_key_pem: Optional[str]  # None when it could not be read (encrypted, damaged)


def key_is_encrypted(text: str) -> bool:
    return "BEGIN ENCRYPTED PRIVATE KEY" in text or "Proc-Type: 4,ENCRYPTED" in text


def read_key(ossl: openssl.OpensslInfo, path: Path, *, timeout: Optional[float] = None
             ) -> KeyFacts:
    text = read_pem_file(path)
    if key_is_encrypted(text):
        return KeyFacts(True, None)
    # -passin pass: makes an unexpectedly encrypted key fail instead of asking.
    result = openssl.run([ossl.path, "pkey", "-in", str(path), "-pubout", "-passin", "pass:"],
                         timeout=timeout, what="openssl pkey")
    pub = re.search(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", result.stdout, re.S)
    return KeyFacts(False, pub.group(0) if pub else None)


def read_user_key(ossl: openssl.OpensslInfo, path: Path, *, timeout: Optional[float] = None
                  ) -> KeyFacts:
    """read_key for a file the user named: one openssl cannot read is bad input (exit 2)."""
    with _unreadable_is_bad_input(path, "private key",
                                  "Give the PEM private key file, e.g. vnc-server-private.pem."):
        return read_key(ossl, path, timeout=timeout)


@contextlib.contextmanager
def _unreadable_is_bad_input(path: Path, what: str, fix: str) -> Iterator[None]:
    """openssl failing on a file the user named means the file is wrong (exit 2); a hung
    openssl stays a timeout (exit 3)."""
    try:
        yield
    except OpensslTimeout:
        raise
    except OpensslFailed as exc:
        raise UsageError(f"{path} is not a readable {what} (openssl could not parse it).", fix,
                         details=exc.stderr) from None


def same_public_key(a: Optional[str], b: Optional[str]) -> bool:
    if not a or not b:
        return False
    return "".join(a.split()) == "".join(b.split())


# --- chains --------------------------------------------------------------------------------

def read_chain(ossl: openssl.OpensslInfo, path: Path, *, now: Optional[dt.datetime] = None,
               timeout: Optional[float] = None) -> List[CertFacts]:
    """Every certificate in a PEM file, in file order (one openssl call each), or the one
    certificate of a DER file. A file with none is bad input (exit 2), not an openssl failure."""
    text = read_pem_file(path)
    blocks = split_pem(text)
    if not blocks and "-----BEGIN" in text:
        what = "a private key" if "PRIVATE KEY-----" in text else "no certificate"
        raise UsageError(f"{path} holds {what}, not a certificate.",
                         "Give the certificate file (BEGIN CERTIFICATE), e.g. vnc-server.pem.")
    pems: List[Optional[str]] = list(blocks) or [None]
    with _unreadable_is_bad_input(path, "certificate",
                                  "Check that it is a PEM or DER X.509 certificate."):
        results = [_x509_text(ossl, path, pem, timeout) for pem in pems]
    # Parsed outside the try: output openssl printed with exit 0 but vncssl cannot read is
    # the binary's fault (exit 3), not the file's.
    return [parse_x509_output(r.stdout, pem or "", now=now, argv=r.argv)
            for r, pem in zip(results, pems)]
