"""What this OS lets vncssl do through descriptors: the ONE check the rest of fs asks.

POSIX systems have `dir_fd=`, `O_NOFOLLOW`, `O_DIRECTORY` and `fchmod`: every check and
change goes through an open descriptor, so nothing can be swapped between a check and its
use. Windows has none of them (`os.supports_dir_fd` is empty, no `O_NOFOLLOW`, no
`fchmod`): there fs falls back to paths with the strongest checks Windows allows (lstat
before and after, O_EXCL creation, no following of links we can see), which is weaker: a
swap between a check and the change it guards is not excluded (SECURITY.md).

Where Linux's /proc is mounted, a private work folder is also reached as
/proc/self/fd/N/NAME (fs.workdir), which no rename of the folder can redirect.
"""

from __future__ import annotations

import os

# Tests only: True runs every fs operation through its path-based (Windows) fallback on this
# machine, to prove that fallback works with the real openssl (tests/test_fs_fallback.py).
FORCE_PATHS = False

_NATIVE = (
    os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd
    and os.unlink in os.supports_dir_fd and os.rename in os.supports_dir_fd
    and os.mkdir in os.supports_dir_fd and os.link in os.supports_dir_fd
    and hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY") and hasattr(os, "fchmod")
)


def descriptors() -> bool:
    """True when checks and changes can go through descriptors (dir_fd, O_NOFOLLOW, fchmod)."""
    return _NATIVE and not FORCE_PATHS


def proc_fd_paths() -> bool:
    """True when /proc/self/fd/N names an open folder (Linux with /proc mounted)."""
    return descriptors() and os.path.isdir("/proc/self/fd")
