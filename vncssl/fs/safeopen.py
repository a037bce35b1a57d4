"""Files through descriptors: every read of a file the user named and every check before a
change is made on an open descriptor, so nothing can be swapped between the check and the use.

Reading: `open_regular` opens without blocking (a FIFO never hangs), refuses anything but a
regular file (FIFOs, devices, sockets, folders), and reads at most `max_bytes` (16 MiB by
default: far above any certificate, bundle, hosts file or openssl.cnf; /dev/zero would
otherwise grow without end). Writing: `lstat_at`, `link_checked`, `make_dirs` and
`create_exact` work relative to a folder's descriptor and give files exactly the mode asked
for, whatever the umask.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import List, Optional, Union

from vncssl.errors import FileProblem, UsageError

MAX_INPUT = 16 * 1024 * 1024  # documented in README "Limits"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
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
        return UsageError(f"{path}: no such file.", "Check the path.")
    if code == errno.EISDIR:
        return UsageError(f"{path} is a folder, not a {what}.", "Give the file's path.")
    if code == errno.ELOOP:
        return FileProblem(f"{path} is a symbolic link; vncssl does not use links here.",
                           "Give the real file's path.")
    if code == errno.ENAMETOOLONG:
        return UsageError(f"{path}: the name is too long for the file system.",
                          "Use a shorter file or folder name.")
    if code == errno.ENOTDIR:
        return UsageError(f"{path}: a part of the path is not a folder.", "Check the path.")
    if code in (errno.EACCES, errno.EPERM):
        return UsageError(f"{path}: cannot read it ({exc.strerror}).",
                          "Check the permissions of the file and of the folders above it.")
    return UsageError(f"{path}: cannot read it ({exc.strerror or exc}).", "Check the path.")


def open_input(path: PathLike, what: str = "file", *, follow: bool = True,
               dir_fd: Optional[int] = None) -> int:
    """A read-only descriptor of a regular file (never blocks: O_NONBLOCK, then fstat)."""
    flags = os.O_RDONLY | _NONBLOCK | _CLOEXEC | _NOCTTY | _BINARY | (0 if follow else _NOFOLLOW)
    try:
        fd = os.open(str(path), flags, dir_fd=dir_fd)
    except OSError as exc:
        raise input_error(exc, path, what) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"{path} is {kind_of(st.st_mode)}, not a {what}.",
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
            raise UsageError(f"{path} is larger than {max_bytes // (1024 * 1024)} MiB; that "
                             f"is not a {what}.", f"Give the {what} itself.")


def open_regular(path: PathLike, what: str = "file", *, max_bytes: int = MAX_INPUT,
                 follow: bool = True, dir_fd: Optional[int] = None) -> bytes:
    """The bytes of a regular file, at most `max_bytes` (UsageError otherwise)."""
    fd = open_input(path, what, follow=follow, dir_fd=dir_fd)
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
            raise UsageError(f"{path} is larger than {max_bytes // (1024 * 1024)} MiB; that "
                             f"is not a {what}.", f"Give the {what} itself.")
    finally:
        os.close(fd)


# --- changes relative to a folder's descriptor --------------------------------------------

def open_dir(folder: PathLike) -> int:
    return os.open(str(folder), os.O_RDONLY | _DIRECTORY | _CLOEXEC)


def lstat_at(dir_fd: Optional[int], name: str) -> Optional[os.stat_result]:
    """What sits at `name` in the folder (the link itself, never its target), or None."""
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def link_checked(dir_fd: Optional[int], src: str, dst: str, expect: os.stat_result) -> int:
    """Hard-link `src` as `dst` in one folder, and return a descriptor of the new name that is
    proven to be the file `expect` describes: if `src` was swapped (a link, another file)
    after it was checked, the new name is removed and FileProblem raised. Changes (fchmod)
    then go to the descriptor, never to a name."""
    os.link(src, dst, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    try:
        fd = os.open(dst, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _NOCTTY,
                     dir_fd=dir_fd)
    except OSError:
        _unlink_quietly(dir_fd, dst)
        raise FileProblem(f"{src} changed into a link while vncssl was working; nothing was "
                          "replaced.", "Check who else writes in that folder, then try again."
                          ) from None
    if not same_file(os.fstat(fd), expect):
        os.close(fd)
        _unlink_quietly(dir_fd, dst)
        raise FileProblem(f"{src} was replaced by another file while vncssl was working; "
                          "nothing was replaced.", "Check who else writes in that folder, "
                          "then try again.")
    return fd


def _unlink_quietly(dir_fd: Optional[int], name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


def create_exact(path: PathLike, mode: int, *, dir_fd: Optional[int] = None) -> int:
    """A new file (never an existing one, never through a link) with exactly `mode`:
    O_CREAT's mode is cut by the umask, so it is set again on the descriptor."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
                 | _BINARY, mode, dir_fd=dir_fd)
    if os.name == "posix":
        try:
            os.fchmod(fd, mode)
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
        if os.name == "posix":
            fd = os.open(str(folder), os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
            try:
                os.fchmod(fd, mode)
            finally:
                os.close(fd)
    return made
