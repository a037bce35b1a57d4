"""The shape of one entry of the TigerVNC message table (data in viewer.py, session.py,
server.py; evidence in docs/tigervnc-messages.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Tuple


@dataclass(frozen=True)
class Cause:
    key: str       # stable id, e.g. "old-cert-in-x509ca"
    text: str      # what is wrong, in words
    confirm: str   # the command that shows it is this cause
    fix: str       # the command (or step) that fixes it


@dataclass(frozen=True)
class Entry:
    id: str
    patterns: Tuple[str, ...]   # regexes, case-insensitive, on whitespace-collapsed text
    meaning: str
    generations: str            # "1.11-1.16", "1.14-1.16", "<=1.10" ...
    side: str                   # "viewer" or "server"
    source: str                 # the file and the versions it was checked at
    causes: Tuple[Cause, ...]   # most likely first
    weight: int = 3             # 4 decides a whole log, 3 a specific failure, 2 a generic
                                # one, 1 a side line, 0 benign
    examples: Tuple[str, ...] = field(default=())   # texts exactly as the programs print them
