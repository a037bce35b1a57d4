"""Find the openssl binary: the user's explicit choice, else PATH, else the places
installers put it on each OS. Says why each candidate was passed over."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Mapping, Optional, Tuple

from vncssl.errors import OpensslNotFound, UsageError


@dataclass
class Located:
    """Which binary was chosen, why, and which candidates were passed over and why."""

    path: str
    display: str
    source: str  # "--openssl", "VNCSSL_OPENSSL", "PATH", "well-known location", "prompt"
    rejected: List[Tuple[str, str]] = field(default_factory=list)


def _exe_name() -> str:
    return "openssl.exe" if os.name == "nt" else "openssl"


def well_known_locations(platform: str = sys.platform, env: Mapping[str, str] = os.environ
                         ) -> List[str]:
    """Places installers put openssl, per OS, most likely first."""
    if platform.startswith("win"):
        pf = env.get("ProgramFiles", r"C:\Program Files")
        pf86 = env.get("ProgramFiles(x86)", r"C:\Program Files (x86)")
        return [
            rf"{pf}\OpenSSL-Win64\bin\openssl.exe",  # Shining Light
            rf"{pf86}\OpenSSL-Win32\bin\openssl.exe",
            r"C:\OpenSSL-Win64\bin\openssl.exe",
            rf"{pf}\Git\usr\bin\openssl.exe",  # Git for Windows
            rf"{pf}\Git\mingw64\bin\openssl.exe",
        ]
    if platform == "darwin":
        return [
            "/opt/homebrew/opt/openssl@3/bin/openssl",  # Homebrew, Apple silicon
            "/usr/local/opt/openssl@3/bin/openssl",  # Homebrew, Intel
            "/opt/homebrew/bin/openssl",
            "/usr/local/bin/openssl",
            "/opt/local/bin/openssl",  # MacPorts
            "/usr/bin/openssl",  # LibreSSL, shipped with macOS
        ]
    return ["/usr/bin/openssl", "/usr/local/bin/openssl", "/usr/local/ssl/bin/openssl",
            "/bin/openssl", "/opt/openssl/bin/openssl"]


def _why_unusable(path: str) -> Optional[str]:
    p = Path(path)
    if not p.exists():
        return "not found"
    if p.is_dir():
        return "is a directory"
    if not os.access(path, os.X_OK):
        return "not executable"
    return None


def from_path(value: str, source: str, *, source_label: Optional[str] = None) -> Located:
    """A binary the user named (a path, a folder holding it, or a name on PATH). It must
    work: an explicit choice is never silently replaced by another binary."""
    label = source_label or source
    candidate = value
    if os.sep not in value and "/" not in value:
        found = shutil.which(value)
        if found:
            return Located(found, value, label)
    p = Path(candidate).expanduser()
    if p.is_dir():
        # The guide has Windows users unzip openssl and run it from that folder: accept the
        # folder itself, and its bin/ subfolder.
        for sub in (p / _exe_name(), p / "bin" / _exe_name()):
            if sub.is_file() and os.access(sub, os.X_OK):
                return Located(str(sub.resolve()), str(sub.resolve()), label)
        raise UsageError(
            f"{source} {value}: is a directory with no {_exe_name()} in it.",
            f"Point {source} at the openssl binary itself (or the folder that holds it).",
        )
    reason = _why_unusable(str(p))
    if reason:
        raise UsageError(
            f"{source} {value}: {reason}.",
            f"Point {source} at a working openssl binary, or leave it out to let vncssl search.",
        )
    return Located(str(p.absolute()), str(p.absolute()), label)


def explicit_choice(explicit: Optional[str] = None, env: Mapping[str, str] = os.environ
                    ) -> Optional[Located]:
    """--openssl, then VNCSSL_OPENSSL; None when the user named no binary."""
    if explicit:
        return from_path(explicit, "--openssl")
    if env.get("VNCSSL_OPENSSL"):
        return from_path(env["VNCSSL_OPENSSL"], "VNCSSL_OPENSSL")
    return None


def candidates(rejected: List[Tuple[str, str]], *, env: Mapping[str, str] = os.environ,
               platform: str = sys.platform) -> Iterator[Located]:
    """Executable files named openssl, most likely first (PATH, then well-known places).
    Passed-over places are appended to `rejected` with the reason."""
    seen = set()
    on_path = shutil.which("openssl", path=env.get("PATH"))
    if on_path:
        seen.add(os.path.realpath(on_path))
        yield Located(on_path, "openssl", "PATH")
    else:
        rejected.append(("openssl on PATH", "not found"))
    for candidate in well_known_locations(platform, env):
        reason = _why_unusable(candidate)
        if reason is not None:
            rejected.append((candidate, reason))
        elif os.path.realpath(candidate) not in seen:
            seen.add(os.path.realpath(candidate))
            yield Located(candidate, candidate, "well-known location")


def not_found(rejected: List[Tuple[str, str]], platform: str = sys.platform) -> OpensslNotFound:
    return OpensslNotFound(
        f"No working openssl binary found (looked at {len(rejected)} places).",
        install_hint(platform),
        details="\n".join(f"{c}: {r}" for c, r in rejected),
    )


def install_hint(platform: str = sys.platform) -> str:
    if platform.startswith("win"):
        return ("Install OpenSSL: `winget install ShiningLight.OpenSSL.Light`, or "
                "`choco install openssl`, or the zip the TigerVNC wiki links to; then pass "
                "--openssl C:\\path\\to\\openssl.exe (or the unzipped folder).")
    if platform == "darwin":
        return "Install OpenSSL: `brew install openssl@3` (or pass --openssl /path/to/openssl)."
    return f"Install OpenSSL: `{_linux_install_command()}` (or pass --openssl /path/to/openssl)."


def _linux_install_command() -> str:
    ids = ""
    try:
        text = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
        for line in text.splitlines():
            if line.startswith(("ID=", "ID_LIKE=")):
                ids += " " + line.split("=", 1)[1].strip().strip('"').lower()
    except OSError:
        pass
    for keys, command in (
        (("debian", "ubuntu"), "sudo apt-get install openssl"),
        (("fedora", "rhel", "centos"), "sudo dnf install openssl  (or: sudo yum install openssl)"),
        (("alpine",), "sudo apk add openssl"),
        (("arch",), "sudo pacman -S openssl"),
        (("suse", "opensuse"), "sudo zypper install openssl"),
    ):
        if any(k in ids.split() for k in keys):
            return command
    return "sudo apt-get install openssl  (Fedora/RHEL: sudo dnf install openssl)"


