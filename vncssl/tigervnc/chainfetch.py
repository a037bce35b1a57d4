"""The whole certificate chain a server sends, on every supported Python.

`ssl.SSLSocket.get_unverified_chain()` is public from Python 3.13 and exists privately on the
`_sslobj` of 3.10-3.12; Python 3.9 has only `getpeercert()`, the leaf alone. There the TLS
handshake is handed to `openssl s_client -showcerts` through a loopback relay: s_client
connects to a listener on 127.0.0.1 whose bytes are pumped to and from the server socket
(already past the VeNCrypt negotiation), so openssl sees exactly what the viewer would.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
from typing import Dict, List, Optional, Tuple

from vncssl.openssl import runner

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)
MAX_CHAIN = 16  # certificates; a longer "chain" is not something a viewer would build


def python_has_chain() -> bool:
    return hasattr(ssl.SSLSocket, "get_unverified_chain") or hasattr(
        getattr(ssl, "_ssl", None), "Certificate")


def python_chain(tls: ssl.SSLSocket) -> Optional[List[bytes]]:
    """DER of every certificate the server sent, or None when this Python cannot say."""
    getter = getattr(tls, "get_unverified_chain", None)
    if getter is None:
        getter = getattr(getattr(tls, "_sslobj", None), "get_unverified_chain", None)
    if getter is None:
        return None
    chain = getter() or []
    return [bytes(c) if isinstance(c, (bytes, bytearray)) else
            c.public_bytes(ssl._ssl.ENCODING_DER)  # type: ignore[attr-defined]
            for c in chain[:MAX_CHAIN]]


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            chunk = src.recv(65536)
            if not chunk:
                break
            dst.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


def s_client_chain(openssl: str, server: socket.socket, sni: Optional[str], timeout: float
                   ) -> Tuple[List[str], Dict[str, Optional[str]], str]:
    """(PEM chain, {"version", "cipher"}, error text) from `openssl s_client -showcerts`
    run against `server` through a loopback relay. Error text is "" on a handshake."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(timeout)
    port = listener.getsockname()[1]
    server.settimeout(None)
    relayed: List[socket.socket] = []

    def accept() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        relayed.append(conn)
        back = threading.Thread(target=_pump, args=(server, conn), daemon=True)
        back.start()
        _pump(conn, server)

    relay = threading.Thread(target=accept, daemon=True)
    relay.start()
    argv = [openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-showcerts", "-cipher",
            "DEFAULT:@SECLEVEL=0"]
    argv += ["-servername", sni] if sni else ["-noservername"]
    try:
        result = runner.run(argv, timeout=timeout, check=False, what="openssl s_client")
    finally:
        listener.close()
        for s in relayed:
            with contextlib.suppress(OSError):
                s.close()
    out = result.stdout
    pems = [m.group(0) + "\n" for m in _PEM.finditer(out)][:MAX_CHAIN]
    # "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384" comes with every handshake; the
    # SSL-Session block only when a session was saved.
    new = re.search(r"^New, (\S+), Cipher is (\S+)", out, re.M)
    version = new or re.search(r"^\s*Protocol\s*:\s*(\S+)", out, re.M)
    cipher_text = new.group(2) if new else None
    if cipher_text is None:
        found = re.search(r"^\s*Cipher\s*:\s*(\S+)", out, re.M)
        cipher_text = found.group(1) if found else None
    info = {"version": version.group(1) if version else None, "cipher": cipher_text}
    if not pems:
        said = (result.stderr or out).strip().splitlines()
        return [], info, said[-1] if said else "openssl s_client saw no certificate"
    return pems, info, ""
