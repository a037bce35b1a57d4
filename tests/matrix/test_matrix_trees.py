"""The Debian 11/13 test trees work as the matrix tests need them (tests/matrix/trees.sh).

Skipped when a tree is missing, except under CI. Each test checks that it left no process
running in a tree and nothing mounted inside one."""

from __future__ import annotations

import re
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

import matrix  # tests/matrix is on sys.path: pytest imports this package-free folder's files
import pytest

EXPECT = {  # suite: (TigerVNC, OpenSSL, Python) upstream series
    "bullseye": ("1.11.", "1.1.1", "3.9."),
    "trixie": ("1.15.", "3.5.", "3.13."),
}


@pytest.fixture(params=matrix.SUITES)
def suite(request: pytest.FixtureRequest):
    name = request.param
    matrix.require(name)
    yield name
    deadline = time.monotonic() + 5  # the kernel reaps a finished namespace quickly
    while matrix.processes_in(name) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert matrix.processes_in(name) == [], "a process was left running in the tree"
    assert matrix.mounts_in(name) == [], "a mount was left inside the tree"


def test_stamp_names_the_expected_generations(suite: str) -> None:
    v = matrix.versions(suite)
    tigervnc, openssl, python = EXPECT[suite]
    assert matrix.upstream(v["tigervnc"]).startswith(tigervnc)
    assert matrix.upstream(v["openssl"]).startswith(openssl)
    assert matrix.upstream(v["python"]).startswith(python)
    assert "gnutls" in v and "tigervnc-standalone-server" in v and "xvfb" in v


def test_programs_run_from_the_tree_not_the_host(suite: str) -> None:
    tigervnc, openssl, python = EXPECT[suite]
    r = matrix.run_in(suite, ["openssl", "version"], timeout=30, check=True)
    assert r.stdout.startswith("OpenSSL " + openssl)
    r = matrix.run_in(suite, ["vncviewer", "-h"], timeout=30)
    assert re.search(r"TigerVNC [Vv]iewer (64-bit )?v" + re.escape(tigervnc), r.stderr + r.stdout)
    r = matrix.run_in(suite, ["python3", "--version"], timeout=30, check=True)
    assert r.stdout.startswith("Python " + python)
    # Xvnc is an absolute symlink (-> /etc/alternatives/Xvnc): resolved inside the tree.
    r = matrix.run_in(suite, ["readlink", "-f", "/usr/bin/Xvnc"], timeout=30, check=True)
    assert r.stdout.strip() == "/usr/bin/Xtigervnc"


def test_no_dns_and_localhost_from_hosts(suite: str) -> None:
    assert (matrix.tree(suite) / "etc/resolv.conf").read_text() == ""
    r = matrix.run_in(suite, ["getent", "hosts", "localhost"], timeout=30, check=True)
    assert r.stdout.split()[0] in ("127.0.0.1", "::1")


def test_binds_appear_at_the_same_path_and_env_passes_through(suite: str,
                                                               tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("hello\n")
    r = matrix.run_in(suite, ["sh", "-c", 'cat in.txt; echo "$MATRIX_PROBE" > out.txt'],
                      binds=[tmp_path], cwd=tmp_path, env={"MATRIX_PROBE": "passed"},
                      timeout=30, check=True)
    assert r.stdout == "hello\n"
    assert (tmp_path / "out.txt").read_text() == "passed\n"


def test_timeout_kills_everything_started_inside(suite: str) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        matrix.run_in(suite, ["sh", "-c", "sleep 300 & sleep 300"], timeout=1)
    # the fixture asserts that both sleeps are gone


def _server_cert(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-days", "30", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> list[str]:
    """The addresses with a TCP socket listening on port (the network namespace is shared)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, _, hexport = local.partition(":")
            if state == "0A" and int(hexport, 16) == port:  # 0A: LISTEN
                if len(addr) == 8:
                    found.append(socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr)[::-1]))
                else:
                    found.append(addr)
    return found


def _vencrypt_subtypes(port: int) -> tuple[int, ...]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        version = c.recv(12)
        assert version.startswith(b"RFB 003.")
        c.sendall(b"RFB 003.008\n")
        count = c.recv(1)[0]
        assert 19 in c.recv(count)  # VeNCrypt
        c.sendall(b"\x13")
        assert c.recv(2) == b"\x00\x02"
        c.sendall(b"\x00\x02")
        assert c.recv(1) == b"\x00"
        n = c.recv(1)[0]
        return struct.unpack(f">{n}I", c.recv(4 * n))


def test_trixie_xvnc_serves_x509_and_each_viewer_connects(suite: str, tmp_path: Path) -> None:
    """Xvnc 1.15 (trixie) with X509None on loopback; this suite's viewer, on this suite's
    Xvfb, trusts the certificate through -X509CA and gets through the handshake."""
    matrix.require("trixie")
    cert, key = _server_cert(tmp_path)
    port = _free_port()
    argv = ["Xvnc", "-rfbport", str(port), "-interface", "127.0.0.1", "-SecurityTypes",
            "X509None", "-X509Cert", str(cert), "-X509Key", str(key), "-geometry", "640x480"]
    home = tmp_path / "home"
    home.mkdir()
    with matrix.x_server("trixie", argv, binds=[tmp_path]) as (server, _display):
        assert _listening(port) == ["127.0.0.1"]  # loopback only (-interface)
        assert _vencrypt_subtypes(port) == (260,)  # X509None only
        with matrix.display(suite) as disp:
            viewer = matrix.popen_in(
                suite, ["vncviewer", "-X509CA", str(cert), "-Log", "*:stderr:100",
                        f"127.0.0.1::{port}"],
                binds=[tmp_path], env={"DISPLAY": disp, "HOME": str(home)},
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            with viewer:
                lines: list[str] = []
                reader = threading.Thread(target=lambda: lines.extend(viewer.stderr), daemon=True)
                reader.start()
                deadline = time.monotonic() + 30
                # 1.11 logs "initialisation done", 1.15 "Initialisation done"
                while (time.monotonic() < deadline and viewer.poll() is None
                       and not any("initialisation done" in x.lower() for x in lines)):
                    time.sleep(0.1)
                viewer.stop()
                reader.join(5)
            log = "".join(lines)
            assert "initialisation done" in log.lower(), log[-2000:]
        assert server.poll() is None, "Xvnc ended while the viewer connected"


def _running(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def test_a_process_that_leaves_the_session_still_ends_with_the_run(suite: str) -> None:
    """setsid/daemonising escapes a process group, not the PID namespace: when CMD ends, the
    kernel ends everything it started."""
    marker = f"{300 + time.time() % 1:.6f}"  # a unique `sleep` argument to look for
    r = matrix.run_in(suite, ["sh", "-c", f"setsid sleep {marker} >/dev/null 2>&1 & exit 0"],
                      timeout=30)
    assert r.returncode == 0
    deadline = time.monotonic() + 5
    while _running("sleep\0" + marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _running("sleep\0" + marker) == []
