"""The CA folder on disk: its names, and the rule that it and its files are ours and
changeable by nobody else (another user who could swap ca.pem or ca-key.pem would choose
what root signs with). Checked with lstat: links are refused, never followed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from vncssl.errors import FileProblem, UsageError
from vncssl.fs import safeopen, targets

CA_CERT, CA_KEY, ISSUED = "ca.pem", "ca-key.pem", "issued"


def make_private_dir(path: Path) -> None:
    """Create a 0700 folder (and any missing parent, 0700 too, whatever the umask), or use
    an existing one that is ours and writable by nobody else. An existing folder's mode is
    never changed (`ca init --dir /tmp` must not make /tmp 0700)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        try:
            safeopen.make_dirs(path, 0o700)
        except OSError as exc:
            raise FileProblem(f"Cannot create the folder {path}: {exc.strerror}.",
                              "Choose another CA folder (--dir for `ca init`, --ca-dir for "
                              "`ca issue`).") from None
        return
    except OSError as exc:
        raise FileProblem(f"Cannot use the folder {path}: {exc.strerror}.",
                          "Choose another CA folder.") from None
    check_owned(path, st, "CA folder")


def check_owned(path: Path, st: os.stat_result, what: str, *, private: bool = False) -> None:
    """A CA's folder and files must be ours and changeable by nobody else: another user who
    could replace them would choose what root signs with."""
    if stat.S_ISLNK(st.st_mode):
        raise FileProblem(f"The {what} {path} is a symbolic link; vncssl does not use links "
                          "for the CA.", "Give the real folder's path.")
    if what == "CA folder" and not stat.S_ISDIR(st.st_mode):
        raise FileProblem(f"The {what} {path} is not a folder.", "Choose another CA folder.")
    if what != "CA folder" and not stat.S_ISREG(st.st_mode):
        raise FileProblem(f"The {what} {path} is not a regular file.", "Restore the CA's file.")
    if not targets.is_posix():
        return
    if st.st_uid != os.geteuid():
        raise FileProblem(f"The {what} {path} belongs to uid {st.st_uid}, not to you: another "
                          "user could have put it there.", "Use a CA folder of your own "
                          "(`vncssl ca init --dir NEW_FOLDER`).")
    if st.st_mode & 0o022:
        raise FileProblem(f"The {what} {path} can be changed by others (mode "
                          f"{st.st_mode & 0o7777:04o}).", f"Make it yours alone: chmod go-w "
                          f"{path}" + (" (or use a new folder)" if what == "CA folder" else ""))
    if private and st.st_mode & 0o077:
        raise FileProblem(f"The {what} {path} can be read by others (mode "
                          f"{st.st_mode & 0o777:04o}).", f"Make it private: chmod 600 {path}")


def check_empty_or_ca(folder: Path) -> None:
    """`ca init` makes a CA in a new folder, an empty one, or over its own CA (--force);
    never into a folder that holds other things (/tmp, a home folder)."""
    try:
        entries = os.listdir(folder)
    except OSError as exc:
        raise FileProblem(f"Cannot read the folder {folder}: {exc.strerror}.",
                          "Choose another CA folder.") from None
    if entries and CA_CERT not in entries and CA_KEY not in entries:
        raise FileProblem(f"The folder {folder} is not empty and holds no CA.",
                          "Give a new or empty folder: vncssl ca init --dir NEW_FOLDER")


def check_ca_files(folder: Path) -> None:
    """The CA folder, ca.pem and ca-key.pem: present, ours, changeable by nobody else, and
    the key private (lstat: a link is refused, never followed)."""
    found = []
    for path, what, private in ((folder, "CA folder", False), (folder / CA_CERT,
                                "CA certificate", False), (folder / CA_KEY, "CA key", True)):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            found.append(False)
            continue
        except OSError as exc:
            raise FileProblem(f"Cannot use the {what} {path}: {exc.strerror}.",
                              "Check the permissions of the folders above it.") from None
        check_owned(path, st, what, private=private)
        found.append(True)
    if not all(found):
        raise UsageError(f"No CA in {folder} ({CA_CERT} and {CA_KEY} are needed).",
                         f"Create one first: vncssl ca init --dir {folder}")
