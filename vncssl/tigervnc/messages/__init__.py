"""Match what TigerVNC printed to the table of its certificate/TLS messages, 1.11-1.16.

    match(text) -> [Entry]         best first: weight, then how much text the entry's
                                   patterns cover, then the longest matching pattern
    match_details(text) -> [Hit]   the same, with what was found (host, status number)

Text is matched after whitespace is collapsed (TigerVNC wraps its log at ~80 columns) and
control characters are removed; a bare status number ("1026", "0x202") leads to the
entries of its bits (status.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Pattern, Tuple

from vncssl.tigervnc.messages.entry import Cause, Entry
from vncssl.tigervnc.messages.server import SERVER
from vncssl.tigervnc.messages.session import SESSION
from vncssl.tigervnc.messages.status import (
    STATUS_BITS,
    decode_status,
    parse_status,
    related_to_status,
    status_sentences,
)
from vncssl.tigervnc.messages.viewer import VIEWER

__all__ = ["Cause", "Entry", "ENTRIES", "Hit", "STATUS_BITS", "by_id", "decode_status",
           "match", "match_details", "normalise", "parse_status", "related_to_status",
           "status_sentences"]

ENTRIES: Tuple[Entry, ...] = VIEWER + SESSION + SERVER
MAX_INPUT = 200_000  # characters looked at: a whole log fits, a runaway paste does not hang

_STATUS_ONLY = re.compile(r"^(?:status:? ?)?(0x[0-9a-f]{1,8}|\d{1,10})$", re.I)
_STATUS_IN_TEXT = re.compile(r"(?:verification|problems): ?(0x[0-9a-f]{1,8}|\d{1,10})\b", re.I)
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'",
                         "\u2019": "'", "\u00a0": " "})
# C0/C1 controls and ANSI escape sequences: pasted text never drives the terminal.
_CTRL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]?|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_COMPILED: List[Tuple[Entry, List[Pattern[str]]]] = [
    (e, [re.compile(p, re.I) for p in e.patterns]) for e in ENTRIES]


@dataclass
class Hit:
    entry: Entry
    covered: int        # characters of the text matched by the entry's patterns
    specificity: int    # length of the longest matching pattern
    fields: Dict[str, str] = field(default_factory=dict)   # "host", "status" when found


def normalise(text: str) -> str:
    """One line, single spaces, plain quotes, no control characters or escapes."""
    text = _CTRL.sub(" ", text[:MAX_INPUT].translate(_QUOTES))
    return " ".join(text.split())


def by_id(entry_id: str) -> Entry:
    for e in ENTRIES:
        if e.id == entry_id:
            return e
    raise KeyError(entry_id)


def match_details(text: str) -> List[Hit]:
    flat = normalise(text)
    hits: List[Hit] = []
    for e, pats in _COMPILED:
        spans: List[Tuple[int, int]] = []
        fields: Dict[str, str] = {}
        spec = 0
        for src, rx in zip(e.patterns, pats):
            for m in rx.finditer(flat):
                if m.end() > m.start():
                    spans.append(m.span())
                    spec = max(spec, len(src))
                    fields.update({k: v for k, v in m.groupdict().items() if v})
        if spans:
            hits.append(Hit(e, _union(spans), spec, fields))
    status = _status_of(flat)
    if status is not None:
        for h in hits:
            h.fields.setdefault("status", str(status))
        if not hits:   # a bare number: the entries its bits lead to, in bit order
            hits = [Hit(by_id(eid), 0, -rank, {"status": str(status)})
                    for rank, eid in enumerate(related_to_status(status))]
    hits.sort(key=lambda h: (-h.entry.weight, -h.covered, -h.specificity))
    return hits


def match(text: str) -> List[Entry]:
    return [h.entry for h in match_details(text)]


def _status_of(flat: str) -> int | None:
    m = _STATUS_ONLY.match(flat) or _STATUS_IN_TEXT.search(flat)
    if not m:
        return None
    try:
        return parse_status(m.group(1))
    except ValueError:
        return None


def _union(spans: List[Tuple[int, int]]) -> int:
    total, end = 0, -1
    for a, b in sorted(spans):
        if b > end:
            total += b - max(a, end)
            end = b
    return total
