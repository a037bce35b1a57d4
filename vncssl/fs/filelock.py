"""One writer per folder at a time: two vncssl runs installing into the same folder must
leave a matching certificate/key pair, whichever finishes last.

The lock file is opened relative to the folder's descriptor (by path where the OS has no
dir_fd: dirops), never through a link (O_NOFOLLOW), and must be a regular file of ours with
one name: a planted link or another user's file is refused at once, never created or
written through."""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

from vncssl.errors import FileProblem, WriteFailed, quoted
from vncssl.fs.dirops import Folder

LOCK_NAME = ".vncssl.lock"


@contextlib.contextmanager
def dir_lock(folder: Path, *, fix_for: Callable[[OSError], str] = lambda exc: "",
             timeout: float = 60.0) -> Iterator[None]:
    """Serialise installs into one folder: two runs at once must leave a matching pair.
    The lock file is removed by its holder while still locked; a waiter that then gets the
    lock on the removed file sees that the path no longer names it and starts over (else a
    third run could lock a fresh file and run beside it)."""
    lock_path = folder / LOCK_NAME
    deadline = time.monotonic() + timeout
    try:
        at = Folder(folder)
    except OSError as exc:
        raise WriteFailed(f"Cannot open the folder {quoted(folder)}: {exc.strerror}.",
                          fix_for(exc)) from None
    try:
        while True:
            fd = _open_lock(at, lock_path, fix_for)
            if fd is None:
                continue  # opened just as its holder removed it: open the current one
            try:
                _acquire(fd, folder, deadline)
                if os.name == "posix" and not _same_file(fd, at):
                    continue  # the finally closes fd; try again on the current file
                try:
                    yield
                finally:
                    with contextlib.suppress(OSError):
                        at.unlink(LOCK_NAME)
                return
            finally:
                os.close(fd)  # closing releases flock/msvcrt locks
    finally:
        at.close()


def _open_lock(at: Folder, lock_path: Path, fix_for: Callable[[OSError], str]
               ) -> Optional[int]:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = at.open(LOCK_NAME, flags, 0o600)
    except OSError as exc:
        if os.path.islink(lock_path):
            raise FileProblem(f"The lock file {quoted(lock_path)} is a symbolic link; vncssl "
                              "does not write through links.", "Remove it (someone else may have "
                              "planted it), then try again.") from None
        raise WriteFailed(f"Cannot create the lock file {quoted(lock_path)}: {exc.strerror}.",
                          fix_for(exc)) from None
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode) and st.st_nlink == 0:
        os.close(fd)
        return None
    problem = ""
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        problem = "is not a plain file of its own"
    elif os.name == "posix" and st.st_uid != os.geteuid():
        problem = f"belongs to another user (uid {st.st_uid})"
    if problem:
        os.close(fd)
        raise FileProblem(f"The lock file {quoted(lock_path)} {problem}: another user is "
                          f"writing in {quoted(lock_path.parent)}, or planted it there.",
                          "Write into a folder only you can write to, or remove the file.")
    return fd


def _same_file(fd: int, at: Folder) -> bool:
    try:
        a, b = os.fstat(fd), at.lstat(LOCK_NAME)
    except OSError:
        return False
    return b is not None and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _acquire(fd: int, folder: Path, deadline: float) -> None:
    if os.name == "posix":
        import fcntl

        def attempt() -> None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:  # pragma: no cover - Windows
        import msvcrt

        def attempt() -> None:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
    while True:
        try:
            attempt()
            return
        except OSError:  # BlockingIOError on POSIX, PermissionError from msvcrt
            if time.monotonic() > deadline:
                raise WriteFailed(f"Another vncssl is writing in {quoted(folder)}.",
                                  "Wait for it to finish, then try again.") from None
            time.sleep(0.05)
