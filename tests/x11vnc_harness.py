"""A real x11vnc (an OpenSSL-based VNC server) on loopback, for the cases where TigerVNC's
viewer meets a server that is not Xvnc: x11vnc -ssl offers VeNCrypt X509None beside TLSNone
and RFB "TLS" (anonymous), negotiates TLS 1.3 whatever the key usage, and -sslonly wants TLS
before the RFB greeting. Skips when x11vnc is not installed (Debian: apt-get install x11vnc).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests import tigervnc_harness as h


def require_x11vnc() -> None:
    import pytest

    h.require_tigervnc()
    if shutil.which("x11vnc") is None:
        pytest.skip("x11vnc not installed")


@contextlib.contextmanager
def x11vnc_server(cert: Path, key: Path, extra: Sequence[str] = ()) -> Iterator[int]:
    """x11vnc -ssl with cert+key on the harness's shared Xvfb, listening on 127.0.0.1 only;
    yields the port."""
    with tempfile.TemporaryDirectory(prefix="x11vnc-") as tmp:
        pem = Path(tmp) / "server.pem"
        pem.write_text(key.read_text() + cert.read_text())
        pem.chmod(0o600)
        port = h.find_free_port()
        log = (Path(tmp) / "x11vnc.log").open("wb")
        argv = ["x11vnc", "-display", h.shared_xvfb(), "-rfbport", str(port), "-listen",
                "127.0.0.1", "-noipv6", "-nopw", "-forever", "-noshm", "-ssl", str(pem),
                *extra]  # -noshm: the test Xvfb has no MIT-SHM (tigervnc_harness.xvfb)
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,  # noqa: S603
                                start_new_session=True, env={**os.environ, "HOME": tmp})
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("x11vnc did not start:\n"
                                           + (Path(tmp) / "x11vnc.log").read_text()) from None
                    time.sleep(0.05)
            yield port
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
            log.close()
