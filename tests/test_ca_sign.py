"""`vncssl ca request` (on the server) + `vncssl ca sign` (on the CA machine), with the real
openssl: keys never move, requests are checked, names are the operator's to allow."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.x509 import csrinfo, der

runner = CliRunner()


def ossl(*args: str, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=check)


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def ca_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("ca") / "ca"
    r = invoke("ca", "init", "--dir", str(d), "--key-type", "ec")
    assert r.exit_code == 0, r.output
    return d


def request(where: Path, *args: str) -> Path:
    r = invoke("ca", "request", "--out", str(where / "vnc-server.csr"), "--key",
               str(where / "vnc-server-private.pem"), *args)
    assert r.exit_code == 0, r.output
    return where / "vnc-server.csr"


def raw_csr(where: Path, name: str, *, newkey: str = "ec", san: str = "",
            extra: str = "") -> Path:
    """A request made by openssl directly, for what `ca request` never makes."""
    cnf = where / f"{name}.cnf"
    cnf.write_text("[req]\ndistinguished_name=dn\n[dn]\n[ext]\n"
                   + (f"subjectAltName={san}\n" if san else "basicConstraints=CA:FALSE\n")
                   + extra)
    keyargs = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] \
        if newkey == "ec" else ["-newkey", newkey]
    ossl("req", "-new", *keyargs, "-nodes", "-keyout", str(where / f"{name}.key"), "-out",
         str(where / f"{name}.csr"), "-subj", "/CN=x", "-config", str(cnf), "-reqexts", "ext",
         check=True)
    return where / f"{name}.csr"


def issued(ca_dir: Path) -> set:
    return set(os.listdir(ca_dir / "issued"))


def test_request_then_sign_keeps_the_key_on_the_server(ca_dir: Path, tmp_path: Path) -> None:
    server = tmp_path / "server"
    server.mkdir()
    csr = request(server, "--ip", "192.168.1.5", "--dns", "vnc1.lan", "--key-type", "ec")
    key = server / "vnc-server-private.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE KEY" not in csr.read_text()
    cert = tmp_path / "back.pem"
    r = invoke("ca", "sign", str(csr), "--ca-dir", str(ca_dir), "--out", str(cert), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["names"] == ["IP:192.168.1.5", "DNS:vnc1.lan"]
    v = ossl("verify", "-CAfile", str(ca_dir / "ca.pem"), "-verify_ip", "192.168.1.5", str(cert))
    assert v.returncode == 0, v.stdout + v.stderr
    assert ossl("x509", "-in", str(cert), "-noout", "-pubkey").stdout == \
        ossl("pkey", "-in", str(key), "-pubout").stdout
    exts = ossl("x509", "-in", str(cert), "-noout", "-ext",
                "basicConstraints,keyUsage,extendedKeyUsage").stdout
    assert "CA:FALSE" in exts and "Digital Signature" in exts and "Server Authentication" in exts
    assert "Key Encipherment" not in exts  # an EC key signs only, as `ca issue` makes it
    assert f"{data['serial']}.pem" in issued(ca_dir)
    assert cert.read_text().startswith("-----BEGIN CERTIFICATE-----")  # only the PEM


def test_sign_same_extensions_as_issue_for_rsa(ca_dir: Path, tmp_path: Path) -> None:
    csr = request(tmp_path, "--ip", "10.0.0.7")
    assert invoke("ca", "sign", str(csr), "--ca-dir", str(ca_dir)).exit_code == 0
    r = invoke("ca", "issue", "--ip", "10.0.0.8", "--ca-dir", str(ca_dir), "--cert",
               str(tmp_path / "i.pem"), "--key", str(tmp_path / "i-key.pem"))
    assert r.exit_code == 0, r.output
    names = "basicConstraints,keyUsage,extendedKeyUsage"
    signed = ossl("x509", "-in", str(tmp_path / "vnc-server.pem"), "-noout", "-ext", names)
    made = ossl("x509", "-in", str(tmp_path / "i.pem"), "-noout", "-ext", names)
    assert signed.stdout == made.stdout and "Key Encipherment" in signed.stdout


def test_existing_key_is_used_and_left_alone(tmp_path: Path, ca_dir: Path) -> None:
    key = tmp_path / "mine.pem"
    ossl("genpkey", "-algorithm", "ED25519", "-out", str(key), check=True)
    before = key.read_bytes()
    r = invoke("ca", "request", "--ip", "10.1.1.1", "--key", str(key), "--out",
               str(tmp_path / "r.csr"))
    assert r.exit_code == 0, r.output
    assert key.read_bytes() == before
    r = invoke("ca", "sign", str(tmp_path / "r.csr"), "--ca-dir", str(ca_dir))
    assert r.exit_code == 0, r.output
    assert ossl("x509", "-in", str(tmp_path / "r.pem"), "-noout", "-pubkey").stdout == \
        ossl("pkey", "-in", str(key), "-pubout").stdout


def _refused(r, ca_dir: Path, before: set, out: Path, words: str) -> None:
    assert r.exit_code == 2, r.output
    assert words in r.output
    assert "Traceback" not in r.output
    assert not out.exists()
    assert issued(ca_dir) == before


def test_names_outside_what_the_operator_allows_are_refused(ca_dir: Path, tmp_path: Path
                                                            ) -> None:
    csr = request(tmp_path, "--ip", "192.168.1.5", "--dns", "vnc1.lan")
    before, out = issued(ca_dir), tmp_path / "c.pem"
    r = invoke("ca", "sign", str(csr), "--ca-dir", str(ca_dir), "--ip", "192.168.1.5",
               "--out", str(out))
    _refused(r, ca_dir, before, out, "DNS:vnc1.lan, which you did not allow")
    # Allowing more than asked: the certificate names what the operator allows.
    r = invoke("ca", "sign", str(csr), "--ca-dir", str(ca_dir), "--ip", "192.168.1.5",
               "--dns", "vnc1.lan", "--ip", "10.9.0.5", "--out", str(out), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["names"] == ["IP:192.168.1.5", "IP:10.9.0.5", "DNS:vnc1.lan"]


def test_a_comma_in_a_name_cannot_pass_for_two_names(ca_dir: Path, tmp_path: Path) -> None:
    # openssl prints this one DNS entry as "DNS:evil.lan, IP Address:10.9.9.9".
    csr = raw_csr(tmp_path, "spoof", san="@alt",
                  extra="[alt]\nDNS.1=evil.lan, IP Address:10.9.9.9\n")
    facts = csrinfo.read_request(_ossl_info(), csr)
    assert [(s.type, s.value) for s in facts.names] == [("DNS", "evil.lan, IP Address:10.9.9.9")]
    before, out = issued(ca_dir), tmp_path / "spoof.pem"
    r = invoke("ca", "sign", str(csr), "--ca-dir", str(ca_dir), "--ip", "10.9.9.9")
    _refused(r, ca_dir, before, out, "spoof.csr asks for a name vncssl refuses")


def _ossl_info():
    from vncssl.openssl import binary

    return binary.find(None)[0]


@pytest.mark.parametrize("san, words", [
    ("email:a@b.example", "asks for email:a@b.example"),
    ("DNS:-bad-.lan", "asks for a name vncssl refuses"),
    ("", "asks for no names"),
])
def test_bad_requested_names(ca_dir: Path, tmp_path: Path, san: str, words: str) -> None:
    csr = raw_csr(tmp_path, "odd", san=san)
    before, out = issued(ca_dir), tmp_path / "odd.pem"
    _refused(invoke("ca", "sign", str(csr), "--ca-dir", str(ca_dir)), ca_dir, before, out,
             words)


@pytest.mark.parametrize("newkey, args, words", [
    ("rsa:1024", [], "RSA 1024 key"),
    ("ec", ["--key-type", "rsa"], "not the rsa that --key-type requires"),
    ("rsa:2048", ["--key-type", "ec"], "not the ec that --key-type requires"),
])
def test_wrong_key_types(ca_dir: Path, tmp_path: Path, newkey: str, args: list,
                         words: str) -> None:
    csr = raw_csr(tmp_path, "k", newkey=newkey, san="IP:10.2.2.2")
    before, out = issued(ca_dir), tmp_path / "k.pem"
    _refused(invoke("ca", "sign", str(csr), "--ca-dir", str(ca_dir), *args), ca_dir, before,
             out, words)


def test_bad_signature_and_not_a_request(ca_dir: Path, tmp_path: Path) -> None:
    csr = request(tmp_path, "--ip", "10.3.3.3", "--key-type", "ec")
    der = bytearray(base64.b64decode("".join(csr.read_text().splitlines()[1:-1])))
    der[-3] ^= 0x01  # inside the signature value
    bad = tmp_path / "bad.csr"
    bad.write_bytes(bytes(der))  # DER is read too
    before, out = issued(ca_dir), tmp_path / "bad.pem"
    _refused(invoke("ca", "sign", str(bad), "--ca-dir", str(ca_dir)), ca_dir, before, out,
             "does not verify")
    _refused(invoke("ca", "sign", str(ca_dir / "ca.pem"), "--ca-dir", str(ca_dir), "--out",
                    str(out)), ca_dir, before, out, "not a certificate signing request")


def test_der_reader_refuses_truncated_and_trailing_bytes() -> None:
    with pytest.raises(der.DerError):
        der.parse(b"\x30\x05\x02\x01")
    with pytest.raises(der.DerError):
        der.parse(b"\x30\x00\x00")
    with pytest.raises(der.DerError):
        der.parse(b"\x30\x80\x00\x00")  # indefinite length
    assert der.oid(der.parse(bytes.fromhex("06082a8648ce3d030107")).value) == \
        "1.2.840.10045.3.1.7"


def test_request_bad_input_writes_nothing(tmp_path: Path) -> None:
    r = invoke("ca", "request", "--out", str(tmp_path / "r.csr"))
    assert r.exit_code == 2 and "No names" in r.output
    enc = tmp_path / "enc.pem"
    ossl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256",
         "-pass", "pass:x", "-out", str(enc), check=True)
    r = invoke("ca", "request", "--ip", "10.0.0.1", "--key", str(enc), "--out",
               str(tmp_path / "r.csr"))
    assert r.exit_code == 2 and "encrypted" in r.output
    r = invoke("ca", "request", "--ip", "10.0.0.1.5", "--out", str(tmp_path / "r.csr"))
    assert r.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["enc.pem"]
