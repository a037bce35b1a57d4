"""`vncssl tigervnc server|viewer`: the settings as text, --write merges on temp config dirs,
--install into a temp HOME (real openssl makes and reads the certificates), probe input."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
from pathlib import Path
from typing import List

import pytest

from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.tigervnc import generations, server
from vncssl.tigervnc.address import parse_target

runner = CliRunner()


def make_cert(openssl_bin: str, folder: Path, name: str, cn: str, san: str) -> Path:
    cert, key = folder / f"{name}.pem", folder / f"{name}-key.pem"
    subprocess.run([openssl_bin, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-keyout", str(key),
                    "-out", str(cert), "-subj", f"/CN={cn}", "-addext",
                    f"subjectAltName={san}"], check=True, capture_output=True)
    return cert


def fingerprint(openssl_bin: str, pem: Path) -> List[str]:
    """SHA-256 fingerprints of every certificate in a PEM file, read back with openssl."""
    out = []
    for block in pem.read_text().split("-----END CERTIFICATE-----")[:-1]:
        text = block + "-----END CERTIFICATE-----\n"
        r = subprocess.run([openssl_bin, "x509", "-noout", "-fingerprint", "-sha256"],
                           input=text, capture_output=True, text=True, check=True)
        out.append(r.stdout.strip().split("=", 1)[1].upper())
    return out


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("HOME", str(h))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return h


# --- server -------------------------------------------------------------------------------

def test_server_config_lines_use_absolute_paths(home: Path, tmp_path: Path) -> None:
    os.chdir(tmp_path)
    r = runner.invoke(app, ["tigervnc", "server", "--tigervnc-version", "1.14"])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "securitytypes=X509Vnc",
        f"x509cert={tmp_path / 'vnc-server.pem'}",
        f"x509key={tmp_path / 'vnc-server-private.pem'}",
    ]
    assert str(home / ".config/tigervnc/config") in r.stderr
    assert "must include an X509 type" in r.stderr
    assert "queryconnect=1 and queryconnecttimeout=10" in r.stderr


def test_server_xvnc_args_are_one_copy_pasteable_line(tmp_path: Path) -> None:
    cert, key = tmp_path / "my cert.pem", tmp_path / "key.pem"
    r = runner.invoke(app, ["tigervnc", "server", "--format", "xvnc", "--cert", str(cert),
                            "--key", str(key), "--security-types", "x509plain,X509Vnc"])
    assert r.exit_code == 0, r.output
    assert len(r.stdout.splitlines()) == 1
    assert shlex.split(r.stdout) == ["-SecurityTypes", "X509Plain,X509Vnc", "-X509Cert",
                                     str(cert), "-X509Key", str(key)]


def test_server_config_pl_is_perl(home: Path) -> None:
    s = server.server_settings("/srv/it's.pem", "/srv/k.pem", fmt="config-pl",
                                        version="1.14")
    assert s.text == ("$SecurityTypes = 'X509Vnc';\n$X509Cert = '/srv/it\\'s.pem';\n"
                      "$X509Key = '/srv/k.pem';\n")
    assert s.target == str(home / ".config/tigervnc/config.pl")
    old = server.server_settings("/a.pem", "/b.pem", fmt="config-pl", version="1.12")
    assert old.target == str(home / ".vnc/tigervnc.conf")


@pytest.mark.parametrize("types", ["VncAuth", "TLSVnc,VncAuth", "None"])
def test_server_refuses_types_without_x509(types: str) -> None:
    r = runner.invoke(app, ["tigervnc", "server", "--security-types", types])
    assert r.exit_code == 2
    assert "no X509 type" in r.stderr and "X509Vnc" in r.stderr


def test_server_unknown_type_and_format_are_usage_errors() -> None:
    assert runner.invoke(app, ["tigervnc", "server", "--security-types", "X509Foo"]
                         ).exit_code == 2
    assert runner.invoke(app, ["tigervnc", "server", "--format", "ini"]).exit_code == 2
    r = runner.invoke(app, ["tigervnc", "server", "--format", "xvnc", "--write"])
    assert r.exit_code == 2 and "--write works with" in r.stderr


def test_server_warns_about_non_x509_types(tmp_path: Path) -> None:
    r = runner.invoke(app, ["tigervnc", "server", "--security-types", "X509Vnc,TLSVnc,VncAuth",
                            "--cert", str(tmp_path / "c.pem"), "--key", str(tmp_path / "k.pem")])
    assert r.exit_code == 0
    assert "also offers TLSVnc, VncAuth" in r.stderr


def test_server_windows_steps_and_reg() -> None:
    r = runner.invoke(app, ["tigervnc", "server", "--format", "windows", "--cert",
                            r"C:\My Files\vnc-server.pem", "--key", r"C:\vnc\key.pem"])
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "TLS with X.509 certificates, and uncheck None and Anonymous TLS" in out
    assert r"browse to C:\My Files\vnc-server.pem" in out
    assert r"[HKEY_LOCAL_MACHINE\SOFTWARE\TigerVNC\WinVNC4]" in out
    assert '"SecurityTypes"="X509Vnc"' in out
    assert r'"X509Cert"="C:\\My Files\\vnc-server.pem"' in out
    assert r'"X509Key"="C:\\vnc\\key.pem"' in out
    assert "spaces" in r.stderr
    s = server.server_settings(r"C:\vnc\c.pem", r"C:\vnc\k.pem", fmt="windows")
    assert s.reg is not None and s.reg.startswith("Windows Registry Editor Version 5.00\r\n")
    assert not [n for n in s.notices if n.code == "PATH_SPACES"]


def test_write_merges_into_existing_config(home: Path, tmp_path: Path) -> None:
    cfg = home / ".vnc" / "config"
    cfg.parent.mkdir()
    original = ("# my settings\ngeometry=1920x1080\nSecurityTypes = VncAuth\nlocalhost\n"
                "x509cert=/old.pem\nX509Cert=/older.pem\n")
    cfg.write_text(original)
    cfg.chmod(0o640)
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    r = runner.invoke(app, ["tigervnc", "server", "--write", "--cert", str(cert), "--key",
                            str(key), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["written"] == str(cfg)  # ~/.vnc exists: the pre-1.14 layout
    assert cfg.read_text() == ("# my settings\ngeometry=1920x1080\nsecuritytypes=X509Vnc\n"
                               f"localhost\nx509cert={cert}\n# added by vncssl\n"
                               f"x509key={key}\n")
    assert Path(data["backup"]).read_text() == original
    assert oct(cfg.stat().st_mode & 0o777) == "0o640"
    assert not list(cfg.parent.glob(".vncssl-*"))


def test_write_creates_config_pl_and_keeps_1_last(home: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["tigervnc", "server", "--format", "config-pl", "--write",
                            "--tigervnc-version", "1.14", "--cert", str(tmp_path / "c.pem"),
                            "--key", str(tmp_path / "k.pem")])
    assert r.exit_code == 0, r.output
    pl = home / ".config/tigervnc/config.pl"
    text = pl.read_text()
    assert text.startswith("# added by vncssl\n$SecurityTypes = 'X509Vnc';\n")
    assert text.endswith("1;\n")
    assert "previous version" not in r.stdout
    merged = server.merge_config(
        "$localhost = \"no\";\n$SecurityTypes = \"VncAuth\";\n1;\n",
        {"SecurityTypes": "X509Vnc", "X509Cert": "/c"}, perl=True)
    assert merged == ("$localhost = \"no\";\n$SecurityTypes = 'X509Vnc';\n"
                      "# added by vncssl\n$X509Cert = '/c';\n1;\n")


def test_write_refuses_a_symlinked_config(home: Path, tmp_path: Path) -> None:
    real = tmp_path / "real-config"
    real.write_text("geometry=800x600\n")
    (home / ".vnc").mkdir()
    (home / ".vnc" / "config").symlink_to(real)
    r = runner.invoke(app, ["tigervnc", "server", "--write"])
    assert r.exit_code == 2 and "symbolic link" in r.stderr
    assert real.read_text() == "geometry=800x600\n"


def test_generation_from_folders_and_windows_paths(home: Path) -> None:
    assert generations.generation(None).modern
    (home / ".vnc").mkdir()
    assert not generations.generation(None).modern
    (home / ".config/tigervnc").mkdir(parents=True)
    assert generations.generation(None).modern
    win = {"APPDATA": r"C:\Users\Jo Doe\AppData\Roaming"}
    assert generations.locations(True, win, "win32").x509_ca == \
        r"C:\Users\Jo Doe\AppData\Roaming\TigerVNC\x509_ca.pem"
    assert generations.locations(False, win, "win32").x509_ca == \
        r"C:\Users\Jo Doe\AppData\Roaming\vnc\x509_ca.pem"
    with pytest.raises(Exception, match="not a version"):
        generations.generation("latest")


# --- viewer -------------------------------------------------------------------------------

def test_viewer_cli_and_config_forms(openssl_bin: str, tmp_path: Path, home: Path) -> None:
    folder = tmp_path / "my certs"
    folder.mkdir()
    cert = make_cert(openssl_bin, folder, "srv", "192.168.1.5", "IP:192.168.1.5")
    r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(cert)])
    assert r.exit_code == 0, r.output
    assert shlex.split(r.stdout.strip()) == ["vncviewer", "-X509CA", str(cert), "192.168.1.5"]
    r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(cert), "--format", "config",
                            "--host", "vnc.example.com", "--tigervnc-version", "1.12"])
    assert r.stdout.splitlines() == ["TigerVNC Configuration file Version 1.0", "",
                                     "ServerName=vnc.example.com", f"X509CA={cert}"]
    assert str(home / ".vnc/default.tigervnc") in r.stderr


def test_viewer_windows_warns_on_spaces(openssl_bin: str, tmp_path: Path) -> None:
    folder = tmp_path / "My Documents"
    folder.mkdir()
    cert = make_cert(openssl_bin, folder, "vnc-server", "192.168.1.5", "IP:192.168.1.5")
    r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(cert), "--format", "windows"])
    assert r.exit_code == 0, r.output
    assert "vncviewer.exe -X509CA=vnc-server.pem 192.168.1.5" in r.stdout
    assert "Path to X509 CA certificate\" type vnc-server.pem" in r.stdout
    assert "spaces or quotes" in r.stderr and "next to vncviewer.exe" in r.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    cert2 = make_cert(openssl_bin, plain, "vnc-server", "192.168.1.5", "IP:192.168.1.5")
    r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(cert2), "--format", "windows"])
    assert "spaces" not in r.stderr


def _renewed_with_same_key(tmp_path: Path, cert: Path, name: str) -> Path:
    """The real `vncssl renew --reuse-key` of `cert`; returns the renewal (cert keeps the
    original, as a viewer's old copy would)."""
    import shutil

    work = tmp_path / f"renew-{name}"
    work.mkdir()
    shutil.copy(cert, work / "c.pem")
    shutil.copy(cert.with_name(cert.stem + "-key.pem"), work / "k.pem")
    r = runner.invoke(app, ["renew", "--cert", str(work / "c.pem"), "--key",
                            str(work / "k.pem"), "--reuse-key", "--yes", "--days", "365"])
    assert r.exit_code == 0, r.output
    return work / "c.pem"


def test_viewer_install_replaces_only_a_superseded_certificate(openssl_bin: str,
                                                               tmp_path: Path,
                                                               home: Path) -> None:
    old = make_cert(openssl_bin, tmp_path, "old", "192.168.1.5", "IP:192.168.1.5")
    renewed = _renewed_with_same_key(tmp_path, old, "old")  # same server, same key, later
    other = make_cert(openssl_bin, tmp_path, "other", "10.0.0.9", "IP:10.0.0.9")
    ca = home / ".config/tigervnc/x509_ca.pem"

    def install(cert: Path) -> dict:
        r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(cert), "--install",
                                "--tigervnc-version", "1.14", "--json"])
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)

    first = install(old)
    assert first["installed"] == str(ca) and first["backup"] is None
    assert fingerprint(openssl_bin, ca) == fingerprint(openssl_bin, old)
    install(other)
    before = ca.read_text()
    third = install(renewed)
    assert third["replaced"] == fingerprint(openssl_bin, old) and third["kept"] == []
    assert fingerprint(openssl_bin, ca) == fingerprint(openssl_bin, other) + \
        fingerprint(openssl_bin, renewed)
    assert Path(third["backup"]).read_text() == before
    again = install(renewed)
    assert again["already_present"] and again["backup"] is None
    r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(renewed), "--install",
                            "--tigervnc-version", "1.14"])
    assert "already holds this certificate" in r.stdout
    assert fingerprint(openssl_bin, renewed)[0] in r.stdout
    # Installing the older certificate after its renewal keeps the newer one.
    stale = install(old)
    assert stale["replaced"] == [] and stale["backup"] is None
    assert [k["fingerprint_sha256"] for k in stale["kept"]] == fingerprint(openssl_bin,
                                                                           renewed)
    assert fingerprint(openssl_bin, ca) == fingerprint(openssl_bin, other) + \
        fingerprint(openssl_bin, renewed)


def test_viewer_install_keeps_another_server_with_the_same_name(openssl_bin: str,
                                                                tmp_path: Path,
                                                                home: Path) -> None:
    home_srv = make_cert(openssl_bin, tmp_path, "home", "192.168.1.5", "IP:192.168.1.5")
    office = make_cert(openssl_bin, tmp_path, "office", "192.168.1.5", "IP:192.168.1.5")
    ca = home / ".config/tigervnc/x509_ca.pem"
    for cert in (home_srv, office):
        r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(cert), "--install",
                                "--tigervnc-version", "1.14"])
        assert r.exit_code == 0, r.output
    assert fingerprint(openssl_bin, ca) == fingerprint(openssl_bin, home_srv) + \
        fingerprint(openssl_bin, office)
    assert "removed" not in r.stdout
    assert f"kept     {fingerprint(openssl_bin, home_srv)[0]}" in r.stdout
    assert "another server's certificate" in r.stdout


def test_viewer_host_gets_the_check_verdict(openssl_bin: str, tmp_path: Path) -> None:
    cert = make_cert(openssl_bin, tmp_path, "srv", "192.168.1.5", "IP:192.168.1.5")
    r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(cert), "--host",
                            "192.168.1.6"])
    assert r.exit_code == 0
    assert "vncviewer -X509CA" in r.stdout and "192.168.1.6" in r.stdout
    assert "`vncssl check` says the viewer would stop at 192.168.1.6" in r.stderr
    assert "hostname" in r.stderr.lower()
    ok = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(cert), "--host",
                             "192.168.1.5:1"])
    assert ok.exit_code == 0 and "would stop" not in ok.stderr
    bad = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(cert), "--host", "a b"])
    assert bad.exit_code == 2


def test_windows_paths_are_taken_as_they_are(tmp_path: Path) -> None:
    win = "C:\\Users\\me\\vnc-server.pem"
    r = runner.invoke(app, ["tigervnc", "viewer", "--format", "windows", "--cert", win,
                            "--host", "192.168.1.5"])
    assert r.exit_code == 0, r.output
    assert "vncviewer.exe -X509CA=vnc-server.pem 192.168.1.5" in r.stdout
    assert "not on this machine" in r.stderr
    s = runner.invoke(app, ["tigervnc", "server", "--format", "windows", "--cert", win,
                            "--key", "C:\\Users\\me\\key.pem"])
    assert s.exit_code == 0 and win in s.stdout


def test_server_refuses_a_key_that_is_not_the_certificates(openssl_bin: str,
                                                          tmp_path: Path) -> None:
    cert = make_cert(openssl_bin, tmp_path, "a", "192.168.1.5", "IP:192.168.1.5")
    make_cert(openssl_bin, tmp_path, "b", "192.168.1.5", "IP:192.168.1.5")
    for fmt in ("config", "xvnc"):
        r = runner.invoke(app, ["tigervnc", "server", "--cert", str(cert), "--key",
                                str(tmp_path / "b-key.pem"), "--format", fmt])
        assert r.exit_code == 2 and "does not belong to the certificate" in r.stderr
        assert r.stdout == ""
    good = runner.invoke(app, ["tigervnc", "server", "--cert", str(cert), "--key",
                               str(tmp_path / "a-key.pem"), "--format", "xvnc"])
    assert good.exit_code == 0, good.output


def test_viewer_rejects_a_key_as_cert(openssl_bin: str, tmp_path: Path) -> None:
    make_cert(openssl_bin, tmp_path, "srv", "1.2.3.4", "IP:1.2.3.4")
    r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(tmp_path / "srv-key.pem")])
    assert r.exit_code == 2


# --- probe input --------------------------------------------------------------------------

@pytest.mark.parametrize("text,host,port", [
    ("192.168.1.5", "192.168.1.5", 5900),
    ("192.168.1.5:1", "192.168.1.5", 5901),
    ("vnc.example.com::5999", "vnc.example.com", 5999),
    ("host:5901", "host", 5901),  # TigerVNC: a display >= 100 is a port
    ("[::1]:2", "::1", 5902),
    ("[fe80::1]::6000", "fe80::1", 6000),
    ("::1", "localhost", 1),  # TigerVNC's getHostAndPort: bracket IPv6 ([::1])
    ("fe80::1:2:3", "fe80::1:2:3", 5900),
    ("fe80::1", "fe80", 1),  # TigerVNC's HOST::PORT: bracket IPv6 to be sure
])
def test_parse_target(text: str, host: str, port: int) -> None:
    t = parse_target(text)
    assert (t.host, t.port) == (host, port)


@pytest.mark.parametrize("text", ["", "host:x", "host::", "[::1", "a b", "host::70000",
                                  "[not host]:1"])
def test_probe_bad_input_is_exit_2(text: str) -> None:
    r = runner.invoke(app, ["probe", text])
    assert r.exit_code == 2, r.output


def test_probe_connection_refused_is_exit_3() -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = runner.invoke(app, ["probe", f"127.0.0.1::{port}", "--timeout", "3", "--json"])
    assert r.exit_code == 3
    assert "Cannot connect" in json.loads(r.stdout)["error"]["message"]


def test_probe_not_vnc_is_exit_3() -> None:
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def answer() -> None:
        conn, _ = srv.accept()
        conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
        conn.close()

    t = threading.Thread(target=answer, daemon=True)
    t.start()
    r = runner.invoke(app, ["probe", f"127.0.0.1::{srv.getsockname()[1]}", "--timeout", "3"])
    srv.close()
    assert r.exit_code == 3
    assert "not a VNC server" in r.stderr
    assert "it said \"SSH-2.0-Open\")" in r.stderr and "b'" not in r.stderr


def test_the_installed_tigervnc_decides_the_layout(home: Path, tmp_path: Path) -> None:
    """No --tigervnc-version: ask the installed Xvnc / vncviewer (Debian 12 has 1.12, which
    reads ~/.vnc), whatever folders exist."""
    import shutil

    from vncssl.tigervnc import generations

    found = generations.installed_version(["Xvnc"])
    if shutil.which("Xvnc") is None:
        pytest.skip("Xvnc is not installed")
    assert found is not None and found[1] == "Xvnc"
    (home / ".config" / "tigervnc").mkdir(parents=True)  # would say 1.14+ by folders alone
    os.chdir(tmp_path)
    r = runner.invoke(app, ["tigervnc", "server", "--json"])
    assert r.exit_code == 0, r.output
    modern = generations.parse_version(found[0]) >= generations.MODERN
    want = home / (".config/tigervnc/config" if modern else ".vnc/config")
    assert str(want) in r.stdout


def test_a_der_certificate_is_read_everywhere(openssl_bin: str, tmp_path: Path,
                                              home: Path) -> None:
    pem = make_cert(openssl_bin, tmp_path, "srv", "192.168.1.5", "IP:192.168.1.5")
    der = tmp_path / "srv.der"
    subprocess.run([openssl_bin, "x509", "-in", str(pem), "-outform", "DER", "-out", str(der)],
                   check=True)
    for argv, code in ((["check", str(der), "--host", "192.168.1.5"], 0),
                       (["check", str(pem), "--host", "192.168.1.5", "--ca", str(der)], 0),
                       (["inspect", str(der)], 0), (["expiry", str(der)], 1)):  # 30 days: due
        r = runner.invoke(app, argv)
        assert r.exit_code == code, (argv, r.output)
    r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(der)])
    assert r.exit_code == 0 and "is DER" in r.stderr and "-inform DER" in r.stderr
    r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(der), "--install",
                            "--tigervnc-version", "1.14"])
    assert r.exit_code == 0, r.output
    ca = home / ".config/tigervnc/x509_ca.pem"
    assert "BEGIN CERTIFICATE" in ca.read_text()  # converted: the viewer reads only PEM
    assert fingerprint(openssl_bin, ca) == fingerprint(openssl_bin, pem)
    out = tmp_path / "bundle.pem"
    r = runner.invoke(app, ["ca", "bundle", str(der), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert fingerprint(openssl_bin, out) == fingerprint(openssl_bin, pem)


def test_what_a_peer_said_reads_as_text_not_a_bytes_repr() -> None:
    from vncssl.tigervnc.rfb import said

    assert said(b"SSH-2.0-OpenSSH_9.2\r\n") == '"SSH-2.0-OpenSSH_9.2"'
    assert said(b"\x1b[2J") == '"\\x1b[2J"' and said(b"") == "nothing"
    assert "b'" not in said(b"SSH-2.0-Open")


def test_vencrypt_without_subtypes_says_so_not_empty_parentheses() -> None:
    from vncssl.tigervnc import probe, rfb

    p = probe._protocol_problem(rfb.Fetched("s", "3.8", ["VeNCrypt"], [], stop="no-x509"))
    assert "()" not in p.message and "no subtype at all" in p.message
    p = probe._protocol_problem(rfb.Fetched("s", "3.8", ["VeNCrypt"], ["Plain"],
                                            stop="no-x509"))
    assert "VeNCrypt without TLS (Plain)." in p.message
