"""`vncssl doctor`, viewer side: the installed viewer's generation, the X509CA file it
reads (and whether it verifies HOST's certificate), a CRL, and the exceptions remembered
for HOST in x509_known_hosts. Only reads."""

from __future__ import annotations

import base64
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Mapping, Optional, Tuple

from vncssl.commands.doctor_checks import Check, error, fail, ok, skip
from vncssl.errors import VncsslError, quoted

V = "viewer"
_INSTALL = "vncssl tigervnc viewer --install --cert vnc-server.pem"


@dataclass
class ViewerFiles:
    version: Optional[str]   # "1.12" when vncviewer is installed here
    modern: bool             # 1.14+ layout
    x509_ca: Path
    x509_ca_from: str        # where that path came from
    x509_crl: Path
    known_hosts: Path


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or os.path.expanduser("~"))


def _xdg(env: Mapping[str, str], var: str, default: str) -> Path:
    value = env.get(var, "")
    return Path(value) / "tigervnc" if os.path.isabs(value) else _home(env) / default


def viewer_files(env: Mapping[str, str] = os.environ, *, ca: Optional[str] = None
                 ) -> ViewerFiles:
    """The files the installed viewer reads: 1.14+ use the XDG folders, but ~/.vnc when
    the XDG config folder does not exist and ~/.vnc does; before 1.14 always ~/.vnc."""
    from vncssl.tigervnc import generations

    # Never run vncviewer.exe to ask (it opens a window); Windows decides by folders.
    win = sys.platform.startswith("win")
    found = None if win else generations.installed_version(("vncviewer",), env)
    version = found[0] if found else None
    gen = generations.generation(version, env, programs=())
    legacy = _home(env) / ".vnc"
    if win:
        base = Path(generations.locations(gen.modern, env).x509_ca).parent
        conf = state = base
    elif gen.modern:
        conf = _xdg(env, "XDG_CONFIG_HOME", ".config/tigervnc")
        state = _xdg(env, "XDG_STATE_HOME", ".local/state/tigervnc")
        if not conf.is_dir() and legacy.is_dir():
            conf = state = legacy
    else:
        conf = state = legacy
    ca_path, ca_from = conf / "x509_ca.pem", "the viewer's default"
    if ca:
        ca_path, ca_from = Path(ca), "--ca"
    else:
        cfg = conf / "default.tigervnc"
        try:
            m = re.search(r"^X509CA=(.+)$", cfg.read_text(errors="replace"), re.M)
        except OSError:
            m = None
        if m and m.group(1).strip():
            ca_path, ca_from = Path(m.group(1).strip()), f"X509CA in {cfg}"
    return ViewerFiles(version, gen.modern, ca_path, ca_from, conf / "x509_crl.pem",
                       state / "x509_known_hosts")


def check_viewer(f: ViewerFiles, host: Optional[str]) -> List[Check]:
    if f.version is None:
        return [skip("viewer", V, "TigerVNC viewer", "vncviewer is not installed here")]
    out = [ok("viewer", V, "TigerVNC viewer", f"TigerVNC {f.version} (reads "
              f"{f.x509_ca.parent})")]
    if host and ":" in host and tuple(int(x) for x in f.version.split(".")) < (1, 16):
        out.append(fail("ipv6-sni", V, "The viewer can connect to an IPv6 address",
                        f"TigerVNC {f.version} sends {host} as TLS server name and Xvnc "
                        "refuses the handshake (\"A disallowed SNI server name has been "
                        "received\"), whatever the certificate.",
                        "Connect by a DNS name the certificate lists, or use viewer 1.16+",
                        "ipv6-sni"))
    return out


def check_ca(ossl: Any, f: ViewerFiles, timeout: Optional[float]) -> Tuple[Check, bool]:
    from vncssl.x509 import certinfo

    title = "The viewer's X509CA file holds the server's certificate (or its CA)"
    where = f"{quoted(f.x509_ca)} ({f.x509_ca_from})"
    if not f.x509_ca.is_file():
        return fail("x509ca", V, title, f"{where} does not exist: the viewer asks \"Unknown "
                    "certificate issuer\" for a self-signed server.", _INSTALL,
                    "no-x509ca"), False
    try:
        certs = certinfo.read_chain(ossl, f.x509_ca, timeout=timeout)
    except VncsslError as exc:
        return fail("x509ca", V, title, f"{where}: {exc.message}", _INSTALL,
                    "x509ca-unreadable"), False
    expired = [c.subject for c in certs if c.days_left < 0]
    if expired:
        return fail("x509ca", V, title, f"{where} holds an expired certificate "
                    f"({expired[0]}).", _INSTALL, "expired"), True
    return ok("x509ca", V, title, f"{where}: {len(certs)} certificate(s)"), True


def check_crl(ossl: Any, f: ViewerFiles, leaf: Any, ca_file: Optional[Path],
              timeout: Optional[float]) -> Check:
    """The viewer's X509CRL, judged as the viewer does (x509/revocation.py)."""
    from vncssl.x509 import crl, revocation

    title = "No certificate revocation list stops the server's certificate"
    if not f.x509_crl.exists():
        return ok("crl", V, title, f"no CRL ({quoted(f.x509_crl)}): normal without a CA's CRL")
    if leaf is not None:
        r = revocation.check_revocation(ossl, [leaf], f.x509_crl, ca_file, strict=False,
                                        timeout=timeout)
        if r.problems:
            p = r.problems[0]
            return fail("crl", V, title, p.message, p.fix, "revoked")
        return ok("crl", V, title, " ".join([f"{quoted(f.x509_crl)}: the server's certificate "
                                             "is not listed.", *r.notes]))
    try:
        facts = crl.read_crl(ossl, f.x509_crl, timeout=timeout)
    except VncsslError as exc:
        return fail("crl", V, title, f"{exc.message} (1.11 stops at \"load of CRL failed\"; "
                    "1.12+ ignore the file).", f"Replace {f.x509_crl} with your CA's CRL "
                    "(vncssl ca crl), or remove it", "crl-unreadable")
    return ok("crl", V, title, f"{quoted(f.x509_crl)}: {len(facts.revoked)} revoked serial(s)")


def known_hosts(path: Path) -> List[Tuple[str, str]]:
    """(host, base64 SubjectPublicKeyInfo) per line of a GnuTLS known-hosts file."""
    out = []
    for line in path.read_text(errors="replace").splitlines():
        parts = line.strip().split("|")
        if len(parts) >= 6 and parts[1] == "g0":
            out.append((parts[2], parts[5]))
    return out


def _spki_b64(public_key_pem: str) -> str:
    body = "".join(ln for ln in public_key_pem.splitlines() if ln and "-----" not in ln)
    return base64.b64encode(base64.b64decode(body)).decode()


def check_known_hosts(f: ViewerFiles, host: Optional[str], leaf: Any, trusted: bool
                      ) -> Check:
    title = "No remembered exception hides a certificate problem"
    if not f.known_hosts.exists():
        return ok("known-hosts", V, title,
                  f"no exceptions ({quoted(f.known_hosts)} does not exist)")
    try:
        entries = known_hosts(f.known_hosts)
    except OSError as exc:
        return fail("known-hosts", V, title, f"{quoted(f.known_hosts)} cannot be read "
                    f"({exc.strerror}): \"Could not load known hosts database\".",
                    f"sudo chown $USER {f.known_hosts}", "known-hosts-unreadable")
    if not host:
        hosts = sorted({h for h, _ in entries})
        shown = ", ".join(quoted(h) for h in hosts) or "no host"
        return ok("known-hosts", V, title, f"exceptions for {shown} in {quoted(f.known_hosts)}")
    mine = [k for h, k in entries if h.strip("[]") == host.strip("[]")]
    if not mine or leaf is None:
        return ok("known-hosts", V, title, f"no exception for {host}" if not mine
                  else f"an exception for {host} ({f.known_hosts})")
    fix = f"Delete the lines for {host} from {f.known_hosts}, then {_INSTALL}"
    if _spki_b64(leaf.public_key_pem) not in mine:
        return fail("known-hosts", V, title, f"{quoted(f.known_hosts)} remembers another key for "
                    f"{host}: the viewer says \"Unexpected server certificate\".", fix,
                    "known-host-changed")
    if not trusted:
        return fail("known-hosts", V, title, f"The viewer connects to {host} only because "
                    f"an exception is remembered in {f.known_hosts}: the certificate itself "
                    "is not trusted.", fix, "exception-hides-problem")
    return ok("known-hosts", V, title, f"an exception for {host}, and the certificate is "
              "trusted anyway")


def probe_checks(report: Any) -> List[Check]:
    """Each problem that stops the viewer is a ✗; warnings (it connects) go with the ✓."""
    from vncssl.x509.problem import WARNING

    title = "The viewer accepts the server's certificate (probe)"
    warnings = [p.message for p in report.problems if p.stops == WARNING]
    if report.accepted:
        return [ok("probe", "probe", title, " ".join(
            [f"{report.server}: accepted ({report.ca}).", *warnings]))]
    return [fail("probe", "probe", title, p.message, p.fix, p.code) for p in report.problems
            if p.stops != WARNING]


def probe_error(host: str, exc: VncsslError) -> Check:
    return error("probe", "probe", "The viewer accepts the server's certificate (probe)",
                 f"{host}: {exc.message}", exc.fix)
