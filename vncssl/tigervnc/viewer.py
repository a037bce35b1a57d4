"""TigerVNC viewer settings for a server's certificate: the vncviewer command, a .tigervnc
file or the Windows steps that make the viewer trust it as its X509CA; and `--install`, which
puts it into the viewer's default X509CA file.
"""

from __future__ import annotations

import ntpath
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional

from vncssl.errors import UsageError
from vncssl.notice import Notice, command
from vncssl.tigervnc import generations, layout, settings
from vncssl.x509.hostname import bracketed

if TYPE_CHECKING:
    from vncssl.openssl.binary import OpensslInfo
    from vncssl.x509.certfacts import CertFacts

VIEWER_FORMATS = ("cli", "config", "windows")
VIEWER_CONFIG_HEADER = "TigerVNC Configuration file Version 1.0"


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
    # --install: certificates left in the file although they share the subject, and why
    kept: List[Dict[str, str]] = field(default_factory=list)


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
    from vncssl.x509 import certinfo

    if fmt not in VIEWER_FORMATS:
        raise UsageError(f"--format {fmt!r} is not one of {', '.join(VIEWER_FORMATS)}.", "")
    windows = fmt == "windows"
    notices: List[Notice] = []
    facts: Optional[CertFacts] = None
    if windows and not os.path.exists(cert):
        # A path on the Windows machine (C:\Users\...): the steps need only its name.
        notices.append(Notice("NOT_READ_HERE", f"{cert} is not on this machine, so its "
                              "names and fingerprint were not read.",
                              "On the viewer, compare the fingerprint with the one "
                              "`vncssl inspect` shows on the server."))
    else:
        chain = certinfo.read_chain(ossl, Path(cert), timeout=timeout)
        facts = chain[0]
        if fmt != "windows" and not certinfo.split_pem(certinfo.read_pem_file(Path(cert))):
            pem = str(Path(cert).with_suffix(".pem"))
            notices.append(Notice("DER", f"{cert} is DER; the viewer's X509CA must be PEM.",
                                  "Convert it: `" + command("openssl", "x509", "-inform", "DER",
                                                            "-in", cert, "-out", pem)
                                  + "` (`--install` converts it for you)."))
        if host:
            notices += host_verdict(ossl, chain, host, Path(cert), timeout=timeout)
    cert_a = settings.abs_path(cert, windows)
    # As typed in the viewer: an IPv6 address in brackets, or TigerVNC reads fd00::5 as
    # host fd00, port 5.
    host = bracketed(settings.check_value(host or (_default_host(facts) if facts else "SERVER"),
                                        "server name"))
    settings.check_value(cert_a, "certificate path")
    gen = generations.generation(version, env, "win32" if windows else platform,
                              programs=("vncviewer",))
    here = generations.locations(gen.modern, env, platform)
    layout_said = None if windows else layout.layout_note(gen.modern, env, gen.label)
    if layout_said:
        notices.append(Notice("LAYOUT", layout_said, ""))
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
        target = settings.VIEWER_KEY
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
        if settings.has_space_or_quote(cert_a) and ntpath.dirname(cert_a):
            notices.append(Notice(
                "PATH_SPACES",
                f"The path {cert_a} has spaces or quotes: the Windows viewer cannot use it "
                "as X509CA (quoting does not help).",
                f"Put {name} next to vncviewer.exe and type just {name}, or use a path "
                "without spaces such as C:/vnc/" + name + "."))
    if not windows and settings.has_space_or_quote(cert_a) and platform.startswith("win"):
        notices.append(Notice("PATH_SPACES", f"The path {cert_a} has spaces or quotes, "
                              "which the Windows viewer cannot use as X509CA.",
                              "Move the certificate next to vncviewer.exe."))
    if facts is not None and facts.days_left < 0 and not any(n.code == "expired"
                                                            for n in notices):
        notices.append(Notice("EXPIRED", f"This certificate expired on {facts.not_after}.",
                              "Create a new one: vncssl create."))
    return ViewerSettings(fmt, cert_a, host, text, target, here.x509_ca,
                          f"{gen.label} ({gen.reason})", facts.subject if facts else "",
                          facts.fingerprint_sha256 if facts else "", steps, notices)


def host_verdict(ossl: OpensslInfo, chain: List[CertFacts], host: str, cert: Path, *,
                 timeout: Optional[float] = None) -> List[Notice]:
    """`vncssl check CERT --host HOST` for the settings printed: a command for a host the
    certificate does not name would only end at the viewer's warning dialog."""
    from vncssl.tigervnc.address import parse_target
    from vncssl.x509 import names, verdict

    target = parse_target(host)
    v = verdict.judge(ossl, chain, names.parse_host(target.host), chain,
                      ca_file=cert, timeout=timeout, cert_file=cert)
    from vncssl.x509.problem import WARNING

    return [Notice(p.code, ("`vncssl check` warns about " if p.stops == WARNING else
                            "`vncssl check` says the viewer would stop at ")
                   + f"{v.host}: {p.message}", p.fix) for p in v.problems]
