"""The floor: the cheapest Typer app that takes the same options as `vncssl create`.

One command with the same options, doing nothing, plus `import rich.console` (every real CLI
of ours prints with Rich) and an eager `--version` callback. Whatever this costs on a machine
is the start-up price of Typer + Click + Rich there; benchmarks/run.py reports vncssl as a
ratio over it.

    $ python benchmarks/floor_app.py create --ip 127.0.0.1 --key-type ec --yes
    $ python benchmarks/floor_app.py --version
"""

# No `from __future__ import annotations`: plain annotations are what Typer's docs show,
# and the cheapest for Typer to read.
from typing import Annotated, List, Optional

import rich.console  # noqa: F401 - part of the floor on purpose
import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def _version(value: bool) -> None:
    if value:
        typer.echo("floor 0")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = None,
) -> None:
    """The floor app."""


@app.command()
def create(
    ip: Annotated[Optional[List[str]], typer.Option("--ip")] = None,
    dns: Annotated[Optional[List[str]], typer.Option("--dns")] = None,
    days: Annotated[int, typer.Option()] = 365,
    key_type: Annotated[str, typer.Option("--key-type")] = "rsa",
    cert: Annotated[str, typer.Option()] = "vnc-server.pem",
    key: Annotated[str, typer.Option()] = "vnc-server-private.pem",
    openssl_path: Annotated[Optional[str], typer.Option("--openssl")] = None,
    config: Annotated[Optional[str], typer.Option("--config")] = None,
    force: Annotated[bool, typer.Option("--force")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    explain: Annotated[bool, typer.Option("--explain")] = False,
    shell: Annotated[Optional[str], typer.Option("--shell")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y")] = False,
    timeout: Annotated[Optional[float], typer.Option()] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Do nothing, with the options of `vncssl create`."""


@app.command()
def other() -> None:
    """A second command, so that `create` is a subcommand as it is in vncssl."""


if __name__ == "__main__":
    app()
