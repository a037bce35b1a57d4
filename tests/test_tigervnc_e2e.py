"""The guide's last step end to end with the real TigerVNC: Xvnc started with the arguments
`vncssl tigervnc server --format xvnc` prints, and the real vncviewer (under Xvfb) trusting
the certificate that `vncssl tigervnc viewer --install` put in a temporary HOME."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import tigervnc_harness as h

pytestmark = pytest.mark.tigervnc


def vncssl(*args: str, cwd: Path | None = None, home: Path | None = None
           ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if home is not None:
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    return subprocess.run([sys.executable, "-m", "vncssl", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def installed_version() -> str:
    """The TigerVNC version here (picks ~/.vnc/ or ~/.config/tigervnc/ for --install)."""
    r = subprocess.run(["Xvnc", "-version"], capture_output=True, text=True, timeout=10)
    m = re.search(r"TigerVNC (\d+\.\d+)", r.stdout + r.stderr)
    assert m, r.stderr
    return m.group(1)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    h.require_tigervnc()
    d = tmp_path_factory.mktemp("tigervnc")
    for name in ("old", "new"):  # the same name twice: a renewal (same subject, new key)
        r = vncssl("create", "--ip", "127.0.0.1", "--key-type", "ec", "--cert", f"{name}.pem",
                   "--key", f"{name}-key.pem", "--yes", cwd=d)
        assert r.returncode == 0, r.stderr
    passwd = h.make_vnc_password_file(d / "passwd")
    r = vncssl("tigervnc", "server", "--format", "xvnc", "--cert", str(d / "new.pem"),
               "--key", str(d / "new-key.pem"))
    assert r.returncode == 0, r.stderr
    args = shlex.split(r.stdout)
    assert args[:2] == ["-SecurityTypes", "X509Vnc"]
    with h.xvnc_server(d / "new.pem", d / "new-key.pem", security_types="X509Vnc",
                       passwd_file=passwd, extra_args=args) as srv:
        yield {"dir": d, "server": srv, "passwd": passwd, "version": installed_version()}


def view(setup: dict, home: Path) -> h.ViewerOutcome:
    # x509ca=None: the viewer reads its default X509CA file under `home`, as a user's would.
    return h.run_viewer("127.0.0.1", setup["server"].port, x509ca=None, home=home,
                        security_types="X509Vnc", passwd_file=setup["passwd"],
                        server=setup["server"])


def test_viewer_with_installed_ca_connects_without_prompt(setup: dict, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    d = setup["dir"]
    r = vncssl("tigervnc", "viewer", "--cert", str(d / "new.pem"), "--install",
               "--tigervnc-version", setup["version"], home=home)
    assert r.returncode == 0, r.stderr
    assert "Installed" in r.stdout
    out = view(setup, home)
    assert out.kind == "connected", out
    assert out.prompts == []


def test_viewer_without_ca_is_asked(setup: dict, tmp_path: Path) -> None:
    """The control: same viewer, nothing installed -> the certificate question."""
    home = tmp_path / "home"
    home.mkdir()
    out = view(setup, home)
    assert out.kind == "prompt", out
    assert out.prompt_title == "Unknown certificate issuer"


def test_install_after_a_new_key_renewal_keeps_both_and_connects(setup: dict,
                                                                 tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    d = setup["dir"]
    version = setup["version"]
    r = vncssl("tigervnc", "viewer", "--cert", str(d / "old.pem"), "--install",
               "--tigervnc-version", version, home=home)
    assert r.returncode == 0, r.stderr
    stale = view(setup, home)
    assert stale.kind in ("prompt", "refused"), stale  # the old cert alone stops the user
    p = vncssl("probe", f"127.0.0.1::{setup['server'].port}", "--json", home=home)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "same-subject-different-cert" in p.stdout
    r = vncssl("tigervnc", "viewer", "--cert", str(d / "new.pem"), "--install",
               "--tigervnc-version", version, home=home)
    assert r.returncode == 0, r.stderr
    # A new-key renewal has no lineage to prove it is the same server's: the old one is kept
    # (and said so), and the real viewer connects with both in its X509CA file.
    assert "kept" in r.stdout and "another server's certificate" in r.stdout
    assert "removed" not in r.stdout
    out = view(setup, home)
    assert out.kind == "connected", out
    # And the probe agrees, reading the same default X509CA file.
    p = vncssl("probe", f"127.0.0.1::{setup['server'].port}", home=home)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "the viewer's default" in p.stdout
