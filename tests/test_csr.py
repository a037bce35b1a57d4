"""`vncssl csr`: key 0600 + a CSR carrying the SAN, checked with `openssl req -verify -text`."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.clirunner import CliRunner
from vncssl.cli import app

runner = CliRunner()


def verify(csr: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", "req", "-in", str(csr), "-noout", "-verify", "-text"],
                          capture_output=True, text=True, check=False)


def test_csr_key_and_san(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["csr", "--dns", "computer1.local.example.com",
                            "--dns", "vnc.local.example.com"])
    assert r.exit_code == 0, r.output
    csr = tmp_path / "computer1.local.example.com.csr"
    key = tmp_path / "computer1.local.example.com-private.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    v = verify(csr)
    assert v.returncode == 0, v.stderr
    assert "verify OK" in v.stdout + v.stderr
    assert "DNS:computer1.local.example.com, DNS:vnc.local.example.com" in v.stdout
    assert re.search(r"CN ?= ?computer1\.local\.example\.com", v.stdout)  # 3.2+: "CN=..."
    # The CSR's public key is the key's.
    pub_csr = subprocess.run(["openssl", "req", "-in", str(csr), "-noout", "-pubkey"],
                             capture_output=True, text=True, check=True).stdout
    pub_key = subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout"],
                             capture_output=True, text=True, check=True).stdout
    assert pub_csr == pub_key
    out = " ".join(r.output.split())
    assert "Certificate Transparency" in out and "secret" in out
    assert "local.example.com" in out and "DNS-01" in out
    assert f"certbot certonly --manual --preferred-challenges dns --csr {csr.name}" in r.output
    assert f"acme.sh --signcsr --csr {csr.name} --dns" in r.output
    assert f"lego --email you@example.com --dns cloudflare --csr {csr.name} run" in r.output
    assert "vncssl check fullchain.pem --host NAME" in out


def test_csr_paths_key_type_and_json(tmp_path: Path) -> None:
    key, csr = tmp_path / "k.pem", tmp_path / "r.csr"
    r = runner.invoke(app, ["csr", "--dns", "a.example.org", "--key", str(key), "--out",
                            str(csr), "--key-type", "ec", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["names"] == ["DNS:a.example.org"] and data["key_mode"] == "0600"
    assert any(a["code"] == "ct-logs" for a in data["advice"])
    assert "id-ecPublicKey" in verify(csr).stdout
    r = runner.invoke(app, ["csr", "--dns", "a.example.org", "--key", str(key), "--out",
                            str(csr)])
    assert r.exit_code == 2 and "already exists" in r.output


def test_csr_needs_a_dns_name(tmp_path: Path) -> None:
    r = runner.invoke(app, ["csr", "--ip", "192.168.1.5", "--out", str(tmp_path / "x.csr")])
    assert r.exit_code == 2 and "DNS name" in r.output
    assert not list(tmp_path.iterdir())


def test_csr_with_ip_warns(tmp_path: Path) -> None:
    r = runner.invoke(app, ["csr", "--dns", "b.example.org", "--ip", "192.168.1.5",
                            "--key", str(tmp_path / "k"), "--out", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    assert "refuse IP addresses" in " ".join(r.output.split())
    assert "IP Address:192.168.1.5" in verify(tmp_path / "c").stdout


def test_csr_names_follow_the_first_dns_name_and_never_take_creates_key(tmp_path: Path,
                                                                       monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["csr", "--ip", "192.168.1.5", "--dns", "b.example.com",
                            "--key-type", "ec"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.example.com-private.pem",
                                                          "b.example.com.csr"]
    assert "--csr b.example.com.csr --fullchain-path b.example.com-fullchain.pem" in r.stdout
    helptext = runner.invoke(app, ["csr", "--help"], env={"COLUMNS": "200"}).stdout
    assert "NAME-private.pem, NAME being the first --dns name" in helptext


def test_acme_commands_quote_a_path_with_spaces(tmp_path: Path) -> None:
    out = tmp_path / "my csr" / "r.csr"
    out.parent.mkdir()
    r = runner.invoke(app, ["csr", "--dns", "c.example.com", "--key-type", "ec", "--out",
                            str(out), "--key", str(tmp_path / "k.pem"), "--json"])
    assert r.exit_code == 0, r.output
    certbot = json.loads(r.stdout)["acme_commands"][0]
    assert f"--csr '{out}'" in certbot
