"""`vncssl ... | head`: a reader that stops early is not a failure of the command.

Python ignores SIGPIPE, so the first write after the reader left raises BrokenPipeError,
which Click turns into exit 1 (and the interpreter's last flush into a traceback). Wrapped
streams swallow it instead: the rest of the output goes to the null device, the command runs
to its end and exits with its own code (0 for a `create` that was done, 1 for a refused
`check`), silently.
"""

import contextlib
import os
import sys
from typing import Any, Iterator, TextIO


class PipeSafe:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._silence()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._silence()

    def _silence(self) -> None:
        self.broken = True
        # Point the descriptor at the null device, so that what is still buffered (and the
        # interpreter's flush at exit) goes nowhere instead of raising again.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self._stream.fileno())
            finally:
                os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def pipe_safe() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    wrapped: Any = [PipeSafe(s) if s is not None else None for s in saved]
    sys.stdout, sys.stderr = wrapped
    try:
        yield
    finally:
        for stream in wrapped:
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.flush()
        sys.stdout, sys.stderr = saved
