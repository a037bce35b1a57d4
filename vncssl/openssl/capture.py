"""Reading a child's stdout and stderr to the end, bounded in size and time: an openssl
that prints without end is killed at MAX_OUTPUT instead of filling memory (one printed 11 GB
before), and a silent one at the timeout."""

from __future__ import annotations

import os
import subprocess
import time
from typing import Callable, Tuple

from vncssl.errors import OpensslRunaway

MAX_OUTPUT = 16 * 1024 * 1024  # per stream; -text of a 1,000-certificate file is ~5 MiB


# stderr is read on stdout's wake-ups and at least this often, not byte by byte: making an
# RSA key, openssl writes ~1,000 progress dots to stderr one write() each, and waking for
# every one cost vncssl ~10 ms of CPU per key (as much again as the work around it).
STDERR_EVERY = 0.02


def communicate(proc: subprocess.Popen, timeout: float, what: str, *,
                kill: Callable[[subprocess.Popen], None]) -> Tuple[bytes, bytes]:
    """Both pipes read to the end, but never more than MAX_OUTPUT each (an openssl that
    prints endlessly is killed, not kept in memory), and never past the timeout."""
    if os.name != "posix":  # pragma: no cover - Windows pipes do not work with select
        return proc.communicate(timeout=timeout)
    import selectors

    deadline = time.monotonic() + timeout
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    bufs = {out_fd: bytearray(), err_fd: bytearray()}
    os.set_blocking(err_fd, False)
    err_open = True

    def take(fd: int, chunk: bytes) -> None:
        bufs[fd] += chunk
        if len(bufs[fd]) > MAX_OUTPUT:
            kill(proc)
            raise OpensslRunaway(
                f"{what} printed more than {MAX_OUTPUT // (1024 * 1024)} MiB and was "
                "stopped.", "The openssl binary is misbehaving: try another with "
                "--openssl.", argv=proc.args if isinstance(proc.args, list) else [])

    def drain_stderr() -> bool:
        """Whatever stderr holds now; False at its end."""
        while True:
            try:
                chunk = os.read(err_fd, 65536)
            except BlockingIOError:
                return True
            if not chunk:
                return False
            take(err_fd, chunk)

    with selectors.DefaultSelector() as sel:
        sel.register(out_fd, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(proc.args, timeout)
            # While stdout is open, stderr waits for the next wake-up; once stdout has ended,
            # stderr alone is waited for, to its end.
            wait = min(left, 1.0 if out_fd not in sel.get_map() else STDERR_EVERY)
            for key, _ in sel.select(wait):
                chunk = os.read(key.fd, 65536)
                if key.fd == out_fd and not chunk:
                    sel.unregister(out_fd)
                    if err_open:
                        sel.register(err_fd, selectors.EVENT_READ)
                elif key.fd == out_fd:
                    take(out_fd, chunk)
                elif chunk:
                    take(err_fd, chunk)
                else:
                    sel.unregister(err_fd)
                    err_open = False
            if err_open and out_fd in sel.get_map():
                err_open = drain_stderr()
    _wait_exit(proc, max(0.1, deadline - time.monotonic()))
    try:
        proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise subprocess.TimeoutExpired(proc.args, timeout) from None
    proc.stdout.close()
    proc.stderr.close()
    return bytes(bufs[out_fd]), bytes(bufs[err_fd])


def _wait_exit(proc: subprocess.Popen, timeout: float) -> None:
    """Sleep until the child has exited, woken by the exit itself (a pidfd), not by
    Popen.wait's polling, which sleeps up to 50 ms between looks and costs a short openssl
    run ~2 ms after it closed its pipes."""
    if proc.poll() is not None or not hasattr(os, "pidfd_open"):
        return
    import select

    try:
        fd = os.pidfd_open(proc.pid)
    except OSError:  # an older kernel: Popen.wait's polling it is
        return
    try:
        select.select([fd], [], [], timeout)
    finally:
        os.close(fd)
