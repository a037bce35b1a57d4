"""The TigerVNC servers of this machine as `doctor` sees them: running ones (Xvnc,
x0vncserver, read from /proc: their arguments and the user they run as) and the settings
the config files give a server that `vncsession`/`vncserver` would start. Only reads.

TigerVNC parameters are case-insensitive and written `-Name value`, `-Name=value` or
`--Name=value`; config files hold `name=value` lines (upstream) or Perl `$Name = 'value';`
(Debian/Ubuntu's wrapper). Effective order: defaults file, then the user's file, then the
mandatory file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from vncssl.tigervnc import generations

SERVER_PROGRAMS = ("Xvnc", "Xtigervnc", "x0vncserver", "x0tigervncserver")
WANTED = ("securitytypes", "x509cert", "x509key", "rfbport")
DEFAULT_SECURITY_TYPES = "TLSVnc,VncAuth"  # the server's default, 1.11-1.16
SYSTEM_DEFAULTS = "/etc/tigervnc/vncserver-config-defaults"
SYSTEM_MANDATORY = "/etc/tigervnc/vncserver-config-mandatory"


@dataclass
class ServerSetup:
    origin: str                      # "Xvnc (pid 123)" or "config files"
    values: Dict[str, str]           # lower-case parameter name -> value
    sources: List[str] = field(default_factory=list)   # files the values came from
    uid: Optional[int] = None        # the user it runs (or would run) as
    port: Optional[int] = None
    pid: Optional[int] = None

    @property
    def security_types(self) -> str:
        return self.values.get("securitytypes") or DEFAULT_SECURITY_TYPES


def parse_args(argv: Sequence[str]) -> Dict[str, str]:
    """Our parameters from a server's command line (the first of each wins, as in
    TigerVNC, where a later -Param only applies if the first was invalid: close enough)."""
    out: Dict[str, str] = {}
    i = 1
    while i < len(argv):
        arg = argv[i]
        m = re.match(r"^--?([A-Za-z0-9_]+)(?:=(.*))?$", arg)
        i += 1
        if not m:
            continue
        name = m.group(1).lower()
        if name not in WANTED:
            continue
        value = m.group(2)
        if value is None and i < len(argv):
            value, i = argv[i], i + 1
        out.setdefault(name, value or "")
    return out


def _display_port(argv: Sequence[str], values: Dict[str, str]) -> Optional[int]:
    if values.get("rfbport", "").isdigit():
        return int(values["rfbport"])
    for arg in argv[1:]:
        if re.fullmatch(r":\d+", arg):
            return 5900 + int(arg[1:])
    return 5900 if "x0" in os.path.basename(argv[0]) else None


def running(proc: Path = Path("/proc")) -> List[ServerSetup]:
    """Every running TigerVNC server this user may see (Linux /proc; [] elsewhere)."""
    found: List[ServerSetup] = []
    if not proc.is_dir():
        return found
    for d in sorted(proc.iterdir(), key=lambda p: p.name):
        if not d.name.isdigit():
            continue
        try:
            argv = (d / "cmdline").read_bytes().decode(errors="replace").split("\0")
            status = (d / "status").read_text(errors="replace")
        except OSError:
            continue
        argv = [a for a in argv if a != ""]
        if not argv or os.path.basename(argv[0]) not in SERVER_PROGRAMS:
            continue
        values = parse_args(argv)
        uid_m = re.search(r"^Uid:\s+(\d+)", status, re.M)
        found.append(ServerSetup(f"{os.path.basename(argv[0])} (pid {d.name})", values,
                                 [f"{d}/cmdline"], int(uid_m.group(1)) if uid_m else None,
                                 _display_port(argv, values), int(d.name)))
    return found


_KV = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$")
_PERL = re.compile(r"""^\s*\$([A-Za-z0-9_]+)\s*=\s*(["'])(.*?)\2\s*;""")


def parse_config(text: str) -> Dict[str, str]:
    """`key=value` lines and Perl `$Key = 'value';` lines; comments (#) ignored."""
    out: Dict[str, str] = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        m = _PERL.match(line)
        if m:
            out[m.group(1).lower()] = m.group(3)
            continue
        m = _KV.match(line)
        if m and not line.lstrip().startswith("$"):
            out[m.group(1).lower()] = m.group(2)
    return {k: v for k, v in out.items() if k in WANTED}


def configured(env: Mapping[str, str] = os.environ, *, config: Optional[str] = None
               ) -> Optional[ServerSetup]:
    """The settings the config files give (None when no file exists). `config` checks
    that one file instead of the installed generation's."""
    if config:
        files = [config]
        gen_note = "the file given"
    else:
        gen = generations.generation(None, env, programs=("Xvnc", "x0vncserver"))
        loc = generations.locations(gen.modern, env)
        files = [SYSTEM_DEFAULTS, loc.server_config, loc.server_config_pl, SYSTEM_MANDATORY]
        gen_note = f"TigerVNC {gen.label}: {gen.reason}"
    values: Dict[str, str] = {}
    used: List[str] = []
    owner: Optional[int] = None
    for f in files:
        p = Path(f)
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        values.update(parse_config(text))
        used.append(str(p))
        if not str(p).startswith("/etc/"):
            owner = p.stat().st_uid
    if not used:
        return None
    return ServerSetup(f"config files ({gen_note})", values, used, owner,
                       int(values["rfbport"]) if values.get("rfbport", "").isdigit() else None)
