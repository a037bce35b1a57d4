"""The command line: each command parses, calls one domain function, renders the result.

Command modules register themselves on `app` (one module per command group; `options` holds
what several share); they import domain code inside the command functions so that
`vncssl --version` and `--help` stay cheap. `ui` is the one Rich console and the error
boundary that turns VncsslError into a message and an exit code.

May import: everything in vncssl (it is the top layer); nothing below imports it.
"""

from typing import Annotated

import typer

from vncssl import __version__
from vncssl.cli.shape import VncsslGroup

app = typer.Typer(
    cls=VncsslGroup,
    name="vncssl",
    help="Secure TigerVNC with X.509 certificates made by your system's openssl, the way the "
    "TigerVNC wiki ('Secure your connection') teaches.\n\n"
    "Examples:\n\n"
    "  $ vncssl create                  # for this machine's LAN address\n\n"
    "  $ vncssl create --ip 192.168.1.5 --dry-run --explain\n\n"
    "  $ vncssl check vnc-server.pem --host 192.168.1.5\n\n"
    "Exit codes: 0 done/yes, 1 negative verdict, 2 bad input, 3 operational failure.",
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vncssl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    # A plain bool: Typer 0.23 (what Python 3.9 gets) shows an Optional[bool] as "<bool>".
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True,
                     help="Show the version and exit."),
    ] = False,
) -> None:
    """vncssl: X.509 certificates for TigerVNC."""


# Registration: importing a module adds its commands to `app`, in this order in --help
# (the order a newcomer needs them).
# isort: off
from vncssl.cli import create as _create  # noqa: E402,F401
from vncssl.cli import addresses as _addresses  # noqa: E402,F401
from vncssl.cli import ca as _ca  # noqa: E402,F401
from vncssl.cli import ca_fleet as _ca_fleet  # noqa: E402,F401
from vncssl.cli import csr as _csr  # noqa: E402,F401
from vncssl.cli import inspect as _inspect  # noqa: E402,F401
from vncssl.cli import lifecycle as _lifecycle  # noqa: E402,F401
from vncssl.cli import probe as _probe  # noqa: E402,F401
from vncssl.cli import explain as _explain  # noqa: E402,F401
from vncssl.cli import doctor as _doctor  # noqa: E402,F401
from vncssl.cli import tigervnc as _tigervnc  # noqa: E402,F401
from vncssl.cli import guide as _guide  # noqa: E402,F401
# isort: on


def main() -> None:
    _refuse_hostile_openssl_conf()
    app(prog_name="vncssl")


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
