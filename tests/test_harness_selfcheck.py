"""Self-check of tests/tigervnc_harness.py against the real Xvnc and vncviewer.

Each case uses certificates made with the bare openssl binary (not vncssl), so a
failure here is a harness or environment problem, never a vncssl bug. The
expectations are what Debian 12's TigerVNC 1.12 does (see the harness docstring).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import tigervnc_harness as h

GNUTLS_CERT_EXPIRED = 1 << 10


@pytest.fixture(scope="module")
def display() -> str:
    h.require_tigervnc()
    return h.shared_xvfb()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory, display: str) -> dict[str, h.CertFiles]:
    d = tmp_path_factory.mktemp("certs")
    not_before, not_after = h.expired_window()
    return {
        "good": h.make_selfsigned(d, "vnc.test", "IP:127.0.0.1"),
        "other": h.make_selfsigned(d, "other.test", "IP:127.0.0.1"),
        "expired": h.make_cert_with_dates(
            d, "expired.test", not_before=not_before, not_after=not_after, san="IP:127.0.0.1"
        ),
    }


@pytest.fixture(scope="module")
def server(certs: dict[str, h.CertFiles]) -> Iterator[h.Server]:
    # Reachable as 127.0.0.1 (Xvnc itself) and 127.0.0.2 (relay), same cert.
    good = certs["good"]
    with h.xvnc_server(good.cert, good.key, listen=("127.0.0.1", "127.0.0.2")) as srv:
        yield srv


@pytest.mark.tigervnc
def test_ip_san_matches_host_connects(server: h.Server, certs: dict[str, h.CertFiles]) -> None:
    out = h.run_viewer("127.0.0.1", server.port, x509ca=certs["good"].cert, server=server)
    assert out.kind == "connected", out
    assert out.prompts == []
    # The server got the ClientInit (it then drops other, non-shared clients):
    # only a viewer that accepted the certificate gets this far.
    assert "VNCServerST: non-shared connection - closing clients" in out.server_messages


@pytest.mark.tigervnc
def test_other_loopback_address_is_hostname_mismatch(
    server: h.Server, certs: dict[str, h.CertFiles]
) -> None:
    out = h.run_viewer("127.0.0.2", server.port, x509ca=certs["good"].cert)
    assert out.kind == "prompt", out
    assert out.prompt_title == "Certificate hostname mismatch"
    assert "TLS: hostname mismatch" in out.messages
    assert out.prompt_text == (
        "Hostname (127.0.0.2) does not match the server certificate, do you want to continue?"
    )


@pytest.mark.tigervnc
def test_untrusted_cert_is_unknown_issuer(server: h.Server, certs: dict[str, h.CertFiles]) -> None:
    out = h.run_viewer("127.0.0.1", server.port, x509ca=certs["other"].cert)
    assert out.kind == "prompt", out
    assert out.prompt_title == "Unknown certificate issuer"
    assert "TLS: server cert signer not found" in out.messages
    assert out.prompt_text is not None
    assert "subject `CN=vnc.test'" in out.prompt_text


@pytest.mark.tigervnc
def test_expired_cert_is_refused(certs: dict[str, h.CertFiles]) -> None:
    expired = certs["expired"]
    with h.xvnc_server(expired.cert, expired.key) as srv:
        out = h.run_viewer("127.0.0.1", srv.port, x509ca=expired.cert)
    if h.viewer_version() >= (1, 13):
        # Newer viewers turn expiry into a question; not verified here (1.12 only).
        assert out.kind in ("prompt", "refused"), out
        return
    # 1.12 refuses outright, no question.
    assert out.kind == "refused", out
    assert out.reason == "Invalid status of server certificate verification"
    assert out.gnutls_status is not None and out.gnutls_status & GNUTLS_CERT_EXPIRED
    assert out.prompts == []


@pytest.mark.tigervnc
def test_nothing_listening_is_error(display: str) -> None:
    out = h.run_viewer("127.0.0.1", h.find_free_port(), x509ca=None)
    assert out.kind == "error", out
    assert "Connection refused" in out.reason


@pytest.mark.tigervnc
def test_accepted_exception_is_remembered_in_home(
    server: h.Server, certs: dict[str, h.CertFiles], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    first = h.run_viewer(
        "127.0.0.1", server.port, x509ca=certs["other"].cert, home=home, answer="yes"
    )
    assert first.kind == "connected", first
    assert first.prompts == ["Unknown certificate issuer"]
    assert (home / ".vnc" / "x509_known_hosts").is_file()
    again = h.run_viewer("127.0.0.1", server.port, x509ca=certs["other"].cert, home=home)
    assert again.kind == "connected", again
    assert "TLS: Server certificate found in known hosts file" in again.messages


@pytest.mark.parametrize("ci", [None, "true"])
def test_missing_binaries_skip_locally_and_fail_under_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str | None
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match="no-such-vnc-binary"):
        h.require_tigervnc(["no-such-vnc-binary"])
