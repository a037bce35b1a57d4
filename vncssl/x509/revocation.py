"""Is a server certificate revoked, as the TigerVNC viewer decides it with its X509CRL file?
Kept apart from verdict.py: `check --crl` and `probe --crl` add these problems to the verdict.

What the viewer does (Debian 12's TigerVNC 1.12 over GnuTLS 3.7.9, tests/test_revocation_e2e.py):
- a certificate listed in a CRL signed by its CA is refused outright ("server certificate has
  been revoked"); an unlisted certificate of the same CA connects;
- a CRL past its next update is still used as it is: listed certificates are refused,
  unlisted ones connect, and nothing is said about its age;
- a missing or unreadable CRL file is only logged ("Could not load user specified
  certificate revocation list"): nothing is revoked;
- a CRL of another CA is ignored.
`check` says the same, and adds a note where the viewer keeps silent (a stale CRL, a
missing one). A CRL the user names that is not signed by the CA being trusted is bad input.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

from vncssl.openssl import binary
from vncssl.x509.certfacts import CertFacts
from vncssl.x509.crl import CrlFacts, read_crl, serial_key
from vncssl.x509.problem import REFUSES
from vncssl.x509.verdict import Problem


@dataclass
class RevocationCheck:
    crl: str
    status: str  # "revoked", "not-revoked", "crl-missing", "crl-ignored"
    next_update: Optional[str] = None
    out_of_date: bool = False
    notes: List[str] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)


def check_revocation(ossl: binary.OpensslInfo, chain: Sequence[CertFacts], crl: Path,
                     ca_file: Optional[Path], *, strict: bool = True,
                     now: Optional[dt.datetime] = None,
                     timeout: Optional[float] = None) -> RevocationCheck:
    """chain[0] is the server certificate. `strict`: the user named this CRL, so one that
    is not signed by the trusted CA is bad input (exit 2); otherwise (the viewer's default
    file) it is ignored, as the viewer ignores it."""
    from vncssl.errors import UsageError

    if not crl.is_file():
        return RevocationCheck(str(crl), "crl-missing", notes=[
            f"No CRL at {crl}: the TigerVNC viewer only logs \"Could not load user specified "
            "certificate revocation list\" and connects, so no certificate counts as revoked. "
            "Make one with `vncssl ca crl` and install it (`vncssl tigervnc viewer "
            "--install-crl FILE`)."])
    try:
        facts = read_crl(ossl, crl, ca_file=ca_file, timeout=timeout)
    except UsageError:
        if strict:
            raise
        return RevocationCheck(str(crl), "crl-ignored", notes=[
            f"{crl} is not a CRL of the CA the viewer trusts: the viewer ignores it."])
    result = RevocationCheck(str(crl), "not-revoked", facts.next_update,
                             facts.out_of_date(now))
    if result.out_of_date:
        result.notes.append(
            f"The CRL's next update was {facts.next_update}: it is out of date. The TigerVNC "
            "viewer still uses it as it is (certificates revoked since are not in it). Make "
            "a fresh one: `vncssl ca crl`, and give it to the viewers.")
    for cert in chain:
        problem = _listed(cert, facts)
        if problem:
            result.status = "revoked"
            result.problems.append(problem)
    return result


def _listed(cert: CertFacts, facts: CrlFacts) -> Optional[Problem]:
    if cert.issuer != facts.issuer:
        return None
    reason = facts.revoked.get(serial_key(cert.serial))
    if reason is None:
        return None
    return Problem("revoked", f"The certificate {cert.subject} (serial {cert.serial}) is "
                   f"revoked by the CRL {facts.path} (reason: {reason}): TigerVNC refuses it "
                   "outright (\"server certificate has been revoked\").",
                   "Give the server a new certificate from the CA (`vncssl ca request` on "
                   "the server, `vncssl ca sign` here), then restart it.", REFUSES)


def apply(verdict: object, check: RevocationCheck) -> None:
    """Add the revocation problems to a verdict.Verdict (accepted only if none remain)."""
    from vncssl.x509.problem import blocking, outcome

    problems = getattr(verdict, "problems")  # noqa: B009 - any verdict-shaped object
    problems.extend(check.problems)
    setattr(verdict, "accepted", not blocking(problems))  # noqa: B010 - warnings do not stop
    setattr(verdict, "viewer", outcome(problems))  # noqa: B010
