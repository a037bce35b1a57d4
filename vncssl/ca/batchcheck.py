"""The checks `ca issue --from`'s batch path makes on each certificate openssl made, from its
DER structure (x509/dernames): exactly the names asked for, CA:FALSE, the CA's own subject
(byte for byte) as issuer, the key type asked for; and the facts reported (subject, serial,
dates) read from the same structure, spelt as openssl prints them."""

from __future__ import annotations

import base64
import re
from typing import Sequence, Tuple

from vncssl.ca.authority import Issuer
from vncssl.x509 import der, derfacts, dernames, strength
from vncssl.x509 import names as names_mod
from vncssl.x509.dnrender import rfc2253


class HostFailed(Exception):
    def __init__(self, error: str, fix: str = "") -> None:
        super().__init__(error)
        self.error, self.fix = error, fix


def pem_der(pem: str) -> bytes:
    m = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", pem, re.S)
    if not m:
        raise HostFailed("openssl wrote no certificate.", "Try another openssl with --openssl.")
    return base64.b64decode("".join(m.group(1).split()))


def check_structure(iss: Issuer, ca_subject: bytes, data: bytes, names: Sequence[names_mod.Name]
           ) -> Tuple[str, str, str, str]:
    """(subject, serial, notBefore, notAfter) once the structure says what was asked for."""
    try:
        c = dernames.parse_certificate(data)
        derfacts.dates(c)
    except (der.DerError, IndexError, ValueError) as exc:
        raise HostFailed(f"The certificate openssl made cannot be read ({exc}).",
                         "Try another openssl with --openssl.") from None
    problems = []
    got = sorted((g.kind, g.value) for g in c.san or [])
    if got != sorted((n.kind, n.value) for n in names):
        problems.append(f"its names are {got}")
    if c.issuer_raw != ca_subject:
        problems.append("its issuer is not the CA's subject")
    if c.is_ca or c.basic_constraints is None:
        problems.append("it does not say CA:FALSE")
    if c.key.type.lower() != {"rsa": "rsa", "ec": "ec", "ed25519": "ed25519"}[
            iss.spec.algorithm]:
        problems.append(f"its key is {c.key.type}")
    # The floor every other path applies (x509/strength): a weak --key-type or a broken
    # signature hash is refused here too.
    problems += [what for what, _ in strength.der_floor_problems(c)]
    if problems:
        raise HostFailed("The certificate openssl made is not what was asked for: "
                         + "; ".join(problems) + ". Nothing was written.",
                         "Report this with `openssl version -a`; try --openssl.")
    # Spelt by the same code as every other certificate vncssl reads (x509/derfacts).
    not_before, not_after = derfacts.dates(c)
    return (rfc2253(c.subject_raw), derfacts.serial_text(c.serial),
            derfacts.iso(not_before), derfacts.iso(not_after))
