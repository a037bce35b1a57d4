"""Start-up is a feature: a run imports the module of the command it names and no other, and
that command is the same as in the whole app; work overlapping openssl never leaves a process
behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer.main

from vncssl.cli import COMMAND_MODULES, commands_for, load
from vncssl.docgen import command_paths
from vncssl.errors import VncsslError
from vncssl.openssl import runner

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, COLUMNS="100", NO_COLOR="1", TERM="dumb")


def _python(code: str, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, env=ENV,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


def test_the_command_table_names_every_command() -> None:
    group = typer.main.get_command(load())
    assert set(group.commands) == set(COMMAND_MODULES)  # type: ignore[attr-defined]


def test_which_commands_a_run_needs() -> None:
    assert commands_for(["create", "--ip", "1.2.3.4"]) == ("create",)
    assert commands_for(["ca", "issue", "x"]) == ("ca",)
    assert commands_for(["--version"]) == ()
    for argv in ([], ["--help"], ["--version", "--help"], ["crate"], ["--install-completion"]):
        assert commands_for(argv) is None, argv  # every command: help, completion, typos


# The whole app's help for a path, and the lazily loaded run's, printed the same way.
_WHOLE = ("import sys; from vncssl.cli import load\n"
          "load()(sys.argv[1:], prog_name='vncssl')")
_LAZY = "import sys; from vncssl.cli import main; sys.argv[0] = 'vncssl'; main()"


@pytest.mark.parametrize("path", [p for p in command_paths() if p], ids=" ".join)
def test_a_command_alone_is_the_command_of_the_whole_app(path) -> None:
    whole = _python(_WHOLE, *path, "--help")
    lazy = _python(_LAZY, *path, "--help")
    assert whole.returncode == lazy.returncode == 0, (whole.stderr, lazy.stderr)
    assert lazy.stdout == whole.stdout


def test_a_run_imports_only_the_module_of_its_command() -> None:
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: print('MODULES', ' '.join(sorted(m for m in sys.modules"
             " if m.startswith('vncssl.cli.'))), file=sys.stderr))\n" + _LAZY)
    r = _python(probe, "create", "--ip", "192.0.2.7", "--dry-run")
    assert r.returncode == 0, r.stderr
    loaded = set(r.stderr.split("MODULES", 1)[1].split())
    assert "vncssl.cli.create" in loaded
    others = {f"vncssl.cli.{m}" for ms in COMMAND_MODULES.values() for m in ms} - {
        "vncssl.cli.create", "vncssl.cli.addresses"}  # create may ask which address (ips)
    assert not loaded & others, loaded & others
    r = _python(probe, "--version")
    assert r.returncode == 0 and r.stdout.startswith("vncssl "), r.stderr
    loaded = set(r.stderr.split("MODULES", 1)[1].split())
    assert not loaded & {f"vncssl.cli.{m}" for ms in COMMAND_MODULES.values() for m in ms}


def test_a_typo_still_gets_the_whole_app_and_a_suggestion() -> None:
    r = _python(_LAZY, "crate")
    assert r.returncode == 2
    assert "No such command 'crate'" in r.stderr and "create" in r.stderr


def test_work_done_meanwhile_that_fails_kills_the_process(tmp_path) -> None:
    pidfile = tmp_path / "pid"
    argv = ["/bin/sh", "-c", f'echo $$ > "{pidfile}"; exec sleep 30']

    def fail() -> None:
        deadline = time.monotonic() + 10
        while not pidfile.exists() or not pidfile.read_text().strip():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        raise VncsslError("the overlapping work failed", "fix")

    start = time.monotonic()
    with pytest.raises(VncsslError, match="overlapping work failed"):
        runner.run(argv, timeout=20, meanwhile=fail)
    assert time.monotonic() - start < 10  # not the 30 s of the child
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left behind
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)


def test_work_done_meanwhile_overlaps_the_process(tmp_path) -> None:
    # The child finishes only once the overlapping work has run: run one after the other,
    # this would time out.
    flag = tmp_path / "flag"
    argv = ["/bin/sh", "-c", f'while [ ! -e "{flag}" ]; do sleep 0.01; done; echo made']
    r = runner.run(argv, timeout=20, meanwhile=flag.touch)
    assert r.stdout == "made\n"


# Reading a child's output: stderr is gathered on stdout's wake-ups (openssl's RSA progress
# dots are one write each), yet nothing is lost, runaways are still stopped, and the timeout
# still holds when a child closes its pipes and lives on.

def test_stderr_written_byte_by_byte_arrives_whole() -> None:
    script = ('i=0; while [ $i -lt 3000 ]; do printf . >&2; i=$((i+1)); done; '
              'echo done; printf end >&2')
    r = runner.run(["/bin/sh", "-c", script], timeout=60, check=False)
    assert r.stdout == "done\n"
    assert r.stderr == "." * 3000 + "end"


def test_stderr_after_stdout_closed_is_kept() -> None:
    r = runner.run(["/bin/sh", "-c", "exec 1>&-; sleep 0.2; printf late >&2"], timeout=20,
                   check=False)
    assert (r.stdout, r.stderr) == ("", "late")


@pytest.mark.parametrize("stream", ["", ">&2"])
def test_output_without_end_on_either_stream_is_stopped(stream) -> None:
    from vncssl.errors import OpensslRunaway

    with pytest.raises(OpensslRunaway, match="printed more than 16 MiB"):
        runner.run(["/bin/sh", "-c", f"yes 'without end' {stream}"], timeout=60)


def test_a_child_that_closes_its_pipes_and_lives_on_still_times_out() -> None:
    from vncssl.errors import OpensslTimeout

    start = time.monotonic()
    with pytest.raises(OpensslTimeout):
        runner.run(["/bin/sh", "-c", "exec >&- 2>&-; sleep 30"], timeout=1)
    assert time.monotonic() - start < 15


# The process ends without the interpreter's teardown, after flushing and atexit.

def test_a_quick_exit_loses_no_output_and_keeps_the_exit_code(tmp_path) -> None:
    whole = _python(_WHOLE, "guide", "--print")
    quick = _python(_LAZY, "guide", "--print")
    assert whole.returncode == quick.returncode == 0
    assert len(quick.stdout) > 5000 and quick.stdout == whole.stdout
    assert _python(_LAZY, "inspect", str(tmp_path / "missing.pem")).returncode == 2
    code = ("import atexit, sys; atexit.register(lambda: print('atexit ran', file=sys.stderr))"
            "\n" + _LAZY)
    r = _python(code, "--version")
    assert r.returncode == 0 and r.stdout.startswith("vncssl ") and "atexit ran" in r.stderr
