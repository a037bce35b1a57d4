"""On a terminal vncssl asks (address, overwrite); these run it in a real pseudo-terminal."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

pty = pytest.importorskip("pty")


def run_in_pty(args, cwd: Path, answers, timeout: float = 30.0):
    """Run vncssl on a pty; each time `prompt` shows up, type `reply`. Returns (rc, screen)."""
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="200", TERM="dumb", NO_COLOR="1")
    proc = subprocess.Popen([sys.executable, "-m", "vncssl", *args], cwd=cwd, stdin=slave,
                            stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    screen, pending = b"", list(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                screen += chunk
            if pending and pending[0][0].encode() in screen:
                os.write(master, pending.pop(0)[1].encode() + b"\r")
            if proc.poll() is not None and not ready:
                break
        else:
            proc.kill()
            pytest.fail(f"vncssl did not finish on the terminal:\n{screen.decode()}")
    finally:
        os.close(master)
    return proc.wait(timeout=10), screen.decode("utf-8", "replace")


def test_asks_before_replacing_and_no_keeps_files(tmp_path: Path) -> None:
    (tmp_path / "vnc-server.pem").write_text("old cert")
    rc, screen = run_in_pty(["create", "--ip", "127.0.0.1"], tmp_path, [("Replace?", "n")])
    assert "Replace?" in screen
    # Declining is an answer, not an error: said plainly, exit 1 (README "Exit codes").
    assert rc == 1, screen
    assert "Nothing was changed." in screen and "Error" not in screen
    assert (tmp_path / "vnc-server.pem").read_text() == "old cert"


def test_asks_before_replacing_and_yes_replaces(tmp_path: Path) -> None:
    (tmp_path / "vnc-server.pem").write_text("old cert")
    rc, screen = run_in_pty(["create", "--ip", "127.0.0.1"], tmp_path, [("Replace?", "y")])
    assert rc == 0, screen
    assert "BEGIN CERTIFICATE" in (tmp_path / "vnc-server.pem").read_text()


def test_offers_the_ranked_addresses_and_takes_the_default(tmp_path: Path) -> None:
    rc, screen = run_in_pty(["create", "--dry-run"], tmp_path,
                            [("Address for the certificate", "")])
    if "no LAN address" in screen:
        pytest.skip("this machine has no LAN address to offer")
    assert rc == 0, screen
    assert "recommended" in screen
    assert "subjectAltName=IP:" in screen


def _typed_at_the_address_prompt(tmp_path: Path, answers) -> tuple:
    rc, screen = run_in_pty(["create", "--dry-run"], tmp_path, answers)
    if "no LAN address" in screen:
        pytest.skip("this machine has no LAN address to offer")
    return rc, screen


def test_a_dns_name_typed_at_the_prompt_is_a_dns_name(tmp_path: Path) -> None:
    rc, screen = _typed_at_the_address_prompt(
        tmp_path, [("Address for the certificate", "vnc.lan")])
    assert rc == 0, screen
    assert "-subj '/CN=vnc.lan'" in screen and '"subjectAltName=DNS:vnc.lan"' in screen


def test_what_is_typed_at_the_prompt_is_validated_and_asked_again(tmp_path: Path) -> None:
    # An injected SAN, a name with a space: said, asked again; the third answer is used.
    rc, screen = _typed_at_the_address_prompt(tmp_path, [
        ("Address for the certificate", "127.0.0.1,DNS:evil.example"),
        ("Not usable", "foo bar"),
        ("label 'foo bar'", "192.168.1.5")])
    assert rc == 0, screen
    assert "evil" not in screen.split("label 'foo bar'")[-1]
    assert '"subjectAltName=IP:192.168.1.5"' in screen
    assert "openssl said" not in screen


def test_three_bad_answers_are_bad_input_and_nothing_runs(tmp_path: Path) -> None:
    rc, screen = _typed_at_the_address_prompt(tmp_path, [
        ("Address for the certificate", "foo bar"), ("Not usable", "a b"),
        ("label 'a b'", "c d")])
    assert rc == 2, screen
    assert "Error:" in screen and "'c d'" in screen and "subjectAltName" not in screen


def test_days_is_refused_before_any_question(tmp_path: Path) -> None:
    rc, screen = run_in_pty(["create", "--days", "0"], tmp_path, [])
    assert rc == 2 and "--days 0" in screen and "Address for the certificate" not in screen


def _pty_env_run(args, cwd: Path, term: str):
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="100", TERM=term)
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "vncssl", *args], cwd=cwd, stdin=slave,
                            stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    screen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=60), screen.decode("utf-8", "replace")


def test_long_work_shows_a_spinner_on_a_terminal_only(tmp_path: Path) -> None:
    rc, screen = _pty_env_run(["create", "--ip", "192.168.1.5", "--key-type", "rsa:4096"],
                              tmp_path, "xterm-256color")
    assert rc == 0, screen
    assert "openssl is making the key (rsa:4096)" in screen
    rc, screen = _pty_env_run(["create", "--ip", "192.168.1.5", "--key-type", "ec", "--force",
                               "--json"], tmp_path, "xterm-256color")
    assert rc == 0 and "openssl is making" not in screen
    piped = subprocess.run([sys.executable, "-m", "vncssl", "create", "--ip", "192.168.1.5",
                            "--key-type", "ec", "--force"], cwd=tmp_path, capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert piped.returncode == 0 and "openssl is making" not in piped.stderr + piped.stdout
