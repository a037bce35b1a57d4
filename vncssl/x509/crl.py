"""Certificate revocation lists, read by openssl: who signed one, when it runs out, which
serials it lists. One `openssl crl -text` process per CRL; with a CA file the same process
checks the CRL's signature against it (a CRL is only believed once that check passed)."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Set

from vncssl.errors import OpensslFailed, OpensslTimeout, UsageError
from vncssl.openssl import binary, runner
from vncssl.x509.certinfo import NO_TRUST_STORE, read_pem_file
from vncssl.x509.textparse import _fmt, _iso

PEM_CRL = "-----BEGIN X509 CRL-----"


@dataclass
class CrlFacts:
    path: str
    issuer: str  # RFC 2253, as certinfo prints subjects
    last_update: str  # ISO 8601 UTC
    next_update: Optional[str]  # None: the CRL names no next update
    crl_number: str
    revoked: Dict[str, str] = field(default_factory=dict)  # serial (hex, upper) -> reason
    verified: bool = False  # its signature was checked against the CA file given

    def out_of_date(self, now: Optional[dt.datetime] = None) -> bool:
        now = now or dt.datetime.now(dt.timezone.utc)
        return self.next_update is not None and _parse_iso(self.next_update) < now


def _parse_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def serial_key(serial: str) -> str:
    """One spelling per serial, as openssl prints it: upper-case hex in whole octets (no
    colons, no leading zero octets)."""
    text = f"{int(serial.replace(':', '').strip() or '0', 16):X}"
    return ("0" + text) if len(text) % 2 else text


def is_crl_file(path: Path) -> bool:
    from vncssl.errors import VncsslError
    from vncssl.fs import safeopen

    try:  # never blocking, regular files only: a FIFO is refused by the reader after this
        fd = safeopen.open_input(path, "CRL")
    except VncsslError:
        return False
    try:
        return PEM_CRL.encode() in os.read(fd, 8192)
    except OSError:
        return False
    finally:
        os.close(fd)


def read_crl(ossl: binary.OpensslInfo, path: Path, *, ca_file: Optional[Path] = None,
             timeout: Optional[float] = None) -> CrlFacts:
    """The CRL's facts. With `ca_file`, a CRL whose signature does not verify against a
    certificate in it (a CRL of another CA, or a forged one) is bad input (exit 2)."""
    text = read_pem_file(path)
    argv = [ossl.path, "crl", "-in", str(path), "-noout", "-text", "-nameopt", "RFC2253"]
    if PEM_CRL not in text:
        if "-----BEGIN" in text:
            raise UsageError(f"{path} holds no CRL (no BEGIN X509 CRL block).",
                             "Give the file `vncssl ca crl` wrote.")
        argv += ["-inform", "DER"]
    if ca_file is not None:
        argv += ["-CAfile", str(ca_file)]
    try:
        r = runner.run(argv, timeout=timeout, check=False, what="openssl crl",
                       env=None if ca_file else NO_TRUST_STORE)
    except OpensslTimeout:
        raise
    said = r.stdout + r.stderr
    if ca_file is not None and "Error getting CRL issuer certificate" in said:
        raise UsageError(f"{path} is not a CRL of a CA in {ca_file}: it belongs to a "
                         "different CA.", "Use the CRL made by the CA the viewer trusts "
                         "(`vncssl ca crl` on that CA's machine).", details=r.stderr)
    if "Revocation List" not in r.stdout:
        raise UsageError(f"{path} is not a readable CRL (openssl could not parse it).",
                         "Give the file `vncssl ca crl` wrote (PEM or DER).", details=r.stderr)
    facts = parse_crl_text(r.stdout, str(path))
    if ca_file is not None:
        if r.returncode != 0 or "verify OK" not in said:
            raise UsageError(f"{path} is a CRL of {facts.issuer}, and its signature does not "
                             f"verify against {ca_file}: it belongs to a different CA.",
                             "Use the CRL made by the CA the viewer trusts (`vncssl ca crl` "
                             "on that CA's machine).", details=r.stderr)
        facts.verified = True
    return facts


def parse_crl_text(out: str, source: str) -> CrlFacts:
    def field_(label: str) -> str:
        m = re.search(rf"^\s*{label}:\s*(.*)$", out, re.MULTILINE)
        return m.group(1).strip() if m else ""

    try:
        last = _fmt(_iso(field_("Last Update")))
        nxt_text = field_("Next Update")
        nxt = None if nxt_text in ("", "NONE") else _fmt(_iso(nxt_text))
    except ValueError as exc:
        raise OpensslFailed(f"openssl's CRL output could not be read: {exc}.",
                            "Try another openssl with --openssl.") from None
    number = re.search(r"CRL Number:\s*\n\s*(\S+)", out)
    revoked: Dict[str, str] = {}
    listing = out.split("Revoked Certificates:", 1)[1] if "Revoked Certificates:" in out else ""
    entries = re.split(r"^\s*Serial Number:\s*", listing, flags=re.MULTILINE)[1:]
    for entry in entries:
        serial = entry.split(None, 1)[0]
        reason = re.search(r"CRL Reason Code:\s*\n\s*(.+)", entry)
        revoked[serial_key(serial)] = reason.group(1).strip() if reason else "unspecified"
    return CrlFacts(source, field_("Issuer"), last, nxt, number.group(1) if number else "",
                    revoked)


def check_new_crl(ossl: binary.OpensslInfo, crl: Path, ca_cert: Path, expected: Set[str],
                  *, timeout: Optional[float] = None) -> CrlFacts:
    """The CRL openssl just made verifies against the CA and lists exactly `expected`."""
    try:
        facts = read_crl(ossl, crl, ca_file=ca_cert, timeout=timeout)
    except UsageError as exc:
        raise OpensslFailed(f"The CRL openssl made does not check out: {exc.message} Nothing "
                            "was written.", "Try another openssl with --openssl.") from None
    if set(facts.revoked) != {serial_key(s) for s in expected}:
        raise OpensslFailed("The CRL openssl made does not list exactly the revoked serials. "
                            "Nothing was written.", "Try another openssl with --openssl.")
    return facts
