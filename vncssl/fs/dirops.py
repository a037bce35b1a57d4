"""Names in one folder, looked at and changed without following links: through the folder's
descriptor (`dir_fd=`, `O_NOFOLLOW`, `fchmod`) where the OS has them, else through paths
with the strongest checks the OS allows (capability.py says which).

The path fallback (Windows) checks with lstat before opening and compares the descriptor's
fstat with it afterwards, and re-checks a created name: a link or another file swapped in
is refused, but unlike the descriptor way, a swap between the check and the open is
detected only after the open (SECURITY.md, "Known limits")."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Optional, Union

from vncssl.fs import capability

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)

PathLike = Union[str, Path]


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _lstat(path: PathLike, dir_fd: Optional[int] = None) -> Optional[os.stat_result]:
    try:
        return os.stat(str(path), dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _loop(path: PathLike) -> OSError:
    return OSError(errno.ELOOP, "Too many levels of symbolic links", str(path))


def open_nofollow(path: PathLike, flags: int, mode: int = 0o777, *,
                  dir_fd: Optional[int] = None) -> int:
    """os.open that never goes through a link at the last name (ELOOP instead)."""
    if capability.descriptors():
        return os.open(str(path), flags | os.O_NOFOLLOW, mode, dir_fd=dir_fd)
    before = _lstat(path)
    if before is not None and stat.S_ISLNK(before.st_mode):
        raise _loop(path)
    fd = os.open(str(path), flags, mode)
    try:
        now, after = _lstat(path), os.fstat(fd)
        if now is None or stat.S_ISLNK(now.st_mode) or not same_file(now, after) \
                or (before is not None and not same_file(before, after)):
            raise _loop(path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def set_mode(fd: int, path: PathLike, mode: int) -> None:
    """The mode of the file open as `fd` (named `path`): fchmod, or (no fchmod) chmod of the
    name once lstat proves it is still that file and not a link. Modes mean nothing on
    Windows (its ACLs protect the file): nothing to do there."""
    if os.name != "posix":
        return
    if capability.descriptors():
        os.fchmod(fd, mode)
        return
    now = _lstat(path)
    if now is None or stat.S_ISLNK(now.st_mode) or not same_file(now, os.fstat(fd)):
        raise _loop(path)
    os.chmod(str(path), mode)


class Folder:
    """A folder that names are checked and changed in: by its descriptor, or by its path."""

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        self.fd: Optional[int] = None
        if capability.descriptors():
            self.fd = os.open(str(path), os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
        elif not os.path.isdir(str(path)):
            raise OSError(errno.ENOTDIR, "Not a directory", str(path))

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> Folder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _name(self, name: str) -> str:
        return name if self.fd is not None else str(self.path / name)

    def stat(self) -> os.stat_result:
        return os.fstat(self.fd) if self.fd is not None else os.stat(str(self.path))

    def lstat(self, name: str) -> Optional[os.stat_result]:
        """What sits at `name` (the link itself, never its target), or None."""
        return _lstat(self._name(name), self.fd)

    def open(self, name: str, flags: int, mode: int = 0o777) -> int:
        """A descriptor of `name`, never through a link."""
        return open_nofollow(self._name(name), flags | _CLOEXEC, mode, dir_fd=self.fd)

    def set_mode(self, fd: int, name: str, mode: int) -> None:
        set_mode(fd, self._name(name), mode)

    def link(self, src: str, dst: str) -> None:
        if self.fd is not None:
            os.link(src, dst, src_dir_fd=self.fd, dst_dir_fd=self.fd, follow_symlinks=False)
        else:
            os.link(self._name(src), self._name(dst))

    def rename(self, src: str, dst: str) -> None:
        """Rename `src` onto `dst`, both names in this folder."""
        os.replace(self._name(src), self._name(dst), src_dir_fd=self.fd, dst_dir_fd=self.fd)

    def move_in(self, src: PathLike, dst: str) -> None:
        """Rename the file at path `src` (elsewhere on this file system) onto `dst` here."""
        os.replace(str(src), self._name(dst), dst_dir_fd=self.fd)

    def unlink(self, name: str) -> None:
        os.unlink(self._name(name), dir_fd=self.fd)
