"""`vncssl doctor` offline: reading server command lines and config files, readability for
another user, the viewer's files, exit codes, output safety. (Against a real Xvnc:
tests/test_doctor_e2e.py.)"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest

from tests import tigervnc_harness as h
from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.commands import doctor_viewer
from vncssl.commands.doctor_checks import error, exit_code, fail, ok, skip
from vncssl.fs import access
from vncssl.tigervnc import servers

posix_root = pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0,
                                reason="needs root to make files of other owners")


def test_parse_server_arguments() -> None:
    argv = ["/usr/bin/Xvnc", ":3", "-SecurityTypes", "X509Vnc,VncAuth", "-x509cert=/a b.pem",
            "--X509Key=/k.pem", "-localhost", "-desktop", "d"]
    assert servers.parse_args(argv) == {"securitytypes": "X509Vnc,VncAuth",
                                        "x509cert": "/a b.pem", "x509key": "/k.pem"}


def test_running_servers_from_proc(tmp_path: Path) -> None:
    def proc(pid: str, argv: list, uid: int) -> None:
        d = tmp_path / pid
        d.mkdir()
        (d / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
        (d / "status").write_text(f"Name:\tx\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n")

    proc("10", ["/usr/bin/Xtigervnc", ":2", "-X509Key", "/k"], 1000)
    proc("11", ["/usr/bin/x0vncserver", "-rfbport=5999"], 0)
    proc("12", ["/usr/bin/bash", "-c", "Xvnc"], 0)
    (tmp_path / "self").mkdir()
    found = servers.running(tmp_path)
    assert [(s.pid, s.port, s.uid) for s in found] == [(10, 5902, 1000), (11, 5999, 0)]
    assert found[0].values == {"x509key": "/k"}
    assert found[0].security_types == "TLSVnc,VncAuth"  # the server's default


def test_parse_config_both_forms() -> None:
    text = ("# x509cert=/not-this\nsecuritytypes=X509Plain\nX509Cert = /c.pem\n"
            "$X509Key = '/k.pem';\n$SecurityTypes = \"X509Vnc\";\ngeometry=800x600\n")
    assert servers.parse_config(text) == {"securitytypes": "X509Vnc", "x509cert": "/c.pem",
                                          "x509key": "/k.pem"}


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder everyone may enter (pytest's own temp folders are 0700)."""
    d = Path(tempfile.mkdtemp(prefix="vncssl-access-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@posix_root
def test_unreadable_reason(open_dir: Path) -> None:
    nobody = access.who(65534)
    folder = open_dir / "f"
    folder.mkdir()
    key = folder / "key.pem"
    key.write_text("x")
    folder.chmod(0o755)
    key.chmod(0o600)
    assert "cannot read" in (access.unreadable_reason(key, nobody) or "")
    assert access.unreadable_reason(key, access.who(0)) is None
    key.chmod(0o644)
    assert access.unreadable_reason(key, nobody) is None
    folder.chmod(0o700)
    assert "cannot enter" in (access.unreadable_reason(key, nobody) or "")
    assert "does not exist" in (access.unreadable_reason(folder / "no.pem", nobody) or "")
    assert "not a regular file" in (access.unreadable_reason(folder, access.who(0)) or "")


def test_exit_codes() -> None:
    good, bad = ok("a", "server", "t"), fail("b", "server", "t", "d", "f")
    broken, skipped = error("c", "probe", "t", "d"), skip("d", "viewer", "t", "d")
    assert exit_code([good, skipped]) == 0
    assert exit_code([good, broken]) == 3
    assert exit_code([broken, bad]) == 1


def test_config_file_is_checked(tmp_path: Path) -> None:
    a = h.make_selfsigned(tmp_path, "127.0.0.1", "IP:127.0.0.1", name="a")
    b = h.make_selfsigned(tmp_path, "127.0.0.1", "IP:127.0.0.1", name="b")
    cfg = tmp_path / "config"
    cfg.write_text(f"securitytypes=VncAuth\nx509cert={a.cert}\nx509key={b.key}\n")
    r = CliRunner().invoke(app, ["doctor", "--config", str(cfg), "--side", "server", "--json"])
    assert r.exit_code == 1, r.output
    checks = {c["id"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["security-types"]["code"] == "no-x509-type"
    assert checks["key-matches"]["code"] == "key-mismatch"
    assert str(cfg) in checks["server"]["detail"]


def test_config_file_right_setup_and_names(tmp_path: Path) -> None:
    a = h.make_selfsigned(tmp_path, "127.0.0.1", "IP:127.0.0.1", name="a")
    cfg = tmp_path / "config"
    cfg.write_text(f"securitytypes=X509Vnc\nx509cert={a.cert}\nx509key={a.key}\n")
    r = CliRunner().invoke(app, ["doctor", "--config", str(cfg), "--side", "server", "--json"])
    checks = {c["id"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["key-matches"]["status"] == "ok"
    assert checks["security-types"]["status"] == checks["weak-types"]["status"] == "ok"
    assert checks["cert-expiry"]["status"] == "ok"
    # 127.0.0.1 is not one of this machine's LAN addresses: "names this server" fails
    assert checks["cert-names"]["status"] == "fail"
    assert checks["cert-names"]["code"] == "hostname-mismatch"


def test_output_never_renders_markup_from_files(tmp_path: Path) -> None:
    cfg = tmp_path / "config"
    cfg.write_text("securitytypes=X509Vnc\nx509cert=/nowhere/[bold]x.pem\nx509key=/k\n")
    r = CliRunner().invoke(app, ["doctor", "--config", str(cfg), "--side", "server"])
    assert r.exit_code == 1
    assert "/nowhere/[bold]x.pem does not exist" in r.stdout


def test_viewer_files_follow_the_generation(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from vncssl.tigervnc import generations

    env = {"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "")}
    monkeypatch.setattr(generations, "installed_version", lambda *a, **k: ("1.14", "vncviewer"))
    f = doctor_viewer.viewer_files(env)
    assert f.modern and f.x509_ca == tmp_path / ".config/tigervnc/x509_ca.pem"
    assert f.known_hosts == tmp_path / ".local/state/tigervnc/x509_known_hosts"
    (tmp_path / ".vnc").mkdir()  # 1.14+ fall back to ~/.vnc when only it exists
    f = doctor_viewer.viewer_files(env)
    assert f.x509_ca == tmp_path / ".vnc/x509_ca.pem"
    assert f.known_hosts == tmp_path / ".vnc/x509_known_hosts"
    (tmp_path / ".vnc" / "default.tigervnc").write_text(
        "TigerVNC Configuration file Version 1.0\nX509CA=/srv/ca.pem\n")
    assert doctor_viewer.viewer_files(env).x509_ca == Path("/srv/ca.pem")
    monkeypatch.setattr(generations, "installed_version", lambda *a, **k: ("1.12", "vncviewer"))
    (tmp_path / ".config/tigervnc").mkdir(parents=True)
    assert doctor_viewer.viewer_files(env).x509_crl == tmp_path / ".vnc/x509_crl.pem"


def test_known_hosts_check(tmp_path: Path) -> None:
    der = b"\x30\x03\x02\x01\x05"
    pem = "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(der).decode() + \
          "\n-----END PUBLIC KEY-----\n"
    kh = tmp_path / "x509_known_hosts"
    kh.write_text(f"|g0|127.0.0.1|*|0|{base64.b64encode(der).decode()}\n")
    f = SimpleNamespace(known_hosts=kh)
    leaf = SimpleNamespace(public_key_pem=pem)
    assert doctor_viewer.check_known_hosts(f, "127.0.0.1", leaf, False).code == \
        "exception-hides-problem"
    assert doctor_viewer.check_known_hosts(f, "127.0.0.1", leaf, True).status == "ok"
    other = SimpleNamespace(public_key_pem=pem.replace(base64.b64encode(der).decode(),
                                                       base64.b64encode(b"\x30\x00").decode()))
    assert doctor_viewer.check_known_hosts(f, "127.0.0.1", other, True).code == \
        "known-host-changed"
    assert doctor_viewer.check_known_hosts(f, "10.0.0.1", leaf, False).status == "ok"


def test_bad_input_is_exit_2() -> None:
    assert CliRunner().invoke(app, ["doctor", "not a host"]).exit_code == 2
    assert CliRunner().invoke(app, ["doctor", "--side", "moon"]).exit_code == 2


def test_rendering_neutralises_text_from_servers_and_files(capsys: pytest.CaptureFixture
                                                          ) -> None:
    from vncssl.cli.doctor import _render
    from vncssl.commands.doctor import DoctorReport

    said = 'The server said: "\x1b[2J[red]boom[/red]\x07".'
    _render(DoctorReport("h::5900", [fail("probe", "probe", "Probe", said, "[bold]x\x1b]0;t")]))
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "[red]boom[/red]" in out and "[bold]x" in out


@posix_root
def test_user_option_judges_readability_for_that_user(open_dir: Path) -> None:
    a = h.make_selfsigned(open_dir, "127.0.0.1", "IP:127.0.0.1", name="a")
    a.cert.chmod(0o644)
    a.key.chmod(0o600)  # root's
    cfg = open_dir / "config"
    cfg.write_text(f"securitytypes=X509Vnc\nx509cert={a.cert}\nx509key={a.key}\n")
    argv = ["doctor", "--config", str(cfg), "--side", "server", "--json"]
    as_root = {c["id"]: c for c in json.loads(CliRunner().invoke(app, argv).stdout)["checks"]}
    assert as_root["key-file"]["status"] == "ok"
    r = CliRunner().invoke(app, [*argv, "--user", "nobody"])
    checks = {c["id"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["key-file"]["code"] == "key-file-unreadable"
    assert checks["key-file"]["fix"].startswith("chown nobody ")
    assert checks["cert-file"]["status"] == "ok"
    assert CliRunner().invoke(app, [*argv, "--user", "no-such-user-here"]).exit_code == 2
