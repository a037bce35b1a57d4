"""One line of `vncssl doctor`: a check, what it found, and the command that fixes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

OK, FAIL, ERROR, SKIP = "ok", "fail", "error", "skip"  # error: the check could not run


@dataclass
class Check:
    id: str        # stable, e.g. "key-readable", "security-types"
    side: str      # "server", "viewer" or "probe"
    status: str    # ok, fail, error, skip
    title: str     # what was checked, in words
    detail: str = ""
    fix: str = ""  # a command the user runs; doctor itself never changes anything
    code: str = ""  # for a probe/verdict problem: its code (unknown-issuer, expired, ...)


def ok(cid: str, side: str, title: str, detail: str = "") -> Check:
    return Check(cid, side, OK, title, detail)


def fail(cid: str, side: str, title: str, detail: str, fix: str, code: str = "") -> Check:
    return Check(cid, side, FAIL, title, detail, fix, code)


def error(cid: str, side: str, title: str, detail: str, fix: str = "") -> Check:
    return Check(cid, side, ERROR, title, detail, fix)


def skip(cid: str, side: str, title: str, detail: str) -> Check:
    return Check(cid, side, SKIP, title, detail)


def exit_code(checks: List[Check]) -> int:
    """1 when any check failed, else 3 when one could not run, else 0."""
    statuses = {c.status for c in checks}
    return 1 if FAIL in statuses else 3 if ERROR in statuses else 0
