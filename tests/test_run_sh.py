"""tests/run.sh (the README's test command, and CI's through .ci/run) installs into a venv
of its own, never into the system python3 (PEP 668 refuses that on Debian/Ubuntu)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A python3 that records each call; `-m venv DIR` makes DIR/bin/python, which records too.
FAKE_PYTHON = """#!/bin/sh
echo "$0 $*" >> "$LOG"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && chmod +x "$3/bin/python"
fi
if [ "$1" = "-c" ]; then exit 0; fi
exit 0
"""


def test_run_sh_makes_and_uses_its_own_venv(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "python3"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    # the programs run.sh checks for, so that it installs no Debian package here
    for prog in ("openssl", "Xvnc", "vncviewer", "Xvfb", "xdotool", "vncpasswd", "x11vnc"):
        p = bindir / prog
        p.write_text("#!/bin/sh\nexit 0\n")
        p.chmod(0o755)
    log, venv = tmp_path / "calls.log", tmp_path / "venv"
    env = dict(os.environ, PATH=f"{bindir}:/usr/bin:/bin", LOG=str(log),
               VNCSSL_TEST_VENV=str(venv), VNCSSL_MATRIX="0")
    r = subprocess.run(["bash", str(ROOT / "tests" / "run.sh")], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    calls = log.read_text().splitlines()
    system = [c for c in calls if c.startswith(f"{fake} ") and " -c " not in c]
    inside = [c.split(" ", 1)[1] for c in calls if c.startswith(f"{venv}/bin/python ")]
    # the system python only makes the venv (and is asked whether it can)
    assert system == [f"{fake} -m venv {venv}"]
    assert inside[0].startswith("-m pip install") and "-e .[test]" in inside[0]
    assert [c.split()[1] for c in inside[1:]] == ["ruff", "mypy", "pytest"]
    # a second run reuses the venv
    log.unlink()
    subprocess.run(["bash", str(ROOT / "tests" / "run.sh")], env=env, cwd=tmp_path,
                   capture_output=True, check=True, timeout=120, stdin=subprocess.DEVNULL)
    assert not any(c.startswith(f"{fake} -m venv") for c in log.read_text().splitlines())


def test_ci_runs_the_readme_test_command() -> None:
    assert "exec bash tests/run.sh" in (ROOT / ".ci" / "run").read_text()
    assert "bash tests/run.sh" in (ROOT / "README.md").read_text()
