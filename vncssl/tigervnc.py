"""TigerVNC facts both sides share: the security types, which TigerVNC generation is in use
and where that generation keeps its files, and the one way vncssl writes into those files.
Server settings are in `tigervnc_server`, viewer settings in `tigervnc_viewer`.

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
from typing import List, Mapping, Optional, Sequence, Tuple

from vncssl import files
from vncssl.errors import FileProblem, UsageError
from vncssl.notice import Notice

X509_TYPES = ("X509None", "X509Vnc", "X509Plain")
ANON_TLS_TYPES = ("TLSNone", "TLSVnc", "TLSPlain")
KNOWN_TYPES = ("None", "VncAuth", "Plain", *ANON_TLS_TYPES, *X509_TYPES,
               "RA2", "RA2ne", "RA2_256", "RA2ne_256", "DH", "MSLogonII")
MODERN = (1, 14)  # first release with the XDG / %APPDATA%\TigerVNC layout
WINVNC_KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\TigerVNC\WinVNC4"
VIEWER_KEY = r"HKEY_CURRENT_USER\Software\TigerVNC\vncviewer"


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
    from vncssl import openssl
    from vncssl.errors import VncsslError

    for prog in programs:
        path = shutil.which(prog, path=env.get("PATH"))
        if not path:
            continue
        try:
            r = openssl.run([path, *_VERSION_ARGS.get(prog, ["-version"])], timeout=5,
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
    return env.get("HOME") or env.get("USERPROFILE") or os.path.expanduser("~")


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


def parse_security_types(value: str) -> List[str]:
    canon = {t.lower(): t for t in KNOWN_TYPES}
    out: List[str] = []
    for part in (p.strip() for p in (value or "").split(",")):
        if not part:
            continue
        if part.lower() not in canon:
            raise UsageError(f"Unknown security type {part!r}.",
                             "Use X509Vnc (certificate + VNC password), X509Plain "
                             "(certificate + user/password) or X509None.")
        if canon[part.lower()] not in out:
            out.append(canon[part.lower()])
    if not any(t in X509_TYPES for t in out):
        raise UsageError(
            f"--security-types {value!r} has no X509 type, so the server would never present "
            "the certificate (TigerVNC ignores X509Cert/X509Key then).",
            "Use X509Vnc, X509Plain or X509None (e.g. --security-types X509Vnc).")
    return out


def security_notices(types: List[str]) -> List[Notice]:
    weak = [t for t in types if t not in X509_TYPES]
    notes = []
    if weak:
        notes.append(Notice(
            "NON_X509_TYPES",
            f"The server also offers {', '.join(weak)}: a viewer may connect that way without "
            "checking the certificate (" + ("no encryption at all" if
                                            {"None", "VncAuth", "Plain"} & set(weak)
                                            else "anonymous TLS") + ").",
            "Offer only X509 types, as the guide says (uncheck None and Anonymous TLS)."))
    if "X509None" in types:
        notes.append(Notice("NO_AUTH", "X509None encrypts but asks no password: anyone who "
                            "can reach the port gets the desktop.",
                            "Prefer X509Vnc or X509Plain."))
    return notes


def abs_path(path: str, windows: bool) -> str:
    """The path as the server or viewer will see it. A Windows path is made absolute only on
    Windows: elsewhere the current folder means nothing to the Windows machine."""
    if windows:
        return path if ntpath.isabs(path) else ntpath.abspath(path) if os.name == "nt" else path
    return os.path.abspath(os.path.expanduser(path))


def has_space_or_quote(path: str) -> bool:
    """Paths TigerVNC on Windows handles badly: the PATH_SPACES notices of both sides."""
    return any(c in path for c in " \t\"'")


def write_file(path: str, text: str, *, kind: str, mode: int = 0o644) -> Optional[str]:
    """Write `text` to `path` through vncssl.files (temp file beside it, atomic rename under
    the lock); an existing file is backed up first. Returns the backup path."""
    p = Path(path)
    if p.is_symlink():
        raise FileProblem(f"The {kind} {p} is a symbolic link; vncssl does not write through "
                          "links.", f"Edit the real file ({os.path.realpath(p)}) instead.")
    try:
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise FileProblem(f"Cannot create the folder {p.parent}: {exc.strerror}.",
                          "Check permissions.") from None
    target = files.check_target(p, kind, force=True)
    keep = files.mode_of(p) if target.exists else None
    with files.private_workdir(target.path.parent) as work:
        tmp = work / p.name
        files.write_text(tmp, text, mode=keep if keep is not None else mode)
        backups = files.install([(tmp, target)], force=True, backup=True)
    return str(backups[0]) if backups else None
