"""The user's home folder, or one clear error: HOME may be unset (a uid without a passwd
entry) or point at a folder this user cannot use (`sudo -u` keeps HOME=/root)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from vncssl.errors import FileProblem


def home(env: Mapping[str, str] = os.environ) -> Path:
    """HOME (USERPROFILE on Windows) if absolute, else the passwd entry's folder. Never a
    relative or literal `~` folder: that would write into the current folder."""
    for var in ("HOME", "USERPROFILE"):
        value = env.get(var, "")
        if value and os.path.isabs(value):
            return Path(value)
    if os.name == "posix":
        import pwd

        try:
            folder = pwd.getpwuid(os.getuid()).pw_dir
        except KeyError:
            folder = ""
        if folder and os.path.isabs(folder):
            return Path(folder)
    raise FileProblem("Cannot tell your home folder: HOME is unset (or not an absolute path) "
                      "and this user has no passwd entry.",
                      "Set HOME to a folder you own, or pass the paths explicitly "
                      "(e.g. --ca-dir, VNCSSL_CA_DIR, VNCSSL_CACHE_DIR).")
