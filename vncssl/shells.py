"""Render an argv for the shell the user types it into. (posix now; more shells to come.)"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

from vncssl import recipe
from vncssl.errors import UsageError

SHELLS = ("posix", "cmd", "powershell", "openssl-prompt")


@dataclass
class Rendered:
    shell: str
    command: str
    notes: List[str] = field(default_factory=list)


def default_shell() -> str:
    return "powershell" if sys.platform.startswith("win") else "posix"


def render(argv: Sequence[str], shell: Optional[str] = None, info=None) -> Rendered:
    shell = (shell or default_shell()).lower()
    if shell not in SHELLS:
        raise UsageError(f"--shell {shell!r} is not one of {', '.join(SHELLS)}.", "")
    if shell == "posix":
        return Rendered("posix", recipe.render_posix(argv))
    raise UsageError(f"--shell {shell} is not implemented yet.", "Use --shell posix.")
