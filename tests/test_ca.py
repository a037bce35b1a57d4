"""`vncssl ca init|issue|bundle` with the real openssl: extensions, modes, serials, batches."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests import tigervnc_harness as h
from tests.clirunner import CliRunner
from vncssl.ca import authority, fleet, issuance
from vncssl.cli import app
from vncssl.errors import UsageError
from vncssl.x509 import names as names_mod

runner = CliRunner()


def ossl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


def text(cert: Path) -> str:
    return ossl("x509", "-in", str(cert), "-noout", "-text", "-subject", "-serial").stdout


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def ca_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("ca") / "myca"
    r = invoke("ca", "init", "--dir", str(d), "--key-type", "ec", "--name", "Test VNC CA")
    assert r.exit_code == 0, r.output
    return d


def test_init_layout_modes_and_extensions(ca_dir: Path) -> None:
    assert ca_dir.stat().st_mode & 0o777 == 0o700
    assert (ca_dir / "ca-key.pem").stat().st_mode & 0o777 == 0o600
    assert (ca_dir / "issued").is_dir()
    t = text(ca_dir / "ca.pem")
    assert "CA:TRUE, pathlen:0" in t
    assert "Certificate Sign, CRL Sign" in t
    assert re.search(r"CN ?= ?Test VNC CA", t)  # OpenSSL 3.2+ prints "CN=..."


def test_init_refuses_to_overwrite_then_force_keeps_backup(tmp_path: Path) -> None:
    d = tmp_path / "ca"
    assert invoke("ca", "init", "--dir", str(d), "--key-type", "ec").exit_code == 0
    before = (d / "ca.pem").read_text()
    r = invoke("ca", "init", "--dir", str(d), "--key-type", "ec")
    assert r.exit_code == 2 and "already exists" in r.output
    assert (d / "ca.pem").read_text() == before
    r = invoke("ca", "init", "--dir", str(d), "--key-type", "ec", "--force")
    assert r.exit_code == 0, r.output
    assert (d / "ca.pem").read_text() != before
    assert [p for p in d.iterdir() if p.name.startswith("ca.pem.") and p.read_text() == before]


def test_issue_rsa_leaf_signed_by_ca(ca_dir: Path, tmp_path: Path) -> None:
    cert, key = tmp_path / "s.pem", tmp_path / "s-key.pem"
    r = invoke("ca", "issue", "--ca-dir", str(ca_dir), "--ip", "127.0.0.2", "--dns", "vnc1.lan",
               "--cert", str(cert), "--key", str(key), "--days", "30")
    assert r.exit_code == 0, r.output
    assert key.stat().st_mode & 0o777 == 0o600
    t = text(cert)
    assert "CA:FALSE" in t and "Digital Signature, Key Encipherment" in t
    assert "TLS Web Server Authentication" in t
    assert "IP Address:127.0.0.2, DNS:vnc1.lan" in t
    assert "Issuer: CN = Test VNC CA" in t or "Test VNC CA" in t.split("Issuer:")[1][:200]
    v = ossl("verify", "-CAfile", str(ca_dir / "ca.pem"), "-verify_ip", "127.0.0.2", str(cert))
    assert v.returncode == 0, v.stdout + v.stderr
    assert ossl("verify", "-CAfile", str(ca_dir / "ca.pem"), "-verify_ip", "127.0.0.9",
                str(cert)).returncode != 0
    serial = ossl("x509", "-in", str(cert), "-noout", "-serial").stdout.split("=")[1].strip()
    assert (ca_dir / "issued" / f"{serial}.pem").read_text() == cert.read_text()


def test_renewal_has_new_serial_and_new_subject(ca_dir: Path, tmp_path: Path) -> None:
    cert, key = tmp_path / "s.pem", tmp_path / "s-key.pem"
    args = ["ca", "issue", "--ca-dir", str(ca_dir), "--ip", "127.0.0.3", "--key-type", "ec",
            "--cert", str(cert), "--key", str(key)]
    assert invoke(*args).exit_code == 0
    first = ossl("x509", "-in", str(cert), "-noout", "-subject", "-serial").stdout
    r = invoke(*args)
    assert r.exit_code == 2 and "--force" in r.output
    assert invoke(*args, "--force").exit_code == 0
    second = ossl("x509", "-in", str(cert), "-noout", "-subject", "-serial").stdout
    s1, n1 = first.splitlines()
    s2, n2 = second.splitlines()
    cn = re.compile(r"CN ?= ?127\.0\.0\.3")  # OpenSSL 3.2+ prints "CN=..."
    assert s1 != s2 and cn.search(s1) and cn.search(s2)
    assert n1 != n2
    assert "Key Encipherment" not in text(cert)  # EC keys sign only


def test_two_process_fallback_for_older_openssl(ca_dir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenSSL < 3.0 / LibreSSL path (req -new + x509 -req), run on the real binary."""
    monkeypatch.setattr(authority.Issuer, "one_process", property(lambda self: False))
    iss = authority.load(str(ca_dir), key_type="ec", days=10)
    names = names_mod.collect(["127.0.0.4"], ["old.lan"])
    done = issuance.issue(iss, names, str(tmp_path / "c.pem"), str(tmp_path / "k.pem"))
    t = text(Path(done.cert))
    assert "CA:FALSE" in t and "IP Address:127.0.0.4, DNS:old.lan" in t
    assert ossl("verify", "-CAfile", str(ca_dir / "ca.pem"), done.cert).returncode == 0
    assert not list(tmp_path.glob(".vncssl-*"))  # temp dirs (and serial files) are gone


def test_issue_without_ca_says_how(tmp_path: Path) -> None:
    r = invoke("ca", "issue", "--ca-dir", str(tmp_path / "none"), "--ip", "127.0.0.2")
    assert r.exit_code == 2 and "vncssl ca init" in r.output


def test_parse_hosts() -> None:
    hosts = fleet.parse_hosts("# fleet\nweb1 127.0.0.2 web1.lan\n\nweb2 127.0.0.3, 127.0.0.4  "
                              "# two NICs\nvnc.lan\n")
    assert [(x.name, [n.san for n in x.names]) for x in hosts] == [
        ("web1", ["IP:127.0.0.2", "DNS:web1.lan"]),
        ("web2", ["IP:127.0.0.3", "IP:127.0.0.4"]),
        ("vnc.lan", ["DNS:vnc.lan"]),
    ]
    for bad, why in (("a 1.2.3\n", "line 1"), ("a 127.0.0.1\na 127.0.0.2\n", "already"),
                     ("../x 127.0.0.1\n", "not a usable"), ("# nothing\n", "no servers")):
        with pytest.raises(UsageError, match=why):
            fleet.parse_hosts(bad)


def test_batch_one_failure_keeps_the_others(ca_dir: Path, tmp_path: Path) -> None:
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("".join(f"h{i} 127.0.1.{i}\n" for i in range(1, 6)))
    out = tmp_path / "out"
    out.mkdir()
    (out / "h3.pem").write_text("not mine\n")  # makes h3 fail: no overwrite without --force
    r = invoke("ca", "issue", "--ca-dir", str(ca_dir), "--from", str(hosts), "--out-dir",
               str(out), "--key-type", "ec")
    assert r.exit_code == 3, r.output
    assert "1 of 5 servers failed: h3" in r.output
    assert (out / "h3.pem").read_text() == "not mine\n"
    for i in (1, 2, 4, 5):
        assert (out / f"h{i}-private.pem").stat().st_mode & 0o777 == 0o600
        assert f"IP Address:127.0.1.{i}" in text(out / f"h{i}.pem")
        assert ossl("verify", "-CAfile", str(ca_dir / "ca.pem"), "-verify_ip",
                    f"127.0.1.{i}", str(out / f"h{i}.pem")).returncode == 0
    assert "issued" in r.output and "failed" in r.output
    serials = {ossl("x509", "-in", str(out / f"h{i}.pem"), "-noout", "-serial").stdout
               for i in (1, 2, 4, 5)}
    assert len(serials) == 4


def test_batch_json(ca_dir: Path, tmp_path: Path) -> None:
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("a 127.0.2.1\nb 127.0.2.2 b.lan\n")
    r = invoke("ca", "issue", "--ca-dir", str(ca_dir), "--from", str(hosts), "--out-dir",
               str(tmp_path), "--key-type", "ec", "--json", "-j", "2")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [o["host"] for o in data["outcomes"]] == ["a", "b"]
    assert all(o["ok"] for o in data["outcomes"]) and data["workers"] == 2
    assert data["outcomes"][1]["issued"]["names"] == ["IP:127.0.2.2", "DNS:b.lan"]


def test_from_and_ip_do_not_mix(tmp_path: Path) -> None:
    r = invoke("ca", "issue", "--from", "x.txt", "--ip", "127.0.0.2")
    assert r.exit_code == 2 and "do not mix" in r.output


# --- bundle ---------------------------------------------------------------------------------

def test_bundle_dedupes_drops_expired_and_flags_shared_subjects(tmp_path: Path) -> None:
    a = h.make_selfsigned(tmp_path / "a", "127.0.0.2", "IP:127.0.0.2", key_type="ec")
    b = h.make_selfsigned(tmp_path / "b", "127.0.0.3", "IP:127.0.0.3", key_type="ec")
    old = h.make_selfsigned(tmp_path / "old", "127.0.0.4", "IP:127.0.0.4", key_type="ec",
                            days=300)
    new = h.make_selfsigned(tmp_path / "new", "127.0.0.4", "IP:127.0.0.4", key_type="ec",
                            days=365)
    start, end = h.expired_window()
    dead = h.make_cert_with_dates(tmp_path / "dead", "127.0.0.5", not_before=start,
                                  not_after=end, san="IP:127.0.0.5", key_type="ec")
    out = tmp_path / "x509_ca.pem"
    r = invoke("ca", "bundle", str(a.cert), str(b.cert), str(a.cert), str(old.cert),
               str(new.cert), str(dead.cert), "--out", str(out))
    assert r.exit_code == 0, r.output
    bundle = out.read_text()
    assert bundle.count("BEGIN CERTIFICATE") == 4
    assert dead.cert.read_text().strip() not in bundle
    assert "expired" in r.output and "duplicate" in r.output
    assert "share the subject" in r.output and "--keep-newest" in r.output
    # The viewer would trust each kept certificate: openssl agrees, one by one.
    for c in (a, b, old, new):
        assert ossl("verify", "-CAfile", str(out), "-partial_chain", str(c.cert)).returncode == 0

    r = invoke("ca", "bundle", str(old.cert), str(new.cert), "--out", str(out), "--force",
               "--keep-newest", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [e["source"] for e in data["kept"]] == [str(new.cert)]
    assert [e["source"] for e in data["replaced_older"]] == [str(old.cert)]
    assert out.read_text().count("BEGIN CERTIFICATE") == 1
    assert data["backups"]


def test_bundle_all_expired_is_an_error(tmp_path: Path) -> None:
    start, end = h.expired_window()
    dead = h.make_cert_with_dates(tmp_path, "x", not_before=start, not_after=end,
                                  san="IP:127.0.0.5", key_type="ec")
    r = invoke("ca", "bundle", str(dead.cert), "--out", str(tmp_path / "b.pem"))
    assert r.exit_code == 2 and "No certificate is left" in r.output
    assert not (tmp_path / "b.pem").exists()


def test_private_ca_example_script_runs(tmp_path: Path) -> None:
    import os
    import sys

    script = Path(__file__).resolve().parent.parent / "examples" / "private-ca.sh"
    env = dict(os.environ, VNCSSL=f"{sys.executable} -m vncssl")
    r = subprocess.run(["sh", str(script), str(tmp_path / "fleet")], capture_output=True,
                       text=True, env=env, timeout=120, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("Accepted:") == 3
    for n in ("vnc1", "vnc2", "vnc3"):
        assert (tmp_path / "fleet" / "certs" / f"{n}-private.pem").stat().st_mode & 0o777 == 0o600


def test_every_bad_line_is_named_at_once_and_nothing_is_issued(ca_dir: Path,
                                                               tmp_path: Path) -> None:
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("ok1 127.0.3.1\nbad1 1.2.3\nok2 127.0.3.2\nbad2 foo_bar!\n"
                     "ok1 127.0.3.9\n")
    out = tmp_path / "out"
    r = invoke("ca", "issue", "--ca-dir", str(ca_dir), "--from", str(hosts), "--out-dir",
               str(out), "--key-type", "ec")
    assert r.exit_code == 2, r.output
    assert "3 bad lines (2, 4, 5); nothing was issued." in r.stderr
    for where in ("line 2:", "line 4:", "line 5:"):
        assert where in r.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_a_notepad_bom_is_accepted() -> None:
    hosts = fleet.parse_hosts("\ufeffweb1 127.0.0.2\r\nweb2 127.0.0.3\r\n")
    assert [h.name for h in hosts] == ["web1", "web2"]


def test_two_hosts_claiming_one_name_are_warned_about(ca_dir: Path, tmp_path: Path) -> None:
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("a 127.0.4.1 shared.lan\nb 127.0.4.2 shared.lan\n")
    r = invoke("ca", "issue", "--ca-dir", str(ca_dir), "--from", str(hosts), "--out-dir",
               str(tmp_path / "o"), "--key-type", "ec")
    assert r.exit_code == 0, r.output
    assert "DNS shared.lan is claimed by a, b" in r.stderr


def test_a_rerun_issues_only_what_is_missing(ca_dir: Path, tmp_path: Path) -> None:
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("".join(f"r{i} 127.0.5.{i}\n" for i in range(1, 4)))
    out = tmp_path / "new" / "certs"  # made by vncssl, 0755
    r = invoke("ca", "issue", "--ca-dir", str(ca_dir), "--from", str(hosts), "--out-dir",
               str(out), "--key-type", "ec")
    assert r.exit_code == 0, r.output
    assert out.stat().st_mode & 0o777 == 0o755 and out.parent.stat().st_mode & 0o777 == 0o755
    assert (out / "r1-private.pem").stat().st_mode & 0o777 == 0o600
    # An interrupted run: r3 never got its files.
    (out / "r3.pem").unlink()
    (out / "r3-private.pem").unlink()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    r = invoke("ca", "issue", "--ca-dir", str(ca_dir), "--from", str(hosts), "--out-dir",
               str(out), "--key-type", "ec", "--json")
    assert r.exit_code == 0, r.output
    data = {o["host"]: o for o in json.loads(r.stdout)["outcomes"]}
    assert data["r1"]["already"] and data["r2"]["already"] and not data["r3"]["already"]
    assert all(o["ok"] for o in data.values())
    for name, content in before.items():
        assert (out / name).read_bytes() == content  # left exactly as they were
    assert "IP Address:127.0.5.3" in text(out / "r3.pem")
    human = invoke("ca", "issue", "--ca-dir", str(ca_dir), "--from", str(hosts), "--out-dir",
                   str(out), "--key-type", "ec")
    assert "already there from an earlier run: r1, r2, r3" in human.stdout


def test_bundle_note_counts_every_certificate_sharing_a_subject(tmp_path: Path) -> None:
    certs = [h.make_selfsigned(tmp_path / f"c{i}", "127.0.0.7", "IP:127.0.0.7", key_type="ec",
                               days=100 + i) for i in range(3)]
    r = invoke("ca", "bundle", *(str(c.cert) for c in certs), "--out",
               str(tmp_path / "b.pem"))
    assert r.exit_code == 0, r.output
    assert "3 different certificates share the subject CN=127.0.0.7" in r.stderr
    assert "all 3 are kept" in r.stderr and "two different" not in r.output
