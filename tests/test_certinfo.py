"""`vncssl inspect` and certinfo's chain reading, with the real openssl binary."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.test_check import mk
from vncssl.cli import app

runner = CliRunner()
KEYS = {"subject", "issuer", "self_signed", "is_ca", "san", "not_before", "not_after",
        "days_left", "fingerprint_sha256", "signature_algorithm", "key"}
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def inspect_json(*args: str) -> dict:
    r = runner.invoke(app, ["inspect", *args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def openssl_out(*args: str) -> str:
    return subprocess.run(["openssl", *args], check=True, capture_output=True,
                          text=True).stdout


def test_guide_cert_facts_match_openssl(tmp_path: Path) -> None:
    cert = mk(tmp_path, "guide", "/CN=192.168.1.5", "IP:192.168.1.5,DNS:pc.lan", days="365")
    data = inspect_json(str(cert))
    assert KEYS <= set(data) and "key_matches" not in data
    assert data["subject"] == data["issuer"] == "CN=192.168.1.5"
    assert data["self_signed"] is True and data["is_ca"] is True  # Debian's v3_ca
    assert data["san"] == [{"type": "IP", "value": "192.168.1.5"},
                           {"type": "DNS", "value": "pc.lan"}]
    assert ISO.fullmatch(data["not_before"]) and ISO.fullmatch(data["not_after"])
    assert data["days_left"] in (364, 365)
    want = openssl_out("x509", "-in", str(cert), "-noout", "-fingerprint", "-sha256")
    assert data["fingerprint_sha256"] == want.split("=", 1)[1].strip()
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", data["fingerprint_sha256"])
    assert data["signature_algorithm"] == "sha256WithRSAEncryption"
    assert data["key"]["type"] == "RSA" and data["key"]["bits"] == 2048
    assert data["chain"] == []


@pytest.mark.parametrize("key_type,bits", [("ec", 256)])
def test_ec_key_and_key_matching(tmp_path: Path, key_type: str, bits: int) -> None:
    cert = mk(tmp_path, "ec", key=key_type)
    other = mk(tmp_path, "other")
    data = inspect_json(str(cert), "--key", str(tmp_path / "ec.key"))
    assert data["key"] == {"type": "EC", "bits": bits, "curve": "P-256",
                           "explicit_curve": None}
    assert data["key_matches"] is True
    r = runner.invoke(app, ["inspect", str(cert), "--key", str(tmp_path / "other.key"),
                            "--json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["key_matches"] is False
    assert other.exists()


def test_ed25519_and_der(tmp_path: Path) -> None:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-subj", "/CN=e",
                    "-keyout", str(tmp_path / "e.key"), "-out", str(tmp_path / "e.pem")],
                   check=True, capture_output=True)
    openssl_out("x509", "-in", str(tmp_path / "e.pem"), "-outform", "DER", "-out",
                str(tmp_path / "e.der"))
    data = inspect_json(str(tmp_path / "e.der"))
    assert data["key"]["type"] == "ED25519" and data["signature_algorithm"] == "ED25519"


def test_chain_file_lists_each_certificate(tmp_path: Path) -> None:
    a, b = mk(tmp_path, "a"), mk(tmp_path, "b", "/CN=intermediate")
    chain = tmp_path / "chain.pem"
    chain.write_text(a.read_text() + b.read_text())
    data = inspect_json(str(chain))
    assert [c["subject"] for c in data["chain"]] == ["CN=192.168.1.5", "CN=intermediate"]
    r = runner.invoke(app, ["inspect", str(chain)])
    assert "chain of 2 certificates" in r.stdout and "CN=intermediate" in r.stdout


def test_key_file_problems_are_reported(tmp_path: Path) -> None:
    synced = tmp_path / "Dropbox"
    synced.mkdir()
    cert = mk(synced, "s")
    key = synced / "s.key"
    os.chmod(key, 0o644)
    data = inspect_json(str(cert), "--key", str(key))
    got = {w["code"] for w in data["warnings"]}
    assert {"key-mode", "synced-folder"} <= got
    r = runner.invoke(app, ["inspect", str(cert), "--key", str(key)])
    assert "chmod 600" in r.stderr and "Dropbox" in r.stderr


def test_expired_has_negative_days(tmp_path: Path) -> None:
    from tests import tigervnc_harness as h

    before, after = h.expired_window(ago_days=3)
    c = h.make_cert_with_dates(tmp_path, "old", not_before=before, not_after=after,
                               san="IP:10.0.0.1")
    data = inspect_json(str(c.cert))
    assert data["days_left"] in (-3, -4)
    assert "expired" in {w["code"] for w in data["warnings"]}


def test_human_view(tmp_path: Path) -> None:
    cert = mk(tmp_path, "h")
    r = runner.invoke(app, ["inspect", str(cert), "--key", str(tmp_path / "h.key")])
    assert r.exit_code == 0
    for text in ("CN=192.168.1.5", "IP:192.168.1.5", "SHA-256", "matches", "RSA 2048 bits"):
        assert text in r.stdout


def test_bad_files_are_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["inspect", str(tmp_path / "missing.pem")]).exit_code == 2
    (tmp_path / "junk.der").write_bytes(b"\x00\x01junk")
    r = runner.invoke(app, ["inspect", str(tmp_path / "junk.der")])
    assert r.exit_code == 2 and "not a readable certificate" in r.stderr


@pytest.mark.parametrize("command", [["inspect"], ["check", "--host", "192.168.1.5"],
                                     ["expiry"]])
def test_unreadable_openssl_output_is_exit_3_not_a_traceback(tmp_path: Path, fake_openssl,
                                                             command: list) -> None:
    cert = mk(tmp_path, "g")
    fake_openssl('[ "$1" = x509 ] && { echo notBefore=yesterday; echo "notAfter=?"; exit 0; }\n'
                 'exec "$REAL" "$@"\n')
    r = runner.invoke(app, [command[0], str(cert), *command[1:]])
    assert r.exit_code == 3, r.output
    assert "openssl's output could not be read" in r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_a_csr_is_named_a_csr_with_the_command_that_shows_it(tmp_path: Path) -> None:
    csr = tmp_path / "my server.csr"
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(tmp_path / "k.pem"),
                    "-subj", "/CN=x", "-out", str(csr)], check=True, capture_output=True)
    r = runner.invoke(app, ["inspect", str(csr)])
    assert r.exit_code == 2
    assert "holds a certificate request (CSR), not a certificate." in r.stderr
    assert f"`openssl req -in '{csr}' -noout -text`" in r.stderr


def test_an_encrypted_key_is_said_encrypted_not_mismatched(tmp_path: Path) -> None:
    cert = mk(tmp_path, "e", key="ec")
    enc = tmp_path / "enc.key"
    subprocess.run(["openssl", "pkey", "-in", str(tmp_path / "e.key"), "-aes256", "-passout",
                    "pass:secret", "-out", str(enc)], check=True)
    os.chmod(enc, 0o600)
    r = runner.invoke(app, ["inspect", str(cert), "--key", str(enc), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["key_encrypted"] is True and data["key_matches"] is None
    human = runner.invoke(app, ["inspect", str(cert), "--key", str(enc)])
    assert "does NOT match" not in human.stdout
    assert "encrypted (whether it matches is unknown until it is decrypted)" in human.stdout


def test_a_key_that_does_not_match_is_exit_1_as_check(tmp_path: Path) -> None:
    cert = mk(tmp_path, "a", key="ec")
    mk(tmp_path, "b", key="ec")
    r = runner.invoke(app, ["inspect", str(cert), "--key", str(tmp_path / "b.key")])
    assert r.exit_code == 1 and "does NOT match" in r.stdout
    c = runner.invoke(app, ["check", str(cert), "--host", "192.168.1.5",
                            "--key", str(tmp_path / "b.key")])
    assert c.exit_code == 1


def test_a_file_that_is_no_certificate_is_one_error_details_under_v() -> None:
    r = runner.invoke(app, ["inspect", "/etc/passwd"])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("Error: /etc/passwd is not a readable")
    assert "-v shows what openssl said" in lines[1] and "DECODER" not in r.stderr
    v = runner.invoke(app, ["inspect", "/etc/passwd", "-v"])
    assert v.exit_code == 2 and "openssl" in v.stderr and len(v.stderr.splitlines()) > 2


def test_an_expired_certificate_inside_a_chain_is_flagged(tmp_path: Path) -> None:
    from tests import tigervnc_harness as h

    leaf = mk(tmp_path, "leaf", days="300")
    before, after = h.expired_window(ago_days=5)
    old = h.make_cert_with_dates(tmp_path, "old-intermediate", not_before=before,
                                 not_after=after, san="DNS:ca.example")
    chain = tmp_path / "chain.pem"
    chain.write_text(leaf.read_text() + Path(old.cert).read_text())
    data = inspect_json(str(chain))
    flagged = [w for w in data["warnings"] if w["code"] == "chain-expired"]
    assert len(flagged) == 1 and "Certificate 1 of the chain" in flagged[0]["message"]
