"""`vncssl create` end to end with the real openssl: what it writes is parsed back by openssl."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.openssl import binary, locate, opensslcnf

runner = CliRunner()
GUIDE_TAIL = ("-keyout vnc-server-private.pem -out vnc-server.pem -subj '/CN=192.168.1.5' "
              '-addext "subjectAltName=IP:192.168.1.5"')


def invoke(args, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(app, args)
    finally:
        os.chdir(old)


def x509(openssl_bin: str, cert: Path, *args: str) -> str:
    return subprocess.run([openssl_bin, "x509", "-in", str(cert), "-noout", *args],
                          capture_output=True, text=True, check=True).stdout


def pubkey_of_key(openssl_bin: str, key: Path) -> str:
    return subprocess.run([openssl_bin, "pkey", "-in", str(key), "-pubout"],
                          capture_output=True, text=True, check=True).stdout


def test_dry_run_prints_the_guides_command_and_writes_nothing(tmp_path: Path) -> None:
    result = invoke(["create", "--ip", "192.168.1.5", "--dry-run"], tmp_path)
    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    assert "\n" not in line
    cfg = "/usr/lib/ssl/openssl.cnf"
    if Path(cfg).exists() and binary.find()[1].display == "openssl":
        # Debian/Ubuntu: exactly the wiki's command with the Ubuntu config path.
        assert line == ("openssl req -x509 -newkey rsa -days 365 -nodes -config "
                        f"{cfg} {GUIDE_TAIL}")
    else:
        assert line.endswith(GUIDE_TAIL)
    assert list(tmp_path.iterdir()) == []


def test_creates_the_guides_pair(tmp_path: Path, openssl_bin: str) -> None:
    result = invoke(["create", "--ip", "127.0.0.1", "--yes"], tmp_path)
    assert result.exit_code == 0, result.output
    cert, key = tmp_path / "vnc-server.pem", tmp_path / "vnc-server-private.pem"
    text = x509(openssl_bin, cert, "-text")
    assert "IP Address:127.0.0.1" in text
    assert "DNS:" not in text
    assert x509(openssl_bin, cert, "-subject").strip().replace(" ", "") == "subject=CN=127.0.0.1"
    assert "Public-Key: (2048 bit)" in text  # -newkey rsa: openssl's default, as the guide
    dates = x509(openssl_bin, cert, "-startdate", "-enddate")
    assert dates.count("GMT") == 2
    # valid for 365 days: still valid in 364 days, not in 366
    assert subprocess.run([openssl_bin, "x509", "-in", str(cert), "-noout", "-checkend",
                           str(364 * 86400)], capture_output=True).returncode == 0
    assert subprocess.run([openssl_bin, "x509", "-in", str(cert), "-noout", "-checkend",
                           str(366 * 86400)], capture_output=True).returncode == 1
    assert x509(openssl_bin, cert, "-pubkey") == pubkey_of_key(openssl_bin, key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".vncssl")]
    assert "SHA-256" in result.stdout and "Next steps" in result.stdout


def test_json_output(tmp_path: Path, openssl_bin: str) -> None:
    result = invoke(["create", "--ip", "127.0.0.1", "--dns", "vnc.example.lan",
                     "--key-type", "ec", "--days", "30", "--json", "--yes"], tmp_path)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["names"] == [{"type": "IP", "value": "127.0.0.1"},
                             {"type": "DNS", "value": "vnc.example.lan"}]
    assert data["days"] == 30 and data["key_mode"] == "0600"
    fp = x509(openssl_bin, tmp_path / "vnc-server.pem", "-fingerprint", "-sha256")
    assert fp.strip().split("=", 1)[1].upper() == data["fingerprint_sha256"]
    assert "-pkeyopt ec_paramgen_curve:prime256v1" in data["command"]


@pytest.mark.parametrize("key_type,marker", [("rsa:3072", "(3072 bit)"), ("ed25519", "ED25519"),
                                              ("ec:P-384", "(384 bit)")])
def test_key_types_are_real(tmp_path: Path, openssl_bin: str, key_type: str, marker: str
                            ) -> None:
    result = invoke(["create", "--ip", "127.0.0.1", "--key-type", key_type, "--yes"], tmp_path)
    assert result.exit_code == 0, result.output
    assert marker in x509(openssl_bin, tmp_path / "vnc-server.pem", "-text")


def test_never_overwrites_without_force(tmp_path: Path) -> None:
    (tmp_path / "vnc-server.pem").write_text("old cert")
    (tmp_path / "vnc-server-private.pem").write_text("old key")
    result = invoke(["create", "--ip", "127.0.0.1", "--yes"], tmp_path)
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert (tmp_path / "vnc-server.pem").read_text() == "old cert"
    assert (tmp_path / "vnc-server-private.pem").read_text() == "old key"


def test_force_replaces_and_a_0644_key_becomes_0600(tmp_path: Path, openssl_bin: str) -> None:
    key = tmp_path / "vnc-server-private.pem"
    key.write_text("old key")
    key.chmod(0o644)
    (tmp_path / "vnc-server.pem").write_text("old cert")
    result = invoke(["create", "--ip", "127.0.0.1", "--yes", "--force"], tmp_path)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "BEGIN PRIVATE KEY" in key.read_text()
    assert "IP Address:127.0.0.1" in x509(openssl_bin, tmp_path / "vnc-server.pem", "-text")


@pytest.mark.parametrize("args,fragment", [
    (["--ip", "192.168.1.300"], "not a valid IP address"),
    (["--ip", "010.0.0.1"], "leading zero"),
    (["--dns", "bad_name.lan"], "bad_name"),
    (["--dns", "evil.lan,DNS:other.lan"], "only letters, digits"),
    (["--ip", "127.0.0.1", "--ip", "127.0.0.1"], "given twice"),
    (["--ip", "127.0.0.1", "--days", "0"], "--days 0"),
    (["--ip", "127.0.0.1", "--key-type", "rsa:1024"], "2048"),
    (["--ip", "127.0.0.1", "--cert", "same.pem", "--key", "same.pem"], "same file"),
    (["--ip", "127.0.0.1", "--cert", "nowhere/vnc.pem"], "does not exist"),
    (["--ip", "127.0.0.1", "--openssl", "/nonexistent/openssl"], "not found"),
    (["--ip", "127.0.0.1", "--config", "/nonexistent.cnf"], "not found"),
    (["--ip", "127.0.0.1", "--timeout", "0"], "--timeout"),
])
def test_bad_input_exit_2_and_writes_nothing(tmp_path: Path, args, fragment: str) -> None:
    result = invoke(["create", "--yes", *args], tmp_path)
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr
    assert result.stderr.startswith("Error: ")
    assert list(tmp_path.iterdir()) == []


def test_explicit_openssl_that_fails_is_never_replaced(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VNCSSL_OPENSSL", str(tmp_path))  # a directory without openssl
    result = invoke(["create", "--ip", "127.0.0.1", "--yes"], tmp_path)
    assert result.exit_code == 2
    assert "VNCSSL_OPENSSL" in result.stderr


def test_no_openssl_anywhere_exit_3_with_install_hint(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(locate, "well_known_locations", lambda *a, **k: [])
    result = invoke(["create", "--ip", "127.0.0.1", "--yes"], tmp_path)
    assert result.exit_code == 3
    assert "No working openssl binary found" in result.stderr and "Install OpenSSL" in result.stderr


def test_builtin_config_when_none_is_usable(tmp_path: Path, monkeypatch, openssl_bin: str
                                            ) -> None:
    monkeypatch.setattr(opensslcnf, "well_known_paths", lambda *a, **k: [])
    monkeypatch.setenv("OPENSSL_CONF", str(tmp_path / "missing.cnf"))
    real_choose = opensslcnf.choose
    monkeypatch.setattr(opensslcnf, "choose", lambda explicit, **kw: real_choose(
        explicit, **{**kw, "openssldir": str(tmp_path / "nodir")}))
    out = tmp_path / "out"
    out.mkdir()
    result = invoke(["create", "--ip", "127.0.0.1", "--yes", "--json"], out)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["config"]["path"] is None
    assert any(n["code"] == "builtin-config" for n in data["notices"])
    text = x509(openssl_bin, out / "vnc-server.pem", "-text")
    assert "IP Address:127.0.0.1" in text and "CA:TRUE" in text
    assert sorted(p.name for p in out.iterdir()) == ["vnc-server-private.pem", "vnc-server.pem"]


def test_config_reported_and_openssl_conf_used(tmp_path: Path, monkeypatch) -> None:
    cfg = tmp_path / "my.cnf"
    cfg.write_text(opensslcnf.MINIMAL_CONFIG)
    monkeypatch.setenv("OPENSSL_CONF", str(cfg))
    result = invoke(["create", "--ip", "127.0.0.1", "--dry-run", "--json"], tmp_path)
    data = json.loads(result.stdout)
    assert data["config"] == {"path": str(cfg),
                              "reason": "named by the OPENSSL_CONF environment variable"}
    assert f"-config {cfg}" in data["command"]


def test_synced_folder_and_dns_only_warnings(tmp_path: Path) -> None:
    synced = tmp_path / "Dropbox" / "vnc"
    synced.mkdir(parents=True)
    result = invoke(["create", "--dns", "vnc.example.lan", "--yes", "--json"], synced)
    assert result.exit_code == 0, result.output
    codes = {n["code"] for n in json.loads(result.stdout)["notices"]}
    assert {"synced-folder", "no-ip-san"} <= codes


def test_default_address_is_the_best_lan_address(tmp_path: Path) -> None:
    listing = json.loads(invoke(["ips", "--json"], tmp_path).stdout)
    best = [a["ip"] for a in listing if a["recommended"]]
    result = invoke(["create", "--yes", "--dry-run", "--json"], tmp_path)
    if not best:
        assert result.exit_code == 2 and "no LAN address" in result.stderr
        return
    assert result.exit_code == 0, result.output
    assert f"subjectAltName=IP:{best[0]}" in json.loads(result.stdout)["command"]


def test_python_dash_m_and_version() -> None:
    out = subprocess.run([sys.executable, "-m", "vncssl", "--version"], capture_output=True,
                         text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("vncssl ")
    out = subprocess.run([sys.executable, "-m", "vncssl", "create", "-h"], capture_output=True,
                         text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert out.returncode == 0 and "--dry-run" in out.stdout


def test_subprocess_without_terminal_never_prompts(tmp_path: Path, openssl_bin: str) -> None:
    (tmp_path / "vnc-server.pem").write_text("old")
    out = subprocess.run([sys.executable, "-m", "vncssl", "create", "--ip", "127.0.0.1"],
                         cwd=tmp_path, capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=60)
    assert out.returncode == 2 and "already exists" in out.stderr
    assert (tmp_path / "vnc-server.pem").read_text() == "old"


def test_dry_run_reports_existing_files_instead_of_refusing(tmp_path: Path) -> None:
    (tmp_path / "vnc-server.pem").write_text("old cert")
    result = invoke(["create", "--ip", "192.168.1.5", "--dry-run", "--json"], tmp_path)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [n["code"] for n in data["notices"]] == ["exists"]
    assert (tmp_path / "vnc-server.pem").read_text() == "old cert"
    assert invoke(["create", "--ip", "192.168.1.5", "--yes"], tmp_path).exit_code == 2


def test_names_as_arguments_are_detected_as_mkcert_does(tmp_path: Path, openssl_bin: str
                                                        ) -> None:
    r = invoke(["create", "192.168.1.5", "vnc.lan", "--dns", "b.lan", "fd00::5",
                "--key-type", "ec", "--json"], tmp_path)
    assert r.exit_code == 0, r.output
    san = x509(openssl_bin, tmp_path / "vnc-server.pem", "-ext", "subjectAltName")
    # IPs first (the guide's order), then DNS names; each validated as --ip/--dns are
    assert "IP Address:192.168.1.5, IP Address:FD00:0:0:0:0:0:0:5, DNS:b.lan, DNS:vnc.lan" in san


@pytest.mark.parametrize("bad", ["192.168.1.500", "foo bar", "127.0.0.1,DNS:evil.example",
                                 "a:b"])
def test_a_bad_name_argument_is_bad_input(tmp_path: Path, bad: str) -> None:
    r = invoke(["create", bad, "--dry-run"], tmp_path)
    assert r.exit_code == 2 and r.stderr.startswith("Error: ")
    assert "subjectAltName" not in r.stdout


def test_next_steps_carry_the_paths_shell_quoted(tmp_path: Path) -> None:
    d = tmp_path / "my certs"
    d.mkdir()
    r = invoke(["create", "--ip", "192.168.1.5", "--key-type", "ec", "--json",
                "--cert", str(d / "c d.pem"), "--key", str(d / "k.pem")], tmp_path)
    assert r.exit_code == 0, r.output
    steps = json.loads(r.stdout)["next_steps"]
    assert f"-X509Cert '{d / 'c d.pem'}' -X509Key '{d / 'k.pem'}'" in steps[0]
    assert f"`vncssl expiry '{d / 'c d.pem'}'`" in steps[2]
    assert "vncviewer -X509CA 'c d.pem' 192.168.1.5" in steps[1]


def test_force_keeps_the_replaced_pair_as_private_backups(tmp_path: Path) -> None:
    assert invoke(["create", "--ip", "192.168.1.5", "--key-type", "ec", "--yes"],
                  tmp_path).exit_code == 0
    old_key = (tmp_path / "vnc-server-private.pem").read_bytes()
    r = invoke(["create", "--ip", "192.168.1.5", "--key-type", "ec", "--force", "--json"],
               tmp_path)
    assert r.exit_code == 0, r.output
    backups = [Path(b) for b in json.loads(r.stdout)["backups"]]
    key_bak = next(b for b in backups if b.name.startswith("vnc-server-private.pem."))
    assert key_bak.name.endswith(".bak") and key_bak.read_bytes() == old_key
    assert stat.S_IMODE(key_bak.stat().st_mode) == 0o600
    assert len(backups) == 2
    before = set(tmp_path.iterdir())
    r = invoke(["create", "--ip", "192.168.1.5", "--key-type", "ec", "--force", "--no-backup",
                "--json"], tmp_path)
    assert r.exit_code == 0 and json.loads(r.stdout)["backups"] == []
    assert set(tmp_path.iterdir()) == before


def test_a_key_made_inside_a_git_work_tree_is_warned_about(tmp_path: Path) -> None:
    repo = tmp_path / "checkout"
    (repo / ".git").mkdir(parents=True)
    (repo / "sub").mkdir()
    r = invoke(["create", "--ip", "192.168.1.5", "--key-type", "ec", "--json"], repo / "sub")
    assert r.exit_code == 0, r.output
    notice = [n for n in json.loads(r.stdout)["notices"] if n["code"] == "in-git-tree"]
    assert notice and str(repo) in notice[0]["message"]
    outside = invoke(["create", "--ip", "192.168.1.5", "--key-type", "ec", "--json"],
                     tmp_path)
    assert "in-git-tree" not in outside.stdout


@pytest.mark.parametrize("name", ["vnc-server-private.pem", "certs/web-private.pem",
                                  "vnc-server-private.pem.20260101-000000.bak", "ca-key.pem",
                                  "b.example.com-private.pem", "x.key", "vnc-server.pem"])
def test_the_checkouts_gitignore_covers_the_keys_the_readme_makes(name: str) -> None:
    import shutil

    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([git, "-C", str(root), "check-ignore", "--no-index", "-q", name],
                       capture_output=True)
    assert r.returncode == 0, f"{name} is not ignored by .gitignore"


def test_out_dir_is_created_0755_and_the_key_stays_0600(tmp_path: Path) -> None:
    old = os.umask(0o077)  # a strict umask must not make the folder private or odd
    try:
        r = invoke(["create", "--ip", "192.168.1.5", "--key-type", "ec", "--out-dir",
                    "certs/lan", "--json"], tmp_path)
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    out = tmp_path / "certs" / "lan"
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "certs").stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "vnc-server-private.pem").stat().st_mode) == 0o600
    assert json.loads(r.stdout)["cert"] == str(out / "vnc-server.pem")
    dry = invoke(["create", "--ip", "192.168.1.5", "--out-dir", "other", "--dry-run"],
                 tmp_path)
    assert dry.exit_code == 0 and not (tmp_path / "other").exists()


def test_explain_under_json_is_a_list_of_part_meaning_objects(tmp_path: Path) -> None:
    r = invoke(["create", "--ip", "192.168.1.5", "--dry-run", "--explain", "--json"], tmp_path)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)  # one JSON object: nothing else on stdout
    parts = {e["part"]: e["meaning"] for e in data["explain"]}
    assert "-nodes" in parts and "encrypt" in parts["-nodes"]
    assert '-addext "subjectAltName=IP:192.168.1.5"' in parts
    assert all(set(e) == {"part", "meaning"} for e in data["explain"])
    real = invoke(["create", "--ip", "192.168.1.5", "--key-type", "ec", "--explain", "--json"],
                  tmp_path)
    assert real.exit_code == 0, real.output
    assert "req -x509" in [e["part"] for e in json.loads(real.stdout)["explain"]]
