"""`vncssl probe --from HOSTS_FILE` against several real Xvnc servers on loopback, a closed
port and a hostile listener that accepts and never speaks: one JSON object per host, the
documented exit-code precedence, and Ctrl-C/TERM leaving no process behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import tigervnc_harness as h

pytestmark = pytest.mark.tigervnc


def vncssl(*args: str, env: dict | None = None, cwd: Path | None = None
           ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vncssl", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    h.require_tigervnc()
    d = tmp_path_factory.mktemp("probe-fleet")
    env = dict(os.environ, VNCSSL_CA_DIR=str(d / "ca"))
    assert vncssl("ca", "init", "--key-type", "ec", env=env).returncode == 0
    for name in ("good", "revoked"):
        r = vncssl("ca", "issue", "--ip", "127.0.0.1", "--key-type", "ec", "--cert",
                   str(d / f"{name}.pem"), "--key", str(d / f"{name}-key.pem"), env=env)
        assert r.returncode == 0, r.stderr
    assert vncssl("ca", "revoke", str(d / "revoked.pem"), env=env).returncode == 0
    assert vncssl("ca", "crl", "--out", str(d / "crl.pem"), env=env).returncode == 0
    hostile = socket.socket()
    hostile.bind(("127.0.0.1", 0))
    hostile.listen(8)  # accepts (the kernel does), never says a word
    with contextlib.ExitStack() as stack:
        stack.callback(hostile.close)
        good = [stack.enter_context(h.xvnc_server(d / "good.pem", d / "good-key.pem"))
                for _ in range(3)]
        bad = stack.enter_context(h.xvnc_server(d / "revoked.pem", d / "revoked-key.pem"))
        yield {"dir": d, "ca": d / "ca" / "ca.pem", "crl": d / "crl.pem", "good": good,
               "revoked": bad, "hostile": hostile.getsockname()[1]}


def hosts_file(fleet: dict, *extra: str) -> Path:
    lines = ["# name  address", *(f"good{i} 127.0.0.1::{s.port}"
                                 for i, s in enumerate(fleet["good"])), *extra]
    path = fleet["dir"] / f"hosts-{len(extra)}-{time.monotonic_ns()}.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_json(fleet: dict, path: Path, *args: str) -> tuple:
    r = vncssl("probe", "--from", str(path), "--ca", str(fleet["ca"]), "--timeout", "3",
               "--json", *args)
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    return r.returncode, {row["name"]: row for row in rows}, [row["name"] for row in rows], r


def test_all_good_one_object_per_host_in_file_order(fleet: dict) -> None:
    code, rows, order, r = run_json(fleet, hosts_file(fleet))
    assert code == 0, r.stderr
    assert order == ["good0", "good1", "good2"]
    fingerprints = {row["fingerprint_sha256"] for row in rows.values()}
    openssl = subprocess.run(["openssl", "x509", "-in", str(fleet["dir"] / "good.pem"),
                              "-noout", "-fingerprint", "-sha256"], capture_output=True,
                             text=True).stdout.strip().split("=", 1)[1]
    assert fingerprints == {openssl}
    assert all(row["verdict"] == "accepted" and row["vencrypt_subtypes"] == ["X509None"]
               for row in rows.values())


def test_revoked_host_is_a_problem_exit_1(fleet: dict) -> None:
    path = hosts_file(fleet, f"old 127.0.0.1::{fleet['revoked'].port}")
    code, rows, _, r = run_json(fleet, path, "--crl", str(fleet["crl"]))
    assert code == 1, r.stderr
    assert rows["old"]["verdict"] == "problems" and rows["old"]["problems"] == ["revoked"]
    assert rows["good0"]["verdict"] == "accepted"


def test_unreachable_wins_over_problems_and_hostile_host_does_not_stop_the_rest(
        fleet: dict) -> None:
    path = hosts_file(fleet, f"old 127.0.0.1::{fleet['revoked'].port}",
                      f"silent 127.0.0.1::{fleet['hostile']}", "closed 127.0.0.1::1")
    code, rows, order, r = run_json(fleet, path, "--crl", str(fleet["crl"]), "--jobs", "2")
    assert code == 3, r.stderr  # unreachable (3) takes precedence over problems (1)
    assert order == ["good0", "good1", "good2", "old", "silent", "closed"]
    assert rows["silent"]["verdict"] == rows["closed"]["verdict"] == "unreachable"
    assert "within 3 s" in rows["silent"]["messages"][0]
    assert all(rows[f"good{i}"]["verdict"] == "accepted" for i in range(3))
    assert rows["old"]["problems"] == ["revoked"]


def test_table_and_bad_hosts_file(fleet: dict) -> None:
    r = vncssl("probe", "--from", str(hosts_file(fleet)), "--ca", str(fleet["ca"]))
    assert r.returncode == 0, r.stderr
    for column in ("host", "verdict", "problems", "days left", "types offered"):
        assert column in r.stdout
    assert "3 accepted of 3 servers" in r.stdout
    bad = fleet["dir"] / "bad.txt"
    bad.write_text("vnc1 192.168.1.5:x\n")
    r = vncssl("probe", "--from", str(bad))
    assert r.returncode == 2 and "line 1" in r.stderr and "Traceback" not in r.stderr
    r = vncssl("probe", "127.0.0.1", "--from", str(bad))
    assert r.returncode == 2


LOG_VERIFY = """
[ "$1" = verify ] && echo verify >> "{log}"
exec "$REAL" "$@"
"""


def test_each_host_judged_as_its_single_probe_with_few_verify_processes(
        fleet: dict, fake_openssl, tmp_path: Path) -> None:
    """The fleet's verifies share processes (x509/verifybatch): a leaf the batch does not
    call OK is verified alone, so every verdict and problem is the single probe's."""
    env = dict(os.environ, VNCSSL_CA_DIR=str(tmp_path / "other-ca"))
    assert vncssl("ca", "init", "--key-type", "ec", env=env).returncode == 0
    r = vncssl("ca", "issue", "--ip", "127.0.0.1", "--key-type", "ec", "--cert",
               str(tmp_path / "other.pem"), "--key", str(tmp_path / "other-key.pem"), env=env)
    assert r.returncode == 0, r.stderr
    r = vncssl("create", "--ip", "127.0.0.1", "--key-type", "ec", "--yes", "--cert",
               str(tmp_path / "self.pem"), "--key", str(tmp_path / "self-key.pem"))
    assert r.returncode == 0, r.stderr
    with h.xvnc_server(tmp_path / "other.pem", tmp_path / "other-key.pem") as other, \
            h.xvnc_server(tmp_path / "self.pem", tmp_path / "self-key.pem") as own:
        path = hosts_file(fleet, f"other 127.0.0.1::{other.port}",
                          f"self 127.0.0.1::{own.port}")
        log = tmp_path / "verify.log"
        fake_openssl(LOG_VERIFY.format(log=log))
        code, rows, _, r = run_json(fleet, path)
        assert code == 1, r.stderr
        fleet_verifies = len(log.read_text().splitlines())
        for name, port in [*((f"good{i}", s.port) for i, s in enumerate(fleet["good"])),
                           ("other", other.port), ("self", own.port)]:
            single = vncssl("probe", f"127.0.0.1::{port}", "--ca", str(fleet["ca"]),
                            "--timeout", "3", "--json")
            one = json.loads(single.stdout)
            assert rows[name]["verdict"] == ("accepted" if one["accepted"] else "problems")
            assert rows[name]["problems"] == [p["code"] for p in one["problems"]], name
    assert rows["other"]["verdict"] == rows["self"]["verdict"] == "problems"
    assert all(rows[f"good{i}"]["verdict"] == "accepted" for i in range(3))
    # Never more than one a host (a leaf the batch calls OK is not verified again); how
    # the batch groups requests is tests/test_verifybatch.py's.
    assert fleet_verifies <= len(rows), fleet_verifies


SLOW_VERIFY = """
if [ "$1" = verify ]; then
  sleep 60 & echo $! > "{marker}.$$.sleep"
  echo started > "{marker}"
  wait
fi
exec "$REAL" "$@"
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_probe_from_leaves_no_process(fleet: dict, fake_openssl, tmp_path: Path,
                                                    sig: int) -> None:
    marker = tmp_path / "started"
    fake_openssl(SLOW_VERIFY.format(marker=marker))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    path = hosts_file(fleet, f"silent 127.0.0.1::{fleet['hostile']}")
    proc = subprocess.Popen([sys.executable, "-m", "vncssl", "probe", "--from", str(path),  # noqa: S603
                             "--ca", str(fleet["ca"]), "--timeout", "30"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), proc.communicate(timeout=30)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    from tests.test_revocation import _dead

    sleepers = list(tmp_path.glob("started.*.sleep"))
    assert sleepers
    for pidfile in sleepers:
        text = pidfile.read_text().strip()
        assert not text or _dead(int(text)), "openssl was left running"
    assert list(scratch.iterdir()) == []
