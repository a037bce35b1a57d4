"""The files a command will write, checked before any work (absent, or replaceable with
--force; never a link or a folder), and the modes of files already there."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from vncssl.errors import FileProblem
from vncssl.notice import command


@dataclass(frozen=True)
class Target:
    path: Path  # absolute
    kind: str  # "certificate", "private key", ...
    exists: bool


def check_target(path: Path, kind: str, *, force: bool,
                 missing_folder_ok: bool = False) -> Target:
    """Refuse, before anything runs, a target that cannot or must not be written.
    `missing_folder_ok`: a dry run of `--out-dir NEW`, whose real run makes the folder."""
    p = Path(os.path.abspath(os.path.expanduser(str(path))))
    if p.is_symlink():
        raise FileProblem(
            f"The {kind} path {p} is a symbolic link; vncssl does not write through links.",
            f"Give the real file's path ({os.path.realpath(p)}), or remove the link.",
        )
    if p.is_dir():
        raise FileProblem(f"The {kind} path {p} is a directory.",
                          f"Give a file name, e.g. {p / 'vnc-server.pem'}.")
    parent = p.parent
    if not parent.exists():
        if missing_folder_ok:
            return Target(p, kind, False)
        raise FileProblem(f"The folder {parent} (for the {kind}) does not exist.",
                          f"Create it first: `{command('mkdir', '-p', parent)}` (or use "
                          "--out-dir, which creates it).")
    if not parent.is_dir():
        raise FileProblem(f"{parent} (for the {kind}) is not a folder.", "")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise FileProblem(f"The folder {parent} is not writable (for the {kind}).",
                          "Choose another folder, or fix its permissions.")
    exists = p.exists()
    if exists and not force:
        raise FileProblem(
            f"The {kind} {p} already exists; vncssl never overwrites it unless asked.",
            "Pass --force to replace it, or choose another path.",
        )
    return Target(p, kind, exists)


def check_distinct(*targets: Target) -> None:
    seen: dict = {}
    for t in targets:
        real = os.path.normcase(os.path.realpath(t.path))
        if real in seen:
            raise FileProblem(f"The {seen[real]} and the {t.kind} are the same file ({t.path}).",
                              "Give them different paths.")
        seen[real] = t.kind


def mode_text(path: Path) -> Optional[str]:
    """`0600`-style mode for reports; None where modes mean nothing (Windows)."""
    m = mode_of(path)
    return None if m is None else f"{m:04o}"


def mode_of(path: Path) -> Optional[int]:
    if os.name != "posix":
        return None
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        return None


def is_posix() -> bool:
    return os.name == "posix" and not sys.platform.startswith("win")
