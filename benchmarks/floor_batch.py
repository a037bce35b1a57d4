"""The ceiling of a batch: the cheapest Typer CLI that drives the bare openssl commands.

`floor_batch.py CMDFILE --jobs N` runs each line of CMDFILE as `openssl LINE...` through
subprocess (argv list, stdin closed, output captured: what any careful wrapper does), N at
a time on a thread pool, and checks, installs and prints nothing. Start-up is the floor's
(Typer + `import rich.console`). Whatever this reaches against `xargs -P N openssl` is the
most that any Typer CLI issuing one openssl process per host can reach on the machine;
benchmarks/fleet_speed.py prints it beside vncssl's figure.

    $ python benchmarks/floor_batch.py cmds.txt --jobs 2
"""

# No `from __future__ import annotations`: plain annotations, as floor_app.py.
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, List

import rich.console  # noqa: F401 - part of the floor on purpose
import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def _one(argv: List[str]) -> int:
    return subprocess.run(["openssl", *argv], stdin=subprocess.DEVNULL,  # noqa: S603,S607
                          capture_output=True).returncode


@app.command()
def batch(
    cmdfile: Annotated[str, typer.Argument()],
    jobs: Annotated[int, typer.Option("--jobs")] = 2,
) -> None:
    """Run every line of CMDFILE as an openssl command, JOBS at a time."""
    with open(cmdfile, encoding="utf-8") as fh:
        lines = [shlex.split(line) for line in fh if line.strip()]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        failed = sum(1 for rc in pool.map(_one, lines) if rc)
    if failed:
        raise typer.Exit(3)


if __name__ == "__main__":
    app()
