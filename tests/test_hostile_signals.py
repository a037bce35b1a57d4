"""Issue 12, cases 16-19: nothing lost on signals and collisions. A certificate and its key
are always the old pair or the new pair, whichever stop signal arrives when; a batch says
which servers were issued; output names never collide; a bundle never loses an input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.pairs import pair_matches
from vncssl.cli import app
from vncssl.fs import atomic

runner = CliRunner()
IP = "192.168.1.5"
STOPS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


def make_pair(d: Path) -> None:
    r = runner.invoke(app, ["create", "--ip", IP, "--yes", "--key-type", "ec", "--cert",
                            str(d / "vnc-server.pem"), "--key", str(d / "vnc-server-private.pem")])
    assert r.exit_code == 0, r.output


# --- 16. every stop signal alike in the critical section; the message says what is there --------

@pytest.mark.parametrize("sig", STOPS, ids=lambda s: s.name)
@pytest.mark.parametrize("point", ["checked", "backed-up"])
def test_a_stop_signal_between_the_renames_leaves_the_new_pair(tmp_path: Path, monkeypatch,
                                                               sig, point: str) -> None:
    make_pair(tmp_path)
    old = (tmp_path / "vnc-server.pem").read_bytes()

    def stop(at: str) -> None:
        if at == point:
            os.kill(os.getpid(), sig)  # delivered now, in the middle of the section

    monkeypatch.setattr(atomic, "race_hook", stop)
    monkeypatch.setattr(atomic, "_INSTALLED", [])
    r = runner.invoke(app, ["create", "--ip", IP, "--yes", "--force", "--key-type", "ec",
                            "--cert", str(tmp_path / "vnc-server.pem"), "--key",
                            str(tmp_path / "vnc-server-private.pem")])
    assert r.exit_code == 130, r.output
    cert, key = tmp_path / "vnc-server.pem", tmp_path / "vnc-server-private.pem"
    assert cert.read_bytes() != old  # the section finished: the new pair, complete
    assert pair_matches(cert, key)
    assert "installed, complete and new" in r.stderr and str(cert) in r.stderr
    assert "nothing was installed" not in r.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".vncssl")]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stop_signal_before_the_section_leaves_the_old_pair(tmp_path: Path, fake_openssl,
                                                              sig) -> None:
    make_pair(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.glob("vnc-server*.pem")}
    started = tmp_path / "started"
    fake_openssl(f"""
    if [ "$1" = req ]; then touch {started}; sleep 30; fi
    exec "$REAL" "$@"
    """)
    proc = subprocess.Popen([sys.executable, "-m", "vncssl", "create", "--ip", IP, "--yes",  # noqa: S603
                             "--force", "--key-type", "ec"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    for _ in range(600):
        if started.exists() or proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "nothing was installed" in err
    assert {p: p.read_bytes() for p in tmp_path.glob("vnc-server*.pem")} == before


# --- 17. SIGTERM/SIGHUP during `ca issue --from` ----------------------------------------------

def _openssl_children(pid: int, sub: str = "") -> list:
    from vncssl.openssl.runner import _descendants

    def argv(child: int) -> list:
        try:
            return Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return []

    return [c for c in _descendants(pid) if not sub or sub.encode() in argv(c)[1:3]]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=lambda s: s.name)
def test_stop_during_a_batch_cleans_up_kills_children_and_reports(tmp_path: Path, sig) -> None:
    ca = tmp_path / "ca"
    assert runner.invoke(app, ["ca", "init", "--dir", str(ca), "--key-type", "ec"]).exit_code == 0
    out = tmp_path / "out"
    out.mkdir()
    hosts = tmp_path / "hosts.txt"
    # RSA-4096 keys are slow enough that the batch is still running when the signal comes.
    hosts.write_text("".join(f"h{i} 10.0.0.{i}\n" for i in range(1, 13)))
    proc = subprocess.Popen([sys.executable, "-m", "vncssl", "ca", "issue", "--ca-dir",  # noqa: S603
                             str(ca), "--from", str(hosts), "--out-dir", str(out),
                             "--key-type", "rsa:4096", "--jobs", "2"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    for _ in range(1200):  # wait until the batch runs: openssl making a server's key
        if _openssl_children(proc.pid, "req") or proc.poll() is not None:
            break
        time.sleep(0.05)
    children = _openssl_children(proc.pid)
    assert children, "the batch had no openssl running"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "servers were issued" in err
    for pid in children:  # none orphaned
        assert not Path(f"/proc/{pid}").exists() or \
            Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    assert not [p for p in out.iterdir() if p.name.startswith(".vncssl")]
    issued = sorted(p.name[:-4] for p in out.glob("h*.pem") if "private" not in p.name)
    for name in issued:  # every pair written is complete and matching
        assert pair_matches(out / f"{name}.pem", out / f"{name}-private.pem")
        assert name in err


# --- 18. output name collisions -----------------------------------------------------------------

@pytest.fixture
def ca(ec_ca: Path) -> Path:
    return ec_ca


@pytest.mark.parametrize("lines", [["a 10.0.0.1", "a-private 10.0.0.2"],
                                   ["Web 10.0.0.1", "web 10.0.0.2"]])
def test_colliding_output_names_are_refused_before_any_work(tmp_path: Path, ca: Path,
                                                            lines) -> None:
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    out.mkdir()
    r = runner.invoke(app, ["ca", "issue", "--ca-dir", str(ca), "--from", str(hosts),
                            "--out-dir", str(out), "--force"])
    assert r.exit_code == 2, r.output
    assert "would both write" in r.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("name", ["ca-key", "ca"])
def test_a_batch_never_writes_over_the_cas_files(tmp_path: Path, ca: Path, name: str) -> None:
    before = {p.name: p.read_bytes() for p in ca.iterdir() if p.is_file()}
    hosts = tmp_path / "hosts.txt"
    hosts.write_text(f"{name} 10.0.0.1\n")
    r = runner.invoke(app, ["ca", "issue", "--ca-dir", str(ca), "--from", str(hosts),
                            "--out-dir", str(ca), "--force"])
    assert r.exit_code == 2, r.output
    assert "one of the CA's own files" in r.stderr
    assert {p.name: p.read_bytes() for p in ca.iterdir() if p.is_file()} == before


def test_a_single_issue_never_writes_over_the_cas_files(tmp_path: Path, ca: Path) -> None:
    before = (ca / "ca-key.pem").read_bytes()
    r = runner.invoke(app, ["ca", "issue", "--ca-dir", str(ca), "--ip", IP, "--cert",
                            str(tmp_path / "s.pem"), "--key", str(ca / "ca-key.pem"), "--force"])
    assert r.exit_code == 2 and "one of the CA's own files" in r.stderr
    assert (ca / "ca-key.pem").read_bytes() == before


# --- 19. a bundle's output that is also an input is merged ---------------------------------------

def test_bundle_into_one_of_its_inputs_keeps_both(tmp_path: Path) -> None:
    for name in ("old", "new"):
        r = runner.invoke(app, ["create", "--ip", IP, "--yes", "--key-type", "ec", "--cert",
                                str(tmp_path / f"{name}.pem"), "--key",
                                str(tmp_path / f"{name}-key.pem")])
        assert r.exit_code == 0, r.output
    fingerprints = set()
    for name in ("old", "new"):
        fingerprints.add(subprocess.run(["openssl", "x509", "-in", str(tmp_path / f"{name}.pem"),  # noqa: S603,S607
                                         "-noout", "-fingerprint", "-sha256"],
                                        capture_output=True, text=True, check=True).stdout)
    out = tmp_path / "old.pem"
    r = runner.invoke(app, ["ca", "bundle", str(out), str(tmp_path / "new.pem"), "--out",
                            str(out), "--force"])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert text.count("BEGIN CERTIFICATE") == 2
    got = set()
    from vncssl.x509.certinfo import split_pem

    for block in split_pem(text):
        got.add(subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"],  # noqa: S603,S607
                               input=block, capture_output=True, text=True,
                               check=True).stdout)
    assert got == fingerprints
