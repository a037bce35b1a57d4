"""The only place that starts a process: learn what an openssl binary is, and run it.
(Finding the binary is `vncssl.locate`.)

Every call is an argv list (never a shell), with stdin closed, a timeout, its own process
group (so a hung openssl and anything it started can be killed together, and so it has no
controlling terminal from which to ask for a passphrase), and stderr kept for the user.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import subprocess
from dataclasses import asdict, dataclass
from typing import Callable, List, Mapping, Optional, Sequence, Tuple

from vncssl import infocache, locate
from vncssl.errors import (
    NotOpenssl,
    OpensslFailed,
    OpensslNotFound,
    OpensslTimeout,
    UsageError,
)
from vncssl.locate import Located

DEFAULT_TIMEOUT = 120.0  # RSA-4096 on a slow ARM board takes tens of seconds; hangs take forever

_VERSION_RE = re.compile(r"^(OpenSSL|LibreSSL)\s+(\d+)\.(\d+)\.(\d+)([a-z]*)", re.MULTILINE)
_DIR_RE = re.compile(r'^OPENSSLDIR:\s*"?(.*?)"?\s*$', re.MULTILINE)


@dataclass(frozen=True)
class OpensslInfo:
    """What one `openssl version -a` says about a binary."""

    path: str  # absolute path that is executed
    display: str  # how commands show it: "openssl" when found on PATH, else the path
    flavour: str  # "OpenSSL" or "LibreSSL"
    version: Tuple[int, int, int]
    letter: str  # "k" in 1.0.2k
    banner: str  # first line of `openssl version -a`
    openssldir: Optional[str]  # None when the build says N/A
    fips: bool

    @property
    def version_text(self) -> str:
        return "{} {}.{}.{}{}".format(self.flavour, *self.version, self.letter)

    @property
    def supports_addext(self) -> bool:
        # req -addext arrived in OpenSSL 1.1.1 and LibreSSL 3.1.
        if self.flavour == "LibreSSL":
            return self.version >= (3, 1, 0)
        return self.version >= (1, 1, 1)

    @property
    def supports_ed25519(self) -> bool:
        if self.flavour == "LibreSSL":
            return self.version >= (3, 7, 0)
        return self.version >= (1, 1, 1)

    @property
    def has_interactive_prompt(self) -> bool:
        # A double-clicked openssl.exe gave an `OpenSSL>` prompt up to 1.1.1; 3.x prints help.
        return self.flavour == "OpenSSL" and self.version < (3, 0, 0)

    @property
    def needs_distinguished_name(self) -> bool:
        # Before 3.0, req refuses a config whose [req] lacks distinguished_name, even with -subj.
        return self.flavour == "LibreSSL" or self.version < (3, 0, 0)


@dataclass
class Result:
    argv: List[str]
    returncode: int
    stdout: str
    stderr: str


def check_timeout(value: float, source: str = "--timeout",
                  fix: str = "Give e.g. 120 (the default), or more for RSA-4096 on a slow "
                  "machine.") -> float:
    """A usable number of seconds: more than 0 and finite (inf/nan would break waiting)."""
    if not (value > 0) or not math.isfinite(value):
        raise UsageError(f"{source} {value!r}: must be a number of seconds more than 0.", fix)
    return float(value)


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
) -> Result:
    """Run argv; raise OpensslTimeout / OpensslFailed (check=True) with everything kept.
    env: variables to set for this process only, on top of ours."""
    timeout = default_timeout() if timeout is None else check_timeout(timeout)
    kwargs: dict = {}
    if env:
        kwargs["env"] = {**os.environ, **env}
    if os.name == "posix":
        # New session: no controlling tty (openssl reads passphrases from /dev/tty, not
        # stdin) and one process group to kill. umask: anything openssl creates is private.
        kwargs.update(start_new_session=True, umask=umask)
    else:
        kwargs.update(creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
    try:
        proc = subprocess.Popen(  # noqa: S603 - argv list, never a shell
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            **kwargs,
        )
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
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise OpensslTimeout(
            f"{what} did not finish within {timeout:g} seconds and was stopped.",
            "A slow machine making a large RSA key may need more time: raise --timeout "
            "(or VNCSSL_TIMEOUT). If it always hangs, the openssl binary may be waiting for "
            "something: try running the command shown yourself.",
            argv=argv,
        ) from None
    except BaseException:
        # Ctrl-C or anything else: never leave openssl running behind us.
        _kill(proc)
        raise
    result = Result(
        list(argv),
        proc.returncode,
        out.decode("utf-8", "backslashreplace"),
        err.decode("utf-8", "backslashreplace"),
    )
    if check and result.returncode != 0:
        from vncssl.diagnose import explain_failure  # only needed on the failure path

        message, fix = explain_failure(result)
        raise OpensslFailed(
            message, fix, argv=argv, returncode=result.returncode, stderr=result.stderr
        )
    return result


def _kill(proc: subprocess.Popen) -> None:
    """Kill openssl, everything in its process group, and (Linux) any descendant that left
    the group with setsid: a hung child holding our pipes would otherwise keep us waiting."""
    try:
        if os.name == "posix":
            strays = _descendants(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL)
            for pid in strays:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass
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


# --- what the binary is ------------------------------------------------------------------

def parse_version(text: str, path: str, display: str) -> OpensslInfo:
    match = _VERSION_RE.search(text)
    if not match:
        first = text.strip().splitlines()[0] if text.strip() else "(nothing)"
        raise NotOpenssl(
            f"{display} does not look like OpenSSL or LibreSSL: `version -a` printed {first!r}.",
            "Point --openssl (or VNCSSL_OPENSSL) at a real openssl binary.",
        )
    flavour, major, minor, patch, letter = match.groups()
    dir_match = _DIR_RE.search(text)
    openssldir = dir_match.group(1).strip() if dir_match else None
    if openssldir in ("N/A", "", "n/a"):
        openssldir = None
    banner = text[match.start():].splitlines()[0].strip()
    return OpensslInfo(
        path=path,
        display=display,
        flavour=flavour,
        version=(int(major), int(minor), int(patch)),
        letter=letter,
        banner=banner,
        openssldir=openssldir,
        fips="fips" in banner.lower(),
    )


def identify(located: Located, *, timeout: Optional[float] = None, use_cache: bool = True
             ) -> OpensslInfo:
    """What the binary is, from `openssl version -a` (or infocache, for a file seen before)."""
    key = infocache.key(located.path) if use_cache else None
    entry = infocache.load(key) if key else None
    if entry:
        try:
            entry["version"] = tuple(entry["version"])
            entry["display"] = located.display
            return OpensslInfo(**entry)
        except (TypeError, KeyError):
            pass  # an entry from another vncssl version: ask the binary again
    result = run([located.path, "version", "-a"], timeout=timeout, check=False,
                 what=f"{located.display} version -a")
    if result.returncode != 0 and not result.stdout.strip():
        raise OpensslFailed(
            f"{located.display} crashed or failed when asked its version "
            f"(exit status {result.returncode}).",
            "Reinstall openssl or point --openssl at a working binary.",
            argv=result.argv, returncode=result.returncode, stderr=result.stderr,
        )
    info = parse_version(result.stdout + "\n" + result.stderr, located.path, located.display)
    if key:
        infocache.store(key, asdict(info))
    return info


def find(explicit: Optional[str] = None, *, ask: Optional[Callable] = None,
         timeout: Optional[float] = None) -> Tuple[OpensslInfo, Located]:
    """The openssl to use and what it is. An explicit choice (--openssl, VNCSSL_OPENSSL) is
    used or refused, never replaced; a discovered candidate that turns out not to be a
    working OpenSSL/LibreSSL is passed over, with the reason kept for the user."""
    timeout = default_timeout() if timeout is None else check_timeout(timeout)
    chosen = locate.explicit_choice(explicit)
    if chosen is not None:
        return identify(chosen, timeout=timeout), chosen
    rejected: List[Tuple[str, str]] = []
    for located in locate.candidates(rejected):
        try:
            info = identify(located, timeout=timeout)
        except (NotOpenssl, OpensslFailed) as exc:  # not OpenSSL, crashed or hung: next
            rejected.append((located.path, exc.message))
            continue
        located.rejected = rejected
        return info, located
    if ask is not None:
        answer = ask(rejected)
        if answer:
            located = locate.from_path(answer, "the path you typed", source_label="prompt")
            located.rejected = rejected
            return identify(located, timeout=timeout), located
    raise locate.not_found(rejected)
