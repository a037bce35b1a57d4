"""What vncssl's certificates say, as openssl config text: the private CA's certificate, the
server certificates it signs, and the CSR for a public CA (pure: text in, text out).

The extensions live in a config section of our own rather than in `-addext`, so they work on
every openssl (as easy-rsa does): older binaries have no `-addext`.
"""

from __future__ import annotations

from typing import List, Sequence

from vncssl.x509 import names as names_mod
from vncssl.x509.names import Name

CA_SECTION, LEAF_SECTION, REQ_SECTION = "vncssl_ca", "vncssl_leaf", "vncssl_req"

# [req] distinguished_name is required before OpenSSL 3.0, even with -subj.
_BASE = "[ req ]\ndistinguished_name = vncssl_dn\nstring_mask = utf8only\n\n[ vncssl_dn ]\n"


def ca_config(leaf_names: Sequence[Name] = (), key_algorithm: str = "rsa") -> str:
    """CA_SECTION for the CA certificate, LEAF_SECTION (with these SANs) for a server's."""
    # keyEncipherment only means something for RSA (TLS RSA key transport); EC/Ed25519 keys
    # sign only. digitalSignature is a must: without it the server finds no cipher suite.
    usage = "digitalSignature,keyEncipherment" if key_algorithm == "rsa" else "digitalSignature"
    text = _BASE + (
        f"\n[ {CA_SECTION} ]\nbasicConstraints = critical,CA:TRUE,pathlen:0\n"
        "keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid:always\n"
        f"\n[ {LEAF_SECTION} ]\nbasicConstraints = critical,CA:FALSE\n"
        f"keyUsage = critical,{usage}\nextendedKeyUsage = serverAuth\n"
        "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid,issuer\n")
    if leaf_names:
        text += f"subjectAltName = {names_mod.san_value(leaf_names)}\n"
    return text


def csr_config(names: Sequence[Name]) -> str:
    """REQ_SECTION: only the SANs; a public CA decides every other extension itself."""
    return _BASE + f"\n[ {REQ_SECTION} ]\nsubjectAltName = {names_mod.san_value(names)}\n"


def subject_args(subj: str) -> List[str]:
    """`-subj` for `openssl req`, with -utf8 when the subject is not plain ASCII."""
    return (["-utf8"] if names_mod.needs_utf8(subj) else []) + ["-subj", subj]
