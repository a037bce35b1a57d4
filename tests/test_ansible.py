"""examples/ansible with the real ansible-playbook: several inventory hosts (local connection,
loopback addresses; each "host" is a folder), a private CA made by vncssl; assert the files,
modes and config written, and that no server key ever reached the control node."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import tigervnc_harness as h

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ansible"
SERVERS = {"srv1": "127.0.0.11", "srv2": "127.0.0.12", "srv3": "127.0.0.13"}


def _ansible_playbook() -> str:
    found = shutil.which("ansible-playbook")
    if found is None:
        if h.ci_mode():
            pytest.fail("ansible-playbook is missing (pip install -e '.[test]')")
        pytest.skip("ansible-playbook not installed (pip install ansible-core)")
    return found


def ossl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    playbook = _ansible_playbook()
    root = tmp_path_factory.mktemp("fleet")
    ca_dir = root / "ca"
    vncssl = [sys.executable, "-m", "vncssl"]
    subprocess.run([*vncssl, "ca", "init", "--dir", str(ca_dir), "--key-type", "ec"],
                   check=True, capture_output=True)
    user = getpass.getuser()
    lines = ["[vnc_servers]"]
    for name, ip in SERVERS.items():
        extra = " vncssl_dns='[\"srv3.lan\"]'" if name == "srv3" else ""
        lines.append(f"{name} ansible_host={ip} vnc_cert_dir={root / name / 'tigervnc'}{extra}")
    lines += ["[vnc_servers:vars]", f"vnc_user={user}", "vnc_service=''",
              "[vnc_viewers]", f"desk1 viewer_x509ca_path={root / 'desk1' / 'x509_ca.pem'}",
              "[all:vars]", "ansible_connection=local",
              f"ansible_python_interpreter={sys.executable}",
              f"vncssl_command={json.dumps(vncssl)}", "vncssl_key_type=ec",
              f"vncssl_stage_dir={root / 'staged'}"]
    inventory = root / "inventory.ini"
    inventory.write_text("\n".join(lines) + "\n")
    (root / "srv2" / "tigervnc").mkdir(parents=True)
    (root / "srv2" / "tigervnc" / "config").write_text("geometry=1280x800\n")
    env = dict(os.environ, VNCSSL_CA_DIR=str(ca_dir), ANSIBLE_HOME=str(root / ".ansible"),
               ANSIBLE_LOCAL_TEMP=str(root / ".ansible" / "tmp"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_HOST_KEY_CHECKING="0",
               ANSIBLE_PIPELINING="1", ANSIBLE_FORKS="8")
    argv = [playbook, "-i", str(inventory), str(EXAMPLE / "site.yml")]
    run = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    again = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stdout[-3000:]
    (root / "second-run.txt").write_text(again.stdout)
    return root


def test_each_server_gets_its_own_ca_issued_cert(fleet: Path) -> None:
    ca = fleet / "ca" / "ca.pem"
    fingerprints = set()
    for name, ip in SERVERS.items():
        d = fleet / name / "tigervnc"
        cert, key = d / "vnc-server.pem", d / "vnc-server-private.pem"
        assert d.stat().st_mode & 0o777 == 0o700
        assert key.stat().st_mode & 0o777 == 0o600
        assert cert.stat().st_mode & 0o777 == 0o644
        assert key.stat().st_uid == os.getuid()
        v = ossl("verify", "-CAfile", str(ca), "-verify_ip", ip, str(cert))
        assert v.returncode == 0, v.stdout + v.stderr
        pub_c = ossl("x509", "-in", str(cert), "-noout", "-pubkey").stdout
        pub_k = ossl("pkey", "-in", str(key), "-pubout").stdout
        assert pub_c == pub_k
        fingerprints.add(ossl("x509", "-in", str(cert), "-noout", "-fingerprint").stdout)
    assert len(fingerprints) == len(SERVERS)
    srv3 = ossl("x509", "-in", str(fleet / "srv3" / "tigervnc" / "vnc-server.pem"), "-noout",
                "-ext", "subjectAltName").stdout
    assert "IP Address:127.0.0.13, DNS:srv3.lan" in srv3
    # Staged copies on the control node stay private.
    assert (fleet / "staged").stat().st_mode & 0o777 == 0o700


def test_keys_never_leave_their_servers(fleet: Path) -> None:
    """The control node (the staging folder, the CA folder, Ansible's own temp files) holds
    requests and certificates only: each server's key exists once, in its own folder."""
    staged = sorted(p.name for p in (fleet / "staged").iterdir())
    assert staged == sorted(f"{n}.{ext}" for n in SERVERS for ext in ("csr", "pem"))
    for p in (fleet / "staged").iterdir():
        assert "PRIVATE KEY" not in p.read_text()
    everything = [p for p in fleet.rglob("*") if p.is_file()]
    for name in SERVERS:
        key = (fleet / name / "tigervnc" / "vnc-server-private.pem").read_bytes()
        body = b"".join(key.splitlines()[1:-1])
        holders = [p for p in everything if body in b"".join(p.read_bytes().splitlines())]
        assert holders == [fleet / name / "tigervnc" / "vnc-server-private.pem"], holders
    keys = [p for p in everything if b"PRIVATE KEY" in p.read_bytes()]
    assert sorted(keys) == sorted([fleet / "ca" / "ca-key.pem"] + [
        fleet / n / "tigervnc" / "vnc-server-private.pem" for n in SERVERS])


def test_tigervnc_config_written_and_other_lines_kept(fleet: Path) -> None:
    for name in SERVERS:
        d = fleet / name / "tigervnc"
        config = (d / "config").read_text()
        assert "securitytypes=X509Vnc" in config
        assert f"x509cert={d / 'vnc-server.pem'}" in config
        assert f"x509key={d / 'vnc-server-private.pem'}" in config
        assert config.count("BEGIN vncssl managed") == 1  # the second run added nothing
    assert "geometry=1280x800" in (fleet / "srv2" / "tigervnc" / "config").read_text()


def test_viewer_gets_the_ca_and_second_run_changes_nothing(fleet: Path) -> None:
    x509ca = (fleet / "desk1" / "x509_ca.pem").read_text()
    ca = (fleet / "ca" / "ca.pem").read_text().strip()
    assert ca in x509ca and x509ca.count("BEGIN CERTIFICATE") == 1
    recap = (fleet / "second-run.txt").read_text()
    assert "changed=0" in recap and "failed=0" in recap
    for name in (*SERVERS, "desk1"):
        assert f"{name}" in recap
