"""A certificate signing request as vncssl's CA sees it: its self-signature checked by openssl,
and what it asks for read from the DER structure openssl wrote (never from openssl's printed
text, where a name holding ", IP Address:" could pass for two names).

One openssl process per request: `openssl req -verify -outform DER`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

from vncssl.errors import OpensslTimeout, UsageError
from vncssl.openssl import binary, runner
from vncssl.x509 import der, derkey, dernames
from vncssl.x509.certfacts import KeyInfo, San

MAX_CSR_BYTES = 64 * 1024  # a CSR is ~1 KiB; anything far larger is not one
EXTENSION_REQUEST = "1.2.840.113549.1.9.14"
SUBJECT_ALT_NAME = "2.5.29.17"
COMMON_NAME = "2.5.4.3"
_CURVES = {"1.2.840.10045.3.1.7": "prime256v1", "1.3.132.0.34": "secp384r1",
           "1.3.132.0.35": "secp521r1"}
_PEM_BEGIN = b"-----BEGIN CERTIFICATE REQUEST-----"
_PEM_BEGIN_NEW = b"-----BEGIN NEW CERTIFICATE REQUEST-----"


@dataclass
class RequestFacts:
    path: str
    common_name: Optional[str]
    key: KeyInfo
    names: List[San]  # every subjectAltName entry the request asks for, in order
    other_extensions: List[str] = field(default_factory=list)  # OIDs; never copied
    explicit_curve: bool = False  # EC key with explicit parameters (GnuTLS cannot use it)
    spki_der: bytes = field(default=b"", repr=False)  # SubjectPublicKeyInfo, as in the request


def read_request(ossl: binary.OpensslInfo, path: Path, *, timeout: Optional[float] = None
                 ) -> RequestFacts:
    """Check the request's self-signature with openssl and read what it asks for. A file that
    is not a request, or whose signature does not verify, is bad input (exit 2)."""
    from vncssl.fs import workdir

    raw = _read_bounded(path)
    is_pem = _PEM_BEGIN in raw or _PEM_BEGIN_NEW in raw
    if not is_pem and b"-----BEGIN" in raw:
        raise UsageError(f"{path} is not a certificate signing request (it holds another PEM "
                         "block).", "Give the .csr file `vncssl ca request` wrote.")
    with workdir.scratch_dir("vncssl-csr-") as work:
        der_path = work / "req.der"
        argv = [ossl.path, "req", "-in", str(path), *([] if is_pem else ["-inform", "DER"]),
                "-verify", "-outform", "DER", "-out", str(der_path)]
        try:
            result = runner.run(argv, timeout=timeout, check=False, what="openssl req -verify")
        except OpensslTimeout:
            raise
        said = result.stdout + result.stderr
        # OpenSSL 3.0 prints "verify failure" yet exits 0: both must say yes.
        if result.returncode != 0 and "verify" not in said.lower():
            raise UsageError(f"{path} is not a readable certificate signing request.",
                             "Give the .csr file `vncssl ca request` wrote (PEM or DER).",
                             details=result.stderr)
        if result.returncode != 0 or "verify OK" not in said:
            raise UsageError(f"The signature of {path} does not verify: the request was "
                             "changed after it was made, or was not made with its key.",
                             "Make a new request on the server: `vncssl ca request --ip ...`.",
                             details=result.stderr)
        data = der_path.read_bytes()[:MAX_CSR_BYTES]
    try:
        return parse_request_der(data, str(path))
    except (der.DerError, IndexError) as exc:
        raise UsageError(f"{path}: the request's structure cannot be read ({exc}).",
                         "Make a new request with `vncssl ca request`.") from None


def _read_bounded(path: Path) -> bytes:
    from vncssl.fs import safeopen

    fd = safeopen.open_input(path, "request")  # never blocking; regular files only
    try:
        raw = os.read(fd, MAX_CSR_BYTES + 1)
    except OSError as exc:
        raise safeopen.input_error(exc, path, "request") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_CSR_BYTES:
        raise UsageError(f"{path} is larger than {MAX_CSR_BYTES // 1024} KiB: not a request.",
                         "Give the .csr file `vncssl ca request` wrote.")
    return raw


def parse_request_der(data: bytes, source: str = "request") -> RequestFacts:
    info = der.parse(data).expect(der.SEQUENCE).children()[0].expect(der.SEQUENCE)
    parts = info.children()
    if len(parts) < 3:
        raise der.DerError("short CertificationRequestInfo")
    key, explicit = _key_info(parts[2])
    names: List[San] = []
    others: List[str] = []
    for attr in (parts[3].children() if len(parts) > 3 and parts[3].tag == 0xA0 else []):
        attr_parts = attr.expect(der.SEQUENCE).children()
        if der.oid(attr_parts[0].expect(der.OID).value) != EXTENSION_REQUEST:
            continue
        for values in attr_parts[1].expect(der.SET).children():
            for ext in values.expect(der.SEQUENCE).children():
                items = ext.expect(der.SEQUENCE).children()
                ext_oid = der.oid(items[0].expect(der.OID).value)
                if ext_oid == SUBJECT_ALT_NAME:
                    value = der.parse(items[-1].expect(der.OCTET_STRING).value)
                    names += [San(g.kind, g.value) for g in
                              map(dernames.general_name, value.expect(der.SEQUENCE).children())]
                else:
                    others.append(ext_oid)
    cns = [a.value for rdn in dernames.name_attributes(parts[1]) for a in rdn
           if a.oid == COMMON_NAME]
    return RequestFacts(source, cns[0] if cns else None, key, names, others, explicit,
                        parts[2].raw)


def _key_info(spki: der.Tlv) -> Tuple[KeyInfo, bool]:
    """The key as `ca sign` judges it (curves by openssl's names: prime256v1, ...)."""
    k = derkey.public_key(spki)
    if k.type == "EC":
        if k.curve_oid is None:
            return KeyInfo("EC", None, None), True
        return KeyInfo("EC", k.bits, _CURVES.get(k.curve_oid, k.curve_oid)), False
    return KeyInfo(k.type, k.bits if k.type in ("RSA", "ED25519", "ED448") else None), False
