"""Issue 12, the work-folder race (SECURITY.md): in a folder another user owns (not sticky),
that user renames vncssl's private work folder while openssl runs and puts a folder of
their own at its name. openssl must still write into vncssl's folder (it is given
/proc/self/fd/N/NAME paths), never into theirs, and vncssl installs nothing and says so in
one line. Played for real: the other user is uid 1001 (a forked child that drops to it)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path
from typing import List

import pytest

from tests.clirunner import CliRunner
from tests.hostile import (
    as_other_user,
    give_to_other_user,
    need_root,
    start_as_other_user,
)
from vncssl.cli import app
from vncssl.fs import capability, workdir
from vncssl.openssl import runner as proc_runner

cli = CliRunner()
IP = "192.168.1.5"


@pytest.fixture
def shared(shared_tmp: Path) -> Path:
    """A folder owned by the other user, 0755, no sticky bit: they may rename anything in it."""
    need_root()
    if not capability.proc_fd_paths():
        pytest.skip("needs /proc/self/fd (Linux)")
    d = shared_tmp / "shared"
    d.mkdir()
    give_to_other_user(d)
    return d


def _steal_on_first_openssl(shared: Path, monkeypatch: pytest.MonkeyPatch) -> List[Path]:
    """The race, made certain: just before the first openssl that works in a folder under
    `shared`, the other user renames the top folder on its way away and rebuilds the same
    path out of folders of their own (0777), ready to receive whatever is written by name."""
    stolen: List[Path] = []
    once = threading.Lock()  # `ca issue --from` runs openssl from several threads

    def hook(argv) -> None:
        with once:
            _steal(argv)

    def _steal(argv) -> None:
        if stolen:
            return
        for real in workdir.shown(argv):
            if not real.startswith(f"{shared}/") or "/.vncssl-" not in real:
                continue
            rel = Path(real).relative_to(shared).parts
            work = Path(*rel[:next(i for i, p in enumerate(rel) if p.startswith(".vncssl-")) + 1])

            def attack(top: str = rel[0], work: Path = work) -> None:
                os.rename(shared / top, shared / f".moved-{top}")
                os.umask(0)
                os.makedirs(shared / work, 0o777)

            as_other_user(attack)
            stolen.append(shared / rel[0])
            return

    monkeypatch.setattr(proc_runner, "race_hook", hook)
    return stolen


def _openssl_out(*args: object) -> str:
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True,
                          check=True).stdout


def _files_under(top: Path) -> List[Path]:
    return [p for p in top.rglob("*") if not p.is_dir()] if top.exists() else []


def _ca(tmp_path: Path) -> Path:
    ca = tmp_path / "ca"
    r = cli.invoke(app, ["ca", "init", "--dir", str(ca)])
    assert r.exit_code == 0, r.output
    return ca


def _csr_in(tmp_path: Path) -> Path:
    r = cli.invoke(app, ["ca", "request", "--ip", IP, "--key", str(tmp_path / "k.pem"),
                         "--out", str(tmp_path / "req.csr")])
    assert r.exit_code == 0, r.output
    return tmp_path / "req.csr"


def _pair_in(d: Path) -> None:
    r = cli.invoke(app, ["create", "--ip", IP, "--yes", "--cert", str(d / "c.pem"),
                         "--key", str(d / "k.pem")])
    assert r.exit_code == 0, r.output


FLOWS: dict = {
    "create": lambda s, t: ["create", "--ip", IP, "--yes", "--cert", f"{s}/c.pem",
                            "--key", f"{s}/k.pem"],
    "renew": lambda s, t: (_pair_in(s), ["renew", "--cert", f"{s}/c.pem", "--key",
                                         f"{s}/k.pem", "--yes"])[1],
    "csr": lambda s, t: ["csr", "--dns", "vnc1.example.com", "--key", f"{s}/k.pem",
                         "--out", f"{s}/r.csr"],
    "ca init": lambda s, t: ["ca", "init", "--dir", f"{s}/ca"],
    "ca issue": lambda s, t: ["ca", "issue", "--ca-dir", str(_ca(t)), "--ip", IP,
                              "--cert", f"{s}/c.pem", "--key", f"{s}/k.pem"],
    "ca issue --from": lambda s, t: (
        (t / "hosts.txt").write_text(f"vnc1 {IP}\nvnc2 192.168.1.6\n"),
        ["ca", "issue", "--ca-dir", str(_ca(t)), "--from", str(t / "hosts.txt"),
         "--out-dir", str(s)])[1],
    "ca request": lambda s, t: ["ca", "request", "--ip", IP, "--key", f"{s}/k.pem",
                                "--out", f"{s}/r.csr"],
    "ca sign": lambda s, t: ["ca", "sign", str(_csr_in(t)), "--ca-dir", str(_ca(t)),
                             "--out", f"{s}/signed.pem"],
}


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_renamed_work_folder_never_receives_the_key(shared: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    flow: str) -> None:
    args: List[str] = FLOWS[flow](shared, tmp_path)
    before = set(os.listdir(shared))
    stolen = _steal_on_first_openssl(shared, monkeypatch)
    r = cli.invoke(app, args)
    assert stolen, "no openssl call wrote into the shared folder"
    # Nothing was ever written into the other user's folders (they hold only their folders).
    assert _files_under(stolen[0]) == [], _files_under(stolen[0])
    assert r.exit_code == 3, r.output
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, r.stderr
    # A batch's one Error line counts the servers that failed; its table says why.
    assert "renamed by someone else" in (r.output if "--from" in args else errors[0]), r.output
    assert "/proc/self/fd" not in r.output
    # Nothing from the stolen folder was installed (a batch whose other servers had folders
    # of their own may issue those: each such pair is whole), and vncssl's own work folders
    # were removed wherever they went.
    new = set(os.listdir(shared)) - before - {stolen[0].name, f".moved-{stolen[0].name}"}
    for cert in [n for n in new if not n.endswith("-private.pem")]:
        assert "--from" in args, new
        key = cert[:-len(".pem")] + "-private.pem"
        assert _openssl_out("x509", "-in", shared / cert, "-noout", "-pubkey") == \
            _openssl_out("pkey", "-in", shared / key, "-pubout")
        new -= {cert, key}
    assert not new, new
    assert not any(".vncssl-" in str(p) for p in _files_under(shared)
                   if os.stat(p).st_uid == 0)


def test_openssl_is_given_descriptor_paths(tmp_path: Path, monkeypatch) -> None:
    """Every openssl that writes into a work folder is told /proc/self/fd/N/NAME, and N is
    open in it (the key really went there: the pair is checked by the real openssl)."""
    if not capability.proc_fd_paths():
        pytest.skip("needs /proc/self/fd (Linux)")
    seen: List[str] = []
    monkeypatch.setattr(proc_runner, "race_hook", lambda argv: seen.extend(argv))
    _pair_in(tmp_path)
    assert any(a.startswith("/proc/self/fd/") and a.endswith(".pem") for a in seen), seen
    assert not any(".vncssl-" in a for a in seen), seen
    out = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "c.pem"), "-noout",
                          "-subject"], capture_output=True, text=True, check=True).stdout
    assert "subject" in out


def test_real_rename_race_never_puts_the_key_in_the_other_users_folder(shared: Path) -> None:
    """The other user renames every `.vncssl-*` folder they see and puts their own 0777 one
    at its name, as fast as they can, while root runs `create` again and again (bounded:
    8 runs or 40 seconds). Whatever the interleaving, no file ever lands in their folders
    and each run either installs a good pair or says in one line what happened."""
    stop = shared / "stop"
    theirs = shared / "theirs"

    def racer() -> None:
        os.umask(0)
        os.mkdir(theirs, 0o777)
        n, end = 0, time.monotonic() + 45
        while not os.path.exists(stop) and time.monotonic() < end:
            for name in os.listdir(shared):
                if name.startswith(".vncssl-"):
                    n += 1
                    try:
                        os.rename(shared / name, theirs / f"r{n}")
                        os.mkdir(shared / name, 0o777)
                    except OSError:
                        pass

    pid = start_as_other_user(racer)
    codes: List[int] = []
    try:
        end = time.monotonic() + 40
        for i in range(8):
            if time.monotonic() > end:
                break
            r = cli.invoke(app, ["create", "--ip", IP, "--yes", "--force", "--no-backup",
                                 "--cert", f"{shared}/c{i}.pem", "--key", f"{shared}/k{i}.pem"])
            codes.append(r.exit_code)
            assert r.exit_code in (0, 3), r.output
            if r.exit_code == 3:
                assert len([ln for ln in r.stderr.splitlines() if ln.startswith("Error:")]) == 1
    finally:
        stop.touch()
        os.waitpid(pid, 0)
    planted = [p for p in shared.iterdir() if p.name.startswith(".vncssl-")]
    leaked = [f for d in planted for f in _files_under(d)]
    assert leaked == [], leaked  # openssl never wrote into one of their folders
    assert codes

