"""A spinner while openssl works (an RSA-4096 key takes seconds): on a terminal only, never
with --json or when stderr is a pipe or a file, where it would be noise in a log."""

import contextlib
from typing import Iterator


@contextlib.contextmanager
def working(message: str, *, quiet: bool = False) -> Iterator[None]:
    from vncssl.cli import ui

    console = ui.err_console
    if quiet or not console.is_terminal or console.is_dumb_terminal:
        yield
        return
    with console.status(message, spinner="dots"):
        yield
