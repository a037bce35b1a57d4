"""A problem with a certificate (or a server) as the TigerVNC viewer meets it, and how the
viewer stops on it: the vocabulary `verdict`, `trustproblems` and `probe` share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

# How a problem stops the user, most severe first. HANDSHAKE: the TLS handshake fails (the
# `fix` text says whether the viewer or the server ends it); REFUSES: the viewer refuses
# outright; ASKS: the viewer opens a question; WARNING: the viewer connects, but something is
# wrong that the user should know (a deadline, a weaker way in, another server refusing).
HANDSHAKE, REFUSES, ASKS, WARNING = "handshake-fails", "refuses", "asks", "warning"
_SEVERITY = (HANDSHAKE, REFUSES, ASKS)
# The viewer's outcome for a set of problems (Verdict.viewer).
CONNECTS = "connects"


@dataclass
class Problem:
    code: str  # hostname-mismatch, unknown-issuer, expired, not-yet-valid, ...
    message: str
    fix: str
    stops: str = ASKS


def outcome(problems: Sequence[Problem]) -> str:
    """What the viewer does: the most severe stop among the problems, or CONNECTS."""
    for level in _SEVERITY:
        if any(p.stops == level for p in problems):
            return level
    return CONNECTS


def blocking(problems: Sequence[Problem]) -> bool:
    return outcome(problems) != CONNECTS
