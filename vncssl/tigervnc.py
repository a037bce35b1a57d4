"""TigerVNC server and viewer settings for a certificate: what to put where, per OS and per
TigerVNC generation, and the merge-writes (config files, the viewer's X509CA file).

Generations: TigerVNC 1.14 moved its files to the XDG folders (`~/.config/tigervnc/`) and on
Windows to `%APPDATA%\\TigerVNC\\`; 1.13 and older use `~/.vnc/` and `%APPDATA%\\vnc\\`.
Debian/Ubuntu's `tigervncserver` wrapper reads Perl files instead of `key=value`:
`~/.vnc/tigervnc.conf` up to 1.13, `~/.config/tigervnc/config.pl` from 1.14.
"""

from __future__ import annotations

import ntpath
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Tuple

from vncssl import files
from vncssl.errors import FileProblem, UsageError
from vncssl.notice import Notice

if TYPE_CHECKING:
    from vncssl.certinfo import CertFacts
    from vncssl.openssl import OpensslInfo

X509_TYPES = ("X509None", "X509Vnc", "X509Plain")
ANON_TLS_TYPES = ("TLSNone", "TLSVnc", "TLSPlain")
KNOWN_TYPES = ("None", "VncAuth", "Plain", *ANON_TLS_TYPES, *X509_TYPES,
               "RA2", "RA2ne", "RA2_256", "RA2ne_256", "DH", "MSLogonII")
SERVER_FORMATS = ("config", "xvnc", "config-pl", "windows")
VIEWER_FORMATS = ("cli", "config", "windows")
MODERN = (1, 14)  # first release with the XDG / %APPDATA%\TigerVNC layout
WINVNC_KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\TigerVNC\WinVNC4"
VIEWER_KEY = r"HKEY_CURRENT_USER\Software\TigerVNC\vncviewer"
VIEWER_CONFIG_HEADER = "TigerVNC Configuration file Version 1.0"


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


def generation(version: Optional[str], env: Mapping[str, str] = os.environ,
               platform: str = sys.platform) -> Generation:
    """The layout to use: from --tigervnc-version, else from the folders that exist."""
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


def _abs(path: str, windows: bool) -> str:
    if windows:
        return path if ntpath.isabs(path) else ntpath.abspath(path) if os.name == "nt" else path
    return os.path.abspath(os.path.expanduser(path))


def has_space_or_quote(path: str) -> bool:
    return any(c in path for c in " \t\"'")


# --- server -------------------------------------------------------------------------------

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


def xvnc_args(values: Dict[str, str]) -> List[str]:
    return [a for k, v in values.items() for a in (f"-{k}", v)]


def render_reg(values: Dict[str, str]) -> str:
    def q(v: str) -> str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["Windows Registry Editor Version 5.00", "", f"[{WINVNC_KEY}]"]
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


def server_settings(cert: str, key: str, *, security_types: str = "X509Vnc",
                    fmt: str = "config", version: Optional[str] = None,
                    env: Mapping[str, str] = os.environ, platform: str = sys.platform
                    ) -> ServerSettings:
    if fmt not in SERVER_FORMATS:
        raise UsageError(f"--format {fmt!r} is not one of {', '.join(SERVER_FORMATS)}.", "")
    types = parse_security_types(security_types)
    windows = fmt == "windows"
    cert_a, key_a = _abs(cert, windows), _abs(key, windows)
    notices = security_notices(types)
    if not windows:
        for kind, p in (("certificate", cert_a), ("private key", key_a)):
            if not os.path.isfile(p):
                notices.append(Notice("MISSING_FILE", f"The {kind} {p} does not exist (yet).",
                                      "Create it first: vncssl create."))
    gen = generation(version, env, "win32" if windows else platform)
    loc = locations(gen.modern, env, "win32" if windows else platform)
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
            WINVNC_KEY
        for kind, p in (("certificate", cert_a), ("private key", key_a)):
            if has_space_or_quote(p):
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


# --- merge-writes -------------------------------------------------------------------------

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
        backups = files.install([(tmp, target)], force=True,
                                backup_suffix=f".{files.timestamp()}.bak")
    return str(backups[0]) if backups else None


def write_server_config(s: ServerSettings) -> ServerSettings:
    if s.format not in ("config", "config-pl") or not s.target:
        raise UsageError(f"--write works with --format config or config-pl, not {s.format}.",
                         "Print the settings instead, and apply them as shown.")
    path = Path(s.target)
    try:
        existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    except OSError as exc:
        raise FileProblem(f"Cannot read {path}: {exc.strerror}.", "Check permissions.") from None
    values = _settings(s.security_types, s.cert, s.key)
    s.backup = write_file(s.target, merge_config(existing, values,
                                                 perl=s.format == "config-pl"),
                          kind="TigerVNC server config")
    s.written = s.target
    return s


# --- viewer -------------------------------------------------------------------------------

@dataclass
class ViewerSettings:
    format: str
    cert: str
    host: str
    text: str
    target: Optional[str]  # where this form is kept (default.tigervnc, registry key)
    x509_ca_default: str  # the file the viewer reads when -X509CA is not given
    generation: str
    subject: str
    fingerprint_sha256: str
    steps: List[str]
    notices: List[Notice] = field(default_factory=list)
    installed: Optional[str] = None
    backup: Optional[str] = None
    replaced: List[str] = field(default_factory=list)  # fingerprints of certs replaced
    already_present: bool = False


def _default_host(facts: CertFacts) -> str:
    for kind in ("IP", "DNS"):
        values = facts.san_values(kind)
        if values:
            return values[0]
    return facts.common_name or "SERVER"


def viewer_settings(ossl: OpensslInfo, cert: str, *, host: Optional[str] = None,
                    fmt: str = "cli", version: Optional[str] = None,
                    env: Mapping[str, str] = os.environ,
                    platform: str = sys.platform, timeout: Optional[float] = None
                    ) -> ViewerSettings:
    from vncssl import certinfo

    if fmt not in VIEWER_FORMATS:
        raise UsageError(f"--format {fmt!r} is not one of {', '.join(VIEWER_FORMATS)}.", "")
    facts = certinfo.read_chain(ossl, Path(cert), timeout=timeout)[0]
    windows = fmt == "windows"
    cert_a = _abs(cert, windows)
    host = host or _default_host(facts)
    gen = generation(version, env, "win32" if windows else platform)
    here = locations(gen.modern, env, platform)
    notices: List[Notice] = []
    steps: List[str] = []
    target: Optional[str] = None
    if fmt == "cli":
        text = f"vncviewer -X509CA {shlex.quote(cert_a)} {shlex.quote(host)}"
    elif fmt == "config":
        text = f"{VIEWER_CONFIG_HEADER}\n\nServerName={host}\nX509CA={cert_a}\n"
        target = here.viewer_config
    else:
        name = ntpath.basename(cert_a) or "vnc-server.pem"
        text = f"vncviewer.exe -X509CA={name} {host}"
        target = VIEWER_KEY
        steps = [
            f"Copy {name} (the certificate, never the key) into the folder of vncviewer.exe.",
            "Open the TigerVNC viewer and type the server's address: " + host + ".",
            "Choose Options..., then the Security tab.",
            f"Under \"Path to X509 CA certificate\" type {name}.",
            "Type the password and choose OK. Read any certificate message carefully: "
            "skipping it bypasses everything the certificate is for.",
            "On the server you may have to choose Accept within 10 seconds (QueryConnect).",
            f"Alternative: save it as %APPDATA%\\{'TigerVNC' if gen.modern else 'vnc'}"
            "\\x509_ca.pem, which the viewer reads when the X509 CA field is empty.",
        ]
        if has_space_or_quote(cert_a) and ntpath.dirname(cert_a):
            notices.append(Notice(
                "PATH_SPACES",
                f"The path {cert_a} has spaces or quotes: the Windows viewer cannot use it "
                "as X509CA (quoting does not help).",
                f"Put {name} next to vncviewer.exe and type just {name}, or use a path "
                "without spaces such as C:/vnc/" + name + "."))
    if not windows and has_space_or_quote(cert_a) and platform.startswith("win"):
        notices.append(Notice("PATH_SPACES", f"The path {cert_a} has spaces or quotes, "
                              "which the Windows viewer cannot use as X509CA.",
                              "Move the certificate next to vncviewer.exe."))
    if facts.days_left < 0:
        notices.append(Notice("EXPIRED", f"This certificate expired on {facts.not_after}.",
                              "Create a new one: vncssl create."))
    return ViewerSettings(fmt, cert_a, host, text, target, here.x509_ca,
                          f"{gen.label} ({gen.reason})", facts.subject,
                          facts.fingerprint_sha256, steps, notices)


def install_ca(ossl: OpensslInfo, s: ViewerSettings, *, timeout: Optional[float] = None
               ) -> ViewerSettings:
    """Put the certificate into the viewer's default X509CA file. A different certificate
    with the same subject (the old one after a renewal) is replaced, not kept beside it:
    the viewer would otherwise stop at "Unknown certificate issuer" (see TIGERVNC-NOTES)."""
    from vncssl import certinfo

    new_pem = certinfo.split_pem(certinfo.read_pem_file(Path(s.cert)))
    if not new_pem:
        raise UsageError(f"{s.cert} holds no PEM certificate; the viewer reads only PEM.",
                         "Convert it: openssl x509 -in CERT.der -inform DER -out cert.pem")
    target = Path(s.x509_ca_default)
    kept: List[str] = []
    if target.exists() and not target.is_symlink():
        for block in certinfo.split_pem(certinfo.read_pem_file(target)):
            f = certinfo.read_cert(ossl, target, pem=block, timeout=timeout)
            if f.fingerprint_sha256 == s.fingerprint_sha256:
                s.already_present = True
            elif f.subject == s.subject:
                s.replaced.append(f.fingerprint_sha256)
                continue
            kept.append(block)
    if s.already_present and not s.replaced:
        s.installed = str(target)
        return s
    if not s.already_present:
        kept.append(new_pem[0])
    s.backup = write_file(str(target), "".join(kept), kind="viewer X509CA file")
    s.installed = str(target)
    return s
