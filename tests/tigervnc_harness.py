"""End-to-end harness: the real TigerVNC ``Xvnc`` and ``vncviewer``, loopback only.

API (details in each docstring)::

    require_tigervnc()                       # skip if tools missing; fail if $CI is set
    shared_xvfb() -> ":N"                    # one Xvfb per test process (xvfb() for a private one)
    with xvnc_server(cert, key, *, security_types="X509None", listen="127.0.0.1",
                     extra_args=(), passwd_file=None) as srv:   # srv.port, .display, .log_text()
        out = run_viewer(host, srv.port, x509ca=ca, home=None, answer=None, server=srv)
        out.kind in {"connected", "prompt", "refused", "error"}; out.reason; out.prompts
    make_selfsigned / make_cert_with_dates / make_ca / issue_leaf / same_subject_renewal
    make_vnc_password_file(path, password)   # `vncpasswd -f`, for X509Vnc

Everything binds to and connects to 127.0.0.0/8 only (checked: _check_loopback).

Observed with Debian 12: tigervnc 1.12.0+dfsg-8 (GnuTLS 3.7.9), OpenSSL 3.0, a
2-core VM. The viewer runs with ``-Log *:stderr:100 -ReconnectOnError=0
-AlertOnFatalError=0``; messages below are unwrapped (TigerVNC wraps its log at
~80 columns, normalise_log joins the pieces).

connected -- viewer stderr has ``CConnection: Authentication success!`` then
  ``CConnection: initialisation done`` (the harness keys on the latter); the
  desktop window ``vncssl-test - TigerVNC`` maps right after. Cert types seen
  to connect: RSA, ECDSA P-256, Ed25519 self-signed; a CA-issued leaf with the
  root in X509CA; a leaf behind an intermediate when the server's X509Cert is the
  full chain; DNS:localhost SAN with host "localhost"; X509CA holding the old
  and the new cert of a renewal.

prompt -- a modal FLTK window (WM_CLASS "TigerVNC Viewer", _NET_WM_PID set)
  whose title is the question; its body is drawn text, not readable via X, so
  ``prompt_text`` is rebuilt from the templates in the binary plus the logged
  certificate summary. The viewer would wait forever; the harness kills it.
  * ``Certificate hostname mismatch``: log ``TLS: hostname mismatch``. Body
    "Hostname (127.0.0.2) does not match the server certificate, do you want
    to continue?". Seen for: IP SAN 127.0.0.1 reached as 127.0.0.2 or as
    "localhost"; a cert with CN=127.0.0.1 and no SAN reached as 127.0.0.1 (CN is
    never matched against an IP).
  * ``Unknown certificate issuer``: log ``TLS: server certificate invalid``,
    ``TLS: server cert signer not found``, ``TLS: Server host not previously
    known``, then the summary ``TLS: subject `CN=vnc.test'``, ``issuer ...``,
    ``serial 0x...``, ``RSA key 2048 bits``, ``signed using RSA-SHA256``,
    ``activated `...'``, ``expires `...'``, ``pin-sha256="..."``. Seen for:
    X509CA = another cert; X509CA = the pre-renewal cert with the same subject;
    leaf whose intermediate the server does not send; no X509CA at all (then
    also ``TLS: Could not load user specified certificate authority``).
  * ``Unexpected server certificate``: HOME's known_hosts has this host with a
    different key (accepted earlier, then the cert was renewed); log ``TLS:
    Server host key mismatch`` + the summary.
  Answering (``answer="yes"``: Return = the default button) stores
  ``|g0|127.0.0.1|*|0|<base64 SubjectPublicKeyInfo>`` in
  ``$HOME/.vnc/x509_known_hosts`` (keyed by host name and key, any port) and the
  session connects; the next run with that HOME logs ``TLS: Server certificate
  found in known hosts file`` and connects without asking. ``answer="no"``
  (Escape) gives refused ``Authentication failure: Unknown certificate issuer``.

refused -- the viewer exits by itself (exit status 0!) after
  ``CConn: Authentication failure: <reason>`` with a certificate reason:
  * expired: ``TLS: server certificate invalid``, ``TLS: GNUTLS status of
    certificate verification: 1026`` (INVALID|EXPIRED), reason ``Invalid status
    of server certificate verification``. 1.12 never asks about expiry.
  * not yet valid: same reason, status 514 (INVALID|NOT_ACTIVATED).
  * SHA-1-signed leaf from a CA in X509CA: reason ``The server certificate uses
    an insecure algorithm`` (no status line).

error -- everything else, e.g. ``unable to connect to socket: Connection refused
  (111)`` (nothing listening); ``Server failed to initialize TLS session`` (key
  does not match cert; server log ``SConnection: AuthFailureException:
  Authentication failure: Private key does not match certificate``); ``No valid
  VeNCrypt sub-type`` (viewer X509None vs server X509Vnc); X509Vnc with a wrong
  password: ``Authentication failure``; X509Vnc without -passwd: a ``VNC
  authentication`` window (reported as ``unexpected viewer window``).

Server log (Xvnc ``-Log *:stderr:100``): every case, prompts and refusals
included, shows ``Connections: accepted: 127.0.0.1::P``, ``TLS: TLS handshake
completed ...``, ``VNCServerST: starting desktop`` -- the server cannot tell a
verified viewer from a doubting one. Only a connected viewer gets as far as
``VNCServerST: non-shared connection - closing clients`` / ``SMsgHandler: Got
client clipboard capabilities``. A prompt killed by the harness ends with
``closing ...: readTLS: The TLS connection was non-properly terminated. (-110)``,
a refusal with ``closing ...: Clean disconnection``. Hence the viewer's own log
and windows are the judge, not the server log.

Timing (20 runs per case): detection 0.03-0.05 s median, 0.09 s max; the whole
run_viewer call 0.03-0.06 s median; with two harness processes plus a CPU hog
on 2 cores, 0.06-0.13 s median, 0.24 s max. Xvfb starts in ~0.1 s, Xvnc (until
it answers the RFB banner) ~0.05 s, an RSA test cert ~0.2 s, EC ~0.02 s.
tests/test_harness_selfcheck.py: ~2 s idle, 8-12 s with four busy loops on
the 2 cores (stable over 10 runs; every wait is a poll, none a fixed sleep).

Gotchas:
* Xvnc ``-interface`` takes one address. ``-interface 127.0.0.2`` works (Linux
  routes all of 127/8 to lo), but then 127.0.0.1 is not served. ``-localhost``
  overrides ``-interface`` and binds 127.0.0.1 *and* [::1]. For one server on
  several addresses, xvnc_server(listen=(a, b)) relays b:port to a:port (a byte
  pipe, so TLS and the name check are untouched; the server log then shows the
  peer as 127.0.0.1).
* Viewer state lives in $HOME/.vnc (1.12): x509_known_hosts, default
  x509_ca.pem / x509_crl.pem; FLTK writes $HOME/.fltk. run_viewer uses a fresh
  HOME per call unless given one. A missing CRL only logs ``TLS: Could not load
  user specified certificate revocation list``.
* Without ``-ReconnectOnError=0 -AlertOnFatalError=0`` failures open an alert
  dialog instead of exiting; the exit status is 0 on failure either way.
* Xvfb needs ``-noreset``: otherwise it resets whenever its last client (an
  xdotool call, a viewer) disconnects, and the next viewer intermittently dies
  with ``Can't open display: :N``.
* With no window manager, focus is PointerRoot: ``xdotool key --window`` fails
  (BadWindow); ``windowfocus --sync`` then ``key`` works. FLTK hides and reuses
  its message window, so only mapped windows (``--onlyvisible``) count.
* A viewer blocked in a modal dialog takes ~1 s to honour SIGTERM: use SIGKILL.
* LC_ALL=C for the viewer: messages are gettext-translated otherwise.
* SNI: the 1.12 viewer sends the typed host (an IP literal too) as server
  name; Xvnc accepted "127.0.0.1" and "127.0.0.2". "::1" (reported rejected) is
  not tried: the harness is IPv4-only.
"""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Literal

# --------------------------------------------------------------------------
# Binaries / skipping
# --------------------------------------------------------------------------

REQUIRED_BINARIES = ("Xvnc", "vncviewer", "Xvfb", "xdotool", "openssl")


def missing_binaries(names: Sequence[str] = REQUIRED_BINARIES) -> list[str]:
    return [name for name in names if shutil.which(name) is None]


def ci_mode() -> bool:
    """True when the CI env var is set to something truthy (CI=true, CI=1...)."""
    value = os.environ.get("CI")
    return value is not None and value.strip().lower() not in ("", "0", "false", "no")


def require_tigervnc(names: Sequence[str] = REQUIRED_BINARIES) -> None:
    """Skip the calling test if a binary is missing; fail loudly under CI.

    Locally a missing TigerVNC is an environment gap, not a bug; on CI it means
    the image is broken and silently skipping would hide every e2e test.
    """
    import pytest  # local import: the harness stays importable without pytest

    missing = missing_binaries(names)
    if not missing:
        return
    reason = f"TigerVNC e2e tools not installed: {', '.join(missing)}"
    if ci_mode():
        pytest.fail(f"{reason} (CI is set, so this is an error)", pytrace=False)
    pytest.skip(reason)


def viewer_version(install: Install | None = None) -> tuple[int, ...]:
    """vncviewer's version from its banner ("TigerVNC Viewer 64-bit v1.12.0", 1.15:
    "TigerVNC viewer v1.15.0").

    Behaviour differs by version (1.13+ asks where 1.12 refuses), so tests that
    pin one generation's behaviour can say so. Returns () when the banner is not found.
    """
    return (install or HOST).viewer_version()


# --------------------------------------------------------------------------
# Where the TigerVNC programs come from: the host, or a Debian test tree
# --------------------------------------------------------------------------

_MATRIX_DIR = Path(__file__).resolve().parent / "matrix"


def _matrix():  # type: ignore[no-untyped-def]
    """tests/matrix/matrix.py (a plain folder, not a package)."""
    import sys

    if str(_MATRIX_DIR) not in sys.path:
        sys.path.insert(0, str(_MATRIX_DIR))
    import matrix

    return matrix


@dataclass(frozen=True)
class Install:
    """A TigerVNC installation: the host's (``suite=None``) or a Debian test tree's
    (tests/matrix: bullseye = 1.11, trixie = 1.15), whose programs run through
    ``tests/matrix/inchroot`` (chroot in a private mount + PID namespace).

    Paths handed to a tree's program are bind-mounted at the same path, so a test
    passes its own tmp_path files unchanged. Inside the PID namespace a viewer's
    _NET_WM_PID is not its host PID, so a tree viewer gets a private Xvfb per run
    and every window on it is its own.
    """

    suite: str | None = None

    @property
    def name(self) -> str:
        return self.suite or "host"

    def why_not(self, names: Sequence[str] = ("Xvnc", "vncviewer")) -> str | None:
        if self.suite is None:
            missing = missing_binaries([*names, "Xvfb", "xdotool", "openssl"])
            return f"TigerVNC e2e tools not installed: {', '.join(missing)}" if missing else None
        host_missing = missing_binaries(["Xvfb", "xdotool", "openssl"])
        if host_missing:
            return f"TigerVNC e2e tools not installed: {', '.join(host_missing)}"
        return _matrix().why_not(self.suite)

    def require(self, names: Sequence[str] = ("Xvnc", "vncviewer")) -> None:
        """Skip when unusable; under CI fail (a tree that is not built is a broken CI)."""
        import pytest

        reason = self.why_not(names)
        if reason is None:
            return
        if ci_mode():
            pytest.fail(f"{reason} (CI is set, so this is an error)", pytrace=False)
        pytest.skip(reason)

    def argv(self, argv: Sequence[str], binds: Sequence[os.PathLike[str] | str] = ()) -> list[str]:
        if self.suite is None:
            return list(argv)
        return list(_matrix().command(self.suite, argv, _outermost(binds)))

    def path(self) -> str:
        if self.suite is None:
            return os.environ.get("PATH", "/usr/bin:/bin")
        return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    def help_text(self) -> str:
        """`vncviewer -h` (usage, version banner, every parameter), cached."""
        return _viewer_help(self)

    def viewer_version(self) -> tuple[int, ...]:
        match = re.search(r"TigerVNC [Vv]iewer .*?v(\d+(?:\.\d+)+)", self.help_text())
        return tuple(int(x) for x in match.group(1).split(".")) if match else ()

    def viewer_has(self, parameter: str) -> bool:
        """Whether this vncviewer knows a parameter (1.11 has no ReconnectOnError, and
        an unknown parameter makes it print usage and exit)."""
        return re.search(rf"^\s+{re.escape(parameter)} - ", self.help_text(), re.M) is not None


HOST = Install()
# The viewers the matrix runs (issue 13): the host's (Debian 12: 1.12), Debian 11's (1.11)
# and Debian 13's (1.15). Servers: the host's Xvnc (bullseye's 1.11 makes DH parameters per
# connection, seconds each).
VIEWERS = (HOST, Install("bullseye"), Install("trixie"))

_HELP_CACHE: dict[Install, str] = {}


def _viewer_help(install: Install) -> str:
    if install not in _HELP_CACHE:
        res = _run(install.argv(["vncviewer", "-h"]),
                   env={"PATH": install.path(), "LC_ALL": "C"}, timeout=60)
        _HELP_CACHE[install] = (res.stdout + res.stderr).decode(errors="replace")
    return _HELP_CACHE[install]


def _outermost(paths: Sequence[os.PathLike[str] | str]) -> list[Path]:
    """Existing folders to bind, none inside another (one bind covers its subfolders)."""
    folders = sorted({Path(p).resolve() for p in paths if Path(p).exists()})
    kept: list[Path] = []
    for f in folders:
        if not any(f == k or k in f.parents for k in kept):
            kept.append(f)
    return kept


def _folder_of(path: os.PathLike[str] | str | None) -> list[Path]:
    if path is None:
        return []
    p = Path(path).resolve()
    return [p if p.is_dir() else p.parent]


# --------------------------------------------------------------------------
# Small process helpers
# --------------------------------------------------------------------------


def _run(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
    timeout: float = 30,
) -> subprocess.CompletedProcess[bytes]:
    """Run a short helper command (argv list, never a shell), capturing output."""
    return subprocess.run(  # noqa: S603 - argv built by this module, no shell
        list(argv), env=env, input=input, capture_output=True, timeout=timeout, check=False
    )


def _spawn(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None,
    output: IO[bytes] | int,
    pass_fds: Sequence[int] = (),
) -> subprocess.Popen[bytes]:
    """Start a long-running X/VNC process in its own session (so killpg gets it all)."""
    return subprocess.Popen(  # noqa: S603 - argv built by this module, no shell
        list(argv),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=output,
        pass_fds=tuple(pass_fds),
        start_new_session=True,
    )


def _check_loopback(address: str) -> str:
    """Refuse anything but an IPv4 loopback literal: tests must never leave lo."""
    ip = ipaddress.ip_address(address)
    if ip.version != 4 or not ip.is_loopback:
        raise ValueError(f"harness only binds/connects to 127.0.0.0/8, got {address!r}")
    return address


def _kill_group(proc: subprocess.Popen[bytes], *, grace: float) -> None:
    """Kill a process started with start_new_session=True, and its children.

    SIGTERM first (Xvnc/Xvfb then remove their /tmp/.X*-lock and socket), SIGKILL
    after ``grace`` seconds. ``grace=0`` goes straight to SIGKILL (the viewer: a
    modal FLTK dialog delays its SIGTERM handling by up to ~1 s).
    """
    # Only signal while the leader is unreaped: then the group id is certainly
    # still ours (after reaping, the number could be reused by anyone).
    if proc.poll() is not None:
        return
    sig = signal.SIGTERM if grace > 0 else signal.SIGKILL
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=grace if grace > 0 else 5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _read_displayfd(fd: int, proc: subprocess.Popen[bytes], timeout: float) -> int:
    """Read the display number an X server writes to -displayfd once ready."""
    deadline = time.monotonic() + timeout
    buf = b""
    os.set_blocking(fd, False)
    while time.monotonic() < deadline:
        with contextlib.suppress(BlockingIOError):
            chunk = os.read(fd, 64)
            if not chunk and proc.poll() is not None:
                break
            buf += chunk
            if buf.endswith(b"\n"):
                return int(buf.strip())
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    raise RuntimeError(f"X server did not report a display (got {buf!r}, rc={proc.poll()})")


def normalise_log(text: str) -> list[str]:
    """Turn TigerVNC's log into one string per message.

    TigerVNC wraps long messages at ~80 columns and indents the continuation to
    the text column, e.g. ``" TLS:         TLS handshake completed with\\n
    (TLS1.3)-..."``; matching must not depend on where the wrap fell.
    """
    messages: list[str] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        # A continuation line is indented far beyond the 1-space message indent.
        if messages and raw.startswith("   "):
            messages[-1] += " " + raw.strip()
        else:
            messages.append(" ".join(raw.split()))
    return messages


# Old private name, still used by other test modules.
_normalise_log = normalise_log


# --------------------------------------------------------------------------
# Xvfb for the viewer
# --------------------------------------------------------------------------


@contextlib.contextmanager
def xvfb(size: str = "1024x768x24") -> Iterator[str]:
    """Start a private Xvfb (free display chosen by the server), yield ``":N"``."""
    read_fd, write_fd = os.pipe()
    with tempfile.TemporaryFile() as log:
        # -noreset: otherwise the server resets each time its last client
        # (xdotool, a viewer) disconnects, and a viewer starting during the
        # reset fails with "Can't open display".
        # -extension MIT-SHM: a viewer killed between shmget and IPC_RMID leaks its segment
        # for good; a few thousand test runs used up the kernel's 4096 and X clients then
        # failed to start. Without the extension clients draw through the socket instead.
        argv = ["Xvfb", "-displayfd", str(write_fd), "-nolisten", "tcp", "-noreset",
                "-extension", "MIT-SHM"]
        argv += ["-screen", "0", size]
        proc = _spawn(argv, env=None, output=log, pass_fds=(write_fd,))
        os.close(write_fd)
        try:
            try:
                display = _read_displayfd(read_fd, proc, timeout=10)
            finally:
                os.close(read_fd)
            yield f":{display}"
        finally:
            _kill_group(proc, grace=2)


_shared_xvfb: contextlib.ExitStack | None = None
_shared_display: str | None = None
_shared_lock = threading.Lock()


def shared_xvfb() -> str:
    """One Xvfb per test process, started on first use, stopped at exit.

    A module singleton rather than a fixture so that every test module (and a
    conftest fixture, if the lead adds one) shares the same server. Viewers are
    told apart by _NET_WM_PID, so sharing the X display is safe.
    """
    global _shared_xvfb, _shared_display
    with _shared_lock:
        if _shared_display is None:
            stack = contextlib.ExitStack()
            _shared_display = stack.enter_context(xvfb())
            _shared_xvfb = stack
            atexit.register(_stop_shared_xvfb)
        return _shared_display


def _stop_shared_xvfb() -> None:
    global _shared_xvfb, _shared_display
    with _shared_lock:
        if _shared_xvfb is not None:
            _shared_xvfb.close()
        _shared_xvfb = None
        _shared_display = None


# --------------------------------------------------------------------------
# Xvnc server
# --------------------------------------------------------------------------

DESKTOP_NAME = "vncssl-test"


def find_free_port(addresses: Sequence[str] = ("127.0.0.1",)) -> int:
    """A TCP port currently free on every given loopback address.

    The kernel picks one on the first address; the others are checked. There is
    a small race until Xvnc binds it, which xvnc_server() covers by retrying.
    """
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((_check_loopback(addresses[0]), 0))
            port = int(s.getsockname()[1])
        if all(_port_free(addr, port) for addr in addresses):
            return port
    raise RuntimeError("no free port found")


def _port_free(address: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((_check_loopback(address), port))
        except OSError:
            return False
    return True


def find_free_display(start: int = 20, stop: int = 200) -> int:
    """First X display number with no lock file and no socket.

    xvnc_server() itself lets Xvnc choose via -displayfd (race-free); this is for
    callers that need a number up front.
    """
    for n in range(start, stop):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    raise RuntimeError("no free X display number")


class _Relay:
    """Forward ``address:port`` to ``target:port``, all on loopback.

    Xvnc's -interface takes exactly one address and the only wider choice ("all"
    or -localhost) would include non-loopback or ::1. To make the same server
    (same log, same cert) reachable as 127.0.0.2 we relay raw bytes: TLS and the
    viewer's name check are end-to-end, so the relay is invisible to them. Only
    the server log shows the peer as 127.0.0.1.
    """

    def __init__(self, address: str, port: int, target: str) -> None:
        self._target = (target, port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((_check_loopback(address), port))
        self._listener.listen(8)
        self._sockets: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            # Propagate EOF so each side sees the other hang up.
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.close()


@dataclass
class Server:
    """A running Xvnc. ``addresses[0]`` is Xvnc itself, the rest are relays."""

    display: int
    port: int
    addresses: tuple[str, ...]
    log_path: Path
    pid: int
    security_types: str

    @property
    def host(self) -> str:
        return self.addresses[0]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_mark(self) -> int:
        """Current log size; pass to log_since() to see one connection's lines."""
        return self.log_path.stat().st_size

    def log_since(self, mark: int) -> str:
        with self.log_path.open("rb") as f:
            f.seek(mark)
            return f.read().decode(errors="replace")

    def wait_for_log(self, needle: str, *, since: int = 0, timeout: float = 3.0) -> str:
        """Log text after ``since`` once it contains ``needle`` (or at timeout).

        Xvnc logs a connection's end a little after the client has gone, so a
        log read right after a client returns can miss the last lines. Matching
        is on normalised messages, so a wrapped line still matches.
        """
        deadline = time.monotonic() + timeout
        while True:
            text = self.log_since(since)
            if needle in " ".join(normalise_log(text)) or time.monotonic() > deadline:
                return text
            time.sleep(0.02)


def _wait_rfb_banner(
    address: str, port: int, proc: subprocess.Popen[bytes], timeout: float
) -> None:
    """Wait until ``address:port`` answers with an RFB banner.

    Reading the banner (not just connect()) proves Xvnc is serving; the probe
    shows in the server log as one short-lived connection.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Xvnc exited with {proc.returncode} during startup")
        try:
            with socket.create_connection((address, port), timeout=1) as s:
                banner = s.recv(12)
            if banner.startswith(b"RFB "):
                return
            last_error = RuntimeError(f"unexpected banner {banner!r}")
        except OSError as exc:
            last_error = exc
        time.sleep(0.02)
    raise RuntimeError(f"Xvnc not accepting on {address}:{port}: {last_error}")


@contextlib.contextmanager
def xvnc_server(
    cert: os.PathLike[str] | str,
    key: os.PathLike[str] | str,
    *,
    security_types: str = "X509None",
    listen: str | Sequence[str] = "127.0.0.1",
    extra_args: Sequence[str] = (),
    passwd_file: os.PathLike[str] | str | None = None,
    log_dir: os.PathLike[str] | str | None = None,
    startup_timeout: float = 10.0,
    run_as: tuple[int, int] | None = None,
    install: Install | None = None,
) -> Iterator[Server]:
    """Run a real Xvnc presenting ``cert``/``key`` on loopback only.

    ``listen`` is one loopback address or several; Xvnc binds the first with
    ``-interface`` and the others are relayed to it on the same port.
    ``passwd_file`` (from make_vnc_password_file()) is needed for *Vnc types.
    The log (stdout+stderr, every facility at level 100) goes to ``log_dir``
    (kept) or to a temp dir removed when the block exits; run_viewer(server=)
    copies each run's part into the outcome. ``install`` runs a test tree's Xvnc
    instead of the host's (bullseye's 1.11 makes DH parameters per connection: slow).
    ``run_as=(uid, gid)`` starts Xvnc as that user (``setpriv``, root only): the files it
    must read need to be readable by it.
    """
    install = install or HOST
    addresses = (listen,) if isinstance(listen, str) else tuple(listen)
    if not addresses:
        raise ValueError("listen needs at least one address")
    for addr in addresses:
        _check_loopback(addr)
    if "vnc" in security_types.lower() and passwd_file is None:
        raise ValueError(f"{security_types} needs passwd_file")

    with contextlib.ExitStack() as stack:
        if log_dir is None:
            log_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="xvnc-"))
        log_dir = Path(log_dir)
        # Xvnc reads no config file itself, but give it an empty HOME anyway so
        # nothing from the real user's ~/.vnc can matter.
        home = log_dir / "server-home"
        home.mkdir(exist_ok=True)

        last_error: Exception | None = None
        for _attempt in range(3):  # retry covers the free-port race
            attempt = contextlib.ExitStack()
            port = find_free_port(addresses)
            log_path = log_dir / f"xvnc-{port}.log"
            read_fd, write_fd = os.pipe()
            # fmt: off
            args = [
                "Xvnc",
                "-displayfd", str(write_fd),  # Xvnc picks a free display: no lock race
                "-interface", addresses[0],
                "-rfbport", str(port),
                "-SecurityTypes", security_types,
                "-X509Cert", str(Path(cert).resolve()),
                "-X509Key", str(Path(key).resolve()),
                "-nolisten", "tcp",  # X11 itself: unix socket only
                "-desktop", DESKTOP_NAME,  # viewer window title "vncssl-test - TigerVNC"
                "-geometry", "640x480",
                "-depth", "24",
                "-Log", "*:stderr:100",
            ]
            # fmt: on
            if passwd_file is not None:
                args += ["-PasswordFile", str(Path(passwd_file).resolve())]
            args += list(extra_args)
            if run_as is not None:
                args = ["setpriv", f"--reuid={run_as[0]}", f"--regid={run_as[1]}",
                        "--clear-groups", "--", *args]
            binds = [home, *_folder_of(cert), *_folder_of(key), *_folder_of(passwd_file)]
            with log_path.open("wb") as log:
                env = {"PATH": install.path(), "HOME": str(home), "LC_ALL": "C"}
                proc = _spawn(install.argv(args, binds), env=env, output=log,
                              pass_fds=(write_fd,))
            os.close(write_fd)
            attempt.callback(_kill_group, proc, grace=3)
            try:
                try:
                    display = _read_displayfd(read_fd, proc, timeout=startup_timeout)
                finally:
                    os.close(read_fd)
                _wait_rfb_banner(addresses[0], port, proc, timeout=startup_timeout)
                for extra in addresses[1:]:
                    attempt.callback(_Relay(extra, port, addresses[0]).close)
            except (OSError, RuntimeError) as exc:
                attempt.close()
                last_error = RuntimeError(
                    f"{exc}\n--- Xvnc log ---\n{log_path.read_text(errors='replace')}"
                )
                continue
            stack.enter_context(attempt)
            yield Server(display, port, addresses, log_path, proc.pid, security_types)
            return
        raise RuntimeError(f"could not start Xvnc: {last_error}")


def make_vnc_password_file(path: os.PathLike[str] | str, password: str = "vncssl-test") -> Path:
    """Write a VncAuth password file with ``vncpasswd -f`` (for X509Vnc)."""
    if shutil.which("vncpasswd") is None:
        raise RuntimeError("vncpasswd not installed (package tigervnc-tools)")
    res = _run(["vncpasswd", "-f"], input=f"{password}\n".encode())
    if res.returncode != 0:
        raise RuntimeError(f"vncpasswd -f failed: {res.stderr.decode(errors='replace')}")
    path = Path(path)
    path.write_bytes(res.stdout)
    path.chmod(0o600)
    return path


# --------------------------------------------------------------------------
# Viewer
# --------------------------------------------------------------------------

OutcomeKind = Literal["connected", "prompt", "refused", "error"]

# Window titles of the viewer's certificate questions, as found in the 1.12
# binary (`strings /usr/bin/vncviewer`) and observed. Newer viewers ask about
# more (expired, insecure algorithm...), so any other window whose title
# mentions "certificate" is also taken as a question (_is_question).
PROMPT_TITLES = (
    "Unknown certificate issuer",
    "Certificate hostname mismatch",
    "Unexpected server certificate",
)


def _is_question(title: str) -> bool:
    return title in PROMPT_TITLES or "certificate" in title.lower()


# Messages that mean "the viewer rejected the certificate" (refused) as opposed
# to other failures (error).
_REFUSAL_RE = re.compile(
    r"certificate|signer|insecure algorithm|revoked|hostname|known hosts", re.IGNORECASE
)

# Dialog bodies are drawn text (not readable via X), so prompt_text is rebuilt
# from the templates in the 1.12 binary plus the details the viewer logs.
_UNKNOWN_ISSUER_TEXT = (
    "This certificate has been signed by an unknown authority:\n\n{info}\n\n"
    "Someone could be trying to impersonate the site and you should not continue.\n\n"
    "Do you want to make an exception for this server?"
)
_UNEXPECTED_TEXT = (
    "This host is previously known with a different certificate, and the new "
    "certificate has been signed by an unknown authority:\n\n{info}\n\n"
    "Someone could be trying to impersonate the site and you should not continue.\n\n"
    "Do you want to make an exception for this server?"
)
_HOSTNAME_TEXT = "Hostname ({host}) does not match the server certificate, do you want to continue?"


@dataclass
class ViewerOutcome:
    kind: OutcomeKind
    # prompt: the dialog title; refused/error: the viewer's final error message;
    # connected: "".
    reason: str
    elapsed: float
    stderr: str
    # Certificate questions seen, in order (answered ones too, see answer=).
    prompts: list[str] = field(default_factory=list)
    # Reconstructed body of the last question (see _UNKNOWN_ISSUER_TEXT).
    prompt_text: str | None = None
    # Titles of every visible window the viewer opened (in order seen).
    windows: list[str] = field(default_factory=list)
    # "GNUTLS status of certificate verification: N" (gnutls_certificate_status_t
    # bits, e.g. 1026 = INVALID|EXPIRED), if logged.
    gnutls_status: int | None = None
    returncode: int | None = None
    # Server log lines written during this run (when run_viewer got server=).
    server_log: str | None = None

    @property
    def prompt_title(self) -> str | None:
        return self.prompts[-1] if self.prompts else None

    @property
    def messages(self) -> list[str]:
        """stderr as unwrapped, whitespace-normalised log messages."""
        return normalise_log(self.stderr)

    @property
    def server_messages(self) -> list[str]:
        """server_log as messages ([] unless run_viewer got server=)."""
        return normalise_log(self.server_log or "")

    @property
    def tls_messages(self) -> list[str]:
        return [m[len("TLS: ") :] for m in self.messages if m.startswith("TLS: ")]

    def __str__(self) -> str:  # pytest shows this on assertion failure
        tail = "\n".join(self.messages[-25:])
        return f"{self.kind}: {self.reason!r} ({self.elapsed:.2f}s) prompts={self.prompts}\n{tail}"


def _viewer_windows(pid: int | None, env: dict[str, str]) -> list[tuple[str, str]]:
    """(window id, title) of mapped windows owned by ``pid``.

    FLTK sets _NET_WM_PID, so viewers sharing one Xvfb never see each other's
    windows. --onlyvisible matters: FLTK hides and reuses its message window, so
    an answered question stays in the window list, unmapped.
    """
    # pid None: the display is the viewer's own (a tree viewer), every window is its.
    which = ["--pid", str(pid)] if pid is not None else ["--name", ""]
    res = _run(["xdotool", "search", "--onlyvisible", *which], env=env, timeout=5)
    found = []
    for wid in res.stdout.decode().split():
        name = _run(["xdotool", "getwindowname", wid], env=env, timeout=5)
        title = name.stdout.decode(errors="replace").rstrip("\n")
        if name.returncode == 0 and title:
            found.append((wid, title))
    return found


def _answer_dialog(
    wid: str, title: str, answer: Literal["yes", "no"], pid: int | None, env: dict[str, str]
) -> None:
    """Press the default button (Return = yes) or Escape (= no) in a question.

    With no window manager the X focus is PointerRoot, so focus the dialog
    first; then wait for it to go away so it is not answered twice.
    """
    key = "Return" if answer == "yes" else "Escape"
    _run(
        ["xdotool", "windowfocus", "--sync", wid, "key", "--clearmodifiers", key],
        env=env,
        timeout=5,
    )
    deadline = time.monotonic() + 10  # generous: a loaded 2-core CI box is slow
    while (wid, title) in _viewer_windows(pid, env):
        if time.monotonic() > deadline:
            raise RuntimeError(f"viewer dialog {title!r} did not close after {key}")
        time.sleep(0.02)


def _prompt_text(title: str, host: str, messages: list[str]) -> str | None:
    if title == "Certificate hostname mismatch":
        return _HOSTNAME_TEXT.format(host=host)
    if title in ("Unknown certificate issuer", "Unexpected server certificate"):
        # The viewer logs the certificate summary (gnutls_x509_crt_print
        # ONELINE, split at ", ") as "TLS: subject `...'", "TLS:  issuer ...".
        starts = [i for i, m in enumerate(messages) if m.startswith("TLS: subject ")]
        if not starts:
            return None
        info = []
        for m in messages[starts[-1] :]:
            if not m.startswith("TLS: "):
                break
            info.append(m[len("TLS: ") :])
        template = _UNKNOWN_ISSUER_TEXT if title.startswith("Unknown") else _UNEXPECTED_TEXT
        return template.format(info=", ".join(info))
    return None


def run_viewer(
    host: str,
    port: int,
    *,
    x509ca: os.PathLike[str] | str | None,
    display: str | None = None,
    home: os.PathLike[str] | str | None = None,
    security_types: str = "X509None",
    passwd_file: os.PathLike[str] | str | None = None,
    x509crl: os.PathLike[str] | str | None = None,
    answer: Literal["yes", "no"] | None = None,
    extra_args: Sequence[str] = (),
    server: Server | None = None,
    timeout: float = 10.0,
    poll_interval: float = 0.02,
    install: Install | None = None,
    hosts: dict[str, str] | None = None,
) -> ViewerOutcome:
    """Run the real vncviewer against ``host::port`` and classify what happened.

    * connected - the viewer logged "CConnection: initialisation done" (RFB
      ServerInit read after TLS and auth) and no question was left open.
    * prompt - a certificate question window (see PROMPT_TITLES) opened;
      it is modal and would block forever, so the viewer is killed.
    * refused - the viewer gave up with a certificate error ("Authentication
      failure: Invalid status of server certificate verification", ...).
    * error - anything else (connection refused, timeout, other dialogs).

    ``answer="yes"`` accepts every question instead (as a user clicking Yes:
    the exception is stored in ``home``/.vnc/x509_known_hosts); ``"no"`` declines
    (the viewer then refuses: "Authentication failure: <title>"). Either way
    ``prompts`` lists what was asked.

    ``host`` is what the user would type (the name checked against the cert)
    and must be a 127.x.x.x literal or "localhost". ``home`` defaults to a fresh
    temp dir per call so no ~/.vnc/x509_known_hosts state leaks between runs;
    pass one to keep or pre-seed that state. ``x509ca=None`` leaves the
    default (~/.vnc/x509_ca.pem under ``home``).

    ``install`` runs a test tree's vncviewer (Install("bullseye"): 1.11,
    Install("trixie"): 1.15) instead of the host's; it then always gets an Xvfb
    of its own (``display`` is ignored): its _NET_WM_PID is a PID-namespace number.

    ``hosts`` ({name: 127.x.x.x}) gives the viewer alone an /etc/hosts with those names
    (a private mount namespace, `unshare -m`, root only), so that a name such as
    "straße.test" can be typed; each must map to a loopback address.
    """
    for ip in (hosts or {}).values():
        _check_loopback(ip)
    if host != "localhost" and host not in (hosts or {}):
        _check_loopback(host)
    install = install or HOST
    with contextlib.ExitStack() as stack:
        if install.suite is not None:
            display = stack.enter_context(xvfb())  # windows are told apart by display
        elif display is None:
            display = shared_xvfb()
        if home is None:
            home = stack.enter_context(tempfile.TemporaryDirectory(prefix="vncviewer-home-"))
        home = Path(home)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            # 1.14+ moved state to the XDG dirs; keep those inside home too.
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_STATE_HOME": str(home / ".local/state"),
            "DISPLAY": display,
            # Untranslated messages: classification matches English strings.
            "LC_ALL": "C",
        }
        # fmt: off
        args = [
            "vncviewer",
            "-SecurityTypes", security_types,
            # Without these a failure opens an alert/reconnect dialog instead of
            # exiting (1.11 has no ReconnectOnError, and an unknown parameter
            # makes it print usage and exit).
            "-AlertOnFatalError=0",
            "-Log", "*:stderr:100",
        ]
        # fmt: on
        if install.viewer_has("ReconnectOnError"):
            args.insert(3, "-ReconnectOnError=0")
        if x509ca is not None:
            args += ["-X509CA", str(Path(x509ca).resolve())]
        if x509crl is not None:
            args += ["-X509CRL", str(Path(x509crl).resolve())]
        if passwd_file is not None:
            args += ["-passwd", str(Path(passwd_file).resolve())]
        args += list(extra_args)
        args.append(f"{host}::{port}")

        if hosts:
            hosts_file = home / "hosts"
            hosts_file.write_text("127.0.0.1 localhost\n"
                                  + "".join(f"{ip} {name}\n" for name, ip in hosts.items()),
                                  encoding="utf-8")
            # unshare without --fork execs in place: the pid stays the viewer's, which
            # window matching (_NET_WM_PID) relies on. A tree's program already runs in a
            # private mount namespace (inchroot): bind the file over the tree's /etc/hosts.
            bind = ["sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', str(hosts_file)]
            args = (["unshare", "-m"] if install.suite is None else []) + bind + args
        err_file = stack.enter_context(tempfile.TemporaryFile())
        mark = server.log_mark() if server is not None else 0
        start = time.monotonic()
        env["PATH"] = install.path()
        binds = [home, *_folder_of(x509ca), *_folder_of(x509crl), *_folder_of(passwd_file)]
        proc = _spawn(install.argv(args, binds), env=env, output=err_file)
        stack.callback(_kill_group, proc, grace=0)
        # A tree's viewer has a display of its own; its _NET_WM_PID is not proc.pid.
        window_pid = proc.pid if install.suite is None else None

        def stderr_now() -> str:
            err_file.seek(0)
            return err_file.read().decode(errors="replace")

        kind: OutcomeKind
        reason = ""
        titles: list[str] = []
        prompts: list[str] = []
        prompt_text: str | None = None
        while True:
            exited = proc.poll() is not None
            messages = normalise_log(stderr_now())
            visible = _viewer_windows(window_pid, env)
            titles += [t for _, t in visible if t not in titles]
            question = next(((w, t) for w, t in visible if _is_question(t)), None)
            if question is not None:
                wid, title = question
                prompts.append(title)
                # Re-read: the summary is logged just before the dialog maps,
                # possibly after this loop's earlier read.
                prompt_text = _prompt_text(title, host, normalise_log(stderr_now()))
                if answer is None:
                    kind, reason = "prompt", title
                    break
                _answer_dialog(wid, title, answer, window_pid, env)
                continue
            # 1.15+ write "Initialisation done" with a capital.
            if any(m.lower() == "cconnection: initialisation done" for m in messages):
                kind = "connected"
                break
            if exited:
                proc.wait()
                kind, reason = _classify_exit(normalise_log(_settled(stderr_now)))
                if kind == "error" and prompts and answer == "no" and "cancel" in reason:
                    # 1.15 reports a declined question as "Authentication cancelled"
                    # (1.11/1.12: "Authentication failure: <dialog title>").
                    kind = "refused"
                break
            # Any other window but the desktop ("<name> - TigerVNC") is some
            # other dialog (password, alert) that would block: report it.
            others = [t for _, t in visible if not t.endswith(" - TigerVNC")]
            if others:
                kind, reason = "error", f"unexpected viewer window: {others[0]!r}"
                break
            if time.monotonic() - start > timeout:
                kind, reason = "error", f"timeout after {timeout}s"
                break
            time.sleep(poll_interval)
        elapsed = time.monotonic() - start
        _kill_group(proc, grace=0)
        stderr = stderr_now()
        status = None
        for m in normalise_log(stderr):
            if match := re.search(r"GNUTLS status of certificate verification: (\d+)", m):
                status = int(match.group(1))
        server_log = None
        if server is not None:
            server_log = server.log_since(mark)
            if "Connections: accepted:" in server_log:
                # Wait for Xvnc to log the (killed or finished) viewer's disconnect.
                server_log = server.wait_for_log("Connections: closed:", since=mark, timeout=2)
        return ViewerOutcome(
            kind=kind,
            reason=reason,
            elapsed=elapsed,
            stderr=stderr,
            prompts=prompts,
            prompt_text=prompt_text,
            windows=titles,
            gnutls_status=status,
            returncode=proc.returncode,
            server_log=server_log,
        )


def _settled(read: Callable[[], str], quiet: float = 0.1, limit: float = 2.0) -> str:
    """The viewer's log once it stops growing. A tree's viewer runs under inchroot, which
    can be reaped a moment before the viewer's last lines land, and TigerVNC writes a
    wrapped message in pieces ("Authentication failure: Invalid" + its indented rest):
    read too early, the reason is cut short and the way it ended misjudged (seen under
    load)."""
    text, deadline = read(), time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = read()
        if now == text:
            return text
        text = now
    return text


def _classify_exit(messages: list[str]) -> tuple[OutcomeKind, str]:
    """Classify a viewer that exited on its own (it exits 0 even on failure)."""
    for m in reversed(messages):
        if m.startswith("CConn: Authentication failure: "):
            detail = m[len("CConn: Authentication failure: ") :]
            return ("refused" if _REFUSAL_RE.search(detail) else "error"), detail
    for m in reversed(messages):
        # 1.15 logs a refused certificate without "Authentication failure:".
        if m.startswith("CConn: Invalid server certificate"):
            return "refused", m[len("CConn: "):]
    for m in reversed(messages):
        # Other fatal errors are logged by CConn/main just before exiting.
        if m.startswith(("CConn: ", "main: ")) and "Connected to host" not in m:
            return "error", m.split(": ", 1)[1]
    return "error", messages[-1] if messages else "viewer exited without output"


# --------------------------------------------------------------------------
# Test certificates with the bare openssl binary
# --------------------------------------------------------------------------

# "rsa" (2048 bits), "rsa:N" (N bits, e.g. "rsa:768" for GnuTLS's key-size floor), "ec"
# (P-256), "ed25519".
KeyType = str


@dataclass(frozen=True)
class CertFiles:
    cert: Path
    key: Path
    # Leaf plus any intermediates (not the root): what a server should send.
    fullchain: Path
    self_signed: bool

    def pem(self) -> str:
        return self.cert.read_text()


# Resolved at import: tests may put a fake `openssl` first on PATH for vncssl,
# but the harness's reference certificates must come from the real binary.
_OPENSSL = shutil.which("openssl") or "openssl"


def _openssl(*args: str) -> str:
    res = _run([_OPENSSL, *args], env={**os.environ, "LC_ALL": "C"})
    if res.returncode != 0:
        raise RuntimeError(
            f"openssl {' '.join(args)} failed:\n{res.stdout.decode()}{res.stderr.decode()}"
        )
    return res.stdout.decode()


def _safe_name(cn: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", cn).strip("_") or "cert"


def _san_value(san: str | Sequence[str] | None) -> str | None:
    if san is None:
        return None
    return san if isinstance(san, str) else ",".join(san)


def _asn1_time(when: datetime) -> str:
    """GeneralizedTime for `openssl ca -startdate/-enddate` (3.0 takes both forms)."""
    if when.tzinfo is None:
        raise ValueError("use timezone-aware datetimes")
    return when.astimezone(timezone.utc).strftime("%Y%m%d%H%M%SZ")


def _sign(
    directory: Path,
    name: str,
    cn: str,
    *,
    extensions: Sequence[str],
    key_type: KeyType,
    issuer: CertFiles | None,
    not_before: datetime,
    not_after: datetime,
    digest: str | None,
    reuse_key: Path | None = None,
) -> CertFiles:
    """New key (or a copy of ``reuse_key``) + CSR with `openssl req`, then sign with
    `openssl ca`.

    `openssl ca` is used for everything (self-signed via -selfsign) because it
    is the only OpenSSL 3.0 tool that sets arbitrary notBefore/notAfter, which
    expired and not-yet-valid cases need; no faketime required.
    """
    directory.mkdir(parents=True, exist_ok=True)
    cert, key, csr = directory / f"{name}.pem", directory / f"{name}.key", directory / f"{name}.csr"
    newkey = {
        "rsa": ["-newkey", "rsa:2048"],
        "ec": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
        "ed25519": ["-newkey", "ed25519"],
    }.get(key_type) or ["-newkey", key_type]
    if reuse_key is not None:
        key.write_bytes(reuse_key.read_bytes())
        newkey = ["-key", str(key)]
    subj = "/CN=" + cn.replace("\\", "\\\\").replace("/", "\\/").replace("+", "\\+")
    # A config of our own: no system openssl.cnf (Debian's adds v3_ca), every extension
    # comes from the [ext] section below; 1.1.1 insists on [req] distinguished_name.
    req_cnf = directory / f".{name}.req.cnf"
    req_cnf.write_text("[req]\ndistinguished_name = dn\n[dn]\n")
    keyout = [] if reuse_key is not None else ["-nodes", "-keyout", str(key)]
    try:
        # fmt: off
        _openssl("req", "-new", *newkey, *keyout, "-out", str(csr),
                 "-subj", subj, "-config", str(req_cnf))
        # fmt: on
    finally:
        req_cnf.unlink()
    key.chmod(0o600)

    with tempfile.TemporaryDirectory(prefix="openssl-ca-", dir=directory) as tmp:
        db = Path(tmp)
        (db / "index.txt").write_text("")
        # Random serial so two certs with one subject (renewal) still differ.
        (db / "serial").write_text(f"{secrets.randbits(120) | 1 << 116:x}\n")
        config = db / "ca.cnf"
        config.write_text(
            "[ca]\ndefault_ca = tca\n"
            "[tca]\n"
            f"database = {db / 'index.txt'}\n"
            f"new_certs_dir = {db}\n"
            f"serial = {db / 'serial'}\n"
            "unique_subject = no\n"  # renewals reuse subjects
            "policy = pol\n"
            "copy_extensions = none\n"
            "[pol]\ncommonName = supplied\n"
            "[ext]\n" + "".join(f"{line}\n" for line in extensions)
        )
        # fmt: off
        args = [
            "ca", "-batch", "-config", str(config), "-notext",
            "-in", str(csr), "-out", str(cert),
            "-extensions", "ext",
            "-startdate", _asn1_time(not_before),
            "-enddate", _asn1_time(not_after),
            # Ed25519 has no separate digest; "default" lets OpenSSL decide.
            "-md", digest or ("default" if key_type == "ed25519" else "sha256"),
        ]
        # fmt: on
        if issuer is None:
            args += ["-selfsign", "-keyfile", str(key)]
        else:
            args += ["-cert", str(issuer.cert), "-keyfile", str(issuer.key)]
        _openssl(*args)
    csr.unlink()

    fullchain = directory / f"{name}.fullchain.pem"
    chain = cert.read_text()
    if issuer is not None and not issuer.self_signed:
        chain += issuer.fullchain.read_text()
    fullchain.write_text(chain)
    return CertFiles(cert=cert, key=key, fullchain=fullchain, self_signed=issuer is None)


def _window(
    days: int, not_before: datetime | None, not_after: datetime | None
) -> tuple[datetime, datetime]:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    start = not_before or now - timedelta(minutes=5)  # tolerate small clock skew
    end = not_after or start + timedelta(days=days)
    return start, end


def make_selfsigned(
    directory: os.PathLike[str] | str,
    cn: str,
    san: str | Sequence[str] | None = None,
    days: int = 365,
    key_type: KeyType = "rsa",
    *,
    name: str | None = None,
    ca_flag: bool = True,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    digest: str | None = None,
    extensions: Sequence[str] | None = None,
    reuse_key: Path | None = None,
) -> CertFiles:
    """Self-signed cert like the guide's (CA:TRUE, SKID/AKID) unless told otherwise.
    ``reuse_key``: sign with that existing key (a renewal with --reuse-key).

    ``san`` is OpenSSL syntax: "IP:127.0.0.1" or ["IP:127.0.0.1", "DNS:localhost"].
    ``extensions`` replaces the default extension lines entirely.
    """
    start, end = _window(days, not_before, not_after)
    if extensions is None:
        extensions = [
            f"basicConstraints = critical,CA:{'true' if ca_flag else 'false'}",
            "subjectKeyIdentifier = hash",
            "authorityKeyIdentifier = keyid:always",
        ]
        if (value := _san_value(san)) is not None:
            extensions.append(f"subjectAltName = {value}")
    return _sign(
        Path(directory),
        name or _safe_name(cn),
        cn,
        extensions=extensions,
        key_type=key_type,
        issuer=None,
        not_before=start,
        not_after=end,
        digest=digest,
        reuse_key=reuse_key,
    )


def make_cert_with_dates(
    directory: os.PathLike[str] | str,
    cn: str,
    *,
    not_before: datetime,
    not_after: datetime,
    san: str | Sequence[str] | None = None,
    key_type: KeyType = "rsa",
    issuer: CertFiles | None = None,
    name: str | None = None,
) -> CertFiles:
    """Cert with an explicit validity window, self-signed or issued by ``issuer``.

    E.g. expired: not_before=now-2d, not_after=now-1d; not yet valid:
    not_before=now+1d, not_after=now+2d.
    """
    if issuer is None:
        return make_selfsigned(
            directory,
            cn,
            san,
            key_type=key_type,
            name=name,
            not_before=not_before,
            not_after=not_after,
        )
    return issue_leaf(
        issuer,
        directory,
        cn,
        san=san,
        key_type=key_type,
        name=name,
        not_before=not_before,
        not_after=not_after,
    )


def expired_window(ago_days: int = 1) -> tuple[datetime, datetime]:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return now - timedelta(days=ago_days + 30), now - timedelta(days=ago_days)


def not_yet_valid_window(in_days: int = 1) -> tuple[datetime, datetime]:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return now + timedelta(days=in_days), now + timedelta(days=in_days + 30)


def make_ca(
    directory: os.PathLike[str] | str,
    cn: str = "vncssl test CA",
    *,
    issuer: CertFiles | None = None,
    days: int = 3650,
    key_type: KeyType = "rsa",
    name: str | None = None,
    digest: str | None = None,
) -> CertFiles:
    """A root CA (issuer=None) or an intermediate CA signed by ``issuer``."""
    start, end = _window(days, None, None)
    extensions = [
        "basicConstraints = critical,CA:true",
        "keyUsage = critical,keyCertSign,cRLSign",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid:always",
    ]
    return _sign(
        Path(directory),
        name or _safe_name(cn),
        cn,
        extensions=extensions,
        key_type=key_type,
        issuer=issuer,
        not_before=start,
        not_after=end,
        digest=digest,
    )


def issue_leaf(
    ca: CertFiles,
    directory: os.PathLike[str] | str,
    cn: str = "vnc.test",
    *,
    san: str | Sequence[str] | None = "IP:127.0.0.1",
    days: int = 365,
    key_type: KeyType = "rsa",
    name: str | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    digest: str | None = None,
    extensions: Sequence[str] | None = None,
) -> CertFiles:
    """A CA:FALSE server cert signed by ``ca``; serve ``.fullchain`` for chains.

    ``digest="sha1"`` makes the "insecure algorithm" case.
    """
    start, end = _window(days, not_before, not_after)
    if extensions is None:
        usage = "digitalSignature,keyEncipherment" if key_type == "rsa" else "digitalSignature"
        extensions = [
            "basicConstraints = critical,CA:false",
            f"keyUsage = critical,{usage}",
            "extendedKeyUsage = serverAuth",
            "subjectKeyIdentifier = hash",
            "authorityKeyIdentifier = keyid:always",
        ]
        if (value := _san_value(san)) is not None:
            extensions.append(f"subjectAltName = {value}")
    return _sign(
        Path(directory),
        name or _safe_name(cn),
        cn,
        extensions=extensions,
        key_type=key_type,
        issuer=ca,
        not_before=start,
        not_after=end,
        digest=digest,
    )


def same_subject_renewal(
    directory: os.PathLike[str] | str,
    cn: str = "vnc.test",
    san: str | Sequence[str] | None = "IP:127.0.0.1",
    key_type: KeyType = "rsa",
) -> tuple[CertFiles, CertFiles]:
    """(old, new): two self-signed certs, same subject, different keys/serials."""
    old = make_selfsigned(directory, cn, san, key_type=key_type, name="old")
    new = make_selfsigned(directory, cn, san, key_type=key_type, name="new")
    return old, new


def make_crl(ca: CertFiles, revoked: Sequence[CertFiles], path: os.PathLike[str] | str) -> Path:
    """A PEM CRL signed by ``ca`` listing ``revoked`` (``openssl ca -gencrl`` with a
    throw-away database next to ``path``), for the viewer's X509CRL."""
    path = Path(path)
    work = path.parent / (path.name + ".ca")
    work.mkdir(exist_ok=True)
    lines = []
    for cert in revoked:
        out = _openssl("x509", "-in", str(cert.cert), "-noout", "-serial", "-enddate",
                       "-subject", "-nameopt", "compat")
        serial = re.search(r"serial=([0-9A-Fa-f]+)", out).group(1)  # type: ignore[union-attr]
        end = re.search(r"notAfter=(.+)", out).group(1).strip()  # type: ignore[union-attr]
        subject = re.search(r"subject=\s*(.+)", out).group(1).strip()  # type: ignore[union-attr]
        expiry = datetime.strptime(end, "%b %d %H:%M:%S %Y %Z").strftime("%y%m%d%H%M%SZ")
        now = datetime.now(timezone.utc).strftime("%y%m%d%H%M%SZ")
        lines.append(f"R\t{expiry}\t{now}\t{serial}\tunknown\t{subject}\n")
    (work / "index.txt").write_text("".join(lines))
    (work / "crlnumber").write_text("01\n")
    cfg = work / "ca.cnf"
    cfg.write_text(
        "[ca]\ndefault_ca = test\n[test]\n"
        f"database = {work / 'index.txt'}\ncrlnumber = {work / 'crlnumber'}\n"
        "default_md = sha256\ndefault_crl_days = 30\n")
    _openssl("ca", "-gencrl", "-config", str(cfg), "-keyfile", str(ca.key), "-cert",
             str(ca.cert), "-out", str(path))
    return path
