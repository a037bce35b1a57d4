"""A VNC client that goes exactly as far as the server's certificate: RFB 3.8, VeNCrypt 0.2,
an X509 subtype, the TLS handshake (verification off: we only *fetch* the chain), then close.
It never sends credentials. `fetch` returns what the server said; judging it is `probe`'s job.

Protocol: RFC 6143 and TigerVNC's CSecurityVeNCrypt.cxx (summary in TIGERVNC-NOTES.md).
"""

from __future__ import annotations

import re
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from vncssl.errors import ConnectFailed, quoted
from vncssl.net.resolve import resolve
from vncssl.tigervnc import chainfetch
from vncssl.tigervnc.address import Target, is_dns_name

VENCRYPT = 19
# RFB security types (IANA "RFB Security Types" registry; names as TigerVNC's Security.h).
SECURITY_TYPES = {0: "Invalid", 1: "None", 2: "VncAuth", 5: "RA2", 6: "RA2ne", 7: "SSPI",
                  8: "SSPIne", 16: "Tight", 17: "Ultra", 18: "TLS", 19: "VeNCrypt",
                  20: "SASL", 21: "MD5", 22: "XVP", 23: "SecureTunnel", 24: "IntegratedSSH",
                  30: "DH", 113: "MSLogonII", 129: "RA2_256", 130: "RA2ne_256"}
# VeNCrypt subtypes: TigerVNC's, plus the RFB types a VeNCrypt server may list inside
# (1 None, 2 VncAuth) and GTK-VNC's SASL ones.
SUBTYPES = {1: "None", 2: "VncAuth", 256: "Plain", 257: "TLSNone", 258: "TLSVnc",
            259: "TLSPlain", 260: "X509None", 261: "X509Vnc", 262: "X509Plain",
            263: "TLSSASL", 264: "X509SASL"}
X509_PREFERENCE = (260, 261, 262)  # X509None first: nothing would be asked after TLS anyway
DEFAULT_TIMEOUT = 10.0
PROBE_CIPHERS = "DEFAULT:@SECLEVEL=0"


@dataclass
class Fetched:
    """What the server said, in order. `stop` says why the probe stopped before TLS, if it
    did: "no-vencrypt", "no-x509", "tls-not-ready", "tls-handshake"."""

    server: str
    rfb_version: str
    security_types: List[str]
    vencrypt_subtypes: List[str] = field(default_factory=list)
    chosen: Optional[str] = None
    tls: Optional[Dict[str, Optional[str]]] = None
    chain_pem: List[str] = field(default_factory=list)
    stop: Optional[str] = None
    detail: str = ""


class _Conn:
    openssl: Optional[str] = None
    relay = False

    def __init__(self, target: Target, timeout: float) -> None:
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.where = target.display
        # Resolving is inside the deadline too: a silent resolver must not outwait it.
        addresses = resolve(target.host, target.port, timeout, self.where)
        last: Optional[OSError] = None
        for family, addr in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.left())
                sock.connect(addr)
            except socket.timeout:
                sock.close()
                raise ConnectFailed(f"No answer from {self.where} within {timeout:g} s.",
                                    "Check the address, the display number and firewalls."
                                    ) from None
            except OSError as exc:
                sock.close()
                last = exc
                continue
            self.sock = sock
            return
        raise ConnectFailed(f"Cannot connect to {self.where}: "
                            f"{(last.strerror or last) if last else 'no address'}.",
                            "Is the VNC server running and listening on that port? "
                            "Check the display number (:1 is port 5901).")

    def left(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ConnectFailed(f"{self.where} did not finish the handshake within "
                                f"{self.timeout:g} s.", "Raise --timeout, or check the server.")
        return remaining

    def recv(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            self.sock.settimeout(self.left())
            try:
                chunk = self.sock.recv(n - len(data))
            except socket.timeout:
                self.left()
                continue
            except OSError as exc:
                raise ConnectFailed(f"{self.where} broke the connection: {exc}.", "") from None
            if not chunk:
                raise ConnectFailed(f"{self.where} closed the connection during the VNC "
                                    "handshake.", "Check the server log.")
            data += chunk
        return data

    def send(self, data: bytes) -> None:
        self.sock.settimeout(self.left())
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise ConnectFailed(f"Sending to {self.where} failed: {exc}.", "") from None

    def reason(self) -> str:
        (length,) = struct.unpack(">I", self.recv(4))
        return self.recv(min(length, 4096)).decode("utf-8", "replace")


def said(data: bytes) -> str:
    """What a peer sent, for a person: quoted text, not a bytes repr (others as \\xNN)."""
    text = "".join(chr(b) if 32 <= b < 127 and b != 0x22 else f"\\x{b:02x}"
                   for b in data.rstrip(b"\r\n"))
    return f'"{text}"' if text else "nothing"


def _name(table: Dict[int, str], code: int) -> str:
    if code in table:
        return table[code]
    for low, high, owner in ((3, 15, "RealVNC"), (30, 35, "Apple"), (128, 255, "RealVNC")):
        if low <= code <= high and table is SECURITY_TYPES:
            return f"{owner}({code})"  # registered to a vendor, not further named
    return f"unknown({code})"


def fetch(target: Target, *, timeout: float = DEFAULT_TIMEOUT, openssl: Optional[str] = None,
          relay: bool = False) -> Fetched:
    """`openssl`: the binary to hand the TLS handshake to when this Python cannot show the
    whole chain (3.9), or always with relay=True."""
    conn = _Conn(target, timeout)
    conn.openssl, conn.relay = openssl, relay
    try:
        return _handshake(conn, target)
    finally:
        conn.sock.close()  # after the certificate: no credentials, no RFB session


TLS_FIRST_HINT = ("A server that wants TLS before the VNC greeting (x11vnc -ssl/-sslonly, "
                  "stunnel) waits for the client to start TLS, and the TigerVNC viewer cannot "
                  "connect to it: it speaks RFB first and starts TLS only inside VeNCrypt. "
                  "Use x11vnc's -ssl without -sslonly (it then offers VeNCrypt/X509), or "
                  "TigerVNC's own server.")


def _handshake(c: _Conn, target: Target) -> Fetched:
    try:
        banner = c.recv(12)
    except ConnectFailed as exc:
        if "did not finish" in exc.message:  # silence: not a VNC greeting at all
            raise ConnectFailed(f"{c.where} sent no VNC greeting within {c.timeout:g} s.",
                                TLS_FIRST_HINT) from None
        raise
    if banner[:1] in (b"\x15", b"\x16") and banner[1:2] == b"\x03":
        raise ConnectFailed(f"{c.where} answered with TLS, not a VNC greeting.",
                            TLS_FIRST_HINT)
    m = re.fullmatch(rb"RFB (\d{3})\.(\d{3})\n", banner)
    if not m:
        raise ConnectFailed(f"{c.where} is not a VNC server (it said {said(banner)}).",
                            "Check the port: display :N is port 5900+N.")
    version = (int(m.group(1)), int(m.group(2)))
    rfb = f"{version[0]}.{version[1]}"
    if version < (3, 7):  # 3.3: the server picks one type; VeNCrypt needs 3.7+
        c.send(b"RFB 003.003\n")
        (chosen,) = struct.unpack(">I", c.recv(4))
        if chosen == 0:
            raise ConnectFailed(f"{c.where} refused the connection: {quoted(c.reason())}", "")
        return Fetched(target.display, rfb, [_name(SECURITY_TYPES, chosen)], stop="no-vencrypt")
    c.send(b"RFB 003.008\n" if version >= (3, 8) else b"RFB 003.007\n")
    (n,) = c.recv(1)
    if n == 0:
        raise ConnectFailed(f"{c.where} refused the connection: {quoted(c.reason())}",
                            "Too many failed logins make TigerVNC block a client for a while.")
    types = list(c.recv(n))
    out = Fetched(target.display, rfb, [_name(SECURITY_TYPES, t) for t in types])
    if VENCRYPT not in types:
        out.stop = "no-vencrypt"
        return out
    c.send(bytes([VENCRYPT]))
    major, minor = c.recv(2)
    if (major, minor) < (0, 2):
        raise ConnectFailed(f"{c.where} speaks VeNCrypt {major}.{minor}; only 0.2 exists "
                            "in TigerVNC.", "")
    c.send(b"\x00\x02")
    if c.recv(1) != b"\x00":
        raise ConnectFailed(f"{c.where} refused VeNCrypt 0.2.", "")
    (m_count,) = c.recv(1)
    subtypes = list(struct.unpack(f">{m_count}I", c.recv(4 * m_count)))
    out.vencrypt_subtypes = [_name(SUBTYPES, s) for s in subtypes]
    pick = next((s for s in X509_PREFERENCE if s in subtypes), None)
    if pick is None:
        out.stop = "no-x509"
        return out
    out.chosen = SUBTYPES[pick]
    c.send(struct.pack(">I", pick))
    if c.recv(1) != b"\x01":
        out.stop = "tls-not-ready"
        # TigerVNC then sends SecurityResult "failed" with its reason ("Private key does not
        # match certificate"): worth reading, but not worth failing over.
        try:
            if c.recv(4) == b"\x00\x00\x00\x01":
                out.detail = c.reason()
        except ConnectFailed:
            pass
        return out
    _tls(c, target, out)
    return out


def _tls(c: _Conn, target: Target, out: Fetched) -> None:
    sni = target.host if is_dns_name(target.host) else None
    if c.openssl and (c.relay or not chainfetch.python_has_chain()):
        pems, info, error = chainfetch.s_client_chain(c.openssl, c.sock, sni, c.left())
        if error:
            out.stop, out.detail = "tls-handshake", error
            return
        out.chain_pem = pems
        out.tls = {**info, "subtype": out.chosen, "sni": sni}
        return
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Fetch only: the verdict is computed afterwards by openssl + vncssl.verdict. Offer what
    # the viewer's GnuTLS NORMAL offers, static-RSA suites included (Xvnc falls back to them
    # for a keyEncipherment-only key), at security level 0 (a small key is the verdict's to
    # judge, not a reason to see nothing).
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers(PROBE_CIPHERS)
    # TigerVNC 1.12 rejects an IP literal such as "::1" as SNI: send only DNS names.
    tls = ctx.wrap_socket(c.sock, server_hostname=sni, do_handshake_on_connect=False)
    c.sock = tls
    try:
        tls.settimeout(c.left())
        tls.do_handshake()
    except socket.timeout:
        c.left()
        raise ConnectFailed(f"{c.where}: the TLS handshake timed out.", "") from None
    except (ssl.SSLError, ConnectionError) as exc:
        out.stop, out.detail = "tls-handshake", str(exc)
        return
    chain_der = chainfetch.python_chain(tls)
    if chain_der is None:  # never judge a chain we did not see: openssl shows it all
        raise ConnectFailed("This Python cannot show the whole certificate chain, and no "
                            "openssl was given to fetch it.", "Use Python 3.10+ or --openssl.")
    out.chain_pem = [ssl.DER_cert_to_PEM_cert(d) for d in chain_der]
    cipher = tls.cipher()
    out.tls = {"version": tls.version(), "cipher": cipher[0] if cipher else None,
               "subtype": out.chosen, "sni": sni}

