"""Name resolution inside a deadline: getaddrinfo() cannot be interrupted and a silent
resolver makes it wait ~10 s or more, so it runs in a daemon thread and the caller stops
waiting when its time is up (the thread ends on its own later; nothing else waits for it)."""

from __future__ import annotations

import socket
import threading
from typing import Any, List, Tuple

from vncssl.errors import ConnectFailed

Address = Tuple[int, Any]  # (family, sockaddr) as getaddrinfo gives them


def resolve(host: str, port: int, timeout: float, where: str = "") -> List[Address]:
    """TCP addresses of host:port, in getaddrinfo's order; ConnectFailed when the resolver
    fails or does not answer within `timeout` seconds."""
    box: dict = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["answer"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="vncssl-resolve", daemon=True).start()
    where = where or host
    if not done.wait(timeout):
        raise ConnectFailed(f"The name {host!r} did not resolve within {timeout:g} s.",
                            "Check the name and this machine's DNS, or give the server's "
                            "IP address.")
    if "error" in box:
        exc = box["error"]
        raise ConnectFailed(f"Cannot resolve {where}: {getattr(exc, 'strerror', None) or exc}.",
                            "Check the spelling of the name, or give the server's IP address.")
    return [(family, addr) for family, _t, _p, _c, addr in box["answer"]]
