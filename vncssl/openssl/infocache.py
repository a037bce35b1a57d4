"""What `openssl version -a` said about a binary, kept in the user cache dir: it cannot
change while the file does not, and asking costs a process start (~20-30 ms on OpenSSL 3)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

_FORMAT = 2
_FILE = "openssl-info.json"
_HASH_LIMIT = 256 * 1024  # scripts and wrappers are small: hash them (they get rewritten)


def _cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    if env.get("VNCSSL_CACHE_DIR"):
        return Path(env["VNCSSL_CACHE_DIR"])
    if sys.platform.startswith("win"):
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "vncssl" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "vncssl"
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vncssl"


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
    if os.environ.get("VNCSSL_NO_CACHE") is not None:
        return None
    try:
        data = json.loads((_cache_dir() / _FILE).read_text(encoding="utf-8"))
        entry = data.get(key) if isinstance(data, dict) else None
        return entry if isinstance(entry, dict) else None
    except (OSError, ValueError):
        return None


def store(key: str, entry: Dict[str, Any]) -> None:
    if os.environ.get("VNCSSL_NO_CACHE") is not None:
        return
    cache_file = _cache_dir() / _FILE
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            data = json.loads(cache_file.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or len(data) > 32:
                data = {}
        except (OSError, ValueError):
            data = {}
        data[key] = entry
        tmp = cache_file.with_name(f".{cache_file.name}.{os.getpid()}")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, cache_file)
    except OSError:
        pass  # a cache is an optimisation: a read-only home must not break anything
