"""Files through descriptors: every read of a file the user named and every check before a
change is made on an open descriptor, so nothing can be swapped between the check and the use.

Reading: `open_regular` opens without blocking (a FIFO never hangs), refuses anything but a
regular file (FIFOs, devices, sockets, folders), and reads at most `max_bytes` (16 MiB by
default: far above any certificate, bundle, hosts file or openssl.cnf; /dev/zero would
otherwise grow without end). Writing: `link_checked`, `make_dirs` and `create_exact` work
on names in a folder (`dirops.Folder`: its descriptor, or its path where the OS has no
dir_fd) and give files exactly the mode asked for, whatever the umask.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import List, Optional, Union

from vncssl.errors import FileProblem, UsageError, quoted
from vncssl.fs.dirops import Folder, open_nofollow, same_file, set_mode

MAX_INPUT = 16 * 1024 * 1024  # documented in README "Limits"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)
_BINARY = getattr(os, "O_BINARY", 0)

PathLike = Union[str, Path]


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words for a message."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def input_error(exc: OSError, path: PathLike, what: str) -> UsageError:
    """One line for an input the OS refuses to open (exit 2)."""
    code = exc.errno
    if code == errno.ENOENT:
        return UsageError(f"{quoted(path)}: no such file.", "Check the path.")
    if code == errno.EISDIR:
        return UsageError(f"{quoted(path)} is a folder, not a {what}.", "Give the file's path.")
    if code == errno.ELOOP:
        return FileProblem(f"{quoted(path)} is a symbolic link; vncssl does not use links here.",
                           "Give the real file's path.")
    if code == errno.ENAMETOOLONG:
        return UsageError(f"{quoted(path)}: the name is too long for the file system.",
                          "Use a shorter file or folder name.")
    if code == errno.ENOTDIR:
        return UsageError(f"{quoted(path)}: a part of the path is not a folder.", "Check the path.")
    if code in (errno.EACCES, errno.EPERM):
        return UsageError(f"{quoted(path)}: cannot read it ({exc.strerror}).",
                          "Check the permissions of the file and of the folders above it.")
    return UsageError(f"{quoted(path)}: cannot read it ({exc.strerror or exc}).", "Check the path.")


def open_input(path: PathLike, what: str = "file", *, follow: bool = True,
               at: Optional[Folder] = None) -> int:
    """A read-only descriptor of a regular file (never blocks: O_NONBLOCK, then fstat).
    With `at`, `path` is a name in that folder (never followed if it is a link)."""
    flags = os.O_RDONLY | _NONBLOCK | _CLOEXEC | _NOCTTY | _BINARY
    try:
        if at is not None:
            fd = at.open(str(path), flags)
        else:
            fd = os.open(str(path), flags) if follow else open_nofollow(path, flags)
    except OSError as exc:
        raise input_error(exc, path, what) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"{quoted(path)} is {kind_of(st.st_mode)}, not a {what}.",
                             f"Give a regular file as the {what}.")
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_fd(fd: int, path: PathLike, what: str, max_bytes: int = MAX_INPUT) -> bytes:
    chunks: List[bytes] = []
    total = 0
    while True:
        try:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
        except BlockingIOError:  # a regular file never blocks; be safe anyway
            chunk = b""
        except OSError as exc:
            raise input_error(exc, path, what) from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise UsageError(f"{quoted(path)} is larger than {max_bytes // (1024 * 1024)} MiB; "
                             f"that is not a {what}.", f"Give the {what} itself.")


def open_regular(path: PathLike, what: str = "file", *, max_bytes: int = MAX_INPUT,
                 follow: bool = True, at: Optional[Folder] = None) -> bytes:
    """The bytes of a regular file, at most `max_bytes` (UsageError otherwise)."""
    fd = open_input(path, what, follow=follow, at=at)
    try:
        return read_fd(fd, path, what, max_bytes)
    finally:
        os.close(fd)


def read_text(path: PathLike, what: str = "file", *, max_bytes: int = MAX_INPUT,
              follow: bool = True) -> str:
    return open_regular(path, what, max_bytes=max_bytes, follow=follow).decode("utf-8",
                                                                               "replace")


def check_regular(path: PathLike, what: str, *, max_bytes: int = MAX_INPUT) -> None:
    """For a file only openssl reads (OPENSSL_CONF, --config): a regular file, not too big."""
    fd = open_input(path, what)
    try:
        if os.fstat(fd).st_size > max_bytes:
            raise UsageError(f"{quoted(path)} is larger than {max_bytes // (1024 * 1024)} MiB; "
                             f"that is not a {what}.", f"Give the {what} itself.")
    finally:
        os.close(fd)


# --- changes relative to a folder's descriptor --------------------------------------------

def open_dir(folder: PathLike) -> Folder:
    return Folder(folder)


def link_checked(at: Folder, src: str, dst: str, expect: os.stat_result) -> int:
    """Hard-link `src` as `dst` in one folder, and return a descriptor of the new name that is
    proven to be the file `expect` describes: if `src` was swapped (a link, another file)
    after it was checked, the new name is removed and FileProblem raised. Changes (fchmod)
    then go to the descriptor, never to a name."""
    at.link(src, dst)
    try:
        fd = at.open(dst, os.O_RDONLY | _NONBLOCK | _NOCTTY)
    except OSError:
        _unlink_quietly(at, dst)
        raise FileProblem(f"{quoted(src)} changed into a link while vncssl was working; nothing "
                          "was replaced.", "Check who else writes in that folder, then try again."
                          ) from None
    if not same_file(os.fstat(fd), expect):
        os.close(fd)
        _unlink_quietly(at, dst)
        raise FileProblem(f"{quoted(src)} was replaced by another file while vncssl was working; "
                          "nothing was replaced.", "Check who else writes in that folder, "
                          "then try again.")
    return fd


def _unlink_quietly(at: Folder, name: str) -> None:
    try:
        at.unlink(name)
    except OSError:
        pass


def create_exact(path: PathLike, mode: int, *, at: Optional[Folder] = None) -> int:
    """A new file (never an existing one, never through a link) with exactly `mode`:
    O_CREAT's mode is cut by the umask, so it is set again on the descriptor. With `at`,
    `path` is a name in that folder."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC | _BINARY
    fd = at.open(str(path), flags, mode) if at is not None else open_nofollow(path, flags, mode)
    try:
        if at is not None:
            at.set_mode(fd, str(path), mode)
        else:
            set_mode(fd, path, mode)
    except OSError:
        os.close(fd)
        raise
    return fd


def make_dirs(path: PathLike, mode: int = 0o700) -> List[Path]:
    """Create the missing folders of `path`, each with exactly `mode` whatever the umask
    (mkdir -p would give 0777 under umask 000). Folders that exist are left as they are.
    Returns the folders created."""
    p = Path(os.path.abspath(str(path)))
    missing: List[Path] = []
    while not os.path.lexists(p):
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    made: List[Path] = []
    for folder in reversed(missing):
        try:
            os.mkdir(folder, mode)
        except FileExistsError:
            continue  # made meanwhile by someone else: not ours to change
        made.append(folder)
        if os.name == "posix":  # modes mean nothing on Windows
            fd = open_nofollow(folder, os.O_RDONLY | _CLOEXEC)
            try:
                set_mode(fd, folder, mode)
            finally:
                os.close(fd)
    return made
