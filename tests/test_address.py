"""Addresses read as TigerVNC reads them (issue 14, item 10): every vector of TigerVNC's own
tests/unit/hostport.cxx, then what vncssl adds (port range, a host it can connect to) and
the viewer commands it prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from vncssl.errors import UsageError
from vncssl.tigervnc.address import get_host_and_port, parse_target, viewer_argument

# TigerVNC tests/unit/hostport.cxx, in its order: (typed, host, port).
HOSTPORT_CXX = [
    (":5", "localhost", 5905),
    ("1.2.3.4", "1.2.3.4", 5900),
    ("1.2.3.4:5", "1.2.3.4", 5905), ("1.2.3.4:99", "1.2.3.4", 5999),
    ("1.2.3.4:100", "1.2.3.4", 100), ("1.2.3.4:5901", "1.2.3.4", 5901),
    ("1.2.3.4::5", "1.2.3.4", 5), ("1.2.3.4::99", "1.2.3.4", 99),
    ("1.2.3.4::5901", "1.2.3.4", 5901),
    ("[1.2.3.4]", "1.2.3.4", 5900), ("[1.2.3.4]:5", "1.2.3.4", 5905),
    ("[1.2.3.4]:100", "1.2.3.4", 100), ("[1.2.3.4]::5", "1.2.3.4", 5),
    ("[1.2.3.4]::100", "1.2.3.4", 100),
    ("::1", "localhost", 1),  # "Ambiguous. For now we'll keep the old behaviour..."
    ("2001:1234::20:1", "2001:1234::20:1", 5900),
    ("[::1]", "::1", 5900), ("[2001:1234::20:1]", "2001:1234::20:1", 5900),
    ("[2001:1234::20:1]:5", "2001:1234::20:1", 5905),
    ("[2001:1234::20:1]:99", "2001:1234::20:1", 5999),
    ("[2001:1234::20:1]:100", "2001:1234::20:1", 100),
    ("[2001:1234::20:1]:5901", "2001:1234::20:1", 5901),
    ("    1.2.3.4    ", "1.2.3.4", 5900), ("    1.2.3.4:5901    ", "1.2.3.4", 5901),
    ("    1.2.3.4:   5901    ", "1.2.3.4", 5901),
    ("    1.2.3.4    :5901    ", "1.2.3.4", 5901),
    ("    [1.2.3.4]:5902    ", "1.2.3.4", 5902), ("    :5903    ", "localhost", 5903),
    ("    ::4    ", "localhost", 4), ("    [::1]    ", "::1", 5900),
    ("    2001:1234::20:1    ", "2001:1234::20:1", 5900),
    ("    [2001:1234::20:1]    ", "2001:1234::20:1", 5900),
    ("    [2001:1234::20:1]:5905    ", "2001:1234::20:1", 5905),
]


@pytest.mark.parametrize("typed, host, port", HOSTPORT_CXX)
def test_tigervnc_hostport_vectors(typed: str, host: str, port: int) -> None:
    assert get_host_and_port(typed) == (host, port)
    t = parse_target(typed)
    assert (t.host, t.port) == (host, port)


def test_all_the_vectors_are_here() -> None:
    assert len(HOSTPORT_CXX) == 33


@pytest.mark.parametrize("typed, host, port", [
    ("::5900", "localhost", 5900),  # never the IPv6 address ::5900
    ("fd00::5", "fd00", 5), ("fe80::1", "fe80", 1), ("vnc.lan:", "vnc.lan", 5900),
    ("[fd00::5]::5901", "fd00::5", 5901), ("vnc.lan:+1", "vnc.lan", 5901),
    ("[vnc.lan]:1", "vnc.lan", 5901),  # brackets are not only for IPv6 ([1.2.3.4] too)
])
def test_consequences_of_the_same_rules(typed: str, host: str, port: int) -> None:
    t = parse_target(typed)
    assert (t.host, t.port) == (host, port)


@pytest.mark.parametrize("typed", ["[::1", "host:x", "host::", "host::70000", "a b",
                                   "[::1]x", "vnc.lan:-5900"])
def test_refused(typed: str) -> None:
    with pytest.raises(UsageError):
        parse_target(typed)


@pytest.mark.parametrize("host, port", [("fd00::5", 5900), ("::1", 5901), ("10.0.0.1", 5),
                                        ("vnc.lan", 5900)])
def test_viewer_argument_reads_back(host: str, port: int) -> None:
    arg = viewer_argument(host, port)
    assert get_host_and_port(arg) == (host, port)
    assert ":" not in host or arg.startswith("[")


def test_printed_viewer_commands_bracket_ipv6(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import shlex
    import subprocess

    from tests.clirunner import CliRunner
    from vncssl.cli import app

    cert = tmp_path / "v6.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(tmp_path / "k.pem"),
                    "-out", str(cert), "-subj", "/CN=v6", "-days", "2", "-addext",
                    "subjectAltName=IP:fd00::5", "-config", _bare_cnf(tmp_path)], check=True,
                   capture_output=True)
    r = CliRunner().invoke(app, ["tigervnc", "viewer", "--cert", str(cert)])
    assert r.exit_code == 0, r.output
    line = next(ln for ln in r.output.splitlines() if ln.startswith("vncviewer "))
    assert shlex.split(line)[-1] == "[fd00::5]"  # bare fd00::5 would be host fd00, port 5
    assert get_host_and_port(shlex.split(line)[-1]) == ("fd00::5", 5900)
    other = tmp_path / "other.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(tmp_path / "k2.pem"),
                    "-out", str(other), "-subj", "/CN=o", "-days", "2", "-config",
                    _bare_cnf(tmp_path)],
                   check=True, capture_output=True)
    r = CliRunner().invoke(app, ["check", str(cert), "--host", "[fd00::5]", "--ca", str(other),
                                 "--json"])
    fix = json.loads(r.stdout)["problems"][0]["fix"]
    command = fix.split("`")[1]
    assert shlex.split(command)[-1] == "[fd00::5]", fix


def test_create_and_guide_print_the_viewer_command_bracketed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shlex
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "vncssl", "create", "--ip", "fd00::5", "--yes"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if "vncviewer -X509CA" in ln)
    # printed as-is, not eaten as Rich markup; on a line of its own (cli/prose.py)
    command = line.split("`")[1] if "`" in line else line.strip()
    assert shlex.split(command)[-1] == "[fd00::5]"


def _bare_cnf(folder: Path) -> str:
    """An empty config but for what OpenSSL 1.1.1's req insists on ([req] distinguished_name)."""
    cnf = folder / "bare.cnf"
    cnf.write_text("[req]\ndistinguished_name = dn\n[dn]\n")
    return str(cnf)
