"""Could another user read this file? Answered from the modes and owners of the file and of
every folder above it (nothing is opened), for the user a TigerVNC server runs as."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Optional

from vncssl.errors import quoted


@dataclass(frozen=True)
class Who:
    uid: int
    gids: FrozenSet[int]
    name: str


def who(uid: int) -> Who:
    """The user with this uid, with their primary and supplementary groups."""
    import grp
    import pwd

    try:
        pw = pwd.getpwuid(uid)
    except KeyError:
        return Who(uid, frozenset(), f"uid {uid}")
    gids = {pw.pw_gid} | {g.gr_gid for g in grp.getgrall() if pw.pw_name in g.gr_mem}
    return Who(uid, frozenset(gids), pw.pw_name)


def who_by_name(name: str) -> Optional[Who]:
    import pwd

    try:
        return who(pwd.getpwnam(name).pw_uid)
    except KeyError:
        return None


def _allows(st: os.stat_result, user: Who, bit_user: int, bit_group: int, bit_other: int
            ) -> bool:
    if user.uid == 0:
        return True
    if st.st_uid == user.uid:
        return bool(st.st_mode & bit_user)
    if st.st_gid in user.gids:
        return bool(st.st_mode & bit_group)
    return bool(st.st_mode & bit_other)


def unreadable_reason(path: Path, user: Who) -> Optional[str]:
    """None if `user` can read the regular file `path`, else why not (in words).
    (Root may still be refused by an ACL or a mount; that is not looked at.)"""
    p = Path(os.path.abspath(path))
    try:
        st = p.stat()
    except FileNotFoundError:
        return f"{quoted(p)} does not exist"
    except OSError as exc:
        return f"{quoted(p)} cannot be looked at ({exc.strerror})"
    if not stat.S_ISREG(st.st_mode):
        return f"{quoted(p)} is not a regular file"
    for folder in reversed(p.parents):
        try:
            fst = folder.stat()
        except OSError:
            continue
        if not _allows(fst, user, stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH):
            return (f"{user.name} cannot enter {quoted(folder)} "
                    f"(mode {stat.S_IMODE(fst.st_mode):04o}, owner {_owner(fst.st_uid)})")
    if not _allows(st, user, stat.S_IRUSR, stat.S_IRGRP, stat.S_IROTH):
        return (f"{quoted(p)} is mode {stat.S_IMODE(st.st_mode):04o}, owner {_owner(st.st_uid)}: "
                f"{user.name} cannot read it")
    return None


def _owner(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
