"""The root command: the `vncssl` Typer app, its help text and `--version`, with no
subcommand registered. Command modules add themselves to `app`; `vncssl.cli` decides which
of them a run imports."""

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
