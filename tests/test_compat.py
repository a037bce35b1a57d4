"""What keeps vncssl right on every Python that `requires-python` names.

Python 3.9 gets Typer <= 0.23 + Click 8.1 from pip; there Typer reads a command's
annotations with `inspect.signature()` unevaluated, so under `from __future__ import
annotations` every `Annotated[..., typer.Option(...)]` is a plain string: options lose their
names, help and callbacks (`vncssl --version` said "Missing command."). The whole suite runs
on 3.9 in CI (tests/matrix, Debian 11); these checks catch the cause on any Python.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import vncssl
from tests.clirunner import CliRunner

CLI = Path(vncssl.__file__).parent / "cli"


@pytest.mark.parametrize("module", sorted(p.name for p in CLI.glob("*.py")))
def test_cli_modules_keep_annotations_evaluated(module: str) -> None:
    tree = ast.parse((CLI / module).read_text(encoding="utf-8"))
    postponed = [n for n in tree.body if isinstance(n, ast.ImportFrom)
                 and n.module == "__future__" and any(a.name == "annotations" for a in n.names)]
    assert not postponed, f"vncssl/cli/{module}: Typer on 3.9 cannot read postponed annotations"


def test_version_option_runs_its_callback() -> None:
    out = subprocess.run([sys.executable, "-m", "vncssl", "--version"], capture_output=True,
                         text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert (out.returncode, out.stdout.strip()) == (0, f"vncssl {vncssl.__version__}"), out.stderr


def test_options_keep_their_names_and_help() -> None:
    from vncssl.cli import app

    r = CliRunner().invoke(app, ["create", "--help"])
    assert r.exit_code == 0
    # A renamed option (`-y`) and a help text exist only when Annotated was understood.
    assert "-y" in r.stdout and "Days the certificate is valid" in r.stdout


def test_cli_runner_separates_stderr_on_every_click() -> None:
    from vncssl.cli import app

    r = CliRunner().invoke(app, ["create", "--ip", "not-an-ip", "--dry-run"])
    assert r.exit_code == 2
    assert "not a valid IP address" in r.stderr and "not a valid IP address" not in r.stdout
    assert r.output.endswith(r.stderr)
