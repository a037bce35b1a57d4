"""Signals in critical sections: SIGTERM/SIGHUP as Ctrl-C while working (so clean-up
runs), and SIGINT, SIGTERM and SIGHUP alike held off while files are being renamed into
place, so a certificate and its key are always the old pair or the new pair."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Iterator, List

# The signals a user or a system sends to stop a program: all three mean "stop, cleanly".
STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, n))


@contextlib.contextmanager
def term_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or os.name != "posix":
        yield
        return

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:  # leave handlers others installed
            previous[sig] = signal.signal(sig, interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Held:
    """The stop signals that arrived during a critical section."""

    def __init__(self) -> None:
        self.received: List[int] = []


@contextlib.contextmanager
def hold_interrupts() -> Iterator[Held]:
    """Hold SIGINT, SIGTERM and SIGHUP until the section is done; then, if one came, raise
    KeyboardInterrupt (what is on disk then is what `atomic.installed()` lists)."""
    held = Held()
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous = {}
    for sig in STOP_SIGNALS:
        previous[sig] = signal.signal(sig, lambda signum, _frame: held.received.append(signum))
    try:
        yield held
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if held.received:
        raise KeyboardInterrupt
