"""`ca revoke`, `ca crl`, `check --crl`, `expiry CRL`, `tigervnc viewer --install-crl`, with
the real openssl; bad input is one line + exit 2 with nothing written; signals during
`ca sign` / `ca crl` leave nothing half-written and no process behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from vncssl.cli import app

runner = CliRunner()


def invoke(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


def ossl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture
def ca(tmp_path: Path) -> dict:
    d = tmp_path / "ca"
    assert invoke("ca", "init", "--dir", str(d), "--key-type", "ec").exit_code == 0
    certs = {}
    for name in ("one", "two"):
        r = invoke("ca", "issue", "--ip", "10.0.0.1", "--ca-dir", str(d), "--key-type", "ec",
                   "--cert", str(tmp_path / f"{name}.pem"), "--key",
                   str(tmp_path / f"{name}-key.pem"), "--json")
        assert r.exit_code == 0, r.output
        certs[name] = json.loads(r.output)["serial"]
    return {"dir": d, "tmp": tmp_path, "serials": certs}


def test_revoke_by_file_and_by_serial_then_crl_lists_both(ca: dict) -> None:
    d, tmp = ca["dir"], ca["tmp"]
    r = invoke("ca", "revoke", str(tmp / "one.pem"), "--ca-dir", str(d), "--reason",
               "keycompromise", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["reason"] == "keyCompromise"
    serial = ca["serials"]["two"]
    spelled = ":".join(serial[i:i + 2] for i in range(0, len(serial), 2)).lower()
    assert invoke("ca", "revoke", spelled, "--ca-dir", str(d)).exit_code == 0
    assert (d / "db").stat().st_mode & 0o777 == 0o700
    assert (d / "db" / "index.txt").stat().st_mode & 0o777 == 0o600
    out = tmp / "x509_crl.pem"
    r = invoke("ca", "crl", "--ca-dir", str(d), "--out", str(out), "--days", "7", "--json")
    assert r.exit_code == 0, r.output
    assert sorted(json.loads(r.output)["revoked"]) == sorted(ca["serials"].values())
    listed = ossl("crl", "-in", str(out), "-CAfile", str(d / "ca.pem"), "-noout", "-text")
    assert listed.returncode == 0 and "verify OK" in listed.stderr
    assert ca["serials"]["one"] in listed.stdout and "Key Compromise" in listed.stdout
    assert out.stat().st_mode & 0o777 == 0o644
    # Refreshing: the existing CRL is replaced, and the CRL number goes up.
    r = invoke("ca", "crl", "--ca-dir", str(d), "--out", str(out), "--json")
    assert r.exit_code == 0 and json.loads(r.output)["crl_number"] == "2"
    assert (d / "crl.pem").read_bytes() == out.read_bytes()


@pytest.mark.parametrize("args, words", [
    (["0123ABCD"], "No certificate with serial 0123ABCD"),
    (["not-a-serial"], "neither a certificate file nor a serial"),
    (["{tmp}/one.pem", "--reason", "lost"], "is not a revocation reason"),
    (["{tmp}/foreign.pem"], "was not issued by the CA"),
])
def test_revoke_bad_input_changes_nothing(ca: dict, args: list, words: str) -> None:
    tmp = ca["tmp"]
    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(tmp / "f.key"), "-out", str(tmp / "foreign.pem"), "-subj", "/CN=f")
    before = snapshot(ca["dir"])
    r = invoke("ca", "revoke", *[a.format(tmp=tmp) for a in args], "--ca-dir", str(ca["dir"]))
    assert r.exit_code == 2, r.output
    assert words in r.output and "Traceback" not in r.output
    assert snapshot(ca["dir"]) == before


def test_revoking_twice_is_refused(ca: dict) -> None:
    d = ca["dir"]
    serial = ca["serials"]["one"]
    assert invoke("ca", "revoke", serial, "--ca-dir", str(d)).exit_code == 0
    before = snapshot(d)
    r = invoke("ca", "revoke", serial, "--ca-dir", str(d))
    assert r.exit_code == 2 and "already revoked" in r.output
    assert snapshot(d) == before


def test_crl_out_never_overwrites_another_file(ca: dict) -> None:
    victim = ca["tmp"] / "notes.txt"
    victim.write_text("precious")
    r = invoke("ca", "crl", "--ca-dir", str(ca["dir"]), "--out", str(victim))
    assert r.exit_code == 2 and "is not a CRL" in r.output
    assert victim.read_text() == "precious"
    assert not (ca["dir"] / "crl.pem").exists()


def test_check_crl_of_another_ca_is_bad_input_and_expiry_reads_crls(ca: dict,
                                                                     tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert invoke("ca", "init", "--dir", str(other), "--key-type", "ec").exit_code == 0
    assert invoke("ca", "crl", "--ca-dir", str(other), "--days", "20").exit_code == 0
    r = invoke("check", str(ca["tmp"] / "one.pem"), "--host", "10.0.0.1", "--ca",
               str(ca["dir"] / "ca.pem"), "--crl", str(other / "crl.pem"))
    assert r.exit_code == 2 and "belongs to a different CA" in r.output
    assert invoke("expiry", str(other / "crl.pem")).exit_code == 0  # 20 days > 7
    r = invoke("expiry", str(other / "crl.pem"), "--within", "30", "--json")
    assert r.exit_code == 1 and json.loads(r.output)["kind"] == "crl"


@pytest.mark.parametrize("version, where", [("1.12", ".vnc"), ("1.14", ".config/tigervnc")])
def test_install_crl_per_generation_and_refuses_another_cas(ca: dict, tmp_path: Path,
                                                            version: str, where: str) -> None:
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    base = ["tigervnc", "viewer", "--tigervnc-version", version]
    assert invoke(*base, "--cert", str(ca["dir"] / "ca.pem"), "--install",
                  env=env).exit_code == 0
    assert invoke("ca", "crl", "--ca-dir", str(ca["dir"])).exit_code == 0
    r = invoke(*base, "--install-crl", str(ca["dir"] / "crl.pem"), "--json", env=env)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["installed"] == str(home / where / "x509_crl.pem")
    assert (home / where / "x509_crl.pem").read_bytes() == (ca["dir"] / "crl.pem").read_bytes()
    other = tmp_path / "other"
    invoke("ca", "init", "--dir", str(other), "--key-type", "ec")
    invoke("ca", "crl", "--ca-dir", str(other))
    before = snapshot(home)
    r = invoke(*base, "--install-crl", str(other / "crl.pem"), env=env)
    assert r.exit_code == 2 and "different CA" in r.output
    assert snapshot(home) == before


# --- signals ------------------------------------------------------------------------------

SLOW = """
if [ "$1" = ca ] || {{ [ "$1" = x509 ] && [ "$2" = -req ]; }}; then
  sleep 60 & echo $! > "{marker}.sleep"
  echo started > "{marker}"
  wait
fi
exec "$REAL" "$@"
"""


def _wait_for(marker: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)


def _dead(pid: int) -> bool:
    """Gone, or a zombie (killed, waiting for init to reap it once its parent died too), or
    the pid now belongs to another process (pid_max is 32768 here: pids are reused fast)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                ours = fh.read().split(b"\0")[:2] == [b"sleep", b"60"]
        except FileNotFoundError:
            return True
        if state in ("Z", "X") or not ours:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("command", ["crl", "revoke", "sign"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_leaves_nothing_half_written(ca: dict, fake_openssl, command: str,
                                            sig: int) -> None:
    tmp, d = ca["tmp"], ca["dir"]
    if command == "sign":
        r = invoke("ca", "request", "--ip", "10.0.0.9", "--key-type", "ec", "--key",
                   str(tmp / "s-key.pem"), "--out", str(tmp / "s.csr"))
        assert r.exit_code == 0, r.output
    marker = tmp / "started"
    fake_openssl(SLOW.format(marker=marker))
    args = {"crl": ["crl", "--out", str(tmp / "crl.pem")],
            "revoke": ["revoke", ca["serials"]["one"]],
            "sign": ["sign", str(tmp / "s.csr"), "--out", str(tmp / "s.pem")]}[command]
    before, files_before = snapshot(d), sorted(p.name for p in tmp.iterdir())
    proc = subprocess.Popen([sys.executable, "-m", "vncssl", "ca", *args, "--ca-dir", str(d)],  # noqa: S603
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp)
    try:
        _wait_for(marker, proc)
        assert marker.exists(), proc.communicate(timeout=30)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert _dead(int(Path(f"{marker}.sleep").read_text()))
    assert snapshot(d) == before
    assert not [p for p in d.rglob(".vncssl-*")]
    after = sorted(p.name for p in tmp.iterdir() if not p.name.startswith("started"))
    assert after == [n for n in files_before if not n.startswith("started")]
