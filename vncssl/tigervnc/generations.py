"""Which TigerVNC generation is in use and where that generation keeps its files.

Generations: TigerVNC 1.14 moved its files to the XDG folders (`~/.config/tigervnc/`) and on
Windows to `%APPDATA%\\TigerVNC\\`; 1.13 and older use `~/.vnc/` and `%APPDATA%\\vnc\\`.
Debian/Ubuntu's `tigervncserver` wrapper reads Perl files instead of `key=value`:
`~/.vnc/tigervnc.conf` up to 1.13, `~/.config/tigervnc/config.pl` from 1.14.
"""

from __future__ import annotations

import ntpath
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence, Tuple

from vncssl.errors import UsageError
from vncssl.tigervnc.settings import VIEWER_KEY, WINVNC_KEY

MODERN = (1, 14)  # first release with the XDG / %APPDATA%\TigerVNC layout


@dataclass
class Generation:
    modern: bool  # 1.14+
    label: str  # "1.14+" or "before 1.14"
    reason: str  # how it was decided


@dataclass
class Locations:
    """Where one TigerVNC generation keeps its files for this user."""

    server_config: str  # key=value (upstream vncsession)
    server_config_pl: str  # Debian/Ubuntu wrapper (Perl)
    system_config: str
    viewer_config: str  # default.tigervnc
    x509_ca: str


def parse_version(text: str) -> Tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\.(\d+)(?:\.\d+)?\s*", text or "")
    if not m:
        raise UsageError(f"--tigervnc-version {text!r} is not a version like 1.12 or 1.14.",
                         "Give the TigerVNC version installed (vncviewer -h shows it).")
    return int(m.group(1)), int(m.group(2))


# How each TigerVNC program tells its version without opening a window or a display.
_VERSION_ARGS = {"vncviewer": ["-h"], "Xvnc": ["-version"], "x0vncserver": ["-version"]}


def installed_version(programs: Sequence[str], env: Mapping[str, str] = os.environ
                      ) -> Optional[Tuple[str, str]]:
    """(version, program) of the first of `programs` installed here, e.g. ("1.12", "Xvnc")."""
    from vncssl.errors import VncsslError
    from vncssl.openssl import runner

    for prog in programs:
        path = shutil.which(prog, path=env.get("PATH"))
        if not path:
            continue
        try:
            r = runner.run([path, *_VERSION_ARGS.get(prog, ["-version"])], timeout=5,
                            check=False, what=prog)
        except VncsslError:
            continue
        m = re.search(r"TigerVNC\b.*?v?(\d+\.\d+)", r.stdout + r.stderr)
        if m:
            return m.group(1), prog
    return None


def generation(version: Optional[str], env: Mapping[str, str] = os.environ,
               platform: str = sys.platform, programs: Sequence[str] = ()) -> Generation:
    """The layout to use: --tigervnc-version, else the installed program's own version
    (Debian 12 and Ubuntu ship 1.12/1.13, which read ~/.vnc), else the folders that exist."""
    if not version and programs and platform == sys.platform \
            and not platform.startswith("win"):
        found = installed_version(programs, env)
        if found:
            version = found[0]
            modern = parse_version(version) >= MODERN
            return Generation(modern, "1.14+" if modern else "before 1.14",
                              f"{found[1]} here is TigerVNC {version}")
    if version:
        modern = parse_version(version) >= MODERN
        return Generation(modern, "1.14+" if modern else "before 1.14",
                          f"--tigervnc-version {version}")
    loc_new, loc_old = locations(True, env, platform), locations(False, env, platform)
    new_dir, old_dir = Path(loc_new.x509_ca).parent, Path(loc_old.x509_ca).parent
    if new_dir.is_dir():
        return Generation(True, "1.14+", f"{new_dir} exists")
    if old_dir.is_dir():
        return Generation(False, "before 1.14", f"{old_dir} exists")
    return Generation(True, "1.14+", "no TigerVNC folder yet, so the current release; "
                      "--tigervnc-version 1.13 for older")


def _home(env: Mapping[str, str]) -> str:
    from vncssl.fs.home import home  # never a literal `~` folder when HOME is unset

    return env.get("HOME") or env.get("USERPROFILE") or str(home(env))


def locations(modern: bool, env: Mapping[str, str] = os.environ,
              platform: str = sys.platform) -> Locations:
    if platform.startswith("win"):
        appdata = env.get("APPDATA") or ntpath.join(_home(env), "AppData", "Roaming")
        base = ntpath.join(appdata, "TigerVNC" if modern else "vnc")
        return Locations(WINVNC_KEY, WINVNC_KEY, WINVNC_KEY, VIEWER_KEY,
                         ntpath.join(base, "x509_ca.pem"))
    home = _home(env)
    if modern:
        base = os.path.join(env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"),
                            "tigervnc")
        pl = os.path.join(base, "config.pl")
    else:
        base = os.path.join(home, ".vnc")
        pl = os.path.join(base, "tigervnc.conf")
    return Locations(os.path.join(base, "config"), pl,
                     "/etc/tigervnc/vncserver-config-defaults",
                     os.path.join(base, "default.tigervnc"), os.path.join(base, "x509_ca.pem"))
