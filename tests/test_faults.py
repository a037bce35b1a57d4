"""Faults: a broken, hostile or hanging openssl, unwritable or full disks, links, Ctrl-C,
concurrent runs, no terminal. Each ends in one clear message and a non-zero exit, with no
partial files and existing files untouched.

Fake `openssl` scripts stand in for what this machine cannot produce; real openssl does
the rest. Root ignores permission bits, so read-only and full disks are real tmpfs mounts
made in a private mount namespace (`unshare -m`), or plain chmod when not root.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List

import pytest

from tests.clirunner import CliRunner
from tests.pairs import pair_matches
from vncssl.cli import app
from vncssl.fs import atomic, filelock, targets, workdir, writes
from vncssl.openssl import locate

runner = CliRunner()
OLD_CERT = b"-----BEGIN CERTIFICATE-----\nold cert\n-----END CERTIFICATE-----\n"
OLD_KEY = b"-----BEGIN PRIVATE KEY-----\nold key\n-----END PRIVATE KEY-----\n"


# --- helpers -------------------------------------------------------------------------------

def out_dir(tmp_path: Path, existing: bool = False) -> Path:
    d = tmp_path / "out"
    d.mkdir(exist_ok=True)
    if existing:
        (d / "vnc-server.pem").write_bytes(OLD_CERT)
        (d / "vnc-server-private.pem").write_bytes(OLD_KEY)
        (d / "vnc-server-private.pem").chmod(0o600)
    return d


def snapshot(d: Path) -> Dict[str, bytes]:
    return {p.name: p.read_bytes() for p in d.iterdir()}


def invoke(d: Path, *extra: str):
    return runner.invoke(app, ["create", "--ip", "192.168.1.5", "--cert",
                               str(d / "vnc-server.pem"), "--key",
                               str(d / "vnc-server-private.pem"), "--yes", *extra])


def assert_untouched(d: Path, before: Dict[str, bytes]) -> None:
    assert snapshot(d) == before  # same names (no temp dirs, no lock) and same bytes


def vncssl_cmd(*args: str) -> List[str]:
    return [sys.executable, "-m", "vncssl", *args]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_dead(pid: int) -> bool:
    for _ in range(100):  # SIGKILL is delivered asynchronously; wait for it, not a time
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def wait_for(path: Path, proc: subprocess.Popen) -> None:
    for _ in range(400):
        if path.exists() or proc.poll() is not None:
            return
        time.sleep(0.05)


# Put before the real work, in a fake: find -keyout / -out targets of `req`.
ARGS = r"""
KEYOUT=""; OUT=""; prev=""
for a in "$@"; do
  [ "$prev" = -keyout ] && KEYOUT="$a"; [ "$prev" = -out ] && OUT="$a"; prev="$a"
done
"""


# --- the binary: missing, not executable, a directory, crashing, garbage, silent --------

def test_openssl_missing_everywhere(tmp_path: Path, monkeypatch) -> None:
    empty = tmp_path / "emptybin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(locate, "well_known_locations", lambda *a, **k: [])
    d = out_dir(tmp_path)
    result = invoke(d)
    assert result.exit_code == 3
    assert "No working openssl binary found" in result.stderr
    assert "install openssl" in result.stderr.lower()
    assert "Path to openssl" not in result.output  # no terminal: never asks
    assert snapshot(d) == {}


@pytest.mark.parametrize("how", ["--openssl", "VNCSSL_OPENSSL"])
def test_explicit_openssl_missing_never_falls_back(tmp_path: Path, monkeypatch, how) -> None:
    d = out_dir(tmp_path)
    extra: List[str] = []
    if how == "--openssl":
        extra = ["--openssl", str(tmp_path / "nope" / "openssl")]
    else:
        monkeypatch.setenv("VNCSSL_OPENSSL", str(tmp_path / "nope" / "openssl"))
    result = invoke(d, *extra)
    assert result.exit_code == 2
    assert "not found" in result.stderr and how in result.stderr
    assert snapshot(d) == {}


def test_openssl_not_executable(tmp_path: Path) -> None:
    fake = tmp_path / "openssl"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o644)
    d = out_dir(tmp_path)
    result = invoke(d, "--openssl", str(fake))
    assert result.exit_code == 2
    assert "not executable" in result.stderr
    assert snapshot(d) == {}


def test_openssl_not_a_program(tmp_path: Path) -> None:
    fake = tmp_path / "openssl"
    fake.write_bytes(b"\x7fELF garbage that is not a program\x00\x01")
    fake.chmod(0o755)
    d = out_dir(tmp_path)
    result = invoke(d, "--openssl", str(fake))
    assert result.exit_code == 3
    assert "could not be started" in result.stderr and "--openssl" in result.stderr
    assert snapshot(d) == {}


def test_openssl_is_a_directory(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "ssl-folder"
    folder.mkdir()
    d = out_dir(tmp_path)
    result = invoke(d, "--openssl", str(folder))
    assert result.exit_code == 2
    assert "is a directory" in result.stderr
    # A directory called openssl first on PATH is passed over, as a shell would.
    real = shutil.which("openssl")
    shadow = tmp_path / "shadow"
    (shadow / "openssl").mkdir(parents=True)
    monkeypatch.setenv("PATH", f"{shadow}{os.pathsep}{os.environ['PATH']}")
    result = invoke(d, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["openssl"]["path"] == real


def test_openssl_crashing_with_stderr(fake_openssl, tmp_path: Path) -> None:
    fake_openssl(ARGS + """
    if [ "$1" = req ]; then
      printf 'partial' > "$KEYOUT"
      echo "free(): double free detected in tcache 2" >&2; kill -ABRT $$
    fi
    exec "$REAL" "$@"
    """)
    d = out_dir(tmp_path, existing=True)
    before = snapshot(d)
    result = invoke(d, "--force")
    assert result.exit_code == 3
    assert "openssl crashed (SIGABRT)" in result.stderr
    assert "double free detected" in result.stderr  # openssl's own words are kept
    assert_untouched(d, before)


def test_openssl_crashing_when_asked_its_version(fake_openssl, tmp_path: Path,
                                                 monkeypatch) -> None:
    script = fake_openssl('echo "Illegal instruction" >&2; kill -SEGV $$\n')
    d = out_dir(tmp_path)
    result = invoke(d, "--openssl", str(script))  # the user's own choice: used or refused
    assert result.exit_code == 3
    assert "crashed or failed when asked its version" in result.stderr
    # Found on PATH and nothing else to try: no working openssl, and the reason is shown.
    monkeypatch.setattr(locate, "well_known_locations", lambda *a, **k: [])
    result = invoke(d)
    assert result.exit_code == 3
    assert "No working openssl binary found" in result.stderr
    assert "crashed or failed when asked its version" in result.stderr
    assert snapshot(d) == {}


def test_openssl_printing_garbage_as_version(fake_openssl, tmp_path: Path,
                                             monkeypatch) -> None:
    script = fake_openssl("printf '\\001\\002 hello from a wrapper\\n'\n")
    d = out_dir(tmp_path)
    result = invoke(d, "--openssl", str(script))
    assert result.exit_code == 2
    assert "does not look like OpenSSL or LibreSSL" in result.stderr
    monkeypatch.setattr(locate, "well_known_locations", lambda *a, **k: [])
    result = invoke(d)
    assert result.exit_code == 3
    assert "does not look like OpenSSL or LibreSSL" in result.stderr
    assert snapshot(d) == {}


def test_a_broken_openssl_on_path_is_passed_over(fake_openssl, tmp_path: Path) -> None:
    fake_openssl('echo "Illegal instruction" >&2; kill -SEGV $$\n')
    d = out_dir(tmp_path)
    result = invoke(d, "--json")
    assert result.exit_code == 0, result.output
    assert '"found_by": "well-known location"' in result.stdout


@pytest.mark.parametrize("where", ["req writes garbage files", "x509 prints garbage"])
def test_openssl_garbage_output(fake_openssl, tmp_path: Path, where: str) -> None:
    if where == "req writes garbage files":
        body = ARGS + """
        if [ "$1" = req ]; then echo garbage > "$KEYOUT"; echo garbage > "$OUT"; exit 0; fi
        exec "$REAL" "$@"
        """
    else:
        body = """
        if [ "$1" = x509 ]; then echo "notBefore=yesterday"; echo "notAfter=?"; exit 0; fi
        exec "$REAL" "$@"
        """
    fake_openssl(body)
    d = out_dir(tmp_path, existing=True)
    before = snapshot(d)
    result = invoke(d, "--force")
    assert result.exit_code == 3, result.output
    assert "openssl reported success, but the certificate it wrote cannot be read back" \
        in result.stderr
    assert "Traceback" not in result.output
    assert_untouched(d, before)


def test_openssl_exit_0_without_output(fake_openssl, tmp_path: Path) -> None:
    fake_openssl('[ "$1" = req ] && exit 0\nexec "$REAL" "$@"\n')
    d = out_dir(tmp_path, existing=True)
    before = snapshot(d)
    result = invoke(d, "--force")
    assert result.exit_code == 3
    assert "wrote no certificate or no key" in result.stderr
    assert_untouched(d, before)


# --- hangs: bounded, and killed with every child ------------------------------------------

HANG = ARGS + """
if [ "$1" = req ]; then
  printf 'partial' > "$KEYOUT"
  sleep 60 & echo $! > "{pids}/child"
  setsid sleep 60 & echo $! > "{pids}/escaped"
  echo $$ > "{pids}/main"
  wait
fi
exec "$REAL" "$@"
"""


@pytest.mark.parametrize("how", ["--timeout", "VNCSSL_TIMEOUT"])
def test_hanging_openssl_is_killed_with_its_children(fake_openssl, tmp_path: Path,
                                                     monkeypatch, how: str) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    fake_openssl(HANG.format(pids=pids))
    d = out_dir(tmp_path, existing=True)
    before = snapshot(d)
    if how == "VNCSSL_TIMEOUT":
        monkeypatch.setenv("VNCSSL_TIMEOUT", "1")
        result = invoke(d, "--force")
    else:
        result = invoke(d, "--force", "--timeout", "1")
    assert result.exit_code == 3
    assert "did not finish within 1 seconds and was stopped" in result.stderr
    assert "--timeout" in result.stderr and "VNCSSL_TIMEOUT" in result.stderr
    for name in ("main", "child", "escaped"):
        pid = int((pids / name).read_text())
        assert wait_dead(pid), f"{name} process {pid} survived"
    assert_untouched(d, before)


def test_hang_when_asked_the_version(fake_openssl, tmp_path: Path, monkeypatch) -> None:
    script = fake_openssl("sleep 60\n")
    monkeypatch.setenv("VNCSSL_TIMEOUT", "1")
    d = out_dir(tmp_path)
    result = invoke(d, "--openssl", str(script))
    assert result.exit_code == 3
    assert "version -a did not finish within 1 seconds" in result.stderr
    # Discovered on PATH: given up on after the timeout, and the next candidate is used.
    result = invoke(d, "--json")
    assert result.exit_code == 0, result.output
    assert '"found_by": "well-known location"' in result.stdout


@pytest.mark.parametrize("value", ["0", "-1", "abc", "inf", "nan"])
def test_bad_timeout_values_are_refused(tmp_path: Path, monkeypatch, value: str) -> None:
    monkeypatch.setenv("VNCSSL_TIMEOUT", value)
    d = out_dir(tmp_path)
    result = invoke(d)
    assert result.exit_code == 2, result.output
    assert "VNCSSL_TIMEOUT" in result.stderr
    monkeypatch.delenv("VNCSSL_TIMEOUT")
    result = invoke(d, "--timeout", value) if value not in ("abc",) else None
    if result is not None:
        assert result.exit_code == 2, result.output
        assert "--timeout" in result.stderr
    assert snapshot(d) == {}


# --- the output folder: missing, read-only, full ------------------------------------------

def test_output_folder_missing(tmp_path: Path) -> None:
    d = tmp_path / "not" / "there"
    result = invoke(d)
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "mkdir -p" in result.stderr
    assert not (tmp_path / "not").exists()


def _namespace_ok() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c",  # noqa: S603,S607
                            "mount -t tmpfs tmpfs /mnt && umount /mnt"], capture_output=True)
    return probe.returncode == 0


NAMESPACE = _namespace_ok()


def run_on_tmpfs(tmp_path: Path, mount_opts: str, remount_ro: bool,
                 *args: str) -> subprocess.CompletedProcess:
    """Run vncssl in a private mount namespace on a fresh tmpfs at tmp_path/mnt, holding an
    old cert/key pair; print the folder's contents afterwards (the mount dies with it)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = f"""
    set -e
    mount -t tmpfs -o {mount_opts} tmpfs "$D"
    printf 'old cert' > "$D/vnc-server.pem"; printf 'old key' > "$D/vnc-server-private.pem"
    {'mount -o remount,ro "$D"' if remount_ro else ''}
    set +e
    "$@"; echo "rc=$?"
    cd "$D" && for f in .* *; do [ -f "$f" ] || [ -d "$f" ] && echo "entry=$f"; done
    echo "cert=$(cat vnc-server.pem)"; echo "key=$(cat vnc-server-private.pem)"
    """
    cmd = vncssl_cmd("create", "--ip", "10.0.0.9", "--cert", f"{mnt}/vnc-server.pem",
                     "--key", f"{mnt}/vnc-server-private.pem", "--yes", *args)
    env = dict(os.environ, D=str(mnt))
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *cmd],  # noqa: S603,S607
                          capture_output=True, text=True, env=env, timeout=60)


def test_output_folder_read_only(tmp_path: Path) -> None:
    if NAMESPACE:
        done = run_on_tmpfs(tmp_path, "size=1m", True, "--force")
        assert "rc=2" in done.stdout, done.stdout + done.stderr
        assert "is not writable" in done.stderr
        entries = sorted(line for line in done.stdout.splitlines() if line.startswith("entry="))
        assert entries == ["entry=.", "entry=..", "entry=vnc-server-private.pem",
                           "entry=vnc-server.pem"]
        assert "cert=old cert" in done.stdout and "key=old key" in done.stdout
        return
    if os.geteuid() == 0:
        pytest.skip("root ignores permission bits and cannot make a read-only mount here")
    d = out_dir(tmp_path, existing=True)
    before = snapshot(d)
    d.chmod(0o555)
    try:
        result = invoke(d, "--force")
    finally:
        d.chmod(0o755)
    assert result.exit_code == 2
    assert "is not writable" in result.stderr
    assert_untouched(d, before)


@pytest.mark.skipif(not NAMESPACE, reason="needs root and unshare -m to mount a tiny tmpfs")
def test_output_folder_really_full(tmp_path: Path) -> None:
    done = run_on_tmpfs(tmp_path, "size=12k", False, "--force")
    assert "rc=3" in done.stdout, done.stdout + done.stderr
    assert "is full" in done.stderr and "Free some space" in done.stderr
    assert "cert=old cert" in done.stdout and "key=old key" in done.stdout
    assert not [line for line in done.stdout.splitlines() if ".vncssl" in line]


def test_output_folder_full_simulated(fake_openssl, tmp_path: Path) -> None:
    """openssl writes part of the key, then fails with ENOSPC (works without root)."""
    fake_openssl(ARGS + """
    if [ "$1" = req ]; then
      printf -- '-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC' > "$KEYOUT"
      echo "req: write error: $KEYOUT: No space left on device" >&2
      echo "40E7:error:80000013:system library:file_ctrl:No space left on device" >&2
      exit 1
    fi
    exec "$REAL" "$@"
    """)
    d = out_dir(tmp_path, existing=True)
    before = snapshot(d)
    result = invoke(d, "--force")
    assert result.exit_code == 3
    assert "the disk (or your quota) is full" in result.stderr
    assert_untouched(d, before)


def test_write_helpers_turn_os_errors_into_clear_errors(tmp_path: Path) -> None:
    from vncssl.errors import WriteFailed

    with pytest.raises(WriteFailed, match="Cannot create"):
        writes.write_text(tmp_path / "missing" / "x.cnf", "x")
    (tmp_path / "exists").write_text("")
    with pytest.raises(WriteFailed):
        writes.precreate_private(tmp_path / "exists")


# --- cert/key paths that are links or folders ---------------------------------------------

@pytest.mark.parametrize("which", ["cert", "key"])
@pytest.mark.parametrize("force", [False, True])
def test_symlinked_target_is_refused(tmp_path: Path, which: str, force: bool) -> None:
    d = out_dir(tmp_path)
    victim = tmp_path / "victim.pem"
    victim.write_bytes(b"precious")
    name = "vnc-server.pem" if which == "cert" else "vnc-server-private.pem"
    (d / name).symlink_to(victim)
    result = invoke(d, *(["--force"] if force else []))
    assert result.exit_code == 2
    assert "symbolic link" in result.stderr
    assert victim.read_bytes() == b"precious" and (d / name).is_symlink()
    assert sorted(p.name for p in d.iterdir()) == [name]


def test_dangling_symlink_key_is_refused(tmp_path: Path) -> None:
    d = out_dir(tmp_path)
    (d / "vnc-server-private.pem").symlink_to(tmp_path / "elsewhere.pem")
    result = invoke(d, "--force")
    assert result.exit_code == 2 and "symbolic link" in result.stderr
    assert not (tmp_path / "elsewhere.pem").exists()


@pytest.mark.parametrize("which", ["vnc-server.pem", "vnc-server-private.pem"])
def test_target_that_is_a_directory_is_refused(tmp_path: Path, which: str) -> None:
    d = out_dir(tmp_path)
    (d / which).mkdir()
    result = invoke(d, "--force")
    assert result.exit_code == 2 and "is a directory" in result.stderr
    assert sorted(p.name for p in d.iterdir()) == [which]


def test_key_path_turned_into_symlink_during_generation(fake_openssl, tmp_path: Path) -> None:
    d = out_dir(tmp_path, existing=True)
    victim = tmp_path / "victim.pem"
    victim.write_bytes(b"precious")
    fake_openssl(f"""
    if [ "$1" = req ]; then
      rm -f "{d}/vnc-server-private.pem"; ln -s "{victim}" "{d}/vnc-server-private.pem"
    fi
    exec "$REAL" "$@"
    """)
    result = invoke(d, "--force")
    assert result.exit_code == 2
    assert "changed into a link" in result.stderr
    assert victim.read_bytes() == b"precious"
    assert (d / "vnc-server.pem").read_bytes() == OLD_CERT
    assert not [p for p in d.iterdir() if p.name.startswith(".vncssl")]


# --- Ctrl-C and SIGTERM during generation -------------------------------------------------

SLOW = ARGS + """
if [ "$1" = req ]; then
  printf 'partial key' > "$KEYOUT"
  sleep 60 & echo $! > "{marker}.sleep"
  echo started > "{marker}"
  wait
fi
exec "$REAL" "$@"
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_during_generation(fake_openssl, tmp_path: Path, sig) -> None:
    marker = tmp_path / "started"
    fake_openssl(SLOW.format(marker=marker))
    d = out_dir(tmp_path, existing=True)
    before = snapshot(d)
    proc = subprocess.Popen(vncssl_cmd("create", "--ip", "192.168.1.5", "--force", "--yes"),  # noqa: S603
                            cwd=d, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for(marker, proc)
        assert marker.exists(), proc.communicate(timeout=30)
        temp_dirs = [p for p in d.iterdir() if p.name.startswith(".vncssl-")]
        assert temp_dirs  # openssl is running and writing into vncssl's private folder
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "Interrupted: nothing was installed; temporary files were removed" in err
    assert wait_dead(int(Path(f"{marker}.sleep").read_text()))
    assert_untouched(d, before)


# --- two runs at once ---------------------------------------------------------------------

def test_concurrent_force_runs_leave_a_matching_pair(tmp_path: Path) -> None:
    d = out_dir(tmp_path, existing=True)
    procs = [subprocess.Popen(vncssl_cmd("create", "--ip", f"10.0.0.{i}", "--force", "--yes",  # noqa: S603
                                         "--json"),
                              cwd=d, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in (1, 2, 3)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert pair_matches(d / "vnc-server.pem", d / "vnc-server-private.pem")
    fingerprints = {json.loads(out)["fingerprint_sha256"] for out, _ in outputs}
    assert len(fingerprints) == 3  # each run made its own pair; the last one installed won
    names = sorted(p.name for p in d.iterdir())
    assert [n for n in names if not n.endswith(".bak")] == ["vnc-server-private.pem",
                                                            "vnc-server.pem"]
    # --force keeps every replaced pair (README: one backup rule), each key 0600
    key_baks = [d / n for n in names if n.startswith("vnc-server-private.pem.")]
    assert len(key_baks) == 3 and all(b.stat().st_mode & 0o777 == 0o600 for b in key_baks)


def test_folder_lock_is_exclusive_even_as_holders_remove_it(tmp_path: Path) -> None:
    """Holders unlink the lock file; a waiter that got the lock on the unlinked file must
    not run beside a newcomer that locked a fresh one."""
    inside: List[int] = []
    overlaps: List[int] = []

    def worker() -> None:
        for _ in range(25):
            with filelock.dir_lock(tmp_path):
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(1)
                time.sleep(0.004)  # (the old unlink-after-close lock overlapped ~80 times)
                inside.pop()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert overlaps == []
    assert not (tmp_path / ".vncssl.lock").exists()


def test_failed_second_rename_restores_the_first(tmp_path: Path, monkeypatch) -> None:
    d = out_dir(tmp_path, existing=True)
    before = snapshot(d)
    key_t = targets.check_target(d / "vnc-server-private.pem", "private key", force=True)
    cert_t = targets.check_target(d / "vnc-server.pem", "certificate", force=True)
    with workdir.private_workdir(d) as work:
        (work / "key.pem").write_bytes(b"new key")
        (work / "cert.pem").write_bytes(b"new cert")
        real_replace = os.replace

        def flaky(src, dst, **kw):
            if str(dst).endswith("vnc-server.pem") and "cert.pem" in str(src):
                raise OSError(28, "No space left on device")
            return real_replace(src, dst, **kw)

        monkeypatch.setattr(os, "replace", flaky)
        from vncssl.errors import WriteFailed

        with pytest.raises(WriteFailed, match="previous files were left"):
            atomic.install([(work / "key.pem", key_t), (work / "cert.pem", cert_t)],
                          force=True)
        monkeypatch.setattr(os, "replace", real_replace)
    assert_untouched(d, before)


# --- no terminal: never prompts, never hangs ---------------------------------------------

def run_without_terminal(d: Path, *args: str) -> subprocess.CompletedProcess:
    """stdin is a pipe nobody writes to and nobody closes: reading it would hang."""
    proc = subprocess.Popen(vncssl_cmd(*args), cwd=d, stdin=subprocess.PIPE,  # noqa: S603
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("vncssl waited for input on a stdin that is not a terminal")
    finally:
        if proc.stdin:
            proc.stdin.close()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_no_terminal_never_asks_to_overwrite(tmp_path: Path) -> None:
    d = out_dir(tmp_path, existing=True)
    before = snapshot(d)
    done = run_without_terminal(d, "create", "--ip", "192.168.1.5")
    assert done.returncode == 2
    assert "already exists" in done.stderr and "--force" in done.stderr
    assert "Replace?" not in done.stderr + done.stdout
    assert_untouched(d, before)


def test_no_terminal_never_asks_for_an_address(tmp_path: Path) -> None:
    d = out_dir(tmp_path)
    done = run_without_terminal(d, "create", "--json")
    assert "Address for the certificate" not in done.stderr + done.stdout
    if done.returncode == 0:  # this machine has a LAN address: it was used, and said so
        assert json.loads(done.stdout)["names"][0]["type"] == "IP"
    else:
        assert done.returncode == 2 and "--ip" in done.stderr


def test_openssl_reading_stdin_gets_end_of_file(fake_openssl, tmp_path: Path) -> None:
    """A build that asks on stdin (a passphrase, a subject field) gets EOF, not a hang."""
    fake_openssl('if [ "$1" = req ]; then cat > /dev/null; read answer; exit 0; fi\n'
                 'exec "$REAL" "$@"\n')
    d = out_dir(tmp_path)
    done = run_without_terminal(d, "create", "--ip", "192.168.1.5", "--timeout", "20")
    assert done.returncode == 3
    assert "wrote no certificate or no key" in done.stderr
    assert snapshot(d) == {}


def test_a_hung_openssl_reading_a_certificate_is_a_timeout_not_a_bad_file(
        fake_openssl, tmp_path: Path, openssl_bin: str) -> None:
    cert = tmp_path / "c.pem"
    subprocess.run([openssl_bin, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=x", "-keyout",
                    str(tmp_path / "k.pem"), "-out", str(cert)], check=True,
                   capture_output=True)
    fake_openssl('if [ "$1" = x509 ]; then sleep 60; fi\nexec "$REAL" "$@"\n')
    result = runner.invoke(app, ["inspect", str(cert), "--timeout", "1"])
    assert result.exit_code == 3, result.output
    assert "did not finish within 1 seconds" in result.stderr
