"""Moving finished files onto their targets: all or nothing, under the folder lock, with
backups of what they replace, and the earlier targets put back if a later rename fails."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from vncssl.errors import FileProblem, WriteFailed
from vncssl.fs.filelock import dir_lock
from vncssl.fs.oserror import fix_for
from vncssl.fs.signals import hold_interrupts
from vncssl.fs.targets import Target, is_posix
from vncssl.fs.writes import KEY_MODE, timestamp


def install(moves: Sequence[Tuple[Path, Target]], *, force: bool,
            backup: bool = False) -> List[Path]:
    """Rename finished temp files onto their targets. Re-checks existence under the lock
    (another run may have written meanwhile). With `backup`, each replaced file is kept as
    NAME.YYYYmmdd-HHMMSS.bak (one suffix for the whole set, made unique). Returns them."""
    if not moves:
        return []
    folder = moves[0][1].path.parent
    backups: List[Path] = []
    with dir_lock(folder, fix_for=fix_for), hold_interrupts():
        for _, target in moves:
            if target.path.is_symlink() or target.path.is_dir():
                raise FileProblem(f"The {target.kind} path {target.path} changed into a link "
                                  f"or folder while vncssl was working.", "Try again.")
            if target.path.exists() and not force:
                raise FileProblem(
                    f"The {target.kind} {target.path} appeared while vncssl was working.",
                    "Pass --force to replace it, or choose another path.")
        if backup:
            backup_suffix = _unique_backup_suffix([t.path for _, t in moves])
            for _, target in moves:
                if target.path.exists():
                    kept = target.path.with_name(target.path.name + backup_suffix)
                    try:
                        _backup(target.path, kept)
                        if "private key" in target.kind and is_posix():
                            # A careless 0644 old key: its backup is made private. The inode
                            # is about to leave the target name anyway.
                            os.chmod(kept, KEY_MODE)
                    except OSError as exc:
                        raise WriteFailed(f"Could not back up {target.path}: {exc.strerror}.",
                                          fix_for(exc)) from None
                    backups.append(kept)
        _replace_all(moves)
    return backups


def _unique_backup_suffix(paths: Sequence[Path]) -> str:
    """`.YYYYmmdd-HHMMSS.bak`, or `-2`, `-3`... after it: two runs in one second (a renewal,
    then another) keep every backup instead of failing on the second."""
    stamp, n = timestamp(), 1
    suffix = f".{stamp}.bak"
    while any(p.with_name(p.name + suffix).exists() for p in paths):
        n += 1
        suffix = f".{stamp}-{n}.bak"
    return suffix


def _backup(src: Path, dst: Path) -> None:
    """Keep the old file under a new name without ever widening its mode: a hard link is the
    same file (a 0600 key stays 0600); where links are not possible, a copy created with the
    original's mode from its first byte."""
    try:
        os.link(src, dst)
        return
    except OSError:
        pass
    mode = os.stat(src).st_mode & 0o777
    fd = os.open(str(dst), os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 mode)
    with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
        shutil.copyfileobj(inp, out)
    shutil.copystat(src, dst)


def _replace_all(moves: Sequence[Tuple[Path, Target]]) -> None:
    """Rename each temp file onto its target; if one rename fails, put the earlier targets
    back, so a new key never ends up beside an old certificate."""
    saved: List[Tuple[Optional[Path], Path]] = []  # (hard link to the old file or None, target)
    try:
        for tmp, target in moves:
            old: Optional[Path] = tmp.with_name(tmp.name + ".old")
            try:
                os.link(target.path, str(old))
            except OSError:
                old = None  # no old file (or no hard links here): nothing to restore
            saved.append((old, target.path))
            os.replace(tmp, target.path)
    except OSError as exc:
        for kept, path in reversed(saved[:-1]):
            with contextlib.suppress(OSError):
                if kept is not None:
                    os.replace(kept, path)
                else:
                    path.unlink()
        kind = moves[len(saved) - 1][1].kind if saved else "file"
        raise WriteFailed(f"Could not move the new {kind} into place: {exc.strerror}. "
                          "The previous files were left as they were.", fix_for(exc)) from None
