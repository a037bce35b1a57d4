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
    with selectors.DefaultSelector() as sel:
        for fd in bufs:
            sel.register(fd, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(proc.args, timeout)
            for key, _ in sel.select(min(left, 1.0)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fd)
                    continue
                bufs[key.fd] += chunk
                if len(bufs[key.fd]) > MAX_OUTPUT:
                    kill(proc)
                    raise OpensslRunaway(
                        f"{what} printed more than {MAX_OUTPUT // (1024 * 1024)} MiB and was "
                        "stopped.", "The openssl binary is misbehaving: try another with "
                        "--openssl.", argv=proc.args if isinstance(proc.args, list) else [])
    try:
        proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise subprocess.TimeoutExpired(proc.args, timeout) from None
    proc.stdout.close()
    proc.stderr.close()
    return bytes(bufs[out_fd]), bytes(bufs[err_fd])
