"""`vncssl explain`'s answer as data: the entries a pasted TigerVNC message matches, with
the host and status number found in it filled into the commands."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from vncssl.errors import UsageError
from vncssl.tigervnc.messages import (
    Hit,
    by_id,
    decode_status,
    match_details,
    normalise,
    related_to_status,
    status_sentences,
)

# A host taken from pasted text goes into commands only if it looks like a host name or an
# address; anything else (quotes, spaces, shell characters) leaves the HOST placeholder.
_SAFE_HOST = re.compile(r"^[A-Za-z0-9_.:\-\[\]]{1,253}$")
MAX_SHOWN = 5


@dataclass
class Status:
    value: int
    hex: str
    bits: List[str]
    sentences: List[str]
    related: List[str]  # entry ids the bits lead to


@dataclass
class Match:
    id: str
    meaning: str
    generations: str
    side: str
    source: str
    causes: List[Dict[str, str]]
    found: Dict[str, str] = field(default_factory=dict)


@dataclass
class Explanation:
    known: bool
    matches: List[Match]
    status: Optional[Status] = None

    def to_json(self) -> Dict[str, Any]:
        return asdict(self)


def _fill(command: str, found: Dict[str, str]) -> str:
    host = found.get("host", "")
    return command.replace("HOST", host) if host and _SAFE_HOST.match(host) else command


# With a status number, the cause its bits name comes first.
_BIT_CAUSE = {"EXPIRED": "cert-expired", "NOT_ACTIVATED": "not-yet-valid",
              "SIGNATURE_FAILURE": "old-cert-in-x509ca"}


# A viewer log that shows an IPv6 connection ("Connected to host ::1 port 5901"): the
# IPv6-as-server-name cause comes first.
_IPV6_CONNECTED = re.compile(r"connected to host \[?[0-9a-f]*:[0-9a-f:.]*\]? port", re.I)


def _as_match(h: Hit, bits: List[str], ipv6: bool = False) -> Match:
    e = h.entry
    first = (["ipv6-sni"] if ipv6 else []) + [_BIT_CAUSE[b] for b in bits if b in _BIT_CAUSE]
    ordered = sorted(e.causes, key=lambda c: first.index(c.key) if c.key in first
                     else len(first))
    causes = [{"key": c.key, "text": c.text, "confirm": _fill(c.confirm, h.fields),
               "fix": _fill(c.fix, h.fields)} for c in ordered]
    return Match(e.id, e.meaning, e.generations, e.side, e.source, causes, dict(h.fields))


def explain(text: str) -> Explanation:
    if not normalise(text):
        raise UsageError("Give the message TigerVNC showed or logged.",
                         "e.g. vncssl explain 'Invalid status of server certificate "
                         "verification', or - to read a log from standard input.")
    hits = [h for h in match_details(text) if h.entry.weight > 0] or match_details(text)
    status: Optional[Status] = None
    value = next((h.fields["status"] for h in hits if "status" in h.fields), None)
    if value is not None:
        n = int(value)
        status = Status(n, hex(n), decode_status(n), status_sentences(n), related_to_status(n))
        shown = {h.entry.id for h in hits}
        hits += [Hit(by_id(eid), 0, 0, {"status": value}) for eid in status.related
                 if eid not in shown]
    bits = status.bits if status else []
    ipv6 = bool(_IPV6_CONNECTED.search(normalise(text)))
    return Explanation(bool(hits), [_as_match(h, bits, ipv6) for h in hits[:MAX_SHOWN]],
                       status)
