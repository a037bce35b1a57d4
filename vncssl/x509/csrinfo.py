"""A certificate signing request as vncssl's CA sees it: its self-signature checked by openssl,
and what it asks for read from the DER structure openssl wrote (never from openssl's printed
text, where a name holding ", IP Address:" could pass for two names).

One openssl process per request: `openssl req -verify -outform DER`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

from vncssl.errors import OpensslTimeout, UsageError
from vncssl.openssl import binary, runner
from vncssl.x509 import tlv
from vncssl.x509.certfacts import KeyInfo, San

MAX_CSR_BYTES = 64 * 1024  # a CSR is ~1 KiB; anything far larger is not one
EXTENSION_REQUEST = "1.2.840.113549.1.9.14"
SUBJECT_ALT_NAME = "2.5.29.17"
COMMON_NAME = "2.5.4.3"
_KEY_TYPES = {"1.2.840.113549.1.1.1": "RSA", "1.2.840.10045.2.1": "EC",
              "1.3.101.112": "ED25519", "1.3.101.113": "ED448", "1.2.840.10040.4.1": "DSA",
              "1.2.840.113549.1.1.10": "RSA-PSS"}
_CURVES = {"1.2.840.10045.3.1.7": "prime256v1", "1.3.132.0.34": "secp384r1",
           "1.3.132.0.35": "secp521r1"}
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
        der = der_path.read_bytes()[:MAX_CSR_BYTES]
    try:
        return parse_request_der(der, str(path))
    except (tlv.DerError, IndexError) as exc:
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


def parse_request_der(der: bytes, source: str = "request") -> RequestFacts:
    info = tlv.read_whole(der).expect(tlv.SEQUENCE).children()[0].expect(tlv.SEQUENCE)
    parts = info.children()
    if len(parts) < 3:
        raise tlv.DerError("short CertificationRequestInfo")
    key, explicit = _key_info(parts[2])
    names: List[San] = []
    others: List[str] = []
    for attr in (parts[3].children() if len(parts) > 3 and parts[3].tag == 0xA0 else []):
        attr_parts = attr.expect(tlv.SEQUENCE).children()
        if tlv.oid(attr_parts[0]) != EXTENSION_REQUEST:
            continue
        for values in attr_parts[1].expect(tlv.SET).children():
            for ext in values.expect(tlv.SEQUENCE).children():
                ext_oid, value = _extension(ext)
                if ext_oid == SUBJECT_ALT_NAME:
                    names += _general_names(value)
                else:
                    others.append(ext_oid)
    spki = parts[2].data[_header_start(parts[2]):parts[2].end]
    return RequestFacts(source, _common_name(parts[1]), key, names, others, explicit, spki)


def _header_start(element: tlv.Tlv) -> int:
    """Where an element's tag byte is (its content start less the tag and length bytes)."""
    length = element.end - element.start
    size = 1 if length < 0x80 else 1 + (length.bit_length() + 7) // 8
    return element.start - 1 - size


def _extension(ext: tlv.Tlv) -> Tuple[str, bytes]:
    items = ext.expect(tlv.SEQUENCE).children()
    return tlv.oid(items[0]), items[-1].expect(tlv.OCTET_STRING).content


def _general_names(value: bytes) -> List[San]:
    out = []
    for gn in tlv.read_whole(value).expect(tlv.SEQUENCE).children():
        kind = _SAN_KINDS.get(gn.tag, f"tag-0x{gn.tag:02x}")
        if kind == "IP":
            try:
                out.append(San("IP", str(ipaddress.ip_address(gn.content))))
            except ValueError:
                out.append(San("IP", gn.content.hex()))  # not 4 or 16 bytes: refused later
        elif kind in ("DNS", "email", "URI"):
            out.append(San(kind, gn.content.decode("ascii", "backslashreplace")))
        else:
            out.append(San(kind, gn.content.hex()))
    return out


def _key_info(spki: tlv.Tlv) -> Tuple[KeyInfo, bool]:
    alg, public = spki.expect(tlv.SEQUENCE).children()[:2]
    alg_parts = alg.expect(tlv.SEQUENCE).children()
    algo_oid = tlv.oid(alg_parts[0])
    kind = _KEY_TYPES.get(algo_oid, algo_oid)
    if kind == "RSA":
        rsa = tlv.read_whole(tlv.bit_string_bytes(public)).expect(tlv.SEQUENCE).children()
        return KeyInfo("RSA", tlv.integer_bits(rsa[0])), False
    if kind == "EC":
        params = alg_parts[1] if len(alg_parts) > 1 else None
        if params is None or params.tag != tlv.OID:
            return KeyInfo("EC", None, None), True
        curve = _CURVES.get(tlv.oid(params), tlv.oid(params))
        bits = {"prime256v1": 256, "secp384r1": 384, "secp521r1": 521}.get(curve)
        return KeyInfo("EC", bits, curve), False
    if kind in ("ED25519", "ED448"):
        return KeyInfo(kind, 256 if kind == "ED25519" else 456), False
    return KeyInfo(kind, None), False


def _common_name(name: tlv.Tlv) -> Optional[str]:
    for rdn in name.expect(tlv.SEQUENCE).children():
        for atv in rdn.expect(tlv.SET).children():
            items = atv.expect(tlv.SEQUENCE).children()
            if tlv.oid(items[0]) == COMMON_NAME:
                return tlv.text(items[1])
    return None
