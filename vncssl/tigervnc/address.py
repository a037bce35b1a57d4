"""The address a VNC user types, as TigerVNC's viewer reads it: HOST, HOST:DISPLAY, HOST::PORT,
IPv6 in brackets (pure; no lookups).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from vncssl.errors import UsageError


@dataclass
class Target:
    host: str  # as typed, without brackets: the name checked against the certificate
    port: int

    @property
    def display(self) -> str:
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"{h}::{self.port}"


def parse_target(text: str) -> Target:
    """HOST, HOST:DISPLAY (port 5900+N; N >= 100 is a port, as in TigerVNC), HOST::PORT;
    IPv6 in brackets ([::1]:1, [::1]::5901) or bare when unambiguous (::1, fe80::1:2:3)."""
    raw = (text or "").strip()
    bad = UsageError(f"{text!r} is not HOST, HOST:DISPLAY or HOST::PORT.",
                     "Examples: 192.168.1.5, 192.168.1.5:1, vnc.example.com::5901, [fe80::1]:1")
    if not raw or any(c.isspace() for c in raw):
        raise bad
    rest = ""
    if raw.startswith("["):
        end = raw.find("]")
        if end < 0:
            raise bad
        host, rest = raw[1:end], raw[end + 1:]
    elif raw.count(":") > 2 or raw.startswith("::"):
        host = raw  # a bare IPv6 literal (TigerVNC's HOST::PORT wins for "name::digits")
    elif "::" in raw:
        host, rest = raw.split("::", 1)
        rest = "::" + rest
    elif ":" in raw:
        host, rest = raw.split(":", 1)
        rest = ":" + rest
    else:
        host = raw
    if not host:
        raise bad
    if ":" in host or raw.startswith("["):
        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            raise bad from None
    port = 5900
    if rest.startswith("::") and rest[2:].isdigit():
        port = int(rest[2:])
    elif rest.startswith(":") and rest[1:].isdigit():
        n = int(rest[1:])
        port = n + 5900 if n < 100 else n
    elif rest:
        raise bad
    if not 0 < port < 65536:
        raise UsageError(f"Port {port} is out of range.", "Ports are 1 to 65535.")
    return Target(host, port)


def is_dns_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
        return False
    except ValueError:
        return bool(re.fullmatch(r"[A-Za-z0-9_.-]+", host)) and not host.startswith(".")

