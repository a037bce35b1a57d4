"""The files a command will write, checked before any work (absent, or replaceable with
--force; never a link or a folder), and the modes of files already there."""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from vncssl.errors import FileProblem, quoted
from vncssl.notice import command


@dataclass(frozen=True)
class Target:
    path: Path  # absolute
    kind: str  # "certificate", "private key", ...
    exists: bool


def check_target(path: Path, kind: str, *, force: bool,
                 missing_folder_ok: bool = False) -> Target:
    """Refuse, before anything runs, a target that cannot or must not be written: only a
    regular file (or nothing) may sit at the name; never a link, folder, FIFO, device or
    socket (`--cert /dev/null --force` would replace the device node).
    `missing_folder_ok`: a dry run of `--out-dir NEW`, whose real run makes the folder."""
    p = absolute(path, kind)
    try:
        st: Optional[os.stat_result] = os.lstat(p)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _os_refused(exc, p, kind) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise FileProblem(
            f"The {kind} path {quoted(p)} is a symbolic link; vncssl does not write through links.",
            f"Give the real file's path{_real(p)}, or remove the link.",
        )
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise FileProblem(f"The {kind} path {quoted(p)} is a directory.",
                          f"Give a file name, e.g. {p / 'vnc-server.pem'}.")
    if st is not None and not stat.S_ISREG(st.st_mode):
        from vncssl.fs.safeopen import kind_of

        raise FileProblem(f"The {kind} path {quoted(p)} is {kind_of(st.st_mode)}; vncssl "
                          "writes only regular files.",
                          "Give the path of a regular file (or a new one).")
    parent = p.parent
    try:
        pst = os.stat(parent)
    except FileNotFoundError:
        if missing_folder_ok:
            return Target(p, kind, False)
        raise FileProblem(f"The folder {quoted(parent)} (for the {kind}) does not exist.",
                          f"Create it first: `{command('mkdir', '-p', parent)}` (or use "
                          "--out-dir, which creates it).") from None
    except OSError as exc:
        raise _os_refused(exc, parent, kind) from None
    if not stat.S_ISDIR(pst.st_mode):
        raise FileProblem(f"{quoted(parent)} (for the {kind}) is not a folder.", "")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise FileProblem(f"The folder {quoted(parent)} is not writable (for the {kind}).",
                          "Choose another folder, or fix its permissions.")
    exists = st is not None
    if exists and not force:
        raise FileProblem(
            f"The {kind} {quoted(p)} already exists; vncssl never overwrites it unless asked.",
            "Pass --force to replace it, or choose another path.",
        )
    return Target(p, kind, exists)


def _real(p: Path) -> str:
    try:  # the link may change or loop meanwhile (another user swapping it)
        return f" ({os.path.realpath(p)})"
    except OSError:
        return ""


def absolute(path: Path, kind: str = "file") -> Path:
    """The absolute path; `~` expanded only when HOME (or the passwd entry) says where."""
    text = str(path)
    if text.startswith("~"):
        expanded = os.path.expanduser(text)
        if expanded.startswith("~"):
            raise FileProblem(f"{text}: cannot tell which home folder `~` means (HOME is "
                              "unset and this user has no passwd entry).",
                              "Give an absolute path, or set HOME.")
        text = expanded
    try:
        return Path(os.path.abspath(text))
    except OSError as exc:  # the current folder was removed or is unreadable
        raise FileProblem(f"{text}: the current folder cannot be read ({exc.strerror}).",
                          "cd into an existing folder, or give an absolute path.") from None


def _os_refused(exc: OSError, where: Path, kind: str) -> FileProblem:
    import errno

    if exc.errno == errno.ENAMETOOLONG:
        return FileProblem(f"The {kind} path {quoted(where)} is too long for the file system.",
                           "Use a shorter file or folder name.")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return FileProblem(f"The folder above the {kind} {quoted(where)} cannot be searched "
                           f"({exc.strerror}).",
                           "Choose a folder you can read and write, or fix its permissions.")
    if exc.errno == errno.ENOTDIR:
        return FileProblem(f"The {kind} path {quoted(where)}: a part of it is not a folder.",
                           "Check the path.")
    return FileProblem(f"The {kind} path {quoted(where)} cannot be used ({exc.strerror}).",
                       "Check the path.")


def check_distinct(*targets: Target) -> None:
    seen: dict = {}
    for t in targets:
        real = os.path.normcase(os.path.realpath(t.path))
        if real in seen:
            raise FileProblem(f"The {seen[real]} and the {t.kind} are the same file "
                              f"({quoted(t.path)}).",
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
