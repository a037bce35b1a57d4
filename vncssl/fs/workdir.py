"""Private (0700) work folders, removed on every exit path."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from vncssl.errors import WriteFailed
from vncssl.fs.oserror import fix_for
from vncssl.fs.signals import term_as_interrupt


@contextlib.contextmanager
def private_workdir(near: Path) -> Iterator[Path]:
    """A 0700 directory beside the targets, so the final rename stays on one file system;
    removed on every exit path: Ctrl-C, and also SIGTERM/SIGHUP (a closed terminal, `kill`,
    `timeout`), which would otherwise end Python without running this cleanup."""
    try:
        work = Path(tempfile.mkdtemp(prefix=".vncssl-", dir=str(near)))
    except OSError as exc:
        raise WriteFailed(f"Cannot create a temporary folder in {near}: {exc.strerror}.",
                          fix_for(exc)) from None
    try:
        with term_as_interrupt():
            yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def scratch_dir(prefix: str = "vncssl-") -> Iterator[Path]:
    """A private (0700) folder in the system temp dir for files only openssl reads (a fetched
    chain, a CA list for `openssl verify`); removed on every exit path."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
