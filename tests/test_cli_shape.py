"""How the command line reads and fails: metavars, Click's usage errors in vncssl's style
(JSON under --json), and a reader that leaves early (`| head`)."""

from __future__ import annotations

import json
import os
import re
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


@pytest.mark.parametrize("path", command_paths())
def test_help_examples_fit_80_columns(path) -> None:
    out = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"}).stdout.splitlines()
    for line, following in zip(out, out[1:]):
        if line.strip().startswith("$ vncssl"):
            # the next line is blank or another example: nothing of this one wrapped onto it
            assert not following.strip() or following.strip().startswith(("$", "│", "╭")), \
                (path, line)


def _console(width: int):
    import io

    from rich.console import Console

    return Console(file=io.StringIO(), width=width, color_system=None, emoji=False)


def test_a_narrow_table_degrades_to_one_field_per_line_and_never_cuts() -> None:
    from vncssl.cli.tables import print_table

    rows = [["vnc1", "issued", "IP:192.168.1.21", "/srv/certs/with a long name/vnc1.pem"]]
    headers = ["server", "result", "names", "certificate / problem"]
    for width in (20, 40, 60):
        c = _console(width)
        print_table(c, headers, rows)
        out = c.file.getvalue()
        assert "…" not in out and "/srv/certs/with a long name/vnc1.pem" in out
        assert "certificate / problem  /srv/certs/with a long name/vnc1.pem" in out
    wide = _console(120)
    print_table(wide, headers, rows)
    assert "┃ server" in wide.file.getvalue() and "…" not in wide.file.getvalue()


def test_rows_at_80_columns_never_break_a_value() -> None:
    from vncssl.cli.prose import fit_rows, print_prose

    fp = ":".join(["AB"] * 32)
    c = _console(80)
    fit_rows(c, [("private key", "/srv/vnc/vnc-server-private.pem  (mode 0600, keep it "
                  "private, never copy it anywhere)"), ("SHA-256", fp)])
    lines = c.file.getvalue().splitlines()
    assert all(len(ln) <= 80 for ln in lines)
    assert any(ln.strip() == "(mode 0600, keep it private, never copy it anywhere)"
               for ln in lines)
    assert "".join(ln.split()[-1] for ln in lines[2:]).endswith(":AB")
    assert all(re.fullmatch(r"(AB:)*AB:?", ln.split()[-1]) for ln in lines[2:])
    c = _console(80)
    cmd = "vncssl tigervnc server --cert '/a very long folder name/that goes on/c.pem'"
    print_prose(c, f"Server: load the pair with `{cmd}` or by hand.", indent="  1. ",
                hang="     ")
    assert cmd in c.file.getvalue().splitlines()[1]  # one line, whole, never wrapped
