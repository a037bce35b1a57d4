"""One line per part of the openssl command: what it does and why the guide uses it."""

from __future__ import annotations

from typing import List, Sequence, Tuple


def explain_argv(argv: Sequence[str], info=None) -> List[Tuple[str, str]]:
    return [(" ".join(argv), "the guide's command")]
