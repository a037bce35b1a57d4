"""A VNC client that goes exactly as far as the server's certificate: RFB 3.8, VeNCrypt 0.2,
an X509 subtype, the TLS handshake (verification off: we only *fetch* the chain), then close.
It never sends credentials. `fetch` returns what the server said; `examine` hands the chain
to `vncssl.verdict.judge`, the same rules `vncssl check` uses.

Protocol: RFC 6143 and TigerVNC's CSecurityVeNCrypt.cxx (summary in TIGERVNC-NOTES.md).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import ssl
import struct
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from vncssl.errors import ConnectFailed, UsageError

VENCRYPT = 19
SECURITY_TYPES = {0: "Invalid", 1: "None", 2: "VncAuth", 5: "RA2", 6: "RA2ne", 16: "Tight",
                  19: "VeNCrypt", 22: "XVP", 30: "DH", 113: "MSLogonII", 129: "RA2_256",
                  130: "RA2ne_256"}
SUBTYPES = {256: "Plain", 257: "TLSNone", 258: "TLSVnc", 259: "TLSPlain", 260: "X509None",
            261: "X509Vnc", 262: "X509Plain"}
X509_PREFERENCE = (260, 261, 262)  # X509None first: nothing would be asked after TLS anyway
DEFAULT_TIMEOUT = 10.0


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
    def __init__(self, target: Target, timeout: float) -> None:
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.where = target.display
        try:
            self.sock = socket.create_connection((target.host, target.port), timeout=timeout)
        except socket.timeout:
            raise ConnectFailed(f"No answer from {self.where} within {timeout:g} s.",
                                "Check the address, the display number and firewalls.") from None
        except OSError as exc:
            raise ConnectFailed(f"Cannot connect to {self.where}: {exc.strerror or exc}.",
                                "Is the VNC server running and listening on that port? "
                                "Check the display number (:1 is port 5901).") from None

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


def _name(table: Dict[int, str], code: int) -> str:
    return table.get(code, f"unknown({code})")


def fetch(target: Target, *, timeout: float = DEFAULT_TIMEOUT) -> Fetched:
    conn = _Conn(target, timeout)
    try:
        return _handshake(conn, target)
    finally:
        conn.sock.close()  # after the certificate: no credentials, no RFB session


def _handshake(c: _Conn, target: Target) -> Fetched:
    banner = c.recv(12)
    m = re.fullmatch(rb"RFB (\d{3})\.(\d{3})\n", banner)
    if not m:
        raise ConnectFailed(f"{c.where} is not a VNC server (it said {banner!r}).",
                            "Check the port: display :N is port 5900+N.")
    version = (int(m.group(1)), int(m.group(2)))
    rfb = f"{version[0]}.{version[1]}"
    if version < (3, 7):  # 3.3: the server picks one type; VeNCrypt needs 3.7+
        c.send(b"RFB 003.003\n")
        (chosen,) = struct.unpack(">I", c.recv(4))
        if chosen == 0:
            raise ConnectFailed(f"{c.where} refused the connection: {c.reason()}", "")
        return Fetched(target.display, rfb, [_name(SECURITY_TYPES, chosen)], stop="no-vencrypt")
    c.send(b"RFB 003.008\n" if version >= (3, 8) else b"RFB 003.007\n")
    (n,) = c.recv(1)
    if n == 0:
        raise ConnectFailed(f"{c.where} refused the connection: {c.reason()}",
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
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Fetch only: the verdict is computed afterwards by openssl + vncssl.verdict. Nothing but
    # verification is relaxed (protocol versions and ciphers stay Python's defaults).
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    # TigerVNC 1.12 rejects an IP literal such as "::1" as SNI: send only DNS names.
    sni = target.host if is_dns_name(target.host) else None
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
    chain_der: List[bytes] = []
    getter = getattr(tls, "get_unverified_chain", None)  # Python 3.13+: the whole chain
    if getter is not None:
        chain_der = [bytes(x) if isinstance(x, (bytes, bytearray)) else x.public_bytes()
                     for x in getter() or []]
    if not chain_der:
        leaf = tls.getpeercert(binary_form=True)
        chain_der = [leaf] if leaf else []
    out.chain_pem = [ssl.DER_cert_to_PEM_cert(d) for d in chain_der]
    cipher = tls.cipher()
    out.tls = {"version": tls.version(), "cipher": cipher[0] if cipher else None,
               "subtype": out.chosen, "sni": sni}


# --- the report ---------------------------------------------------------------------------

@dataclass
class ProbeReport:
    server: str
    rfb_version: str
    security_types: List[str]
    vencrypt_subtypes: List[str]
    tls: Optional[Dict[str, Optional[str]]]
    certificate: Optional[Any]  # certinfo.Inspection (what `vncssl inspect` shows)
    accepted: bool
    problems: List[Any]  # verdict.Problem
    ca: str = ""  # which trust the verdict used (shown to humans; not a JSON key)

    def to_json(self) -> Dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k != "ca"}
        if d["certificate"] is not None:  # the inspect object: no key-file fields here
            d["certificate"].pop("key_file", None)
            d["certificate"].pop("key_matches", None)
        return d


def default_ca(env: Any = os.environ) -> Optional[Path]:
    """The viewer's default X509CA file on this machine, newest layout first."""
    from vncssl import tigervnc

    for modern in (True, False):
        p = Path(tigervnc.locations(modern, env).x509_ca)
        if p.is_file():
            return p
    return None


def _protocol_problem(f: Fetched) -> Any:
    from vncssl.verdict import Problem

    offered = ", ".join(f.security_types) or "nothing"
    if f.stop == "no-vencrypt":
        return Problem("no-tls", f"The server offers no TLS at all (security types: {offered}):"
                       " the connection is not encrypted with a certificate.",
                       "Set SecurityTypes to X509Vnc (or X509Plain) with X509Cert and "
                       "X509Key: `vncssl tigervnc server`.")
    if f.stop == "no-x509":
        anon = [s for s in f.vencrypt_subtypes if s.startswith("TLS")]
        if anon:
            return Problem("anonymous-tls", "The server offers only anonymous TLS ("
                           + ", ".join(anon) + "): encrypted, but there is no certificate, "
                           "so the viewer cannot know who it talks to.",
                           "Offer X509Vnc (or X509Plain) instead: `vncssl tigervnc server`.")
        return Problem("no-tls", "The server offers VeNCrypt without TLS ("
                       + ", ".join(f.vencrypt_subtypes) + ").",
                       "Offer X509Vnc: `vncssl tigervnc server`.")
    if f.stop == "tls-not-ready":
        said = f" The server said: \"{f.detail}\"." if f.detail else ""
        return Problem("tls-setup-failed", f"The server accepted {f.chosen} but could not "
                       "set up TLS (it answered 0): usually X509Cert/X509Key cannot be read, "
                       "the key is encrypted or does not match the certificate." + said,
                       "Check the server log, and `vncssl check CERT --key KEY` on the "
                       "server's files.")
    return Problem("tls-handshake-failed", f"The TLS handshake with {f.server} failed: "
                   f"{f.detail}. The server could not use its certificate or key (a key "
                   "that does not match, a keyUsage without digitalSignature).",
                   "Check the server log, and `vncssl check CERT --key KEY` on the "
                   "server's files.")


def examine(ossl: Any, target_text: str, *, ca: Optional[str] = None,
            timeout: Optional[float] = None, env: Any = os.environ) -> ProbeReport:
    from vncssl import certinfo
    from vncssl.verdict import judge

    if timeout is not None and not timeout > 0:
        raise UsageError(f"--timeout {timeout:g}: must be more than 0 seconds.", "")
    target = parse_target(target_text)
    ca_path = Path(ca) if ca else default_ca(env)
    ca_facts = certinfo.read_chain(ossl, ca_path, timeout=timeout) if ca_path else None
    ca_note = (f"X509CA {ca_path}" + ("" if ca else " (the viewer's default)") + " + system "
               "store") if ca_path else "system trust store only (no X509CA file found)"
    f = fetch(target, timeout=timeout or DEFAULT_TIMEOUT)
    report = ProbeReport(f.server, f.rfb_version, f.security_types, f.vencrypt_subtypes,
                         f.tls, None, False, [], ca_note)
    if f.stop or not f.chain_pem:
        report.problems = [_protocol_problem(f)]
        return report
    chain, inspection = _read_fetched(ossl, f, timeout)
    verdict = judge(ossl, chain, target.host, ca_facts, ca_file=ca_path, timeout=timeout)
    report.certificate, report.accepted, report.problems = inspection, verdict.accepted, \
        verdict.problems
    return report


def _read_fetched(ossl: Any, f: Fetched, timeout: Optional[float]) -> Tuple[List[Any], Any]:
    """The fetched chain as CertFacts (for the verdict) and as the `inspect` object (for the
    report), both read by openssl from a private temp file that is removed at once."""
    import tempfile

    from vncssl import certinfo, files

    with tempfile.TemporaryDirectory(prefix="vncssl-probe-") as tmp:
        path = Path(tmp) / "server-chain.pem"
        files.write_text(path, "".join(f.chain_pem), 0o600)
        chain = certinfo.read_chain(ossl, path, timeout=timeout)
        inspection = certinfo.inspect(ossl, path, timeout=timeout)
    inspection.path = f.server
    return chain, inspection
