"""Every file vncssl writes goes through here: private temp dirs, keys born 0600, checks
before any work, atomic rename into place under a lock, backups, synced-folder detection."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

from vncssl.errors import FileProblem, WriteFailed
from vncssl.filelock import dir_lock

KEY_MODE = 0o600


@dataclass(frozen=True)
class Target:
    path: Path  # absolute
    kind: str  # "certificate", "private key", ...
    exists: bool


def check_target(path: Path, kind: str, *, force: bool) -> Target:
    """Refuse, before anything runs, a target that cannot or must not be written."""
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
        raise FileProblem(f"The folder {parent} (for the {kind}) does not exist.",
                          f"Create it first: mkdir -p {parent}")
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


@contextlib.contextmanager
def private_workdir(near: Path) -> Iterator[Path]:
    """A 0700 directory beside the targets, so the final rename stays on one file system;
    removed on every exit path: Ctrl-C, and also SIGTERM/SIGHUP (a closed terminal, `kill`,
    `timeout`), which would otherwise end Python without running this cleanup."""
    try:
        work = Path(tempfile.mkdtemp(prefix=".vncssl-", dir=str(near)))
    except OSError as exc:
        raise WriteFailed(f"Cannot create a temporary folder in {near}: {exc.strerror}.",
                          _fix_for(exc)) from None
    try:
        with _signals_interrupt():
            yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or os.name != "posix":
        yield
        return

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:  # leave handlers others installed
            previous[sig] = signal.signal(sig, interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _fix_for(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "The disk (or your quota) is full: free some space, or write elsewhere."
    if exc.errno in (errno.EROFS,):
        return "The file system is read-only: choose a folder on a writable disk."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "Choose a folder you can write to, or fix its permissions."
    return "Check the folder's permissions and free space, then try again."


def _create(path: Path, mode: int, what: str) -> int:
    try:
        return os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL
                       | getattr(os, "O_BINARY", 0), mode)
    except OSError as exc:
        raise WriteFailed(f"Cannot create the {what} {path}: {exc.strerror}.",
                          _fix_for(exc)) from None


def _write_all(fd: int, path: Path, data: bytes, what: str) -> None:
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise WriteFailed(f"Cannot write the {what} {path}: {exc.strerror}.",
                          _fix_for(exc)) from None


@contextlib.contextmanager
def scratch_dir(prefix: str = "vncssl-") -> Iterator[Path]:
    """A private (0700) folder in the system temp dir for files only openssl reads (a fetched
    chain, a CA list for `openssl verify`); removed on every exit path."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def precreate_private(path: Path) -> None:
    """Create an empty 0600 file so openssl writes the key into a file that was private from
    its first byte (openssl keeps an existing file's mode; older ones create 0644)."""
    os.close(_create(path, KEY_MODE, "private file"))


def precreate_public(path: Path) -> None:
    """Create an empty file with the user's usual mode (0666 less their umask): a
    certificate is public, and openssl itself runs under umask 077."""
    os.close(_create(path, 0o666, "file"))


def write_private(path: Path, data: bytes) -> None:
    _write_all(_create(path, KEY_MODE, "private file"), path, data, "private file")


def write_text(path: Path, text: str, mode: int = 0o644) -> None:
    # newline="\n" semantics: the text is written byte for byte, on Windows too.
    _write_all(_create(path, mode, "file"), path, text.encode("utf-8"), "file")


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


@contextlib.contextmanager
def _no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C until the renames are done: a new key beside an old cert is worse."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda *_: received.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt


def install(moves: Sequence[Tuple[Path, Target]], *, force: bool,
            backup: bool = False) -> List[Path]:
    """Rename finished temp files onto their targets. Re-checks existence under the lock
    (another run may have written meanwhile). With `backup`, each replaced file is kept as
    NAME.YYYYmmdd-HHMMSS.bak (one suffix for the whole set, made unique). Returns them."""
    if not moves:
        return []
    folder = moves[0][1].path.parent
    backups: List[Path] = []
    with dir_lock(folder, fix_for=_fix_for), _no_interrupt():
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
                                          _fix_for(exc)) from None
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
                          "The previous files were left as they were.", _fix_for(exc)) from None


def disk_full(folder: Path, reserve: int = 64 * 1024) -> bool:
    """True when the file system holding `folder` has (almost) no space left for us. openssl
    3.0 exits 0 even when writing its output failed, so an empty or cut-off file plus this
    is how vncssl tells a full disk from a broken binary."""
    if not hasattr(os, "statvfs"):
        return False
    try:
        st = os.statvfs(str(folder))
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < reserve or (st.f_files > 0 and st.f_favail == 0)


def timestamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def is_posix() -> bool:
    return os.name == "posix" and not sys.platform.startswith("win")
