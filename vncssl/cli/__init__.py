"""The command line: each command parses, calls one domain function, renders the result.

Command modules register themselves on `root.app` (one module per command group; `options`
holds what several share) and import domain code inside the command functions. A run imports
only the module of the command it names (`vncssl create ...` never builds `ca`'s options, which
Typer would otherwise turn into Click objects for every command before parsing): start-up is a
feature. `vncssl.cli.app` (what docgen and the tests use) is the whole app. `ui` is the one
Rich console and the error boundary that turns VncsslError into a message and an exit code.

May import: everything in vncssl (it is the top layer); nothing below imports it.
"""

import os
import sys
from importlib import import_module
from typing import Any, Dict, Optional, Sequence, Tuple

# Each command name -> the modules that register it, in the order --help lists them (the order
# a newcomer needs them). A new command module must be added here (tests/test_cli_shape.py
# checks that every registered command is).
COMMAND_MODULES: Dict[str, Tuple[str, ...]] = {
    "create": ("create",),
    "ips": ("addresses",),
    "ca": ("ca", "ca_fleet"),
    "csr": ("csr",),
    "inspect": ("inspect",),
    "check": ("inspect",),
    "expiry": ("lifecycle",),
    "renew": ("lifecycle",),
    "probe": ("probe",),
    "explain": ("explain",),
    "doctor": ("doctor",),
    "tigervnc": ("tigervnc",),
    "guide": ("guide",),
}
_HELP = ("-h", "--help")


def load(names: Optional[Sequence[str]] = None) -> Any:
    """The root app with the modules of `names` registered (every command for None)."""
    from vncssl.cli.root import app as root

    wanted = [m for n in (COMMAND_MODULES if names is None else names)
              for m in COMMAND_MODULES[n]]
    for module in dict.fromkeys(wanted):
        import_module(f"vncssl.cli.{module}")
    return root


def commands_for(argv: Sequence[str]) -> Optional[Tuple[str, ...]]:
    """Which commands a run needs: the one it names first, none for a bare `--version`, and
    every one for anything else (help, completion, a typo that earns a suggestion)."""
    if os.environ.get("_VNCSSL_COMPLETE"):
        return None
    if argv and argv[0] in COMMAND_MODULES:
        return (argv[0],)
    if "--version" in argv and not any(a in _HELP for a in argv):
        return ()
    return None


def __getattr__(name: str) -> Any:
    if name == "app":  # `from vncssl.cli import app`: the whole app
        return load()
    raise AttributeError(name)


def main() -> None:
    _refuse_hostile_openssl_conf()
    argv = sys.argv[1:]
    try:
        load(commands_for(argv))(prog_name="vncssl")
    except SystemExit as done:
        _exit_now(done)
        raise


def _exit_now(done: SystemExit) -> None:
    """End the process as soon as the command is done. The interpreter's own teardown frees
    every module one by one (~25 ms of CPU here, most of it pydantic's and Typer's, a seventh
    of a whole `create`), for a process that is about to vanish. What teardown would do that
    matters is done first: both streams flushed, atexit handlers run. Only for a plain exit
    code with no other thread alive; anything else takes the ordinary way out."""
    code = 0 if done.code is None else done.code
    threading = sys.modules.get("threading")
    if not isinstance(code, int) or (threading is not None and threading.active_count() > 1):
        return
    import atexit
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)


def _refuse_hostile_openssl_conf() -> None:
    """OPENSSL_CONF is read by the OpenSSL inside Python too (hashlib loads it, and Typer
    imports hashlib while parsing options): a FIFO there hangs vncssl itself, /dev/zero
    grows it without end. Checked before anything can import hashlib: one line, exit 2."""
    import os
    import sys

    value = os.environ.get("OPENSSL_CONF")
    if not value or not os.path.exists(value):
        return
    from vncssl.errors import UsageError
    from vncssl.openssl.runner import check_openssl_conf

    try:
        check_openssl_conf({"OPENSSL_CONF": value})
    except UsageError as exc:
        from vncssl.cli.ui import clean

        sys.stderr.write(f"Error: {clean(exc.message)}\nFix: {clean(exc.fix)}\n")
        raise SystemExit(exc.exit_code) from None
