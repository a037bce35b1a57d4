"""What `openssl version -a` said about a binary, kept in the user cache dir: it cannot
change while the file does not, and asking costs a process start (~20-30 ms on OpenSSL 3)."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from vncssl.errors import VncsslError
from vncssl.notice import Notice

_FORMAT = 2
_FILE = "openssl-info.json"
_HASH_LIMIT = 256 * 1024  # scripts and wrappers are small: hash them (they get rewritten)
_MAX_BYTES = 1024 * 1024  # 33 entries of a few hundred bytes each

# Caches ignored in this process (not ours, or writable by others): the CLI shows them.
NOTICES: List[Notice] = []


def _cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    if env.get("VNCSSL_CACHE_DIR"):
        return Path(env["VNCSSL_CACHE_DIR"])
    from vncssl.fs.home import home

    if sys.platform.startswith("win"):
        base = env.get("LOCALAPPDATA") or str(home(env) / "AppData" / "Local")
        return Path(base) / "vncssl" / "Cache"
    if sys.platform == "darwin":
        return home(env) / "Library" / "Caches" / "vncssl"
    return Path(env.get("XDG_CACHE_HOME") or home(env) / ".cache") / "vncssl"


def key(path: str) -> Optional[str]:
    """Identity of the binary's file. ctime changes on any rewrite or chmod; small files
    (wrapper scripts, test fakes) are also hashed, since two rewrites within one clock
    tick can leave size, mtime and ctime all equal."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    text = (f"{_FORMAT}|{path}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|"
            f"{st.st_ino}")
    if st.st_size <= _HASH_LIMIT:
        import hashlib  # only small files are hashed; a real binary never needs it

        try:
            with open(path, "rb") as fh:
                text += "|" + hashlib.sha256(fh.read(_HASH_LIMIT + 1)).hexdigest()
        except OSError:
            return None
    return text


def load(key: str) -> Optional[Dict[str, Any]]:
    """The cached facts for `key`, or None. They are facts about the file only: the caller
    never takes the path to execute from them (a cache another user could write would
    otherwise choose the program root runs)."""
    if os.environ.get("VNCSSL_NO_CACHE") is not None:
        return None
    try:
        data = _read(_cache_dir())
    except VncsslError:  # no home folder to keep a cache in: ask the binary
        return None
    entry = data.get(key) if data else None
    return entry if isinstance(entry, dict) else None


def _read(folder: Path) -> Optional[Dict[str, Any]]:
    """The cache file's content, if the cache is trustworthy: folder and file ours and
    writable by nobody else (else ignored, with a notice)."""
    from vncssl.fs import safeopen

    try:
        dfd = safeopen.open_dir(folder)
    except OSError:
        return None
    try:
        if not _trusted(dfd.stat(), folder):
            return None
        try:
            fd = dfd.open(_FILE, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or not _trusted(st, folder / _FILE):
                return None
            data = json.loads(safeopen.read_fd(fd, folder / _FILE, "cache", _MAX_BYTES))
            return data if isinstance(data, dict) else None
        except (OSError, ValueError, VncsslError):
            return None
        finally:
            os.close(fd)
    finally:
        dfd.close()


def _trusted(st: os.stat_result, where: Path) -> bool:
    if os.name != "posix":
        return True
    why = ""
    if st.st_uid != os.geteuid():
        why = f"it belongs to uid {st.st_uid}, not to you"
    elif st.st_mode & 0o022:
        why = f"others can write to it (mode {st.st_mode & 0o777:04o})"
    if why:
        note = Notice("untrusted-cache", f"Ignored the openssl-info cache {where}: {why}.",
                      f"Remove it (rm -r {where}); vncssl makes a private one.")
        if all(n.message != note.message for n in NOTICES):
            NOTICES.append(note)
        return False
    return True


def store(key: str, entry: Dict[str, Any]) -> None:
    if os.environ.get("VNCSSL_NO_CACHE") is not None:
        return
    from vncssl.fs import safeopen

    try:
        folder = _cache_dir()
        safeopen.make_dirs(folder, 0o700)
        dfd = safeopen.open_dir(folder)
    except (OSError, ValueError, VncsslError):
        return  # a cache is an optimisation: a read-only home must not break anything
    try:
        if not _trusted(dfd.stat(), folder):
            return
        data = _read(folder) or {}
        if len(data) > 32:
            data = {}
        data[key] = entry
        tmp = f".{_FILE}.{os.getpid()}"
        with contextlib.suppress(OSError):
            dfd.unlink(tmp)
        fd = safeopen.create_exact(tmp, 0o600, at=dfd)
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps(data).encode("utf-8"))
        dfd.rename(tmp, _FILE)
    except OSError:
        pass  # a cache is an optimisation: a read-only home must not break anything
    finally:
        dfd.close()
