"""Moving finished files onto their targets: all or nothing, under the folder lock, with
backups of what they replace, and the earlier targets put back if a later rename fails.

Every check and change here is made relative to the target folder's descriptor and never
follows a link: what sits at a target name is looked at with lstat, a backup is a hard link
proven (by fstat of the new name, opened O_NOFOLLOW) to be the file that was checked, and a
backup's mode is changed with fchmod. Another user who can write in the folder can make the
install fail, never make it touch another file."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from vncssl.errors import FileProblem, VncsslError, WriteFailed, quoted
from vncssl.fs import safeopen, workdir
from vncssl.fs.dirops import Folder, same_file
from vncssl.fs.filelock import dir_lock
from vncssl.fs.oserror import fix_for
from vncssl.fs.signals import hold_interrupts
from vncssl.fs.targets import Target, is_posix
from vncssl.fs.writes import KEY_MODE, timestamp


def _no_race(point: str) -> None:
    return None


# Called between the checks under the lock and the changes they guard: tests swap a target
# for a link here to prove the changes never follow it.
race_hook: Callable[[str], None] = _no_race


def install(moves: Sequence[Tuple[Path, Target]], *, force: bool,
            backup: bool = False) -> List[Path]:
    """Rename finished temp files onto their targets. Re-checks existence under the lock
    (another run may have written meanwhile). With `backup`, each replaced file is kept as
    NAME.YYYYmmdd-HHMMSS.bak (one suffix for the whole set, made unique). Returns them.
    SIGINT, SIGTERM and SIGHUP are held until every rename is done (or undone)."""
    if not moves:
        return []
    with _section(moves[0][1].path.parent) as folders, hold_interrupts():
        return _install_set(moves, folders, force, backup)


def install_each(sets: Sequence[Sequence[Tuple[Path, Target]]], *, force: bool,
                 backup: bool = False,
                 then: Callable[[List[Union[List[Path], VncsslError]]], None] = lambda r: None
                 ) -> List[Union[List[Path], VncsslError]]:
    """Many independent sets (a batch's servers, a pair each) into one folder under one lock:
    each set all or nothing, exactly as `install` does it; a set that cannot be installed
    gets its error in its place and the others go on. A lock (a file created and removed)
    per set costs more than the renames it guards.
    The stop signals are held from the moment the lock is taken until `then(results)` has
    run (after the lock is released): whatever records the results is done before a stop
    is acted on, and a stop while waiting for the lock stops at once."""
    results: List[Union[List[Path], VncsslError]] = []
    first = next((moves for moves in sets if moves), None)
    if first is None:
        return [[] for _ in sets]
    with contextlib.ExitStack() as held:
        with _section(first[0][1].path.parent) as folders:
            held.enter_context(hold_interrupts())
            for moves in sets:  # one result per set, in order (an empty set: nothing kept)
                try:
                    results.append(_install_set(moves, folders, force, backup) if moves else [])
                except VncsslError as exc:
                    results.append(exc)
        then(results)
    return results


@contextlib.contextmanager
def _section(folder: Path) -> Iterator[Callable[[Path, str], Folder]]:
    """The folder lock, and each target folder opened once (O_NOFOLLOW) while it is held."""
    with dir_lock(folder, fix_for=fix_for), contextlib.ExitStack() as stack:
        fds: Dict[Path, Folder] = {}

        def opened(where: Path, kind: str) -> Folder:
            if where not in fds:
                fds[where] = _open_folder(where, kind)
                stack.callback(fds[where].close)
            return fds[where]

        yield opened


def _install_set(moves: Sequence[Tuple[Path, Target]], folders: Callable[[Path, str], Folder],
                 force: bool, backup: bool) -> List[Path]:
    fds = {t.path.parent: folders(t.path.parent, t.kind) for _, t in moves}
    checked = {t.path: _check_again(fds[t.path.parent], t, force) for _, t in moves}
    for tmp, _ in moves:
        moved = workdir.moved_away(tmp)
        if moved:
            raise WriteFailed(moved, "Someone else writes in that folder: use one only "
                              "you (or root) can write for keys, then try again.")
    race_hook("checked")
    backups: List[Path] = []
    if backup:
        backup_suffix = _unique_backup_suffix(fds, [t.path for _, t in moves])
        for _, target in moves:
            st = checked[target.path]
            if st is not None:
                kept = target.path.with_name(target.path.name + backup_suffix)
                _backup(fds[target.path.parent], target, kept, st)
                backups.append(kept)
    race_hook("backed-up")
    _replace_all(moves, fds)
    _INSTALLED.append((" and ".join(str(t.path) for _, t in moves), backups))
    return backups


# What this process has installed, whole sets only (a signal is held until a set is
# complete): the interrupt message says exactly which new files are in place.
_INSTALLED: List[Tuple[str, List[Path]]] = []


def installed() -> List[Tuple[str, List[Path]]]:
    return list(_INSTALLED)


def _open_folder(folder: Path, kind: str) -> Folder:
    try:
        return safeopen.open_dir(folder)
    except OSError as exc:
        raise WriteFailed(f"Cannot open the folder {quoted(folder)} (for the {kind}): "
                          f"{exc.strerror}.", fix_for(exc)) from None


def _check_again(at: Folder, target: Target, force: bool) -> Optional[os.stat_result]:
    st = at.lstat(target.path.name)
    if st is not None and not stat.S_ISREG(st.st_mode):
        what = "a link" if stat.S_ISLNK(st.st_mode) else safeopen.kind_of(st.st_mode)
        raise FileProblem(f"The {target.kind} path {quoted(target.path)} changed into {what} while "
                          "vncssl was working; nothing was replaced.",
                          "Check who else writes in that folder, then try again.")
    if st is not None and not force:
        raise FileProblem(
            f"The {target.kind} {quoted(target.path)} appeared while vncssl was working.",
            "Pass --force to replace it, or choose another path.")
    return st


def _unique_backup_suffix(fds: Dict[Path, Folder], paths: Sequence[Path]) -> str:
    """`.YYYYmmdd-HHMMSS.bak`, or `-2`, `-3`... after it: two runs in one second (a renewal,
    then another) keep every backup instead of failing on the second."""
    stamp, n = timestamp(), 1
    suffix = f".{stamp}.bak"
    while any(fds[p.parent].lstat(p.name + suffix) is not None for p in paths):
        n += 1
        suffix = f".{stamp}-{n}.bak"
    return suffix


def _backup(at: Folder, target: Target, kept: Path, st: os.stat_result) -> None:
    """Keep the old file under a new name without ever widening its mode: a hard link is the
    same file (a 0600 key stays 0600); where links are not possible, a copy created with the
    original's mode from its first byte. Either way the new name is proven to be the file
    that was checked, and a key's backup is made private through its descriptor."""
    try:
        try:
            fd = safeopen.link_checked(at, target.path.name, kept.name, st)
        except FileProblem:
            raise
        except OSError:
            fd = _copy(at, target.path.name, kept.name, st)
        try:
            if "private key" in target.kind and is_posix():
                # A careless 0644 old key: its backup is made private. The inode is about to
                # leave the target name anyway.
                at.set_mode(fd, kept.name, KEY_MODE)
        finally:
            os.close(fd)
    except OSError as exc:
        raise WriteFailed(f"Could not back up {quoted(target.path)}: {exc.strerror}.",
                          fix_for(exc)) from None


def _copy(at: Folder, src: str, dst: str, st: os.stat_result) -> int:
    fd_in = at.open(src, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        if not same_file(os.fstat(fd_in), st):
            raise FileProblem(f"{quoted(src)} was replaced while vncssl was working; nothing was "
                              "replaced.", "Try again.")
        fd_out = safeopen.create_exact(dst, st.st_mode & 0o777, at=at)
        while True:
            chunk = os.read(fd_in, 1 << 20)
            if not chunk:
                break
            os.write(fd_out, chunk)
        return fd_out
    finally:
        os.close(fd_in)


def _replace_all(moves: Sequence[Tuple[Path, Target]], fds: Dict[Path, Folder]) -> None:
    """Rename each temp file onto its target; if one rename fails, put the earlier targets
    back, so a new key never ends up beside an old certificate."""
    saved: List[Tuple[Optional[str], Target]] = []  # (name of a link to the old file, target)
    try:
        for tmp, target in moves:
            dfd = fds[target.path.parent]
            name = target.path.name
            work_name = Path(workdir.shown([str(tmp.parent)])[0]).name  # not /proc/self/fd/N
            old: Optional[str] = f".{work_name}-{name}.old"
            try:
                dfd.link(name, str(old))
            except OSError:
                old = None  # no old file (or no hard links here): nothing to restore
            saved.append((old, target))
            dfd.move_in(tmp, name)
    except OSError as exc:
        for kept, t in reversed(saved[:-1]):
            dfd = fds[t.path.parent]
            with contextlib.suppress(OSError):
                if kept is not None:
                    dfd.rename(kept, t.path.name)
                else:
                    dfd.unlink(t.path.name)
        kind = moves[len(saved) - 1][1].kind if saved else "file"
        raise WriteFailed(f"Could not move the new {kind} into place: {exc.strerror}. "
                          "The previous files were left as they were.", fix_for(exc)) from None
    finally:
        for kept, t in saved:
            if kept is not None:
                with contextlib.suppress(OSError):
                    fds[t.path.parent].unlink(kept)
