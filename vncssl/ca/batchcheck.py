"""The checks `ca issue --from`'s batch path makes on each certificate openssl made, from its
DER structure (x509/dernames): exactly the names asked for, CA:FALSE, the CA's own subject
(byte for byte) as issuer, the key type asked for; and the facts reported (subject, serial,
dates) read from the same structure, spelt as openssl prints them."""

from __future__ import annotations

import base64
import re
from typing import Sequence, Tuple

from vncssl.ca.authority import Issuer
from vncssl.x509 import der, dernames, strength
from vncssl.x509 import names as names_mod

_RDN_SHORT = {"2.5.4.3": "CN", "2.5.4.5": "serialNumber"}


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
        serial, not_before, not_after = _serial_and_dates(data)
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
    subject = ",".join(f"{_RDN_SHORT.get(a.oid, a.oid)}={_escape(a.value)}"
                       for rdn in reversed(c.subject) for a in rdn)
    return subject, serial, not_before, not_after


def _escape(value: str) -> str:
    out = re.sub(r'([,+"\\<>;=])', r"\\\1", value)
    return ("\\" + out) if out[:1] in ("#", " ") else out


def _serial_and_dates(data: bytes) -> Tuple[str, str, str]:
    tbs = der.parse(data).children()[0].children()
    if tbs[0].tag == 0xA0:
        tbs = tbs[1:]
    raw = tbs[0].expect(der.INTEGER).value
    # As openssl prints it: the magnitude's octets (DER adds 00 before a high bit).
    serial = (raw[1:] if len(raw) > 1 and raw[0] == 0 else raw).hex().upper()
    times = [_time(t) for t in tbs[3].expect(der.SEQUENCE).children()]
    return serial, times[0], times[1]


def _time(t: der.Tlv) -> str:
    """UTCTime / GeneralizedTime (Z form, as openssl writes them) -> ISO 8601."""
    text = t.value.decode("ascii")
    if t.tag == der.UTC_TIME:
        text = ("19" if int(text[:2]) >= 50 else "20") + text
    if not re.fullmatch(r"\d{14}Z", text):
        raise ValueError(f"unexpected time {text!r}")
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:14]}Z"
