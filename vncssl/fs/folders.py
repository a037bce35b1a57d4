"""Output folders (`--out-dir certs/`): made when missing, 0755 whatever the umask (the
certificates in them are public; the keys inside stay 0600, each made with its own mode)."""

from __future__ import annotations

import os
from pathlib import Path

from vncssl.errors import FileProblem, WriteFailed, quoted

OUT_DIR_MODE = 0o755


def make_output_dir(path: Path) -> Path:
    """The absolute folder, created (with its missing parents) when it does not exist. An
    existing folder is used as it is; a file or a link in its place is refused."""
    folder = Path(os.path.abspath(os.path.expanduser(str(path))))
    if folder.is_symlink():
        raise FileProblem(f"The output folder {quoted(folder)} is a symbolic link.",
                          "Give the real folder.")
    if folder.exists():
        if not folder.is_dir():
            raise FileProblem(f"{quoted(folder)} exists and is not a folder.", "Give a folder.")
        return folder
    missing = []
    here = folder
    while not here.exists() and here.parent != here:
        missing.append(here)
        here = here.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, OUT_DIR_MODE)
        except FileExistsError:
            pass  # another run made it meanwhile
        except OSError as exc:
            raise WriteFailed(f"Could not create the folder {quoted(d)}: {exc.strerror}.",
                              "Check the path and your permissions.") from None
        _chmod_dir(d)
    return folder


def _chmod_dir(d: Path) -> None:
    # Through a descriptor that refuses a link: the mode lands on the folder just made.
    from vncssl.fs.dirops import open_nofollow, set_mode

    if os.name != "posix":
        return  # modes mean nothing on Windows (and a folder cannot be os.open-ed there)
    try:
        fd = open_nofollow(d, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            set_mode(fd, d, OUT_DIR_MODE)
        finally:
            os.close(fd)
    except OSError as exc:
        raise FileProblem(f"{quoted(d)} changed while vncssl was creating it ({exc.strerror}).",
                          "Try again.") from None
