"""The address a VNC user types, read exactly as TigerVNC's viewer reads it
(common/rfb/Hostname.h `getHostAndPort`, unit vectors in tests/unit/hostport.cxx), pure:

  HOST (port 5900), HOST:N (display: port 5900+N when N < 100, else port N), HOST::PORT,
  [HOST] / [HOST]:N / [HOST]::PORT (IPv6 needs the brackets), an empty host is localhost.
  A bare "::1" is therefore localhost port 1, and "fd00::5" host "fd00" port 5: only
  "2001:1234::20:1" (more than one ':' before the last pair) is taken as a bare IPv6 address.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Tuple

from vncssl.errors import UsageError

BASE_PORT = 5900
_SPACE = " \t\n\v\f\r"  # C isspace()


@dataclass
class Target:
    host: str  # as the viewer passes it on, without brackets: the name checked in the cert
    port: int

    @property
    def display(self) -> str:
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"{h}::{self.port}"


def _strtol(text: str) -> Tuple[int, str]:
    """C strtol(text, &end, 10): leading space, a sign, digits; (0, text) when no digits."""
    m = re.match(r"[ \t\n\v\f\r]*([+-]?\d+)", text)
    if not m:
        return 0, text
    return int(m.group(1)), text[m.end():]


def get_host_and_port(text: str, base_port: int = BASE_PORT) -> Tuple[str, int]:
    """TigerVNC's getHostAndPort, step for step; UsageError where it throws."""
    hi = text.lstrip(_SPACE)
    port_part = None
    if hi.startswith("["):
        end = hi.find("]", 1)
        if end < 0:
            raise UsageError(f"{text!r}: unmatched [ in host.", "Close the bracket: [fd00::5].")
        host_start, host_end = 1, end
        port_part = hi[end + 1:]
        if not port_part.strip(_SPACE):
            port_part = None
    else:
        host_start, last = 0, hi.rfind(":")
        if last < 0:
            host_end = len(hi)
        else:
            host_end = last - 1 if last > 0 and hi[last - 1] == ":" else last
            first = hi.find(":")
            if first != host_end:  # more ':' before: probably an IPv6 address
                host_end = len(hi)
            else:
                port_part = hi[host_end:]
    while host_end > host_start and hi[host_end - 1] in _SPACE:
        host_end -= 1
    host = hi[host_start:host_end] or "localhost"
    if port_part is None:
        return host, base_port
    if not port_part.startswith(":"):
        raise UsageError(f"{text!r}: invalid port specified.", "Write HOST:DISPLAY or "
                         "HOST::PORT, e.g. [fd00::5]:1 or [fd00::5]::5901.")
    double = port_part.startswith("::")
    port, rest = _strtol(port_part[2:] if double else port_part[1:])
    if rest.strip(_SPACE):
        raise UsageError(f"{text!r}: invalid port specified.", "The display or port is a "
                         "number: HOST:1 is port 5901, HOST::5901 the same port.")
    if not double and port < 100:
        port += base_port
    return host, port


def parse_target(text: str) -> Target:
    """getHostAndPort, then what vncssl can connect to: a port 1-65535 and a host that is an
    IP address or a host name (no spaces or brackets inside)."""
    if not (text or "").strip(_SPACE):
        raise UsageError("No server address was given.", "Give HOST, HOST:DISPLAY or "
                         "HOST::PORT, e.g. 192.168.1.5:1.")
    host, port = get_host_and_port(text)
    if not 0 < port < 65536:
        raise UsageError(f"{text!r}: port {port} is out of range.", "Ports are 1 to 65535 "
                         "(display :N is port 5900+N).")
    bad = UsageError(f"{text!r} is not HOST, HOST:DISPLAY or HOST::PORT.",
                     "Examples: 192.168.1.5, 192.168.1.5:1, vnc.example.com::5901, [fd00::5]:1")
    if any(c in host for c in _SPACE + "[]/"):
        raise bad
    if ":" in host:
        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            raise bad from None
    return Target(host, port)


def is_dns_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
        return False
    except ValueError:
        return bool(re.fullmatch(r"[A-Za-z0-9_.-]+", host)) and not host.startswith(".")


def viewer_argument(host: str, port: int = BASE_PORT) -> str:
    """How to type host (and port) in vncviewer so that getHostAndPort reads them back: IPv6
    in brackets, the port as ::PORT unless it is 5900."""
    h = f"[{host}]" if ":" in host else host
    return h if port == BASE_PORT else f"{h}::{port}"
