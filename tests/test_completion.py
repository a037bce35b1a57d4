"""Shell completion (Typer's): the scripts exist for bash, zsh, fish and PowerShell, and the
bash one really completes, run by a real bash against the installed vncssl."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

VNCSSL = Path(sys.executable).parent / "vncssl"


def _show(shell: str) -> str:
    # Typer picks the shell vncssl runs in; its own switch names one instead.
    env = dict(os.environ, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    return subprocess.run([str(VNCSSL), "--show-completion", shell], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL, check=True,
                          env=env).stdout


@pytest.mark.parametrize("shell,marker", [("bash", "complete -o default -F"),
                                          ("zsh", "compdef"), ("fish", "complete --command"),
                                          ("powershell", "Register-ArgumentCompleter")])
def test_a_completion_script_for_each_shell(shell: str, marker: str) -> None:
    assert marker in _show(shell)


def _complete(words: str, cword: int) -> list:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    script = (f'source <("{VNCSSL}" --show-completion)\n'
              f"COMP_WORDS=({words}); COMP_CWORD={cword}\n"
              '_vncssl_completion vncssl; printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = dict(os.environ, PATH=f"{VNCSSL.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    out = subprocess.run([bash, "--norc", "--noprofile", "-c", script], capture_output=True,
                         text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_bash_completes_commands_subcommands_and_options() -> None:
    if not VNCSSL.exists():
        pytest.skip("vncssl is not installed next to this Python")
    assert _complete("vncssl cr", 1) == ["create"]
    assert _complete("vncssl ca i", 2) == ["init", "issue"]
    assert "--key-type" in _complete("vncssl create --key-t", 2)
    assert "--host" in _complete("vncssl check c.pem --ho", 3)
