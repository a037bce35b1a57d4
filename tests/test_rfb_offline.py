"""probe's network edge, offline (issue 14, items 9 and 11): names of every registered type,
name resolution inside the deadline, a server that wants TLS before RFB."""

from __future__ import annotations

import socket
import threading

import pytest

from vncssl.errors import ConnectFailed
from vncssl.net import resolve
from vncssl.tigervnc import rfb
from vncssl.tigervnc.address import parse_target


def test_registered_types_are_named() -> None:
    assert rfb._name(rfb.SECURITY_TYPES, 18) == "TLS"
    assert rfb._name(rfb.SUBTYPES, 2) == "VncAuth" and rfb._name(rfb.SUBTYPES, 1) == "None"
    assert rfb._name(rfb.SECURITY_TYPES, 9) == "RealVNC(9)"
    assert rfb._name(rfb.SECURITY_TYPES, 31) == "Apple(31)"
    assert rfb._name(rfb.SECURITY_TYPES, 99) == "unknown(99)"


def test_a_silent_resolver_does_not_outwait_the_deadline(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    release = threading.Event()

    def silent(*_a: object, **_k: object) -> list:
        release.wait(60)  # a resolver that never answers (until the test ends)
        raise socket.gaierror("gave up")

    monkeypatch.setattr(socket, "getaddrinfo", silent)
    try:
        with pytest.raises(ConnectFailed, match="did not resolve within 0.3 s"):
            resolve.resolve("vnc.lan", 5900, 0.3)
    finally:
        release.set()


def test_probe_of_colon_colon_port_goes_to_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = []

    def record(host: str, port: int, **_k: object) -> list:
        asked.append((host, port))
        raise socket.gaierror("stop here")

    monkeypatch.setattr(socket, "getaddrinfo", record)
    with pytest.raises(ConnectFailed):
        rfb.fetch(parse_target("::5900"), timeout=2)
    assert asked == [("localhost", 5900)]  # never the IPv6 address ::5900


def test_a_server_that_wants_tls_first_gets_a_hint() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    held = []
    threading.Thread(target=lambda: held.append(srv.accept()), daemon=True).start()
    try:
        with pytest.raises(ConnectFailed) as err:
            rfb.fetch(parse_target(f"127.0.0.1::{srv.getsockname()[1]}"), timeout=0.5)
        assert "no VNC greeting" in err.value.message and "-sslonly" in err.value.fix
    finally:
        srv.close()
