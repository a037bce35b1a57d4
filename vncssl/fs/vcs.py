"""Is a path inside a git work tree? A key made in a checkout (following the README there)
is one `git add .` away from being published."""

from __future__ import annotations

from pathlib import Path
from typing import Optional


def git_work_tree(path: Path, *, max_depth: int = 64) -> Optional[Path]:
    """The top of the git work tree holding `path` (a `.git` folder, or a `.git` file as in
    a linked worktree or submodule), else None. Reads names only: no git is run."""
    here = Path(path).absolute()
    if not here.is_dir():
        here = here.parent
    for _ in range(max_depth):
        if (here / ".git").exists():
            return here
        if here.parent == here:
            return None
        here = here.parent
    return None
