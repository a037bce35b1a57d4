"""Which TigerVNC generation is in use and where that generation keeps its files.

Generations: TigerVNC 1.14 moved its files to the XDG folders (`~/.config/tigervnc/`) and on
Windows to `%APPDATA%\\TigerVNC\\`; 1.13 and older use `~/.vnc/` and `%APPDATA%\\vnc\\`.
Debian/Ubuntu's `tigervncserver` wrapper reads Perl files instead of `key=value`:
`~/.vnc/tigervnc.conf` up to 1.13, `~/.config/tigervnc/config.pl` from 1.14. Which folder a
program really reads (1.14+ fall back to ~/.vnc) is layout.py's; the version: detect.py.
"""

from __future__ import annotations

import ntpath
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence, Tuple

from vncssl.errors import UsageError
from vncssl.tigervnc import layout
from vncssl.tigervnc.settings import VIEWER_KEY, WINVNC_KEY

MODERN = (1, 14)  # first release with the XDG / %APPDATA%\TigerVNC layout


@dataclass
class Generation:
    modern: bool  # 1.14+
    label: str  # the version ("1.15"), or "1.14+" / "before 1.14" when guessed from folders
    reason: str  # how it was decided (which program, option or folder said so)
    version: Optional[Tuple[int, int]] = None  # None: guessed from the folders


@dataclass
class Locations:
    """Where one TigerVNC generation keeps its files for this user."""

    server_config: str  # key=value (upstream vncsession)
    server_config_pl: str  # Debian/Ubuntu wrapper (Perl)
    system_config: str
    viewer_config: str  # default.tigervnc
    x509_ca: str
    known_hosts: str = ""  # x509_known_hosts (the viewer's remembered exceptions)


def parse_version(text: str) -> Tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\.(\d+)(?:\.\d+)?\s*", text or "")
    if not m:
        raise UsageError(f"--tigervnc-version {text!r} is not a version like 1.12 or 1.14.",
                         "Give the TigerVNC version installed (vncviewer -h shows it).")
    return int(m.group(1)), int(m.group(2))


def installed_version(programs: Sequence[str], env: Mapping[str, str] = os.environ
                      ) -> Optional[Tuple[str, str]]:
    """(version, program) of the TigerVNC these programs belong to, e.g. ("1.12", "Xvnc"):
    every copy installed is asked (tigervnc/detect.py), then the package database."""
    from vncssl.tigervnc import detect

    role = "viewer" if any(p in detect.VIEWERS for p in programs) else "server"
    found = detect.detect(role, env)
    if found.chosen is None:
        return None
    a, b = found.chosen.major_minor
    return f"{a}.{b}", os.path.basename(found.chosen.program)


def generation(version: Optional[str], env: Mapping[str, str] = os.environ,
               platform: str = sys.platform, programs: Sequence[str] = ()) -> Generation:
    """The layout to use: --tigervnc-version, else the installed programs' own version
    (Debian 12 and Ubuntu ship 1.12/1.13, which read ~/.vnc), else the folders that exist."""
    if not version and programs and platform == sys.platform \
            and not platform.startswith("win"):
        from vncssl.tigervnc import detect

        role = "viewer" if any(p in detect.VIEWERS for p in programs) else "server"
        found = detect.detect(role, env)
        if found.chosen is not None:
            v = found.chosen.major_minor
            return _known(v, found.note())
    if version:
        return _known(parse_version(version), f"--tigervnc-version {version}")
    if platform.startswith("win"):
        loc_new, loc_old = locations(True, env, platform), locations(False, env, platform)
        new_dir, old_dir = Path(loc_new.x509_ca).parent, Path(loc_old.x509_ca).parent
    else:  # with only ~/.vnc, every generation reads ~/.vnc (layout.py)
        new_dir = Path(layout.dirs(True, env).new_config)
        old_dir = Path(layout.home(env), ".vnc")
    if new_dir.is_dir():
        return Generation(True, "1.14+", f"{new_dir} exists")
    if old_dir.is_dir():
        return Generation(False, "before 1.14", f"{old_dir} exists")
    return Generation(True, "1.14+", "no TigerVNC folder yet, so the current release; "
                      "--tigervnc-version 1.13 for older")


def _known(v: Tuple[int, int], reason: str) -> Generation:
    modern = v >= MODERN
    return Generation(modern, f"{v[0]}.{v[1]}", reason, v)


def _home(env: Mapping[str, str]) -> str:
    return layout.home(env)


def locations(modern: bool, env: Mapping[str, str] = os.environ,
              platform: str = sys.platform) -> Locations:
    """The files this generation reads for this user, by its own folder rule (layout.py)."""
    if platform.startswith("win"):
        appdata = env.get("APPDATA") or ntpath.join(_home(env), "AppData", "Roaming")
        base = ntpath.join(appdata, "TigerVNC" if modern else "vnc")
        return Locations(WINVNC_KEY, WINVNC_KEY, WINVNC_KEY, VIEWER_KEY,
                         ntpath.join(base, "x509_ca.pem"), ntpath.join(base, "x509_known_hosts"))
    d = layout.dirs(modern, env)
    return Locations(os.path.join(d.config, "config"), layout.wrapper_config(modern, env),
                     "/etc/tigervnc/vncserver-config-defaults",
                     os.path.join(d.config, "default.tigervnc"),
                     os.path.join(d.config, "x509_ca.pem"),
                     os.path.join(d.state, "x509_known_hosts"))
