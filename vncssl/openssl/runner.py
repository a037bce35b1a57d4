"""The only place vncssl starts a process: run an argv with a timeout, killing the whole
process tree when it hangs.

Every call is an argv list (never a shell), with stdin closed, a timeout, its own process
group (so a hung openssl and anything it started can be killed together, and so it has no
controlling terminal from which to ask for a passphrase), and stderr kept for the user.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import threading
from dataclasses import dataclass
from typing import Callable, List, Mapping, Optional, Sequence, Set

from vncssl.errors import (
    OpensslFailed,
    OpensslNotFound,
    OpensslTimeout,
    UsageError,
)
from vncssl.openssl import capture, locate

DEFAULT_TIMEOUT = 120.0
MAX_TIMEOUT = 86400.0  # a day: longer is a hang, and larger numbers overflow the OS's timers


@dataclass
class Result:
    argv: List[str]
    returncode: int
    stdout: str
    stderr: str


def check_timeout(value: float, source: str = "--timeout",
                  fix: str = "Give e.g. 120 (the default), or more for RSA-4096 on a slow "
                  "machine.") -> float:
    """A usable number of seconds: more than 0 and at most a day (inf, nan or 1e300 would
    break waiting: the OS's timers overflow)."""
    if not (value > 0) or not math.isfinite(value) or value > MAX_TIMEOUT:
        raise UsageError(f"{source} {value!r}: must be a number of seconds more than 0 and at "
                         f"most {MAX_TIMEOUT:g} (a day).", fix)
    return float(value)


def check_openssl_conf(env: Mapping[str, str]) -> None:
    """openssl reads OPENSSL_CONF itself at every start: a FIFO there would hang it and
    /dev/zero would grow it without end. It must be a regular file of at most 16 MiB."""
    value = env.get("OPENSSL_CONF")
    if not value or not os.path.exists(value):
        return  # missing: openssl's own defaults apply, as before
    from vncssl.fs.safeopen import check_regular

    try:
        check_regular(value, "openssl config")
    except UsageError as exc:
        raise UsageError(f"OPENSSL_CONF={value}: {exc.message}",
                         "Point OPENSSL_CONF at an openssl.cnf file, or unset it.") from None


def default_timeout(env: Mapping[str, str] = os.environ) -> float:
    raw = env.get("VNCSSL_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(
            f"VNCSSL_TIMEOUT={raw!r} is not a number of seconds.",
            "Set it to a positive number, e.g. VNCSSL_TIMEOUT=120, or unset it.",
        ) from None
    return check_timeout(value, "VNCSSL_TIMEOUT=")


def run(
    argv: Sequence[str],
    *,
    timeout: Optional[float] = None,
    cwd: Optional[str] = None,
    umask: int = 0o077,
    check: bool = True,
    what: str = "openssl",
    env: Optional[Mapping[str, str]] = None,
    meanwhile: Optional[Callable[[], object]] = None,
) -> Result:
    """Run argv; raise OpensslTimeout / OpensslFailed (check=True) with everything kept.
    env: variables to set for this process only, on top of ours. meanwhile: the caller's own
    work, done while the process runs (on two cores neither waits for the other); if it
    raises, the process is killed and the error goes on."""
    timeout = default_timeout() if timeout is None else check_timeout(timeout)
    conf = (env or {}).get("OPENSSL_CONF", os.environ.get("OPENSSL_CONF"))
    if conf:  # (no copy of the whole environment per process for the common case)
        check_openssl_conf({"OPENSSL_CONF": conf})
    kwargs: dict = {}
    if env:
        kwargs["env"] = {**os.environ, **env}
    from vncssl.fs import workdir  # its /proc/self/fd/N paths: passed on, shown as real paths

    if os.name == "posix":
        # Work folders named /proc/self/fd/N/... (fs.workdir): the child gets descriptor N at
        # the same number, so the path leads it into vncssl's folder whatever is at its name.
        kwargs["pass_fds"] = workdir.fds_in([*argv, cwd or ""])
        race_hook(argv)
        # New session: no controlling tty (openssl reads passphrases from /dev/tty, not
        # stdin) and one process group to kill. umask: anything openssl creates is private.
        kwargs.update(start_new_session=True, umask=umask)
    else:
        kwargs.update(creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
    try:
        with _LIVE_LOCK:
            if _STOPPING:
                raise KeyboardInterrupt  # the command is being stopped: start nothing
            proc = subprocess.Popen(  # noqa: S603 - argv list, never a shell
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                **kwargs,
            )
            _LIVE.add(proc)
    except FileNotFoundError:
        raise OpensslNotFound(
            f"{argv[0]} could not be started: no such file.", locate.install_hint()
        ) from None
    except PermissionError:
        raise OpensslNotFound(
            f"{argv[0]} could not be started: permission denied.",
            "Check that the file is an executable openssl binary (chmod +x) or pass --openssl.",
        ) from None
    except OSError as exc:
        raise OpensslNotFound(f"{argv[0]} could not be started: {exc.strerror or exc}.",
                              "Pass a working openssl with --openssl.") from None
    try:
        if meanwhile is not None:
            meanwhile()
        out, err = capture.communicate(proc, timeout, what, kill=_kill)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise OpensslTimeout(
            f"{what} did not finish within {timeout:g} seconds and was stopped.",
            "A slow machine making a large RSA key may need more time: raise --timeout "
            "(or VNCSSL_TIMEOUT). If it always hangs, the openssl binary may be waiting for "
            "something: try running the command shown yourself.",
            argv=workdir.shown(argv),
        ) from None
    except BaseException:
        # Ctrl-C or anything else: never leave openssl running behind us.
        _kill(proc)
        raise
    finally:
        _LIVE.discard(proc)
    result = Result(list(argv), proc.returncode, out.decode("utf-8", "backslashreplace"),
                    err.decode("utf-8", "backslashreplace"))
    if check and result.returncode != 0:
        from vncssl.openssl.diagnose import explain_failure  # only needed on the failure path

        message, fix = explain_failure(result.returncode, result.stderr)
        raise OpensslFailed(
            message, fix, argv=workdir.shown(argv), returncode=result.returncode,
            stderr=result.stderr)
    return result


def race_hook(argv: Sequence[str]) -> None:
    """Tests only: called just before a process starts (the work-folder race is played here)."""


# Processes started by any thread and not yet reaped: Ctrl-C reaches only the main thread,
# so a command running openssl from worker threads kills these itself (kill_all).
_LIVE: Set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()
_STOPPING = False


def kill_all() -> None:
    """Kill every process run() started that is still running, in any thread (the thread
    waiting for it then sees it die and reaps it); from now on run() starts nothing."""
    global _STOPPING
    with _LIVE_LOCK:
        _STOPPING = True
        live = list(_LIVE)
    for proc in live:
        if proc.poll() is not None:
            continue
        with contextlib.suppress(OSError):
            _kill_tree(proc)


def resume() -> None:
    """After kill_all(), once nothing that was stopped can start openssl any more."""
    global _STOPPING
    with _LIVE_LOCK:
        _STOPPING = False


def _kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the process group and (Linux) any descendant that left it with setsid."""
    if os.name == "posix":
        strays = _descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        for pid in strays:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    else:
        proc.kill()


def _kill(proc: subprocess.Popen) -> None:
    """Kill openssl, everything in its process group, and (Linux) any descendant that left
    the group with setsid: a hung child holding our pipes would otherwise keep us waiting."""
    with contextlib.suppress(OSError):  # ProcessLookupError, PermissionError included
        _kill_tree(proc)
    try:
        proc.communicate(timeout=5)
    except Exception:  # noqa: BLE001 - best effort: the process is already being killed
        pass


def _descendants(root: int) -> List[int]:
    """All live descendants of `root`, from /proc (empty where there is no /proc)."""
    parents: dict = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[1].isdigit():
            parents.setdefault(int(fields[1]), []).append(int(entry))
    found: List[int] = []
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.append(child)
                todo.append(child)
    return found
