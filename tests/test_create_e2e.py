"""`vncssl create` against the real TigerVNC: the viewer, given the certificate as X509CA,
connects to the name in the certificate without a word, and stops at any other name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import tigervnc_harness as h

pytestmark = pytest.mark.tigervnc


def vncssl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vncssl", *args], cwd=cwd, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=120)


@pytest.fixture(scope="module")
def display() -> str:
    h.require_tigervnc()
    return h.shared_xvfb()


@pytest.mark.parametrize("key_type", ["rsa", "ec", "ed25519"])
def test_viewer_accepts_created_cert_and_refuses_other_address(
        tmp_path: Path, display: str, key_type: str, viewer: h.Install) -> None:
    made = vncssl("create", "--ip", "127.0.0.1", "--key-type", key_type, "--yes", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    cert, key = tmp_path / "vnc-server.pem", tmp_path / "vnc-server-private.pem"
    with h.xvnc_server(cert, key, listen=("127.0.0.1", "127.0.0.2")) as srv:
        ok = h.run_viewer("127.0.0.1", srv.port, x509ca=cert, display=display, server=srv,
                          install=viewer)
        assert ok.kind == "connected", ok
        other = h.run_viewer("127.0.0.2", srv.port, x509ca=cert, display=display, server=srv,
                             install=viewer)
        assert other.kind != "connected", other
        assert other.prompt_title == "Certificate hostname mismatch", other


def test_guide_setup_with_x509vnc_and_a_password(tmp_path: Path, display: str,
                                                 viewer: h.Install) -> None:
    """The guide's server setting ("TLS with X.509 certificates" + a VNC password)."""
    made = vncssl("create", "--ip", "127.0.0.1", "--yes", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    cert, key = tmp_path / "vnc-server.pem", tmp_path / "vnc-server-private.pem"
    pw = h.make_vnc_password_file(tmp_path / "passwd")
    with h.xvnc_server(cert, key, security_types="X509Vnc", passwd_file=pw) as srv:
        out = h.run_viewer("127.0.0.1", srv.port, x509ca=cert, display=display,
                           security_types="X509Vnc", passwd_file=pw, server=srv,
                           install=viewer)
        assert out.kind == "connected", out


def test_dns_name_cert_connects_by_that_name(tmp_path: Path, display: str,
                                             viewer: h.Install) -> None:
    made = vncssl("create", "--dns", "localhost", "--yes", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    cert, key = tmp_path / "vnc-server.pem", tmp_path / "vnc-server-private.pem"
    with h.xvnc_server(cert, key) as srv:
        assert h.run_viewer("localhost", srv.port, x509ca=cert, display=display,
                            server=srv, install=viewer).kind == "connected"
        by_ip = h.run_viewer("127.0.0.1", srv.port, x509ca=cert, display=display, server=srv,
                             install=viewer)
        assert by_ip.prompt_title == "Certificate hostname mismatch", by_ip
