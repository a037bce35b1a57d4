"""The viewer's remembered exceptions: `x509_known_hosts` (GnuTLS's trust-on-first-use file).

A "Yes" to a certificate question stores `|g0|HOST|*|0|<base64 SubjectPublicKeyInfo>` (host
as typed, any port, no expiry). Afterwards the viewer connects to HOST without a word as long
as the server shows that key; from 1.14 even a hostname mismatch is remembered. 1.11-1.13
keep the file in ~/.vnc/, 1.14+ in the state folder (layout.py). `forget` removes every
exception for a host.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional

from vncssl.errors import FileProblem

MAX_BYTES = 4 * 1024 * 1024  # a known-hosts file is a few lines per server


@dataclass
class Entry:
    host: str
    service: str
    key_b64: str
    line: str


def _parse(line: str) -> Optional[Entry]:
    parts = line.rstrip("\r\n").split("|")
    if len(parts) < 6 or parts[0] != "" or not parts[1].startswith("g"):
        return None
    return Entry(parts[2], parts[3], parts[5].strip(), line)


def read(path: str) -> List[str]:
    """The file's lines ([] when it does not exist); bounded, never follows a symlink."""
    try:
        from vncssl.fs.dirops import open_nofollow

        fd = open_nofollow(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise FileProblem(f"Cannot read {path}: {exc.strerror}.",
                          "Check that it is a regular file you can read.") from None
    with os.fdopen(fd, "rb") as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FileProblem(f"{path} is larger than {MAX_BYTES} bytes: not a known-hosts file.",
                          "Look at it; TigerVNC writes one short line per server.")
    return data.decode("utf-8", errors="replace").splitlines(keepends=True)


def _same_host(a: str, b: str) -> bool:
    return a.strip("[]").lower() == b.strip("[]").lower()


def lookup(path: str, host: str) -> Optional[Entry]:
    for line in read(path):
        e = _parse(line)
        if e is not None and _same_host(e.host, host):
            return e
    return None


def same_key(ossl: Any, entry: Entry, cert_pem: str, *, timeout: Optional[float] = None) -> bool:
    """Whether the certificate carries the remembered key (openssl prints its SPKI)."""
    from vncssl.fs import workdir, writes
    from vncssl.openssl import runner

    with workdir.scratch_dir("vncssl-knownhosts-") as work:
        p = work / "cert.pem"
        writes.write_text(p, cert_pem, 0o600)
        r = runner.run([ossl.path, "x509", "-in", str(p), "-noout", "-pubkey"],
                       timeout=timeout, check=False, what="openssl x509 -pubkey")
    body = re.search(r"-----BEGIN PUBLIC KEY-----(.*?)-----END PUBLIC KEY-----", r.stdout, re.S)
    return body is not None and "".join(body.group(1).split()) == entry.key_b64


def forget(path: str, host: str) -> int:
    """Remove every exception for host; returns how many lines went (0: file untouched)."""
    from vncssl.tigervnc import settings

    lines = read(path)
    kept = [ln for ln in lines if not ((e := _parse(ln)) is not None and _same_host(e.host, host))]
    removed = len(lines) - len(kept)
    if removed:
        settings.write_file(str(Path(path)), "".join(kept), kind="viewer known-hosts file")
    return removed


@dataclass
class Forgotten:
    host: str
    removed: List[str]  # "PATH (N)" for each file that had exceptions for host
    looked_in: List[str]  # every file looked at


def forget_host(host: str, env: Any = os.environ) -> Forgotten:
    """Remove host's exceptions from the known-hosts file of either layout (~/.vnc and the
    state folder): whichever TigerVNC reads next, it asks again."""
    from vncssl.tigervnc import layout

    files: List[str] = []
    for modern in (False, True):
        p = layout.known_hosts(modern, env)
        if p not in files:
            files.append(p)
    done = Forgotten(host, [], files)
    for p in files:
        n = forget(p, host)
        if n:
            done.removed.append(f"{p} ({n})")
    return done
