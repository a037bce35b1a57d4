"""One writer per folder at a time: two vncssl runs installing into the same folder must
leave a matching certificate/key pair, whichever finishes last."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Callable, Iterator

from vncssl.errors import WriteFailed


@contextlib.contextmanager
def dir_lock(folder: Path, *, fix_for: Callable[[OSError], str] = lambda exc: "",
             timeout: float = 60.0) -> Iterator[None]:
    """Serialise installs into one folder: two runs at once must leave a matching pair.
    The lock file is removed by its holder while still locked; a waiter that then gets the
    lock on the removed file sees that the path no longer names it and starts over (else a
    third run could lock a fresh file and run beside it)."""
    lock_path = folder / ".vncssl.lock"
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(str(lock_path), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise WriteFailed(f"Cannot create the lock file {lock_path}: {exc.strerror}.",
                              fix_for(exc)) from None
        try:
            _acquire(fd, folder, deadline)
            if os.name == "posix" and not _same_file(fd, lock_path):
                continue  # the finally closes fd; try again on the current file
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    lock_path.unlink()
            return
        finally:
            os.close(fd)  # closing releases flock/msvcrt locks


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


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
                raise WriteFailed(f"Another vncssl is writing in {folder}.",
                                  "Wait for it to finish, then try again.") from None
            time.sleep(0.05)
