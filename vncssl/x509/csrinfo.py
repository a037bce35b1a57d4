"""A certificate signing request as vncssl's CA sees it: its self-signature checked by openssl,
and what it asks for read from the DER structure openssl wrote (never from openssl's printed
text, where a name holding ", IP Address:" could pass for two names).

One openssl process per request: `openssl req -verify -outform DER`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from vncssl.errors import UsageError
from vncssl.openssl import binary, runner
from vncssl.x509 import der, derkey
from vncssl.x509.certfacts import KeyInfo, San

MAX_CSR_BYTES = 64 * 1024  # a CSR is ~1 KiB; anything far larger is not one
EXTENSION_REQUEST = "1.2.840.113549.1.9.14"
SUBJECT_ALT_NAME = "2.5.29.17"
COMMON_NAME = "2.5.4.3"
# derkey's curve names -> openssl's (what `--key-type ec:P-384` means to vncssl).
_CURVES = {"P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1"}
# GeneralName choices (context tags) -> the words openssl uses.
_SAN_KINDS = {0x81: "email", 0x82: "DNS", 0x86: "URI", 0x87: "IP", 0xA0: "otherName",
              0xA4: "DirName", 0x88: "RID"}
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
        result = runner.run(argv, timeout=timeout, check=False, what="openssl req -verify")
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
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CSR_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file.", "Check the path.") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory, not a request.", "") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror}).", "Check permissions.") from None
    if len(raw) > MAX_CSR_BYTES:
        raise UsageError(f"{path} is larger than {MAX_CSR_BYTES // 1024} KiB: not a request.",
                         "Give the .csr file `vncssl ca request` wrote.")
    return raw


def parse_request_der(data: bytes, source: str = "request") -> RequestFacts:
    info = der.parse(data).expect(der.SEQUENCE).children()[0].expect(der.SEQUENCE)
    parts = info.children()
    if len(parts) < 3:
        raise der.DerError("short CertificationRequestInfo")
    key = derkey.public_key(parts[2])
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
                value = items[-1].expect(der.OCTET_STRING).value
                if ext_oid == SUBJECT_ALT_NAME:
                    names += _general_names(value)
                else:
                    others.append(ext_oid)
    curve = _CURVES.get(key.curve or "", key.curve)
    info_key = KeyInfo(key.type, key.bits, curve if key.type == "EC" else None)
    return RequestFacts(source, _common_name(parts[1]), info_key, names, others,
                        key.type == "EC" and key.curve_oid is None, parts[2].raw)


def _general_names(value: bytes) -> List[San]:
    out = []
    for gn in der.parse(value).expect(der.SEQUENCE).children():
        kind = _SAN_KINDS.get(gn.tag, f"tag-0x{gn.tag:02x}")
        if kind == "IP":
            try:
                out.append(San("IP", str(ipaddress.ip_address(gn.value))))
            except ValueError:
                out.append(San("IP", gn.value.hex()))  # not 4 or 16 bytes: refused later
        elif kind in ("DNS", "email", "URI"):
            out.append(San(kind, gn.value.decode("ascii", "backslashreplace")))
        else:
            out.append(San(kind, gn.value.hex()))
    return out


def _common_name(name: der.Tlv) -> Optional[str]:
    for rdn in name.expect(der.SEQUENCE).children():
        for atv in rdn.expect(der.SET).children():
            items = atv.expect(der.SEQUENCE).children()
            if der.oid(items[0].expect(der.OID).value) == COMMON_NAME:
                return der.text(items[1])
    return None
