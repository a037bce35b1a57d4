"""TigerVNC server settings for a certificate, in each form the server reads them: `key=value`
config (upstream vncsession), Perl config.pl (Debian/Ubuntu wrapper), Xvnc arguments, WinVNC
steps + .reg; and `--write`, which merges them into the config file after a backup.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional

from vncssl.errors import UsageError
from vncssl.notice import Notice, command
from vncssl.tigervnc import generations, layout, security, settings

if TYPE_CHECKING:
    from vncssl.openssl.binary import OpensslInfo

SERVER_FORMATS = ("config", "xvnc", "config-pl", "windows")


@dataclass
class ServerSettings:
    format: str
    cert: str
    key: str
    security_types: List[str]
    text: str  # the file content / argument line / steps to show
    target: Optional[str]  # the file this belongs in (None for xvnc)
    other_targets: List[str]
    reg: Optional[str]  # windows: the .reg file
    steps: List[str]
    generation: str
    notices: List[Notice] = field(default_factory=list)
    written: Optional[str] = None
    backup: Optional[str] = None


def _settings(types: List[str], cert: str, key: str) -> Dict[str, str]:
    return {"SecurityTypes": ",".join(types), "X509Cert": cert, "X509Key": key}


def render_config(values: Dict[str, str]) -> str:
    return "".join(f"{k.lower()}={v}\n" for k, v in values.items())


def _perl_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def render_config_pl(values: Dict[str, str]) -> str:
    return "".join(f"${k} = {_perl_quote(v)};\n" for k, v in values.items())


def render_xvnc(values: Dict[str, str]) -> str:
    return " ".join(f"-{k} {shlex.quote(v)}" for k, v in values.items())


def render_reg(values: Dict[str, str]) -> str:
    def q(v: str) -> str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["Windows Registry Editor Version 5.00", "", f"[{settings.WINVNC_KEY}]"]
    lines += [f"{q(k)}={q(v)}" for k, v in values.items()]
    return "\r\n".join(lines) + "\r\n"


QUERY_CONNECT = {
    "config": "queryconnect=1 and queryconnecttimeout=10",
    "config-pl": "$QueryConnect = 1; and $QueryConnectTimeout = 10;",
    "xvnc": "-QueryConnect -QueryConnectTimeout 10",
    "windows": "the registry values QueryConnect=1 and QueryConnectTimeout=10 (DWORD)",
}


def query_connect_note(fmt: str) -> str:
    return ("The guide's \"Accept within 10 seconds\" is TigerVNC's QueryConnect, off by "
            f"default: add {QUERY_CONNECT[fmt]} to make the desktop user accept each viewer.")


def check_pair(ossl: OpensslInfo, cert: str, key: str, *,
               timeout: Optional[float] = None) -> None:
    """A pair the server cannot use is bad input, before anything is printed or written:
    TigerVNC would only fail at the first connection ("Private key does not match
    certificate", or a passphrase nobody types)."""
    from vncssl.x509 import certinfo, verdict

    leaf = certinfo.read_chain(ossl, Path(cert), timeout=timeout)[0]
    problems = verdict.key_problems(ossl, leaf, Path(key), timeout=timeout, renew_cmd=command(
        "vncssl", "renew", "--cert", cert, "--key", key))
    if problems:
        raise UsageError(problems[0].message, problems[0].fix)


def server_settings(cert: str, key: str, *, security_types: str = "X509Vnc",
                    fmt: str = "config", version: Optional[str] = None,
                    env: Mapping[str, str] = os.environ, platform: str = sys.platform
                    ) -> ServerSettings:
    if fmt not in SERVER_FORMATS:
        raise UsageError(f"--format {fmt!r} is not one of {', '.join(SERVER_FORMATS)}.", "")
    types = security.parse_security_types(security_types)
    windows = fmt == "windows"
    cert_a, key_a = settings.abs_path(cert, windows), settings.abs_path(key, windows)
    settings.check_value(cert_a, "certificate path")
    settings.check_value(key_a, "private key path")
    notices = security.security_notices(types)
    if not windows:
        for kind, p in (("certificate", cert_a), ("private key", key_a)):
            if not os.path.isfile(p):
                notices.append(Notice("MISSING_FILE", f"The {kind} {p} does not exist (yet).",
                                      "Create it first: vncssl create."))
    gen = generations.generation(version, env, "win32" if windows else platform,
                              programs=("Xvnc", "x0vncserver"))
    loc = generations.locations(gen.modern, env, "win32" if windows else platform)
    layout_said = None if windows else layout.layout_note(gen.modern, env, gen.label)
    if layout_said:
        notices.append(Notice("LAYOUT", layout_said, ""))
    values = _settings(types, cert_a, key_a)
    steps = [
        "The security types must include an X509 type, or the server never uses the "
        "certificate: " + ",".join(types) + ".",
        "The key must be unencrypted (the guide's -nodes) and readable by the user the "
        "server runs as; the server loads both files at each connection.",
        query_connect_note(fmt),
    ]
    reg = None
    target: Optional[str] = None
    others: List[str] = []
    if fmt == "config":
        text = render_config(values)
        target, others = loc.server_config, [loc.system_config + " (system-wide, upstream "
                                             "packages; Debian/Ubuntu: use --format config-pl)"]
    elif fmt == "config-pl":
        text = render_config_pl(values)
        target = loc.server_config_pl
    elif fmt == "xvnc":
        text = render_xvnc(values)
        steps.insert(0, "Add these arguments to the Xvnc or x0vncserver command line.")
    else:
        text, reg, target = _windows_server_text(cert_a, key_a, types), render_reg(values), \
            settings.WINVNC_KEY
        for kind, p in (("certificate", cert_a), ("private key", key_a)):
            if settings.has_space_or_quote(p):
                notices.append(Notice("PATH_SPACES", f"The {kind} path {p} has spaces or "
                                      "quotes; type it exactly, or move the file to a "
                                      "simpler path such as C:\\vnc\\.", ""))
    return ServerSettings(fmt, cert_a, key_a, types, text, target, others, reg, steps,
                          f"{gen.label} ({gen.reason})", notices)


def _windows_server_text(cert: str, key: str, types: List[str]) -> str:
    return "\n".join([
        "On the computer with the TigerVNC server (WinVNC):",
        "1. Right click the TigerVNC icon in the system tray and choose Options.",
        "2. Under \"Session encryption\" choose TLS with X.509 certificates, and uncheck None "
        "and Anonymous TLS.",
        f"3. Choose Load X.509 Certificate and browse to {cert}",
        f"4. Choose Load X.509 Certificate key and browse to {key}",
        "5. Choose Apply.",
        "6. Copy the certificate (not the key) to the viewer computer, next to vncviewer.exe.",
        "Or import the .reg file below (as administrator), then restart the TigerVNC service: "
        f"it sets SecurityTypes={','.join(types)}, X509Cert and X509Key.",
    ])


# --- --write: merge into the existing file ------------------------------------------------

def merge_config(existing: str, values: Dict[str, str], *, perl: bool) -> str:
    """Replace our keys' lines in place (first occurrence), drop later duplicates, append the
    missing ones; every other line is kept byte for byte."""
    pattern = (r"^\s*\$({})\s*=" if perl else r"^\s*({})\s*=").format(
        "|".join(re.escape(k) for k in values))
    rx = re.compile(pattern, re.IGNORECASE)
    canon = {k.lower(): k for k in values}
    render = render_config_pl if perl else render_config
    out: List[str] = []
    done = set()
    for line in existing.splitlines(keepends=True):
        m = rx.match(line)
        if not m:
            out.append(line)
            continue
        k = canon[m.group(1).lower()]
        if k not in done:
            out.append(render({k: values[k]}))
            done.add(k)
    missing = {k: v for k, v in values.items() if k not in done}
    if missing:
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        block = "# added by vncssl\n" + render(missing)
        # A Perl file sourced by the wrapper should end in a true value: keep `1;` last.
        last = max((i for i, ln in enumerate(out) if ln.strip()), default=None)
        if perl and last is not None and out[last].strip() == "1;":
            out.insert(last, block)
        else:
            out.append(block)
    text = "".join(out)
    if perl and not existing.strip():
        text += "1;\n"
    return text


def write_server_config(s: ServerSettings) -> ServerSettings:
    if s.format not in ("config", "config-pl") or not s.target:
        raise UsageError(f"--write works with --format config or config-pl, not {s.format}.",
                         "Print the settings instead, and apply them as shown.")
    path = Path(s.target)
    from vncssl.fs.safeopen import read_text

    # Bounded, never blocking, never through a link: a FIFO or device there is refused.
    existing = read_text(path, "TigerVNC config", follow=False) if os.path.lexists(path) else ""
    values = _settings(s.security_types, s.cert, s.key)
    merged = merge_config(existing, values, perl=s.format == "config-pl")
    s.backup = settings.write_file(s.target, merged, kind="TigerVNC server config")
    s.written = s.target
    return s

