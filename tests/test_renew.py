"""`vncssl renew`: same names, subject and key type; new dates; backups; the viewer notice."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import List

import pytest

from tests.clirunner import CliRunner
from tests.test_check import mk
from vncssl.cli import app
from vncssl.x509.rfc2253 import subj_from_rfc2253

runner = CliRunner()


def pair(d: Path, subj: str = "/CN=192.168.1.5", san: str = "IP:192.168.1.5",
         key: str = "ec", days: str = "5") -> tuple:
    cert = mk(d, "vnc-server", subj, san, key=key, days=days)
    key_path = d / "vnc-server-private.pem"
    (d / "vnc-server.key").replace(key_path)
    return cert, key_path


def renew(d: Path, *extra: str) -> dict:
    r = runner.invoke(app, ["renew", "--cert", str(d / "vnc-server.pem"), "--key",
                            str(d / "vnc-server-private.pem"), "--yes", "--json", *extra])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def facts(path: Path) -> dict:
    return json.loads(runner.invoke(app, ["inspect", str(path), "--json"]).stdout)


def pubkey(path: Path) -> str:
    return subprocess.run(["openssl", "pkey", "-in", str(path), "-pubout"], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize("key_type,want", [("ec", {"type": "EC", "bits": 256}),
                                           ("rsa", {"type": "RSA", "bits": 2048})])
def test_renew_keeps_names_subject_key_type(tmp_path: Path, key_type: str, want: dict) -> None:
    cert, key = pair(tmp_path, "/CN=vnc/O=Acme\\, Inc./OU=R\\+D", "IP:192.168.1.5,DNS:pc.lan",
                     key=key_type)
    os.chmod(key, 0o644)  # a careless old key: the backup must still be private
    before, old_pub = facts(cert), pubkey(key)
    out = renew(tmp_path)
    after = facts(cert)
    assert after["subject"] == before["subject"] == out["subject"]
    assert after["san"] == before["san"]
    assert {k: after["key"][k] for k in want} == want
    assert after["fingerprint_sha256"] == out["fingerprint_sha256"] != before[
        "fingerprint_sha256"] == out["old_fingerprint_sha256"]
    assert 364 <= after["days_left"] <= 365 and out["reused_key"] is False
    assert pubkey(key) != old_pub and oct(key.stat().st_mode & 0o777) == "0o600"
    backups = [Path(b) for b in out["backups"]]
    assert len(backups) == 2 and all(b.name.endswith(".bak") for b in backups)
    key_backup = next(b for b in backups if b.name.startswith("vnc-server-private.pem."))
    cert_backup = next(b for b in backups if b.name.startswith("vnc-server.pem."))
    assert pubkey(key_backup) == old_pub and oct(key_backup.stat().st_mode & 0o777) == "0o600"
    assert facts(cert_backup)["fingerprint_sha256"] == before["fingerprint_sha256"]
    # the old cert as a viewer's X509CA now stops the viewer; the new one works
    r = runner.invoke(app, ["check", str(cert), "--host", "192.168.1.5", "--ca",
                            str(cert_backup), "--key", str(key), "--json"])
    assert r.exit_code == 1
    assert [p["code"] for p in json.loads(r.stdout)["problems"]] == [
        "same-subject-different-cert"]
    assert runner.invoke(app, ["check", str(cert), "--host", "pc.lan", "--key", str(key)]
                         ).exit_code == 0


def test_reuse_key_and_days(tmp_path: Path) -> None:
    cert, key = pair(tmp_path)
    old_pub = pubkey(key)
    out = renew(tmp_path, "--reuse-key", "--days", "30")
    assert out["reused_key"] is True and pubkey(key) == old_pub
    assert facts(cert)["days_left"] in (29, 30)
    assert "-key" in out["command"] and "-newkey" not in out["command"]


def test_human_output_is_prominent(tmp_path: Path) -> None:
    pair(tmp_path)
    r = runner.invoke(app, ["renew", "--cert", str(tmp_path / "vnc-server.pem"), "--key",
                            str(tmp_path / "vnc-server-private.pem"), "--yes"])
    assert r.exit_code == 0
    assert "REPLACE" in r.stdout and "new SHA-256" in r.stdout and "backup" in r.stdout
    fp = facts(tmp_path / "vnc-server.pem")["fingerprint_sha256"]
    assert fp in r.stdout.replace("\n", "").replace("│", "").replace(" ", "")


def test_two_renewals_in_one_second_keep_every_backup(tmp_path: Path) -> None:
    pair(tmp_path)
    renew(tmp_path)
    renew(tmp_path)
    assert len(list(tmp_path.glob("*.bak"))) == 4


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    cert, key = pair(tmp_path)
    snapshot = sorted((p.name, p.read_bytes()) for p in tmp_path.iterdir())
    r = runner.invoke(app, ["renew", "--cert", str(cert), "--key", str(key), "--dry-run"])
    assert r.exit_code == 0 and "openssl req -x509" in r.stdout
    assert "subjectAltName=IP:192.168.1.5" in r.stdout
    assert sorted((p.name, p.read_bytes()) for p in tmp_path.iterdir()) == snapshot


def test_refusals_are_exit_2(tmp_path: Path) -> None:
    cert, key = pair(tmp_path)
    # not a terminal and no --yes: never replace silently
    r = runner.invoke(app, ["renew", "--cert", str(cert), "--key", str(key)])
    assert r.exit_code == 2 and "--yes" in r.stderr
    other = tmp_path / "o"
    other.mkdir()
    c2, _ = pair(other)
    r = runner.invoke(app, ["renew", "--cert", str(cert), "--key",
                            str(other / "vnc-server-private.pem"), "--reuse-key", "--yes"])
    assert r.exit_code == 2 and "does not belong" in r.stderr
    nosan = tmp_path / "n"
    nosan.mkdir()
    mk(nosan, "vnc-server", "/CN=pc.lan", None, key="ec")
    r = runner.invoke(app, ["renew", "--cert", str(nosan / "vnc-server.pem"), "--yes"])
    assert r.exit_code == 2 and "vncssl create" in r.stderr
    assert runner.invoke(app, ["renew", "--cert", str(tmp_path / "none.pem"), "--yes"]
                         ).exit_code == 2


def test_ca_issued_cert_is_refused(tmp_path: Path) -> None:
    from tests import tigervnc_harness as h

    ca = h.make_ca(tmp_path)
    leaf = h.issue_leaf(ca, tmp_path, "vnc.test")
    r = runner.invoke(app, ["renew", "--cert", str(leaf.cert), "--key", str(leaf.key), "--yes"])
    assert r.exit_code == 2 and "CA" in r.stderr


def test_cert_of_a_vncssl_ca_is_reissued_by_it(tmp_path: Path) -> None:
    ca_dir = tmp_path / "ca"
    assert runner.invoke(app, ["ca", "init", "--dir", str(ca_dir)]).exit_code == 0
    cert, key = tmp_path / "s.pem", tmp_path / "s-key.pem"
    r = runner.invoke(app, ["ca", "issue", "--ca-dir", str(ca_dir), "--ip", "127.0.0.1",
                            "--dns", "vnc.lan", "--cert", str(cert), "--key", str(key)])
    assert r.exit_code == 0, r.output
    before = facts(cert)
    # Not found in the default CA folder: refused with the way out.
    r = runner.invoke(app, ["renew", "--cert", str(cert), "--key", str(key), "--yes"])
    assert r.exit_code == 2 and "--ca-dir" in r.stderr
    r = runner.invoke(app, ["renew", "--cert", str(cert), "--key", str(key), "--yes", "--json",
                            "--ca-dir", str(ca_dir)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    after = facts(cert)
    assert after["issuer"] == before["issuer"] and after["san"] == before["san"]
    assert after["subject"] != before["subject"]  # unique across renewals, by design
    assert out["fingerprint_sha256"] == after["fingerprint_sha256"] != before[
        "fingerprint_sha256"]
    assert out["viewers_must_replace"] is False
    key_backup = [b for b in out["backups"] if b.startswith(str(key))]
    assert key_backup and os.stat(key_backup[0]).st_mode & 0o777 == 0o600
    # One backup rule through the CA path too: --no-backup keeps nothing.
    before_files = set(tmp_path.iterdir())
    r = runner.invoke(app, ["renew", "--cert", str(cert), "--key", str(key), "--yes", "--json",
                            "--ca-dir", str(ca_dir), "--no-backup"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["backups"] == [] and set(tmp_path.iterdir()) == before_files
    ok = runner.invoke(app, ["check", str(cert), "--host", "127.0.0.1", "--ca",
                             str(ca_dir / "ca.pem"), "--key", str(key)])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize("dn,subj", [
    ("CN=192.168.1.5", "/CN=192.168.1.5"),
    ("OU=R\\+D,O=Acme\\, Inc.,CN=vnc", "/CN=vnc/O=Acme, Inc./OU=R\\+D"),
    ("CN=a\\/b", "/CN=a\\/b"),
    ("CN=\\C3\\A9t\\C3\\A9", "/CN=\u00e9t\u00e9"),
    ("CN=a+UID=b,O=x", "/O=x/CN=a+UID=b"),
])
def test_subject_round_trip_form(dn: str, subj: str) -> None:
    assert subj_from_rfc2253(dn) == subj


def test_unusual_subjects_survive_renewal(tmp_path: Path) -> None:
    subjects: List[str] = ["/CN=\u00e9t\u00e9 pc/O=a\\/b"]
    for subj in subjects:
        subprocess.run(["openssl", "req", "-x509", "-utf8", "-newkey", "ed25519", "-nodes",
                        "-subj", subj, "-addext", "subjectAltName=DNS:pc.lan", "-keyout",
                        str(tmp_path / "vnc-server-private.pem"), "-out",
                        str(tmp_path / "vnc-server.pem")], check=True, capture_output=True)
        before = facts(tmp_path / "vnc-server.pem")
        out = renew(tmp_path)
        assert out["subject"] == before["subject"] and out["key_type"] == "ed25519"
