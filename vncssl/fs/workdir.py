"""Private (0700) work folders, removed on every exit path.

openssl writes keys and certificates into a work folder by name. In a folder others can
write (not sticky), its owner could rename our work folder away while openssl runs and put
their own at that name: a path through the name would lead openssl into theirs. So the
work folder is opened once (O_DIRECTORY|O_NOFOLLOW; fstat proves it is ours, a folder, 0700)
and, where /proc/self/fd works (Linux), the folder handed out IS `/proc/self/fd/N`: every
path into it (`work / "key.pem"`) is resolved by the kernel through the open descriptor,
whatever sits at the name by now. `openssl.runner` passes descriptor N to the child
(`pass_fds`), where the same path names the same folder. Elsewhere the folder is reached by
its name (weaker: SECURITY.md "Known limits")."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple

from vncssl.errors import WriteFailed
from vncssl.fs import capability
from vncssl.fs.oserror import fix_for
from vncssl.fs.signals import term_as_interrupt

_FD_PATH = re.compile(r"/proc/self/fd/(\d+)(?=/|$)")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Open work folders reached through /proc/self/fd: descriptor -> (parent folder, own name).
_OPEN: Dict[int, Tuple[str, str]] = {}


@contextlib.contextmanager
def private_workdir(near: Path) -> Iterator[Path]:
    """A 0700 directory beside the targets, so the final rename stays on one file system;
    removed on every exit path: Ctrl-C, and also SIGTERM/SIGHUP (a closed terminal, `kill`,
    `timeout`), which would otherwise end Python without running this cleanup."""
    try:
        work = Path(tempfile.mkdtemp(prefix=".vncssl-", dir=str(near)))
    except OSError as exc:
        raise WriteFailed(f"Cannot create a temporary folder in {near}: {exc.strerror}.",
                          fix_for(exc)) from None
    if not capability.proc_fd_paths():
        try:
            with term_as_interrupt():
                yield work
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    fd = _open_ours(work)
    _OPEN[fd] = (str(work.parent), work.name)
    try:
        with term_as_interrupt():
            yield Path(f"/proc/self/fd/{fd}")
    finally:
        del _OPEN[fd]
        _remove(fd, work)


def _open_ours(work: Path) -> int:
    """The folder mkdtemp just made, by descriptor, proven to be it: ours, 0700, a folder."""
    try:
        fd = os.open(str(work), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC)
    except OSError as exc:
        fd = -1
        reason = exc.strerror
    else:
        st = os.fstat(fd)
        ok = stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() \
            and not st.st_mode & 0o077
        reason = "" if ok else "another folder was put at its name"
    if not reason:
        return fd
    if fd >= 0:
        os.close(fd)
    raise WriteFailed(f"vncssl's work folder {work} was replaced as soon as it was made "
                      f"({reason}); nothing was written.",
                      "Someone else writes in that folder: use one only you (or root) can "
                      "write for keys.")


def moved_away(path: Path) -> str:
    """For a path inside a work folder reached through /proc/self/fd: '' while the folder is
    still at its own name, else a message saying it was moved (someone renamed it, and
    possibly put their own folder there). Installing from it is then refused."""
    m = _FD_PATH.match(str(path))
    if m is None or int(m.group(1)) not in _OPEN:
        return ""
    fd = int(m.group(1))
    parent, name = _OPEN[fd]
    try:
        pfd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
        try:
            now = os.stat(name, dir_fd=pfd, follow_symlinks=False)
        finally:
            os.close(pfd)
    except OSError:
        now = None
    st = os.fstat(fd)
    if now is not None and (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
        return ""
    return (f"vncssl's work folder {os.path.join(parent, name)} was renamed by someone else "
            "while openssl ran; the new files stayed in vncssl's own folder and nothing was "
            "installed.")


def fds_in(argv: Sequence[str]) -> Tuple[int, ...]:
    """The work-folder descriptors an argv names (/proc/self/fd/N/...): the child needs them
    open at the same numbers (runner's pass_fds) for those paths to mean the same folders."""
    found = {int(m.group(1)) for a in argv for m in _FD_PATH.finditer(str(a))}
    return tuple(sorted(fd for fd in found if fd in _OPEN))


def shown(argv: Sequence[str]) -> List[str]:
    """argv with /proc/self/fd/N written as the folder's own path, for people to read."""
    def real(m: re.Match) -> str:
        entry = _OPEN.get(int(m.group(1)))
        return os.path.join(*entry) if entry else m.group(0)

    return [_FD_PATH.sub(real, str(a)) for a in argv]


def _remove(fd: int, work: Path) -> None:
    """Empty the folder through its descriptor, then remove it where it now is (rmdir only
    removes an empty folder: whatever was swapped in meanwhile is never emptied)."""
    try:
        _empty(fd)
        where = os.readlink(f"/proc/self/fd/{fd}")
        at = os.lstat(where)
        if stat.S_ISDIR(at.st_mode) and (at.st_dev, at.st_ino) == (os.fstat(fd).st_dev,
                                                                    os.fstat(fd).st_ino):
            os.rmdir(where)
    except OSError:
        pass
    finally:
        os.close(fd)


def _empty(fd: int) -> None:
    for entry in list(os.scandir(fd)):
        if entry.is_dir(follow_symlinks=False):
            sub = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC,
                          dir_fd=fd)
            try:
                _empty(sub)
            finally:
                os.close(sub)
            os.rmdir(entry.name, dir_fd=fd)
        else:
            os.unlink(entry.name, dir_fd=fd)


@contextlib.contextmanager
def scratch_dir(prefix: str = "vncssl-") -> Iterator[Path]:
    """A private (0700) folder in the system temp dir for files only openssl reads (a fetched
    chain, a CA list for `openssl verify`); removed on every exit path."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
