"""Find a usable openssl.cnf (the guide's `-config openssl.cnf`), or write a minimal one."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

from vncssl.errors import UsageError

MINIMAL_CONFIG = """\
# Written by vncssl because no usable openssl.cnf was found. Same effect as Debian's
# default for `req -x509`: a v3 certificate with key identifiers (CA:TRUE, as the guide's).
[ req ]
default_bits       = 2048
distinguished_name = req_distinguished_name
x509_extensions    = v3_ca
string_mask        = utf8only

[ req_distinguished_name ]

[ v3_ca ]
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always,issuer
basicConstraints       = critical,CA:true
"""


@dataclass
class ConfigChoice:
    path: Optional[str]  # None: vncssl must write MINIMAL_CONFIG into its work dir
    source: str  # "--config", "OPENSSL_CONF", "OPENSSLDIR", "well-known path", "built-in"
    rejected: List[Tuple[str, str]] = field(default_factory=list)

    @property
    def reason(self) -> str:
        if self.path is None:
            return "no usable openssl.cnf was found, so vncssl wrote a minimal one"
        return {
            "--config": "given with --config",
            "OPENSSL_CONF": "named by the OPENSSL_CONF environment variable",
            "OPENSSLDIR": "this openssl's default (in its OPENSSLDIR)",
            "well-known path": "found in a usual place for this system",
        }.get(self.source, self.source)


def parse_sections(text: str) -> Dict[str, Dict[str, str]]:
    """Just enough of the config syntax to find [req] and its extension sections."""
    sections: Dict[str, Dict[str, str]] = {"": {}}
    current = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", line)
        if m:
            current = m.group(1)
            sections.setdefault(current, {})
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            sections[current][key.strip()] = value.strip()
    return sections


def why_unusable(path: str, *, needs_dn: bool = True) -> Optional[str]:
    from vncssl.errors import VncsslError
    from vncssl.fs.safeopen import read_text

    p = Path(path)
    if not os.path.lexists(p):
        return "not found"
    if p.is_dir():
        return "is a directory"
    try:  # bounded, never blocking: a FIFO or /dev/zero is refused, not read forever
        text = read_text(p, "openssl config")
    except VncsslError as exc:
        return f"not usable ({exc.message.rstrip('.')})"
    sections = parse_sections(text)
    req = sections.get("req")
    if req is None:
        return "has no [req] section"
    if needs_dn and "distinguished_name" not in req:
        return "its [req] section has no distinguished_name"
    dn = req.get("distinguished_name")
    if dn and dn not in sections:
        return f"its distinguished_name section [{dn}] is missing"
    return None


def well_known_paths(openssl_path: str, platform: str = sys.platform,
                     env: Mapping[str, str] = os.environ) -> List[str]:
    if platform.startswith("win"):
        exe_dir = Path(openssl_path).parent
        common = env.get("CommonProgramFiles", r"C:\Program Files\Common Files")
        return [str(exe_dir / "openssl.cnf"), str(exe_dir.parent / "ssl" / "openssl.cnf"),
                str(exe_dir.parent / "bin" / "openssl.cnf"),
                str(exe_dir.parent / "openssl.cnf"), rf"{common}\SSL\openssl.cnf"]
    paths = ["/usr/lib/ssl/openssl.cnf", "/etc/ssl/openssl.cnf", "/etc/pki/tls/openssl.cnf"]
    if platform == "darwin":
        paths = ["/opt/homebrew/etc/openssl@3/openssl.cnf", "/usr/local/etc/openssl@3/openssl.cnf",
                 "/private/etc/ssl/openssl.cnf", "/etc/ssl/openssl.cnf"]
    return paths + [str(Path(openssl_path).parent.parent / "ssl" / "openssl.cnf")]


def choose(explicit: Optional[str], *, openssl_path: str, openssldir: Optional[str],
           needs_dn: bool, env: Mapping[str, str] = os.environ,
           platform: str = sys.platform) -> ConfigChoice:
    if explicit:
        reason = why_unusable(explicit, needs_dn=needs_dn)
        if reason:
            raise UsageError(f"--config {explicit}: {reason}.",
                             "Point --config at a readable openssl.cnf with a [req] section, "
                             "or leave it out and vncssl will find or write one.")
        return ConfigChoice(explicit, "--config")
    rejected: List[Tuple[str, str]] = []
    candidates: List[Tuple[str, str]] = []
    if env.get("OPENSSL_CONF"):
        candidates.append((env["OPENSSL_CONF"], "OPENSSL_CONF"))
    if openssldir:
        candidates.append((os.path.join(openssldir, "openssl.cnf"), "OPENSSLDIR"))
    candidates += [(p, "well-known path") for p in well_known_paths(openssl_path, platform, env)]
    seen = set()
    for path, source in candidates:
        if path in seen:
            continue
        seen.add(path)
        reason = why_unusable(path, needs_dn=needs_dn)
        if reason is None:
            return ConfigChoice(path, source, rejected)
        rejected.append((path, reason))
    return ConfigChoice(None, "built-in", rejected)


def san_config(base_text: str, section: str, san: str) -> str:
    """For openssl without -addext: the chosen config plus a section holding the SAN next
    to whatever the config's own x509_extensions section gives (as easy-rsa does). Only
    used for binaries old enough to need [req] distinguished_name, which `choose` ensured."""
    sections = parse_sections(base_text)
    ext_name = sections.get("req", {}).get("x509_extensions")
    base_ext = sections.get(ext_name, {}) if ext_name else {}
    if not base_ext:
        base_ext = parse_sections(MINIMAL_CONFIG)["v3_ca"]
    lines = [f"{k} = {v}" for k, v in base_ext.items() if k != "subjectAltName"]
    lines.append(f"subjectAltName = {san}")
    return f"{base_text.rstrip()}\n\n[ {section} ]\n" + "\n".join(lines) + "\n"
