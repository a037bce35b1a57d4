"""`ca issue --from` installs each chunk of finished servers under ONE folder lock
(fs.atomic.install_each), and each server's pair is still all or nothing on its own: a
server whose file appeared meanwhile fails alone, a stop signal during the chunk leaves
every pair of it complete, recorded in issued/ and named in the message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import List

import pytest

from tests.clirunner import CliRunner
from tests.pairs import pair_matches
from vncssl.ca import batch
from vncssl.cli import app
from vncssl.fs import atomic, filelock
from vncssl.openssl import runner as proc_runner

runner = CliRunner()
INTRUDER = b"someone else's file\n"


@pytest.fixture
def ca(ec_ca: Path) -> Path:
    return ec_ca


def _hosts(tmp_path: Path, n: int) -> Path:
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("".join(f"h{i} 10.0.{i // 250}.{i % 250 + 1}\n" for i in range(n)))
    return hosts


def _issue(ca: Path, hosts: Path, out: Path, *extra: str):
    return runner.invoke(app, ["ca", "issue", "--ca-dir", str(ca), "--from", str(hosts),
                               "--out-dir", str(out), "--key-type", "ec", "--jobs", "2",
                               "--json", *extra])


def _serial(cert: Path) -> str:
    out = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-serial"],  # noqa: S603,S607
                         capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1].upper()


def _needs_batch_path(ca: Path) -> None:
    from vncssl.ca import authority

    if not authority.load(str(ca), key_type="ec").one_process:
        pytest.skip("OpenSSL < 3.0 issues each server through ca.issuance (a lock each, "
                    "on worker threads): there are no chunks")


def test_one_folder_lock_per_chunk_not_per_server(tmp_path: Path, ca: Path,
                                                  monkeypatch) -> None:
    _needs_batch_path(ca)
    out = tmp_path / "out"
    taken: List[Path] = []
    real = filelock.dir_lock

    def counting(folder: Path, **kw):  # type: ignore[no-untyped-def]
        taken.append(Path(folder))
        return real(folder, **kw)

    monkeypatch.setattr(atomic, "dir_lock", counting)
    n = batch.CHUNK + 8  # two chunks at least
    r = _issue(ca, _hosts(tmp_path, n), out)
    assert r.exit_code == 0, r.output
    assert len(list(out.glob("h*-private.pem"))) == n
    out_locks = [p for p in taken if p == out]
    assert 2 <= len(out_locks) <= n // 4, taken  # per chunk, where it was once per server
    for i in range(n):  # every pair installed is openssl's own matching pair
        assert pair_matches(out / f"h{i}.pem", out / f"h{i}-private.pem")


def test_a_file_that_appears_meanwhile_fails_its_server_alone(tmp_path: Path, ca: Path,
                                                              monkeypatch) -> None:
    out = tmp_path / "out"
    out.mkdir()

    def intrude(argv: List[str]) -> None:  # while h1's openssl runs, h1.pem appears
        if "req" in argv and "/CN=10.0.0.2" in " ".join(argv):
            (out / "h1.pem").write_bytes(INTRUDER)

    monkeypatch.setattr(proc_runner, "race_hook", intrude)
    r = _issue(ca, _hosts(tmp_path, 4), out)
    assert r.exit_code == 3, r.output  # a server that could not be issued: exit 3
    outcomes = {o["host"]: o for o in json.loads(r.stdout)["outcomes"]}
    assert not outcomes["h1"]["ok"] and "appeared while vncssl was working" in \
        outcomes["h1"]["error"]
    assert (out / "h1.pem").read_bytes() == INTRUDER  # left exactly as it was
    assert not (out / "h1-private.pem").exists()  # and no half pair beside it
    for name in ("h0", "h2", "h3"):
        assert outcomes[name]["ok"], outcomes[name]
        assert pair_matches(out / f"{name}.pem", out / f"{name}-private.pem")
    assert not [p for p in out.iterdir() if p.name.startswith(".vncssl")]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_stop_signal_inside_a_chunk_finishes_the_chunk(tmp_path: Path, ca: Path,
                                                         monkeypatch, sig) -> None:
    _needs_batch_path(ca)
    out = tmp_path / "out"
    sets = []

    def stop(point: str) -> None:  # delivered at once, between the 2nd pair's checks and renames
        if point == "checked":
            sets.append(point)
            if len(sets) == 2:
                os.kill(os.getpid(), sig)

    monkeypatch.setattr(atomic, "race_hook", stop)
    monkeypatch.setattr(atomic, "_INSTALLED", [])
    r = _issue(ca, _hosts(tmp_path, 6), out)
    assert r.exit_code == 130, r.output
    installed = sorted(p.name[:-4] for p in out.glob("h*.pem") if "private" not in p.name)
    assert len(installed) >= 2, installed  # the signal came in the chunk: it was finished
    for name in installed:
        assert pair_matches(out / f"{name}.pem", out / f"{name}-private.pem")
        assert name in r.stderr  # the message names what is in place
        assert (ca / "issued" / f"{_serial(out / f'{name}.pem')}.pem").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".vncssl")]


def test_install_each_gives_one_result_per_set_in_order(tmp_path: Path) -> None:
    from vncssl.fs import targets, workdir, writes

    out = tmp_path / "out"
    out.mkdir()
    (out / "taken.pem").write_bytes(INTRUDER)
    with workdir.private_workdir(out) as work:
        for name in ("a", "b"):
            writes.write_scratch(work / name, name.encode())
        results = atomic.install_each(
            [[], [(work / "a", targets.check_target(out / "a.pem", "certificate", force=False))],
             [(work / "b", targets.Target(out / "taken.pem", "certificate", False))]],
            force=False)
    assert results[0] == [] and results[1] == []
    assert "appeared while vncssl was working" in str(results[2])
    assert (out / "a.pem").read_bytes() == b"a" and (out / "taken.pem").read_bytes() == INTRUDER
