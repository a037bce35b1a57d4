"""Creating files with their final mode from the first byte (keys 0600), and facts about
the disk they land on."""

from __future__ import annotations

import os
import time
from pathlib import Path

from vncssl.errors import WriteFailed, quoted
from vncssl.fs.oserror import fix_for

KEY_MODE = 0o600


PUBLIC_MODE = 0o644


def create(path: Path, mode: int, what: str) -> int:
    """A new file with exactly `mode`, whatever the umask (never through a link)."""
    from vncssl.fs.safeopen import create_exact

    try:
        return create_exact(path, mode)
    except OSError as exc:
        raise WriteFailed(f"Cannot create the {what} {quoted(path)}: {exc.strerror}.",
                          fix_for(exc)) from None


def write_all(fd: int, path: Path, data: bytes, what: str, *, sync: bool = True) -> None:
    """sync=False: a scratch file in a private work folder that openssl reads at once and that
    is gone after: surviving a power cut is nothing to it, and an fsync each is a disk flush
    (four per host of a `probe --from`)."""
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
    except OSError as exc:
        raise WriteFailed(f"Cannot write the {what} {quoted(path)}: {exc.strerror}.",
                          fix_for(exc)) from None


def precreate_private(path: Path) -> None:
    """Create an empty 0600 file so openssl writes the key into a file that was private from
    its first byte (openssl keeps an existing file's mode; older ones create 0644)."""
    os.close(create(path, KEY_MODE, "private file"))


def precreate_public(path: Path) -> None:
    """Create an empty 0644 file (whatever the umask: under umask 000 it would be 0666,
    writable by anyone): a certificate is public, and openssl itself runs under umask 077."""
    os.close(create(path, PUBLIC_MODE, "file"))


def write_private(path: Path, data: bytes) -> None:
    write_all(create(path, KEY_MODE, "private file"), path, data, "private file")


def write_text(path: Path, text: str, mode: int = PUBLIC_MODE) -> None:
    # newline="\n" semantics: the text is written byte for byte, on Windows too.
    write_all(create(path, mode, "file"), path, text.encode("utf-8"), "file")


def write_scratch(path: Path, data: bytes) -> None:
    """A 0600 file for openssl to read at once, in a private work folder (see write_all)."""
    write_all(create(path, KEY_MODE, "file"), path, data, "file", sync=False)


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
