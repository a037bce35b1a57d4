"""Shared test setup: a wide colourless console, isolated caches, real openssl, fake-openssl
factory (scripts first on PATH, only for what this machine cannot have)."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import textwrap
from pathlib import Path
from typing import Callable

import pytest

# A suite started in the background of a non-interactive shell (`cmd &`, some CI runners)
# inherits SIGINT ignored, and an ignored signal stays ignored across exec: every vncssl the
# tests start would then ignore the Ctrl-C the signal tests send it. A handled signal is reset
# to its default at exec, so handling it here gives each child the ordinary Ctrl-C.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Rich reads these when the console is created: wide and plain so assertions never break
# on wrapping or colour codes.
os.environ.setdefault("COLUMNS", "200")
os.environ["NO_COLOR"] = "1"
os.environ["TERM"] = "dumb"

REAL_OPENSSL = shutil.which("openssl")

try:
    from hypothesis import settings as _hypothesis_settings

    # Hypothesis' per-example deadline is a timing assertion: on a loaded 2-core machine a
    # slow example would fail a correct test. Properties here are about values, not speed.
    _hypothesis_settings.register_profile("vncssl", deadline=None)
    _hypothesis_settings.load_profile("vncssl")
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test reads the developer's cache, config or sync folders."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("VNCSSL_CACHE_DIR", str(cache))
    # The default private-CA folder, so no test finds (or writes) the developer's CA.
    monkeypatch.setenv("VNCSSL_CA_DIR", str(tmp_path_factory.mktemp("ca-home") / "ca"))
    for var in ("VNCSSL_OPENSSL", "VNCSSL_TIMEOUT", "OPENSSL_CONF", "OneDrive",
                "OneDriveConsumer", "OneDriveCommercial"):
        monkeypatch.delenv(var, raising=False)
    yield


@pytest.fixture
def ec_ca(tmp_path: Path) -> Path:
    """A fresh private CA (EC) in tmp_path/ca, made by `vncssl ca init`."""
    from tests.clirunner import CliRunner
    from vncssl.cli import app

    d = tmp_path / "ca"
    r = CliRunner().invoke(app, ["ca", "init", "--dir", str(d), "--key-type", "ec"])
    assert r.exit_code == 0, r.output
    return d


@pytest.fixture
def openssl_bin() -> str:
    if REAL_OPENSSL is None:
        pytest.fail("the real openssl binary is required for the test suite")
    return REAL_OPENSSL


@pytest.fixture
def fake_openssl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Install a fake `openssl` (a sh script body) first on PATH; `$REAL` is the real one."""

    def make(body: str, name: str = "openssl") -> Path:
        bindir = tmp_path / "fakebin"
        bindir.mkdir(exist_ok=True)
        script = bindir / name
        script.write_text("#!/bin/sh\nREAL=" + (REAL_OPENSSL or "/usr/bin/openssl") + "\n"
                          + textwrap.dedent(body))
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
        return script

    return make


@pytest.fixture
def shared_tmp():
    """A folder every user can reach (pytest's own tmp folders are 0700, root's): for tests
    where another local user acts (tests/hostile.py)."""
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="vncssl-hostile-"))
    d.chmod(0o755)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(params=["host", "bullseye", "trixie"])
def viewer(request: pytest.FixtureRequest):
    """Each vncviewer of the matrix: the host's (Debian 12: 1.12), Debian 11's (1.11) and
    Debian 13's (1.15) from tests/matrix trees. A tree that is not built skips (fails
    under CI)."""
    from tests import tigervnc_harness as h

    install = next(i for i in h.VIEWERS if i.name == request.param)
    install.require()
    return install
