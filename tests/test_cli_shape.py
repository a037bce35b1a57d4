"""How the command line reads and fails: metavars, Click's usage errors in vncssl's style
(JSON under --json), and a reader that leaves early (`| head`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.docgen import command_paths

runner = CliRunner()


@pytest.mark.parametrize("path", command_paths())
def test_help_has_no_type_placeholders(path) -> None:
    r = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert r.exit_code == 0, r.output
    for placeholder in ("<bool>", "<list[str]>", "<str>", "<int>", "<float>", "{"):
        assert placeholder not in r.stdout, (path, placeholder)


def test_help_metavars_read_as_the_readme_table() -> None:
    out = runner.invoke(app, ["create", "--help"], env={"COLUMNS": "100"}).stdout
    for option, metavar in (("--ip", "ADDR"), ("--dns", "NAME"), ("--days", "N"),
                            ("--cert", "PATH"), ("--timeout", "SECONDS")):
        line = next(ln for ln in out.splitlines() if ln.startswith(f"│ {option} "))
        assert metavar in line.split(option, 1)[1].split()[0:1], line
    force = next(ln for ln in out.splitlines() if ln.startswith("│ --force "))
    assert force.split("--force", 1)[1].split()[0] == "Replace"  # a flag: nothing between
    usage = runner.invoke(app, ["inspect", "--help"]).stdout
    assert "Usage: vncssl inspect [OPTIONS] CERT" in usage


@pytest.mark.parametrize("argv,words", [
    (["create", "--days", "abc"], ["--days 'abc': expected a whole number."]),
    (["create", "--timeout", "soon"], ["--timeout 'soon': expected a number."]),
    (["create", "--bogus"], ["No such option: --bogus"]),
    (["check"], ["Missing argument 'CERT'."]),
    (["crate"], ["No such command 'crate'", "create"]),
])
def test_usage_errors_are_one_line_in_vncssl_style(argv, words) -> None:
    r = runner.invoke(app, argv)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("Error: ") and lines[1].startswith("Fix: See `vncssl")
    assert len(lines) == 2, r.stderr
    for w in words:
        assert w in lines[0]
    for junk in ("╭", "Input should be", "pydantic", "Traceback"):
        assert junk not in r.stderr
    assert r.stdout == ""


def test_usage_errors_under_json_are_a_json_error_object() -> None:
    r = runner.invoke(app, ["create", "--days", "abc", "--json"])
    assert r.exit_code == 2
    data = json.loads(r.stdout)
    assert data["error"]["exit_code"] == 2
    assert data["error"]["message"] == "--days 'abc': expected a whole number."
    assert "--help" in data["error"]["fix"]


def _closed_reader(argv, cwd: Path):
    """Run vncssl with its stdout a pipe whose reader is already gone (`| head -0`)."""
    env = dict(os.environ, COLUMNS="80")
    p = subprocess.Popen([sys.executable, "-m", "vncssl", *argv], cwd=cwd, env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()
    err = p.stderr.read().decode()
    return p.wait(timeout=60), err


def test_a_reader_that_leaves_early_does_not_fail_the_command(tmp_path: Path) -> None:
    rc, err = _closed_reader(["create", "--ip", "192.168.1.5", "--key-type", "ec"], tmp_path)
    assert rc == 0 and "Traceback" not in err and "Broken pipe" not in err, err
    assert "BEGIN CERTIFICATE" in (tmp_path / "vnc-server.pem").read_text()
    # ... and a command that would exit 1 still does: the verdict is not lost.
    rc, err = _closed_reader(["check", "vnc-server.pem", "--host", "192.168.1.6"], tmp_path)
    assert rc == 1 and "Traceback" not in err, err
    rc, err = _closed_reader(["--help"], tmp_path)
    assert rc == 0 and err == ""
