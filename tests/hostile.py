"""Helpers for the hostile-input tests: another local user (a forked child that drops to
uid 1001, which has no passwd entry here), vncssl as a separate process (umask, environment,
signals), and the real openssl to check what was written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, Optional

import pytest

OTHER_UID = 1001  # another local user (no passwd entry on the test machine)


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: the case is root working among other users' files")


def start_as_other_user(action: Callable[[], None], uid: int = OTHER_UID) -> int:
    """Start `action` in a forked child as another user (no supplementary groups); its pid.
    The child exits 0 when the action returned, 1 when it raised."""
    need_root()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            action()
            code = 0
        finally:
            os._exit(code)
    return pid


def as_other_user(action: Callable[[], None], uid: int = OTHER_UID) -> None:
    """Run `action` as another user and wait for it."""
    _, status = os.waitpid(start_as_other_user(action, uid), 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the other user's action failed"


def give_to_other_user(*paths: Path, uid: int = OTHER_UID) -> None:
    need_root()
    for p in paths:
        os.chown(p, uid, uid, follow_symlinks=False)


def vncssl(*args: str, cwd: Optional[Path] = None, umask: Optional[int] = None,
           env: Optional[Dict[str, str]] = None, timeout: float = 120,
           uid: Optional[int] = None) -> subprocess.CompletedProcess:
    """`python -m vncssl ARGS` as its own process (umask and uid apply to it alone)."""
    def pre() -> None:
        if umask is not None:
            os.umask(umask)
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)

    full = {**os.environ, **(env or {})}
    for k, v in list(full.items()):
        if v is None:
            del full[k]
    return subprocess.run([sys.executable, "-m", "vncssl", *args], cwd=cwd, env=full,  # noqa: S603
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          preexec_fn=pre if (umask is not None or uid is not None) else None,
                          check=False)


def mode(path: Path) -> int:
    return os.lstat(path).st_mode & 0o7777


def openssl_text(cert: Path) -> str:
    return subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-text"],  # noqa: S603,S607
                          capture_output=True, text=True, check=True).stdout


def cli_as_other_user(args, *, cwd: Path, env: Dict[str, Optional[str]],
                      uid: int = OTHER_UID) -> Dict[str, object]:
    """`vncssl ARGS` run in-process by a forked child that dropped to another uid, with
    `env` applied (None: unset). The parent has already imported what the command needs
    (run it once as root first): the child may not be able to read the interpreter's files."""
    import json as _json

    from tests.clirunner import CliRunner
    from vncssl.cli import app

    need_root()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.chdir(cwd)
            for k, v in env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            res = CliRunner().invoke(app, list(args))
            out = {"exit_code": res.exit_code, "stdout": res.stdout, "stderr": res.stderr,
                   "exception": None}
            if res.exception is not None and not isinstance(res.exception, SystemExit):
                import traceback

                out["exception"] = "".join(traceback.format_exception(*res.exc_info))
            os.write(w, _json.dumps(out).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    return _json.loads(b"".join(chunks) or b"{}")
