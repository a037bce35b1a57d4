"""How each TigerVNC viewer generation meets a certificate problem: the ONE table of
per-generation facts that `check`, `probe` and the viewer settings consult.

Verified with real viewers 1.11, 1.12, 1.13.1, 1.14.1, 1.15.0 and 1.16.2 against Xvnc
(tests/test_check_agreement.py runs 1.11, 1.12 and 1.15 in CI). The yes/no answer ("connects
with no prompt") is the same on every generation; what differs is *how* the viewer stops:

- 1.11/1.12 refuse expired, not-yet-valid and insecure-algorithm outright; they ask about a
  hostname mismatch first ("Hostname (X) does not match the server certificate"), then an
  unknown issuer (seen with 1.11 and 1.12: a mismatch is asked even when an expiry is then
  refused).
- 1.13 asks "Certificate hostname mismatch" first, then "Unknown certificate issuer", then
  "Expired certificate"; not-yet-valid and insecure algorithm are still refused.
- 1.14+ ask about all of them; GnuTLS sets INVALID with each, so the first dialog is always
  "Unknown certificate issuer", then not-yet-valid, expired, insecure algorithm, hostname
  mismatch (`The specified hostname "X" does not match the certificate provided by the
  server`). A "Yes" to a hostname mismatch is remembered too (PR "Improve TLS host exception
  handling"). Before 1.16 an IPv6 literal is sent as TLS SNI, which Xvnc refuses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Sequence, Tuple

from vncssl.x509.problem import ASKS, REFUSES, Problem, outcome

Version = Tuple[int, int]

# The problem codes whose stop depends on the generation (verdict.py states 1.12's). A key
# below GnuTLS's LOW profile (RSA < 1024) is reported as an insecure algorithm.
TIME_AND_ALGORITHM = ("expired", "not-yet-valid", "insecure-algorithm", "weak-key")

_TITLE = {
    "unknown-issuer": "Unknown certificate issuer",
    "not-yet-valid": "Certificate is not yet valid",
    "expired": "Expired certificate",
    "insecure-algorithm": "Insecure certificate algorithm",
    "weak-key": "Insecure certificate algorithm",
    "hostname-mismatch": "Certificate hostname mismatch",
}
# Problems GnuTLS reports through the verification status (1.14+ then ask "Unknown
# certificate issuer" first, because INVALID comes with each).
_STATUS_CODES = ("unknown-issuer", "same-subject-different-cert", "not-yet-valid", "expired",
                 "insecure-algorithm", "weak-key", "chain-invalid")


@dataclass(frozen=True)
class Generation:
    """What one range of TigerVNC releases does (see the module docstring)."""

    label: str  # "1.11-1.12", "1.13", "1.14-1.15", "1.16+"
    first: Version
    asks: FrozenSet[str]  # of TIME_AND_ALGORITHM: asked (the rest are refused outright)
    dialog_order: Tuple[str, ...]  # problem codes, in the order the dialogs open
    mismatch_text: str  # the hostname-mismatch dialog, {host} filled in
    xdg_layout: bool  # ~/.config/tigervnc + state dir (with the ~/.vnc fallback)
    remembers_mismatch: bool  # a "Yes" to a hostname mismatch goes to x509_known_hosts
    ipv6_literal_sni: bool  # sends a typed IPv6 literal as SNI (Xvnc refuses the handshake)


_OLD_MISMATCH = "Hostname ({host}) does not match the server certificate, do you want to continue?"
_NEW_MISMATCH = ('The specified hostname "{host}" does not match the certificate provided by '
                 "the server")

GENERATIONS = (
    Generation("1.11-1.12", (0, 0), frozenset(), ("hostname-mismatch", "unknown-issuer"),
               _OLD_MISMATCH, False, False, True),
    Generation("1.13", (1, 13), frozenset({"expired"}),
               ("hostname-mismatch", "unknown-issuer", "expired"), _OLD_MISMATCH,
               False, False, True),
    Generation("1.14-1.15", (1, 14), frozenset(TIME_AND_ALGORITHM),
               ("unknown-issuer", "not-yet-valid", "expired", "insecure-algorithm",
                "hostname-mismatch"), _NEW_MISMATCH, True, True, True),
    Generation("1.16+", (1, 16), frozenset(TIME_AND_ALGORITHM),
               ("unknown-issuer", "not-yet-valid", "expired", "insecure-algorithm",
                "hostname-mismatch"), _NEW_MISMATCH, True, True, False),
)


def generation(version: Version) -> Generation:
    return [g for g in GENERATIONS if version >= g.first][-1]


def name(version: Version) -> str:
    """"TigerVNC 1.15 (generation 1.14-1.15)": messages name the generation they describe."""
    return f"TigerVNC {version[0]}.{version[1]} (generation {generation(version).label})"


def stops(problem: Problem, version: Version) -> str:
    """How this generation stops on the problem (verdict.py's stop is 1.12's)."""
    if problem.code not in TIME_AND_ALGORITHM or problem.stops not in (ASKS, REFUSES):
        return problem.stops
    return ASKS if problem.code in generation(version).asks else REFUSES


def dialogs(problems: Sequence[Problem], version: Version) -> List[str]:
    """The dialog titles this generation opens, in order, when every question is answered
    Yes (up to an outright refusal; empty when it connects)."""
    g = generation(version)
    codes = {p.code for p in problems}
    if any(stops(p, version) == REFUSES for p in problems if p.code in TIME_AND_ALGORITHM):
        # Before 1.14 the name is asked about before the verification status is looked at;
        # the refusal comes after that question.
        first = g.dialog_order[0]
        return [_TITLE[first]] if first == "hostname-mismatch" and first in codes else []
    if g.xdg_layout and codes & set(_STATUS_CODES):
        codes.add("unknown-issuer")
    if "same-subject-different-cert" in codes or "chain-invalid" in codes:
        codes.add("unknown-issuer")
    if "weak-key" in codes:
        codes.add("insecure-algorithm")
    return [_TITLE[c] for c in g.dialog_order if c in codes]


def describe(problem: Problem, version: Version, host: str,
             all_problems: Sequence[Problem] = ()) -> Optional[str]:
    """One sentence on how this generation stops, for the problems whose stop or dialog
    differs between generations; None for the others."""
    seq = dialogs(all_problems or [problem], version)
    who = name(version)
    if problem.code in TIME_AND_ALGORITHM:
        if stops(problem, version) == REFUSES:
            return f"{who} refuses this outright (no question to answer)."
        return (f"{who} asks: " + " -> ".join(f'"{t}"' for t in seq)
                + " (answering Yes to each connects).")
    if problem.code == "hostname-mismatch":
        text = generation(version).mismatch_text.format(host=host)
        order = (" -> ".join(f'"{t}"' for t in seq) + "; ") if len(seq) > 1 else ""
        return f"{who} asks: {order}the mismatch dialog says: {text}"
    return None


def restate(problems: Sequence[Problem], version: Version) -> List[Problem]:
    """The problems with this generation's stops (copies; messages are left as they are)."""
    return [dataclasses.replace(p, stops=stops(p, version)) for p in problems]


def viewer_outcome(problems: Sequence[Problem], version: Version) -> str:
    """connects / asks / refuses / handshake-fails for this generation."""
    return outcome(restate(problems, version))
