"""Which TigerVNC is installed: every TigerVNC program found (PATH and the usual install
places), each asked its version the way that program answers, then the package database.

Sources, in the order tried for each program: `vncviewer -h` ("TigerVNC Viewer 64-bit
v1.12.0", 1.15: "TigerVNC viewer v1.15.0"); `Xvnc -version` ("Xvnc TigerVNC 1.12.0 - built
...": Debian 13's prints nothing and exits 0), then `Xvnc -help`; last `dpkg-query` for the
Debian/Ubuntu packages. Every finding is kept, so a caller can say which source it used and
when two installed programs disagree.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

VIEWERS = ("vncviewer", "xtigervncviewer")
SERVERS = ("Xvnc", "Xtigervnc", "x0vncserver", "x0tigervncserver")
# Install places not always on PATH (upstream tarballs, macOS bundles, Homebrew, snaps).
PLACES = ("/usr/bin", "/usr/local/bin", "/opt/TigerVNC/bin", "/opt/tigervnc/bin",
          "/opt/homebrew/bin", "/snap/bin",
          "/Applications/TigerVNC Viewer.app/Contents/MacOS")
_PACKAGES = {"viewer": ("tigervnc-viewer",),
             "server": ("tigervnc-standalone-server", "tigervnc-scraping-server")}
_ASK = {"vncviewer": (["-h"],), "xtigervncviewer": (["-h"],)}
_SERVER_ASK = (["-version"], ["-help"])
_VERSION = re.compile(r"TigerVNC\b[^\n]*?v?(\d+\.\d+(?:\.\d+)?)", re.I)


@dataclass
class Finding:
    role: str  # viewer / server
    program: str  # its path, or the package name for dpkg
    version: str  # "1.15.0"
    source: str  # how it was learnt: "vncviewer -h", "Xvnc -help", "dpkg-query tigervnc-viewer"

    @property
    def major_minor(self) -> Tuple[int, int]:
        a, b = self.version.split(".")[:2]
        return int(a), int(b)


@dataclass
class Detection:
    role: str
    chosen: Optional[Finding]
    findings: List[Finding] = field(default_factory=list)

    @property
    def disagree(self) -> bool:
        return len({f.major_minor for f in self.findings}) > 1

    def note(self) -> str:
        """How the version was decided, for the user."""
        if self.chosen is None:
            return "no TigerVNC program found here"
        text = f"{self.chosen.source} says {self.chosen.version}"
        if self.disagree:
            others = sorted({f"{f.program} {f.version}" for f in self.findings
                             if f.major_minor != self.chosen.major_minor})
            text += f" (also installed: {', '.join(others)}; --tigervnc-version to choose)"
        return text


def programs(names: Sequence[str], env: Mapping[str, str]) -> List[str]:
    """Every installed copy of each name: PATH first, then the usual places (no duplicates)."""
    found: List[str] = []
    seen = set()
    dirs = [d for d in (env.get("PATH") or "").split(os.pathsep) if d] + list(PLACES)
    for name in names:
        for d in dirs:
            path = shutil.which(name, path=d)
            if not path:
                continue
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                found.append(path)
    return found


def _ask(path: str, args: Sequence[str]) -> Optional[str]:
    from vncssl.errors import VncsslError
    from vncssl.openssl import runner

    try:
        r = runner.run([path, *args], timeout=5, check=False, what=os.path.basename(path),
                       env={"LC_ALL": "C"})
    except VncsslError:
        return None
    m = _VERSION.search(r.stdout + r.stderr)
    return m.group(1) if m else None


def _dpkg(role: str) -> List[Finding]:
    dpkg = shutil.which("dpkg-query")
    if not dpkg:
        return []
    out: List[Finding] = []
    for pkg in _PACKAGES[role]:
        from vncssl.errors import VncsslError
        from vncssl.openssl import runner

        try:
            r = runner.run([dpkg, "-W", "-f", "${Status}\\t${Version}\\n", pkg], timeout=10,
                           check=False, what="dpkg-query")
        except VncsslError:
            continue
        for line in r.stdout.splitlines():
            status, _, version = line.partition("\t")
            m = re.match(r"(?:\d+:)?(\d+\.\d+(?:\.\d+)?)", version)
            if status.endswith(" installed") and m:
                out.append(Finding(role, pkg, m.group(1), f"dpkg-query {pkg}"))
    return out


def findings(role: str, env: Mapping[str, str] = os.environ) -> List[Finding]:
    names = VIEWERS if role == "viewer" else SERVERS
    out: List[Finding] = []
    for path in programs(names, env):
        base = os.path.basename(path)
        for args in _ASK.get(base, _SERVER_ASK):
            version = _ask(path, args)
            if version:
                out.append(Finding(role, path, version, f"{base} {' '.join(args)}"))
                break
    return out + _dpkg(role)


def detect(role: str, env: Mapping[str, str] = os.environ) -> Detection:
    """The TigerVNC a `role` ("viewer" or "server") command is about: its own programs first,
    then the other role's (one package set installs both on most systems)."""
    if _REMEMBERED is None:
        return _detect(role, env)
    key = (role, env.get("PATH", ""))
    with _REMEMBERED_LOCK:  # the fleet's threads ask at once: one of them runs the programs
        if key not in _REMEMBERED:
            _REMEMBERED[key] = _detect(role, env)
        return _REMEMBERED[key]


def _detect(role: str, env: Mapping[str, str]) -> Detection:
    other = "server" if role == "viewer" else "viewer"
    every = findings(role, env)
    if not every:
        every = findings(other, env)
    return Detection(role, every[0] if every else None, every)


_REMEMBERED: Optional[Dict[Tuple[str, str], Detection]] = None
_REMEMBERED_LOCK = threading.Lock()


@contextlib.contextmanager
def remembered() -> Iterator[None]:
    """Within it, each role is detected once: `probe --from` asks for every host, and asking
    means running `vncviewer`/`dpkg-query` (two processes a host, a third of a 20-host fleet's
    time); the installed programs do not change meanwhile."""
    global _REMEMBERED
    saved, _REMEMBERED = _REMEMBERED, {}
    try:
        yield
    finally:
        _REMEMBERED = saved
