"""Issue 12, case 10 on Windows: there is no dir_fd, no O_NOFOLLOW, no O_DIRECTORY and no
fchmod. fs asks one check (fs.capability) and falls back to paths with lstat/fstat checks.
Proven here on Linux: with the documented switch `capability.FORCE_PATHS`, real flows run
through the fallback with the real openssl; and the package imports and works in a Python
whose os module lacks those names (as on Windows)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.pairs import pair_matches
from vncssl.cli import app
from vncssl.errors import FileProblem
from vncssl.fs import capability, dirops, filelock, workdir

cli = CliRunner()
IP = "192.168.1.5"


@pytest.fixture
def paths_only(monkeypatch: pytest.MonkeyPatch):
    """Every fs operation through its path-based fallback, under umask 000 (so the modes
    seen are the ones the fallback set, not the umask's)."""
    monkeypatch.setattr(capability, "FORCE_PATHS", True)
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


def _openssl(*args: str) -> str:
    return subprocess.run(["openssl", *args], capture_output=True, text=True,
                          check=True).stdout


def test_the_switch_turns_descriptors_off(paths_only, tmp_path: Path) -> None:
    assert not capability.descriptors() and not capability.proc_fd_paths()
    with workdir.private_workdir(tmp_path) as work:
        assert str(work).startswith(str(tmp_path))  # by name, not /proc/self/fd
        assert _mode(work) == 0o700
    assert dirops.Folder(tmp_path).fd is None


def test_create_and_renew_through_the_fallback(paths_only, tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    r = cli.invoke(app, ["create", "--ip", IP, "--yes", "--cert", str(cert), "--key", str(key)])
    assert r.exit_code == 0, r.output
    assert (_mode(cert), _mode(key)) == (0o644, 0o600)
    assert pair_matches(cert, key)
    old = cert.read_bytes()
    r = cli.invoke(app, ["renew", "--cert", str(cert), "--key", str(key), "--yes"])
    assert r.exit_code == 0, r.output
    assert cert.read_bytes() != old and (_mode(cert), _mode(key)) == (0o644, 0o600)
    assert pair_matches(cert, key)
    baks = sorted(tmp_path.glob("*.bak"))
    assert len(baks) == 2 and _mode(next(b for b in baks if b.name.startswith("k"))) == 0o600
    assert not list(tmp_path.glob(".vncssl*"))  # work folder and lock removed


def test_ca_init_and_issue_through_the_fallback(paths_only, tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    r = cli.invoke(app, ["ca", "init", "--dir", str(ca)])
    assert r.exit_code == 0, r.output
    assert (_mode(ca), _mode(ca / "ca-key.pem"), _mode(ca / "ca.pem")) == (0o700, 0o600, 0o644)
    cert, key = tmp_path / "out" / "s.pem", tmp_path / "out" / "s-key.pem"
    cert.parent.mkdir()
    r = cli.invoke(app, ["ca", "issue", "--ca-dir", str(ca), "--ip", IP, "--cert", str(cert),
                         "--key", str(key)])
    assert r.exit_code == 0, r.output
    assert (_mode(cert), _mode(key)) == (0o644, 0o600)
    assert pair_matches(cert, key)
    assert "OK" in _openssl("verify", "-CAfile", str(ca / "ca.pem"), str(cert))
    hosts = tmp_path / "hosts.txt"
    hosts.write_text(f"vnc1 {IP}\nvnc2 192.168.1.6\n")
    r = cli.invoke(app, ["ca", "issue", "--ca-dir", str(ca), "--from", str(hosts),
                         "--out-dir", str(tmp_path / "fleet")])
    assert r.exit_code == 0, r.output
    fleet = tmp_path / "fleet"
    for name in ("vnc1", "vnc2"):
        assert pair_matches(fleet / f"{name}.pem", fleet / f"{name}-private.pem")
        assert _mode(fleet / f"{name}-private.pem") == 0o600


def test_viewer_install_through_the_fallback(paths_only, tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    assert cli.invoke(app, ["create", "--ip", IP, "--yes", "--cert", str(cert),
                            "--key", str(key)]).exit_code == 0
    home, config = tmp_path / "home", tmp_path / "home" / ".config"
    home.mkdir()
    r = cli.invoke(app, ["tigervnc", "viewer", "--install", "--cert", str(cert),
                         "--tigervnc-version", "1.14"],
                   env={"HOME": str(home), "XDG_CONFIG_HOME": str(config)})
    assert r.exit_code == 0, r.output
    x509ca = config / "tigervnc" / "x509_ca.pem"
    assert (_mode(config), _mode(config / "tigervnc"), _mode(x509ca)) == (0o700, 0o700, 0o644)
    assert _openssl("x509", "-in", str(x509ca), "-noout", "-fingerprint") == \
        _openssl("x509", "-in", str(cert), "-noout", "-fingerprint")


def test_the_fallback_still_refuses_links(paths_only, tmp_path: Path) -> None:
    """Without O_NOFOLLOW: a link at a name is refused (lstat before, fstat after), a
    planted lock link creates nothing, and a key swapped for a link is never chmod-ed."""
    victim = tmp_path / "victim"
    victim.write_text("root's file\n")
    victim.chmod(0o644)
    os.symlink(victim, tmp_path / "link")
    with pytest.raises(OSError):
        dirops.open_nofollow(tmp_path / "link", os.O_RDONLY)
    d = tmp_path / "out"
    d.mkdir()
    os.symlink(tmp_path / "created-by-root", d / filelock.LOCK_NAME)
    with pytest.raises(FileProblem, match="symbolic link"):
        with filelock.dir_lock(d):
            pass
    assert not (tmp_path / "created-by-root").exists()
    fd = os.open(str(victim), os.O_RDONLY)
    try:
        with pytest.raises(OSError):
            dirops.set_mode(fd, tmp_path / "link", 0o600)  # the name is a link: refused
    finally:
        os.close(fd)
    assert _mode(victim) == 0o644


def test_package_imports_and_creates_without_the_posix_names(tmp_path: Path) -> None:
    """A Python whose os module has no O_NOFOLLOW, O_DIRECTORY, fchmod or dir_fd support (as
    on Windows: a dir_fd argument raises NotImplementedError) imports every vncssl module
    and runs `create` and a renewal with backups with the real openssl."""
    script = textwrap.dedent(f"""
        import os, pkgutil, importlib, sys
        for name in ("O_NOFOLLOW", "O_DIRECTORY", "fchmod"):
            if hasattr(os, name):
                delattr(os, name)
        os.supports_dir_fd = set()

        class windows_like:  # Windows raises for any *dir_fd argument
            # An instance, not a function: a class attribute copy (pathlib's accessor in
            # Python 3.9 keeps `stat = os.stat`) must not become a bound method.
            def __init__(self, f):
                self.f, self.__name__ = f, f.__name__

            def __call__(self, *args, **kw):
                if any(kw.get(k) is not None for k in ("dir_fd", "src_dir_fd", "dst_dir_fd")):
                    raise NotImplementedError(self.__name__ + ": dir_fd unavailable")
                return self.f(*args, **kw)

        for name in ("open", "stat", "lstat", "link", "unlink", "replace", "rename",
                     "mkdir", "rmdir", "chmod"):
            setattr(os, name, windows_like(getattr(os, name)))
        import vncssl
        for m in pkgutil.walk_packages(vncssl.__path__, "vncssl."):
            importlib.import_module(m.name)
        from vncssl.fs import capability
        assert not capability.descriptors()
        from vncssl.cli import app
        sys.argv = ["vncssl", "create", "--ip", "{IP}", "--yes", "--cert",
                    "{tmp_path}/c.pem", "--key", "{tmp_path}/k.pem"]
        try:
            app()
        except SystemExit as e:
            assert e.code in (0, None), e.code
        sys.argv = ["vncssl", "renew", "--cert", "{tmp_path}/c.pem", "--key",
                    "{tmp_path}/k.pem", "--yes"]
        app()
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       cwd=tmp_path, check=False, timeout=120)
    assert r.returncode == 0, r.stderr
    assert pair_matches(tmp_path / "c.pem", tmp_path / "k.pem")
    assert _mode(tmp_path / "k.pem") == 0o600
    assert len(list(tmp_path.glob("*.bak"))) == 2
