"""Run programs inside the Debian test trees (stdlib only; works on Python 3.9+).

The trees are built by ``tests/matrix/trees.sh`` (at ``$VNCSSL_MATRIX_CACHE/<suite>``, default
``/var/cache/vncssl-matrix/<suite>``); every program runs through ``tests/matrix/inchroot``
(chroot in a private mount + PID namespace, so nothing is left mounted or running).

    import matrix                                   # tests/matrix on sys.path
    if not matrix.available("trixie"): pytest.skip(matrix.why_not("trixie"))
    r = matrix.run_in("trixie", ["openssl", "version"], timeout=30)
    with matrix.popen_in("trixie", ["Xvnc", ...], binds=[tmp_path]) as server: ...
    with matrix.display("bullseye") as disp:        # Xvfb started with -displayfd
        matrix.run_in("bullseye", ["vncviewer", "-h"], env={"DISPLAY": disp})

Paths given in ``binds`` appear at the same path inside the tree, so a test can hand the tree's
programs its own ``tmp_path`` files unchanged.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

HERE = Path(__file__).resolve().parent
INCHROOT = HERE / "inchroot"
TREES_SH = HERE / "trees.sh"
SUITES = ("bullseye", "trixie")
STAMP = "etc/vncssl-matrix.stamp"
VENV = "/opt/vncssl-venv"  # where venv.sh puts vncssl inside a tree

PathLike = Union[str, "os.PathLike[str]"]

# Host variables that would mislead a tree's programs (the host's Python, pip and pyenv setup).
_DROP_PREFIXES = ("PYTHON", "PIP_", "PYENV", "VIRTUAL_ENV", "CONDA", "LD_LIBRARY_PATH",
                  "LD_PRELOAD", "OPENSSL_", "SSL_CERT_", "PYTEST_ADDOPTS")
_STARTED: set = set()  # session ids (= host pids of the unshare processes) this module started
_TREE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def cache_dir() -> Path:
    return Path(os.environ.get("VNCSSL_MATRIX_CACHE") or "/var/cache/vncssl-matrix")


def tree(suite: str) -> Path:
    """The tree's root folder (it may not exist: see available())."""
    return cache_dir() / suite


def why_not(suite: str) -> Optional[str]:
    """None when programs can run in the tree, else the reason (for a skip message)."""
    if not (tree(suite) / STAMP).is_file():
        return f"no {suite} tree at {tree(suite)} (build it: tests/matrix/trees.sh {suite})"
    if os.geteuid() != 0:
        return "running programs in a test tree needs root (chroot, mount namespaces)"
    for tool in ("unshare", "chroot", "mount"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            return f"{tool} is missing"
    return None


def available(suite: str) -> bool:
    return why_not(suite) is None


def ci_mode() -> bool:
    """The CI rule of tests/tigervnc_harness.py: CI set to something truthy."""
    value = os.environ.get("CI")
    return value is not None and value.strip().lower() not in ("", "0", "false", "no")


def require(suite: str) -> None:
    """For a test: skip when the tree cannot be used; under CI fail instead (a missing tree
    there means trees.sh failed), unless the run turned the matrix off with VNCSSL_MATRIX=0."""
    import pytest  # only tests call this: the module stays importable without pytest

    reason = why_not(suite)
    if reason is None:
        return
    if ci_mode() and os.environ.get("VNCSSL_MATRIX", "1") != "0":
        pytest.fail(f"{reason} (CI is set, so this is an error)", pytrace=False)
    pytest.skip(reason)


def stamp(suite: str) -> Dict[str, str]:
    """Every key=value line of the tree's stamp (suite, requested, built, pkg.NAME, ...)."""
    out: Dict[str, str] = {}
    for line in (tree(suite) / STAMP).read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = value
    return out


def versions(suite: str) -> Dict[str, str]:
    """Installed Debian versions of the key packages: {"openssl": "3.5.9-1~deb13u1", ...}.

    Library names differ between suites (libssl1.1 / libssl3t64, libgnutls30 / libgnutls30t64);
    the short keys "tigervnc", "openssl-lib", "gnutls" and "python" are added for convenience.
    """
    pkgs = {k[4:]: v for k, v in stamp(suite).items() if k.startswith("pkg.")}
    short = {
        "tigervnc": ("tigervnc-viewer",),
        "openssl-lib": ("libssl3t64", "libssl3", "libssl1.1"),
        "gnutls": ("libgnutls30t64", "libgnutls30"),
        "python": tuple(sorted((k for k in pkgs if k.startswith("python3.") and
                                k.endswith("-minimal")), reverse=True)),
    }
    for key, names in short.items():
        for name in names:
            if name in pkgs:
                pkgs[key] = pkgs[name]
                break
    return pkgs


def upstream(version: str) -> str:
    """'1:1.11.0+dfsg-2+deb11u1' -> '1.11.0' (epoch, Debian revision and +dfsg/~ suffixes cut)."""
    v = version.split(":", 1)[-1].rsplit("-", 1)[0]
    for sep in ("+", "~"):
        v = v.split(sep, 1)[0]
    return v


def tree_env(env: Optional[Mapping[str, str]] = None, *, inherit: bool = True) -> Dict[str, str]:
    """The environment for a tree's program: the caller's (less the host's Python, pip, OpenSSL
    and locale settings) with the tree's PATH and LC_ALL=C.UTF-8, then ``env`` on top (a value
    of None removes a key)."""
    base: Dict[str, str] = {}
    if inherit:
        base = {k: v for k, v in os.environ.items() if not k.startswith(_DROP_PREFIXES)}
    base = {k: v for k, v in base.items() if not k.startswith(("LC_", "LANG"))}
    base["PATH"] = _TREE_PATH
    base["LC_ALL"] = "C.UTF-8"  # the trees have no other locale
    for k, v in (env or {}).items():
        if v is None:
            base.pop(k, None)
        else:
            base[k] = v
    return base


def command(suite: str, argv: Sequence[PathLike], binds: Sequence[PathLike] = (),
            cwd: Optional[PathLike] = None) -> list:
    """The host command line that runs argv inside the tree. The tree is named by its path,
    not its suite: inchroot would look for a bare suite under its own environment's
    VNCSSL_MATRIX_CACHE, which a run with inherit_env=False does not pass on."""
    cmd = [str(INCHROOT), str(tree(suite))]
    for b in binds:
        cmd += ["--bind", os.fspath(b)]
    if cwd is not None:
        cmd += ["--cwd", os.fspath(cwd)]
    return cmd + ["--"] + [os.fspath(a) for a in argv]


def _stop_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM to the whole process group (unshare blocks SIGTERM; its init forwards it),
    then SIGKILL (unshare --kill-child takes the namespace down with it)."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
        return
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run_in(suite: str, argv: Sequence[PathLike], binds: Sequence[PathLike] = (),
           env: Optional[Mapping[str, str]] = None, timeout: Optional[float] = 60,
           cwd: Optional[PathLike] = None, input: Optional[Union[str, bytes]] = None,
           text: bool = True, check: bool = False, inherit_env: bool = True,
           **popen_kwargs: Any) -> subprocess.CompletedProcess:
    """Run argv inside the tree and wait, capturing stdout/stderr (like subprocess.run).

    On timeout every process of the run is killed and subprocess.TimeoutExpired is raised."""
    popen_kwargs.setdefault("stdout", subprocess.PIPE)
    popen_kwargs.setdefault("stderr", subprocess.PIPE)
    if input is not None:
        popen_kwargs["stdin"] = subprocess.PIPE
    else:
        popen_kwargs.setdefault("stdin", subprocess.DEVNULL)
    cmd = command(suite, argv, binds, cwd)
    with subprocess.Popen(cmd, env=tree_env(env, inherit=inherit_env), text=text,
                          start_new_session=True, **popen_kwargs) as proc:
        _STARTED.add(proc.pid)
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            _stop_group(proc, 2)
            out, err = proc.communicate()
            raise subprocess.TimeoutExpired(cmd, timeout or 0, out, err) from exc
        except BaseException:
            _stop_group(proc, 2)
            raise
    result = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    if check:
        result.check_returncode()
    return result


class InTree(subprocess.Popen):
    """A long-running program inside a tree; stop() (or leaving the with block) ends it and
    everything it started."""

    def stop(self, grace: float = 5) -> Optional[int]:
        _stop_group(self, grace)
        return self.returncode

    def __exit__(self, *exc: Any) -> None:
        try:
            self.stop()
        finally:
            super().__exit__(*exc)


def popen_in(suite: str, argv: Sequence[PathLike], binds: Sequence[PathLike] = (),
             env: Optional[Mapping[str, str]] = None, cwd: Optional[PathLike] = None,
             inherit_env: bool = True, **popen_kwargs: Any) -> InTree:
    """Start argv inside the tree without waiting (for servers). Use as a context manager or
    call .stop(). pass_fds works (fds keep their numbers inside), e.g. for -displayfd."""
    popen_kwargs.setdefault("stdin", subprocess.DEVNULL)
    proc = InTree(command(suite, argv, binds, cwd), env=tree_env(env, inherit=inherit_env),
                  start_new_session=True, **popen_kwargs)
    _STARTED.add(proc.pid)
    return proc


def read_displayfd(proc: subprocess.Popen, fd: int, timeout: float = 20) -> str:
    """Read the display number an X server writes to its -displayfd pipe: ':N'."""
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            raise RuntimeError(f"the X server gave no display number (exit {proc.poll()})")
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if ready:
            chunk = os.read(fd, 64)
            if not chunk and proc.poll() is not None:
                raise RuntimeError(f"the X server gave no display number (exit {proc.poll()})")
            data += chunk
    return ":" + data.decode().strip()


@contextlib.contextmanager
def x_server(suite: str, argv: Sequence[PathLike], binds: Sequence[PathLike] = (),
             env: Optional[Mapping[str, str]] = None, timeout: float = 20,
             **popen_kwargs: Any) -> Iterator[Tuple[InTree, str]]:
    """Start an X server of the tree (argv[0] "Xvfb" or "Xvnc", without -displayfd: added
    here, since the abstract X socket namespace is the host's) and yield (process, ':N')."""
    rfd, wfd = os.pipe()
    try:
        popen_kwargs.setdefault("stdout", subprocess.DEVNULL)
        popen_kwargs.setdefault("stderr", subprocess.DEVNULL)
        proc = popen_in(suite, [argv[0], "-displayfd", str(wfd), *argv[1:]], binds, env,
                        pass_fds=(wfd,), **popen_kwargs)
    except BaseException:
        os.close(rfd)
        os.close(wfd)
        raise
    os.close(wfd)
    with proc:
        try:
            disp = read_displayfd(proc, rfd, timeout)
        finally:
            os.close(rfd)
        yield proc, disp


@contextlib.contextmanager
def display(suite: str, *args: str, timeout: float = 20) -> Iterator[str]:
    """An Xvfb of the tree for the duration of the block; yields its DISPLAY value (':N')."""
    # No MIT-SHM: killed viewers would leak shared-memory segments (see tigervnc_harness.xvfb).
    argv = ["Xvfb", "-nolisten", "tcp", "-extension", "MIT-SHM", "-screen", "0", "1024x768x24",
            *args]
    with x_server(suite, argv, timeout=timeout) as (_, disp):
        yield disp


def _session(pid: str) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[3])  # field 6: session id


def processes_in(suite: str, only_ours: bool = True) -> List[int]:
    """PIDs of the processes whose root is the tree (what a test must not leave behind).

    only_ours: just those of the sessions this module started (run_in/popen_in start each run
    in a new session), so that other users of the same tree do not count."""
    root = str(tree(suite).resolve())
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if os.readlink(entry / "root") == root and (
                        not only_ours or _session(entry.name) in _STARTED):
                    pids.append(int(entry.name))
    return pids


def mounts_in(suite: str) -> List[str]:
    """Mount points inside the tree as the host sees them (inchroot leaves none)."""
    root = str(tree(suite).resolve())
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            target = line.split()[4].replace("\\040", " ")
            if target == root or target.startswith(root + "/"):
                out.append(target)
    return out


def install_vncssl(suite: str, src: PathLike, *extra: str, timeout: float = 600) -> str:
    """Build /opt/vncssl-venv in the tree from the source checkout src (venv.sh; its wheelhouse
    is cached) and return the path of the venv's vncssl inside the tree."""
    subprocess.run(["bash", str(HERE / "venv.sh"), suite, os.fspath(src), *extra],
                   check=True, timeout=timeout, stdout=subprocess.DEVNULL)
    return VENV + "/bin/vncssl"
