"""A warning or note attached to a result: a stable code for scripts, words for people."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Notice:
    code: str
    message: str
    fix: str = ""
