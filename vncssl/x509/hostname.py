"""Does a certificate name the host the viewer connects to? gnutls_x509_crt_check_hostname()
(GnuTLS lib/x509/hostname-verify.c), which TigerVNC's viewer calls with the name the user
typed, mirrored in Python because OpenSSL's rules differ (it matches an IP against the CN,
for one). Pure: no openssl, no files.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Optional

from vncssl.errors import InvalidNameError
from vncssl.x509 import idna

if TYPE_CHECKING:
    from vncssl.x509.certfacts import CertFacts


def host_ip(host: str) -> Optional[ipaddress._BaseAddress]:
    """GnuTLS treats `host` as an IP when inet_pton(AF_INET) accepts it, or when it has a ':'
    and inet_pton(AF_INET6) accepts it (a ':' that is not IPv6 falls back to DNS rules)."""
    if re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", host):
        try:
            return ipaddress.IPv4Address(host)
        except ValueError:
            return None
    if ":" in host and "%" not in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    return None


def _compare(certname: str, host: str) -> bool:
    """_gnutls_hostname_compare: case-insensitive; a leading '*' matches one label or part of
    one (never a dot), and only with two more labels after it (no '*.com')."""
    if any(not (32 <= ord(c) < 127) for c in certname) or "\\" in certname:
        return False  # GnuTLS skips non-printable / non-ASCII names (shown escaped here)
    certname, host = certname.lower(), host.lower()
    if certname.startswith("*"):
        last, first = certname.rfind("."), certname.find(".")
        if last == -1 or first == last or last == len(certname) - 1:
            return False
        rest = certname[1:]
        for i in range(len(host) + 1):
            if host[i:] == rest:
                return True
            if i >= len(host) or host[i] == ".":
                return False
        return False
    return certname == host


def _server_auth_allowed(cert: CertFacts) -> bool:
    # The CN fallback needs the cert to be usable for TLS WWW server (no EKU, or serverAuth).
    eku = cert.extended_key_usage
    if eku is None:
        return True
    return any(u in ("TLS Web Server Authentication", "Any Extended Key Usage") for u in eku)


def normalise_host(host: str) -> str:
    """What the viewer passes on: `[::1]` -> `::1`, a trailing dot kept as typed."""
    h = host.strip()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    return h


def hostname_matches(cert: CertFacts, host: str) -> bool:
    host = normalise_host(host)
    ip = host_ip(host)
    if ip is not None:
        # Since GnuTLS 3.6 an IP literal matches only an iPAddress SAN: never a DNS SAN,
        # never the CN.
        for value in cert.san_values("IP"):
            try:
                if ipaddress.ip_address(value) == ip:
                    return True
            except ValueError:
                continue
        return False
    if not host.isascii():
        # GnuTLS maps the typed name with IDNA2008; one it cannot map is compared as typed
        # (and so matches nothing: certificate names are ASCII).
        host = idna.to_ascii_or_none(host) or host
    if any(_compare(n, host) for n in cert.san_values("DNS")):
        return True
    if cert.san_values("DNS") or cert.san_values("IP"):
        return False  # RFC 6125: no CN fallback once a DNS or IP SAN exists
    cns = cert.common_names
    return len(cns) == 1 and _server_auth_allowed(cert) and _compare(cns[0], host)


def bracketed(host: str) -> str:
    """`host` as typed to vncviewer: an IPv6 address in brackets (TigerVNC's getHostAndPort
    reads a bare `fd00::5` as host `fd00` port 5); anything else as it is."""
    h = normalise_host(host)
    try:
        ipaddress.IPv6Address(h.split("%")[0])
    except ValueError:
        return host
    return f"[{h}]"


def create_hint(host: str) -> str:
    """The `vncssl create` option that names `host`, when `create` accepts it; else why no
    certificate can name it (never a command `create` would refuse)."""
    from vncssl.x509 import names

    is_ip = host_ip(host) is not None
    try:
        value = names.parse_ip(host) if is_ip else names.parse_dns(host)
    except InvalidNameError as exc:
        return (f"no certificate vncssl makes can name {host!r} ({exc.message.rstrip('.')}); "
                "connect with a name or address a certificate can hold")
    stored = "" if value == host else f" (stored as {value}, the form GnuTLS compares)"
    return f"`vncssl create {'--ip' if is_ip else '--dns'} {host}`{stored}"
