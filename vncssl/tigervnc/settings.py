"""What the server and viewer settings writers share: registry keys, path rules for
Windows and POSIX, and the one backed-up way vncssl writes a TigerVNC file."""

from __future__ import annotations

import ntpath
import os
import re
from pathlib import Path
from typing import Optional

from vncssl.errors import FileProblem, UsageError
from vncssl.fs import atomic, safeopen, targets, workdir, writes

WINVNC_KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\TigerVNC\WinVNC4"


VIEWER_KEY = r"HKEY_CURRENT_USER\Software\TigerVNC\vncviewer"


def abs_path(path: str, windows: bool) -> str:
    """The path as the server or viewer will see it. A Windows path is made absolute only on
    Windows: elsewhere the current folder means nothing to the Windows machine."""
    if windows:
        return path if ntpath.isabs(path) else ntpath.abspath(path) if os.name == "nt" else path
    return os.path.abspath(os.path.expanduser(path))


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def check_value(value: str, what: str) -> str:
    """A value that goes into a config line, a .reg string or a command: no control
    characters at all (a newline would add a line such as `securitytypes=None`)."""
    m = _CONTROL.search(value)
    if m:
        raise UsageError(f"The {what} {value!r} holds a control character "
                         f"(U+{ord(m.group(0)):04X}); it cannot go into a TigerVNC setting.",
                         "Rename the file (or give another value) without line breaks or "
                         "control characters.")
    return value


def has_space_or_quote(path: str) -> bool:
    """Paths TigerVNC on Windows handles badly: the PATH_SPACES notices of both sides."""
    return any(c in path for c in " \t\"'")


def write_file(path: str, text: str, *, kind: str, mode: int = 0o644) -> Optional[str]:
    """Write `text` to `path` through vncssl.files (temp file beside it, atomic rename under
    the lock); an existing file is backed up first. Returns the backup path."""
    p = Path(path)
    try:
        if p.is_symlink():
            raise FileProblem(f"The {kind} {p} is a symbolic link; vncssl does not write "
                              "through links.", f"Edit the real file ({os.path.realpath(p)}) "
                              "instead.")
    except OSError:
        pass  # the folder cannot be searched: check_target below says so in one line
    try:  # missing folders (~/.config, tigervnc/) are 0700 whatever the umask
        safeopen.make_dirs(p.parent, 0o700)
    except OSError as exc:
        raise FileProblem(f"Cannot create the folder {p.parent}: {exc.strerror}.",
                          "Check permissions.") from None
    target = targets.check_target(p, kind, force=True)
    keep = targets.mode_of(p) if target.exists else None
    with workdir.private_workdir(target.path.parent) as work:
        tmp = work / p.name
        writes.write_text(tmp, text, mode=keep if keep is not None else mode)
        backups = atomic.install([(tmp, target)], force=True, backup=True)
    return str(backups[0]) if backups else None
