"""Issue 12, cases 1-6: another local user must not be able to steer vncssl run as root.

Each test plays the other user for real (files owned by uid 1001, actions in a child that
dropped to it) and checks what root's vncssl did with the real openssl and the real files.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import socket
import stat
import threading
import time
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.hostile import (
    as_other_user,
    give_to_other_user,
    mode,
    need_root,
    start_as_other_user,
    vncssl,
)
from vncssl.cli import app
from vncssl.errors import FileProblem
from vncssl.fs import atomic, targets, workdir
from vncssl.openssl import binary, infocache, locate

runner = CliRunner()
IP = "192.168.1.5"


def create(d: Path, *extra: str):
    return runner.invoke(app, ["create", "--ip", IP, "--cert", str(d / "vnc-server.pem"),
                               "--key", str(d / "vnc-server-private.pem"), "--yes", *extra])


# --- 1. the openssl-info cache never chooses the program --------------------------------

def _plant_cache(cache: Path, real: str, evil: Path) -> None:
    """A cache entry for the real openssl's file whose `path` is the attacker's script."""
    key = infocache.key(real)
    assert key is not None
    info = binary.identify(locate.from_path(real, "test", source_label="test"), use_cache=False)
    entry = {**info.__dict__, "path": str(evil), "version": list(info.version)}
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "openssl-info.json").write_text(json.dumps({key: entry}))


def test_cache_entry_never_chooses_the_program(tmp_path: Path, openssl_bin: str) -> None:
    cache = tmp_path / "cache"
    marker = tmp_path / "ran-as-root"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\nexec {openssl_bin} \"$@\"\n")
    evil.chmod(0o755)
    _plant_cache(cache, openssl_bin, evil)
    r = vncssl("create", "--ip", IP, "--yes", "--openssl", openssl_bin, cwd=tmp_path,
               env={"VNCSSL_CACHE_DIR": str(cache)})
    assert r.returncode == 0, r.stderr
    assert not marker.exists(), "the cached path was executed"


def test_cache_is_private_whatever_the_umask(tmp_path: Path, openssl_bin: str) -> None:
    cache = tmp_path / "a" / "b" / "vncssl"
    r = vncssl("create", "--ip", IP, "--yes", "--openssl", openssl_bin, cwd=tmp_path,
               env={"VNCSSL_CACHE_DIR": str(cache)}, umask=0)
    assert r.returncode == 0, r.stderr
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == mode(cache) == 0o700
    assert mode(cache / "openssl-info.json") == 0o600


@pytest.mark.parametrize("how", ["other-owner", "world-writable-file", "world-writable-dir"])
def test_untrusted_cache_is_ignored_with_a_notice(tmp_path: Path, openssl_bin: str,
                                                  how: str) -> None:
    cache = tmp_path / "cache"
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\nexec {openssl_bin} \"$@\"\n")
    evil.chmod(0o755)
    _plant_cache(cache, openssl_bin, evil)
    f = cache / "openssl-info.json"
    before = f.read_bytes()
    if how == "other-owner":
        give_to_other_user(cache, f)
    elif how == "world-writable-file":
        f.chmod(0o666)
    else:
        cache.chmod(0o777)
    r = vncssl("create", "--ip", IP, "--yes", "--openssl", openssl_bin, cwd=tmp_path,
               env={"VNCSSL_CACHE_DIR": str(cache)})
    assert r.returncode == 0, r.stderr
    assert "Ignored the openssl-info cache" in r.stderr
    if how == "world-writable-file":  # in a folder of ours: replaced by a private one
        assert mode(f) == 0o600 and str(evil) not in f.read_text()
    else:  # a folder that is not ours alone is not written either
        assert f.read_bytes() == before
    assert not marker.exists()


# --- 2. a link swapped in after the check never redirects a change --------------------------

def _pair(d: Path) -> None:
    (d / "vnc-server.pem").write_text("old cert\n")
    (d / "vnc-server-private.pem").write_text("old key\n")
    (d / "vnc-server-private.pem").chmod(0o644)  # a careless old key: its backup gets 0600


def _install(d: Path) -> None:
    key_t = targets.check_target(d / "vnc-server-private.pem", "private key", force=True)
    cert_t = targets.check_target(d / "vnc-server.pem", "certificate", force=True)
    with workdir.private_workdir(d) as work:
        (work / "k").write_text("new key\n")
        (work / "c").write_text("new cert\n")
        atomic.install([(work / "k", key_t), (work / "c", cert_t)], force=True, backup=True)


def test_link_swapped_in_after_the_check_is_never_followed(tmp_path: Path, monkeypatch) -> None:
    d = tmp_path / "shared"
    d.mkdir()
    _pair(d)
    victim = tmp_path / "shadow"
    victim.write_text("root's secret\n")
    victim.chmod(0o644)

    def swap(point: str) -> None:
        if point == "checked":  # the other user swaps the key for a link to root's file
            os.replace(d / "vnc-server-private.pem", d / "moved")
            os.symlink(victim, d / "vnc-server-private.pem")

    monkeypatch.setattr(atomic, "race_hook", swap)
    with pytest.raises(FileProblem, match="replaced|changed into a link"):
        _install(d)
    assert mode(victim) == 0o644  # never chmod-ed through the link
    assert victim.read_text() == "root's secret\n"
    assert (d / "vnc-server.pem").read_text() == "old cert\n"  # nothing installed
    assert not list(d.glob("*.bak"))


_RENAME_EXCHANGE = 2


def _exchange(libc, a: bytes, b: bytes) -> None:
    libc.renameat2(-100, a, -100, b, _RENAME_EXCHANGE)  # AT_FDCWD


def test_real_exchange_race_never_chmods_another_file(shared_tmp: Path) -> None:
    """The other user, owner of the folder, swaps the key and a link to root's file with
    renameat2(RENAME_EXCHANGE) as fast as it can while root installs (bounded: 150 installs
    or 20 seconds). Root's file keeps its mode whatever the interleaving."""
    need_root()
    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        pytest.skip("no renameat2 in this libc")
    tmp_path = shared_tmp
    d = tmp_path / "shared"
    d.mkdir()
    _pair(d)
    victim = tmp_path / "victim"
    victim.write_text("root's file\n")
    victim.chmod(0o644)
    os.symlink(victim, d / "bait")
    give_to_other_user(d, d / "bait")
    stop = d / "stop"

    def racer() -> None:
        key, bait = bytes(d / "vnc-server-private.pem"), bytes(d / "bait")
        end = time.monotonic() + 25
        while not os.path.exists(stop) and time.monotonic() < end:
            _exchange(libc, key, bait)

    pid = start_as_other_user(racer)
    try:
        end = time.monotonic() + 20
        for _ in range(150):
            if time.monotonic() > end:
                break
            if not os.path.lexists(d / "vnc-server-private.pem"):
                continue
            try:
                _install(d)
            except FileProblem:
                pass  # refusing is right; following the link is not
            for bak in d.glob("*.bak"):
                os.unlink(bak)
            assert mode(victim) == 0o644
    finally:
        stop.touch()
        os.waitpid(pid, 0)
    assert mode(victim) == 0o644 and victim.read_text() == "root's file\n"


# --- 3. the lock file --------------------------------------------------------------------

def test_planted_lock_link_creates_nothing(tmp_path: Path) -> None:
    d = tmp_path / "out"
    d.mkdir()
    far = tmp_path / "elsewhere" / "created-by-root"
    far.parent.mkdir()
    os.symlink(far, d / ".vncssl.lock")
    r = create(d)
    assert r.exit_code == 2, r.output
    assert "lock file" in r.stderr and "symbolic link" in r.stderr
    assert not far.exists()
    assert not (d / "vnc-server.pem").exists()


def test_lock_held_by_another_user_fails_at_once(shared_tmp: Path) -> None:
    need_root()
    tmp_path = shared_tmp
    d = tmp_path / "out"
    d.mkdir(mode=0o777)
    d.chmod(0o777)
    ready, done = d / "held", d / "release"

    def hold() -> None:
        fd = os.open(d / ".vncssl.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        ready.touch()
        for _ in range(1200):
            if done.exists():
                break
            time.sleep(0.05)

    t = threading.Thread(target=as_other_user, args=(hold,))
    t.start()
    try:
        for _ in range(400):
            if ready.exists():
                break
            time.sleep(0.05)
        r = vncssl("create", "--ip", IP, "--yes", "--cert", str(d / "c.pem"), "--key",
                   str(d / "k.pem"), cwd=tmp_path, timeout=45)
    finally:
        done.touch()
        t.join()
    assert r.returncode == 2, r.stderr
    assert "belongs to another user" in r.stderr
    assert not (d / "c.pem").exists()


def test_many_writers_in_one_folder_all_get_the_lock(tmp_path: Path) -> None:
    """The strict lock checks must not refuse a lock file its holder just removed (a
    batch's parallel jobs in one folder): every one of them installs."""
    d = tmp_path / "out"
    d.mkdir()
    errors: list = []

    def one(i: int) -> None:
        try:
            for round_ in range(10):
                t = targets.check_target(d / f"h{i}-{round_}.pem", "certificate", force=False)
                with workdir.private_workdir(d) as work:
                    (work / "c").write_text("x")
                    atomic.install([(work / "c", t)], force=False)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(list(d.glob("h*.pem"))) == 60


# --- 4. modes whatever the umask; a CA that is not ours is refused -------------------------

def test_files_and_folders_have_their_modes_under_umask_000(tmp_path: Path) -> None:
    r = vncssl("create", "--ip", IP, "--yes", cwd=tmp_path, umask=0)
    assert r.returncode == 0, r.stderr
    assert mode(tmp_path / "vnc-server.pem") == 0o644
    assert mode(tmp_path / "vnc-server-private.pem") == 0o600
    ca = tmp_path / "new" / "parents" / "ca"
    r = vncssl("ca", "init", "--dir", str(ca), "--key-type", "ec", cwd=tmp_path, umask=0)
    assert r.returncode == 0, r.stderr
    assert mode(tmp_path / "new") == mode(tmp_path / "new" / "parents") == mode(ca) == 0o700
    assert mode(ca / "ca.pem") == 0o644 and mode(ca / "ca-key.pem") == 0o600
    assert mode(ca / "issued") == 0o700
    r = vncssl("csr", "--dns", "vnc.example.com", cwd=tmp_path, umask=0)
    assert r.returncode == 0, r.stderr
    csrs = list(tmp_path.glob("*.csr"))
    assert csrs and all(mode(c) == 0o644 for c in csrs)


@pytest.fixture
def ca(ec_ca: Path) -> Path:
    return ec_ca


@pytest.mark.parametrize("how", ["folder-owner", "folder-writable", "key-owner", "cert-owner",
                                 "key-readable", "key-link"])
def test_ca_not_ours_alone_is_refused(ca: Path, tmp_path: Path, how: str) -> None:
    if how == "folder-owner":
        give_to_other_user(ca)
    elif how == "folder-writable":
        ca.chmod(0o777)
    elif how == "key-owner":
        give_to_other_user(ca / "ca-key.pem")
    elif how == "cert-owner":
        give_to_other_user(ca / "ca.pem")
    elif how == "key-readable":
        (ca / "ca-key.pem").chmod(0o644)
    else:
        os.replace(ca / "ca-key.pem", tmp_path / "real-key.pem")
        os.symlink(tmp_path / "real-key.pem", ca / "ca-key.pem")
    r = runner.invoke(app, ["ca", "issue", "--ca-dir", str(ca), "--ip", IP, "--cert",
                            str(tmp_path / "s.pem"), "--key", str(tmp_path / "s-key.pem")])
    assert r.exit_code == 2, r.output
    assert {"folder-owner": "belongs to uid", "cert-owner": "belongs to uid",
            "key-owner": "belongs to uid", "folder-writable": "can be changed by others",
            "key-readable": "can be read by others", "key-link": "symbolic link"}[how] in r.stderr
    assert not (tmp_path / "s.pem").exists()


# --- 5. ca init never changes an existing folder's mode --------------------------------------

def test_ca_init_into_a_shared_folder_is_refused_and_its_mode_kept(tmp_path: Path) -> None:
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    (shared / "someone-elses-file").write_text("x")
    r = runner.invoke(app, ["ca", "init", "--dir", str(shared), "--key-type", "ec"])
    assert r.exit_code == 2, r.output
    assert mode(shared) == 0o1777
    assert not (shared / "ca-key.pem").exists()


def test_ca_init_into_an_empty_folder_of_ours_keeps_its_mode(tmp_path: Path) -> None:
    d = tmp_path / "ca"
    d.mkdir()
    d.chmod(0o750)
    r = runner.invoke(app, ["ca", "init", "--dir", str(d), "--key-type", "ec"])
    assert r.exit_code == 0, r.output
    assert mode(d) == 0o750 and mode(d / "ca-key.pem") == 0o600


def test_ca_init_into_another_users_empty_folder_is_refused(tmp_path: Path) -> None:
    d = tmp_path / "ca"
    d.mkdir()
    give_to_other_user(d)
    r = runner.invoke(app, ["ca", "init", "--dir", str(d), "--key-type", "ec"])
    assert r.exit_code == 2 and "belongs to uid" in r.stderr
    assert os.listdir(d) == []


# --- 6. targets are regular files or absent -------------------------------------------------

def _special(tmp_path: Path, kind: str) -> Path:
    p = tmp_path / f"special-{kind}"
    if kind == "fifo":
        os.mkfifo(p)
    elif kind == "device":
        need_root()
        os.mknod(p, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    else:
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(p))
        s.close()
    return p


@pytest.mark.parametrize("kind", ["fifo", "device", "socket"])
@pytest.mark.parametrize("which", ["--cert", "--key"])
def test_non_regular_target_is_refused_even_with_force(tmp_path: Path, kind: str,
                                                       which: str) -> None:
    node = _special(tmp_path, kind)
    before = os.lstat(node)
    other = tmp_path / ("k.pem" if which == "--cert" else "c.pem")
    args = ["create", "--ip", IP, "--yes", "--force", which, str(node),
            "--key" if which == "--cert" else "--cert", str(other)]
    r = vncssl(*args, cwd=tmp_path, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "writes only regular files" in r.stderr
    after = os.lstat(node)
    assert (after.st_ino, stat.S_IFMT(after.st_mode)) == (before.st_ino,
                                                          stat.S_IFMT(before.st_mode))
    assert not other.exists()
