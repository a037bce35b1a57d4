"""Each shell rendering is correct for its shell: run it (sh, the OpenSSL 1.x prompt's
splitting rule) and make a real certificate, or parse it back (cmd.exe + MS C runtime,
PowerShell single quotes) to the same argv."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path
from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.errors import UsageError
from vncssl.openssl import binary, opensslcnf
from vncssl.openssl import runner as openssl_runner
from vncssl.teach import recipe, shells
from vncssl.x509 import names

GUIDE = ("req -x509 -newkey rsa -days 365 -nodes -config openssl.cnf -keyout "
         "vnc-server-private.pem -out vnc-server.pem -subj '/CN=192.168.1.5' -addext "
         '"subjectAltName=IP:192.168.1.5"')
TRICKY_CN = "O'Brien \"VNC\" $HOME & 100% <x> ^y"
PROMPT_CN = "O'Brien's VNC $HOME & 100%"  # the prompt has no escapes: one kind of quote


def guide_argv(**kw) -> List[str]:
    req = recipe.CertRequest(names=(names.Name("IP", "192.168.1.5"),), **kw)
    return recipe.build_argv(req)


def info(version=(1, 1, 1), flavour="OpenSSL") -> binary.OpensslInfo:
    return binary.OpensslInfo("/x/openssl.exe", "openssl", flavour, version, "w",
                               "OpenSSL 1.1.1w", None, False)


# --- parsers: how each shell splits a line back into argv ------------------------------------

def prompt_split(line: str) -> List[str]:
    """apps/openssl.c chopup_args (1.x): whitespace separates; a token opening with ' or "
    runs to the same quote; no escapes."""
    out, i = [], 0
    while True:
        while i < len(line) and line[i].isspace():
            i += 1
        if i >= len(line):
            return out
        if line[i] in "'\"":
            q, i = line[i], i + 1
            end = line.find(q, i)
            end = len(line) if end < 0 else end
            out.append(line[i:end])
            i = end + 1
        else:
            start = i
            while i < len(line) and not line[i].isspace():
                i += 1
            out.append(line[start:i])


def cmd_split(line: str) -> List[str]:
    """cmd.exe (carets outside quotes escape; every " toggles quoting), then the MS C
    runtime's argv rules (2n backslashes + " = n backslashes and a quote toggle; 2n+1 = n
    backslashes and a literal "; other backslashes literal)."""
    stripped, quoted, i = [], False, 0
    while i < len(line):
        ch = line[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "^" and not quoted:
            i += 1
            ch = line[i]
        elif not quoted:
            assert ch not in "&|<>()", f"unescaped {ch!r} would be a cmd operator: {line}"
        stripped.append(ch)
        i += 1
    text = "".join(stripped)
    args, cur, have, quoted, i = [], [], False, False, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            n = 0
            while i < len(text) and text[i] == "\\":
                n, i = n + 1, i + 1
            if i < len(text) and text[i] == '"':
                cur.append("\\" * (n // 2))
                if n % 2:
                    cur.append('"')
                    i += 1
                have = True
            else:
                cur.append("\\" * n)
                have = True
            continue
        if ch == '"':
            quoted, have = not quoted, True
        elif ch in " \t" and not quoted:
            if have:
                args.append("".join(cur))
            cur, have = [], False
        else:
            cur.append(ch)
            have = True
        i += 1
    if have:
        args.append("".join(cur))
    return args


def ps_split(line: str) -> List[str]:
    """PowerShell, for what vncssl writes: optional `& `, bare words, '...' with '' = '."""
    if line.startswith("& "):
        line = line[2:]
    out, i = [], 0
    while i < len(line):
        if line[i] == " ":
            i += 1
            continue
        if line[i] == "'":
            buf, i = [], i + 1
            while True:
                if line[i] == "'" and line[i + 1:i + 2] == "'":
                    buf.append("'")
                    i += 2
                elif line[i] == "'":
                    i += 1
                    break
                else:
                    buf.append(line[i])
                    i += 1
            out.append("".join(buf))
        else:
            end = line.find(" ", i)
            end = len(line) if end < 0 else end
            word = line[i:end]
            assert not set(word) & set("$`@,;{}()|&<>#'\""), word
            out.append(word)
            i = end
    return out


# --- real certificates ------------------------------------------------------------------------

def _run_argv(tmp_path: Path, argv: List[str]) -> None:
    openssl_runner.run(argv, cwd=str(tmp_path), timeout=60)


def _check_cert(openssl_bin: str, path: Path, cn: str) -> None:
    out = openssl_runner.run([openssl_bin, "x509", "-in", str(path), "-noout", "-subject",
                       "-ext", "subjectAltName", "-nameopt", "utf8,sep_comma_plus"]).stdout
    assert "IP Address:192.168.1.5" in out
    assert f"CN={cn}" in out.replace("\\", "")


@pytest.fixture
def request_kw(tmp_path: Path, openssl_bin: str) -> dict:
    (tmp_path / "openssl.cnf").write_text(opensslcnf.MINIMAL_CONFIG)
    subj = names.subject([("CN", TRICKY_CN)])
    return dict(openssl=openssl_bin, config="openssl.cnf", subject=subj)


def test_posix_rendering_run_by_sh_makes_the_cert(tmp_path, openssl_bin, request_kw):
    argv = guide_argv(**request_kw)
    line = shells.render(argv, "posix", env={}).command
    proc = subprocess.run(["sh", "-c", line], cwd=tmp_path, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 0, proc.stderr
    _check_cert(openssl_bin, tmp_path / "vnc-server.pem", TRICKY_CN)


def test_prompt_rendering_split_like_openssl_1x_makes_the_cert(tmp_path, openssl_bin,
                                                               request_kw):
    argv = guide_argv(**dict(request_kw, subject=names.subject([("CN", PROMPT_CN)])))
    r = shells.render(argv, "openssl-prompt", info(), env={})
    assert r.shell == "openssl-prompt" and not r.command.startswith("openssl")
    tokens = prompt_split(r.command)
    assert tokens == argv[1:]
    _run_argv(tmp_path, [openssl_bin, *tokens])
    _check_cert(openssl_bin, tmp_path / "vnc-server.pem", PROMPT_CN)


def test_prompt_rendering_is_the_guides_text():
    assert shells.render(guide_argv(), "openssl-prompt", info()).command == GUIDE


def test_prompt_refuses_what_it_cannot_express():
    with pytest.raises(UsageError, match="both kinds of quote"):
        shells.prompt_line(["openssl", "-subj", "/CN=a 'b' \"c\""])


def test_openssl3_has_no_prompt_so_it_gives_the_folder_command():
    r = shells.render(guide_argv(), "openssl-prompt", info((3, 0, 13)))
    assert r.shell == "cmd"
    assert cmd_split(r.command) == ["openssl", *guide_argv()[1:]]
    assert "no OpenSSL> prompt" in r.notes[0] and ".\\openssl.exe req" in r.notes[0]


# --- cmd.exe and PowerShell ---------------------------------------------------------------------

def test_cmd_uses_double_quotes_and_parses_back(request_kw):
    argv = guide_argv(**dict(request_kw, openssl=r"C:\Program Files (x86)\OpenSSL\openssl.exe"))
    line = shells.render(argv, "cmd").command
    assert "'" not in line.replace("O'Brien", "")
    assert line.startswith('"C:\\Program Files (x86)\\OpenSSL\\openssl.exe" req')
    assert cmd_split(line) == argv
    plain = shells.render(guide_argv(), "cmd").command
    assert plain == GUIDE.replace("'", '"').replace("req", "openssl req", 1)


_ARG = st.text(alphabet=st.sampled_from(list("ab \\\"'&|<>^()%!=/:,.-")), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ARG, min_size=1, max_size=5))
def test_cmd_round_trips_any_argv(args):
    argv = ["openssl", *args]
    assert cmd_split(shells.cmd_line(argv)) == argv


@settings(max_examples=200, deadline=None)
@given(st.lists(_ARG, min_size=1, max_size=5))
def test_powershell_round_trips_any_argv(args):
    argv = ["openssl", *args]
    assert ps_split(shells.powershell_line(argv)) == argv


def test_powershell_single_quotes_and_call_operator(request_kw):
    r = shells.render(guide_argv(), "powershell")
    assert "-subj '/CN=192.168.1.5' -addext 'subjectAltName=IP:192.168.1.5'" in r.command
    quoted = guide_argv(openssl=r"C:\Program Files\OpenSSL-Win64\bin\openssl.exe")
    line = shells.render(quoted, "powershell").command
    assert line.startswith("& 'C:\\Program Files\\OpenSSL-Win64\\bin\\openssl.exe' req ")
    assert ps_split(line) == quoted
    tricky = guide_argv(**request_kw)
    assert ps_split(shells.powershell_line(tricky)) == tricky
    assert any("PowerShell 5.1" in n for n in shells.render(tricky, "powershell").notes)


# --- defaults and notes -------------------------------------------------------------------------

def test_git_bash_gets_msys_no_pathconv():
    r = shells.render(guide_argv(), None, env={"MSYSTEM": "MINGW64"})
    assert r.shell == "posix" and r.command.startswith("MSYS_NO_PATHCONV=1 openssl req")
    assert "MSYS_NO_PATHCONV=1" in r.notes[0]
    assert shells.render(guide_argv(), "posix", env={}).notes == []


def test_default_shell_per_platform():
    assert shells.default_shell("linux", {}) == "posix"
    assert shells.default_shell("darwin", {}) == "posix"
    assert shells.default_shell("win32", {}) == "powershell"
    assert shells.default_shell("win32", {"MSYSTEM": "MINGW64"}) == "posix"


def test_unknown_shell_is_usage_error():
    with pytest.raises(UsageError):
        shells.render(guide_argv(), "fish")


def test_cli_dry_run_shell_cmd_and_bad_shell():
    runner = CliRunner()
    r = runner.invoke(app, ["create", "--ip", "192.168.1.5", "--dry-run", "--shell", "cmd"])
    assert r.exit_code == 0, r.output
    line = r.stdout.strip().splitlines()[0]
    assert '-subj "/CN=192.168.1.5" -addext "subjectAltName=IP:192.168.1.5"' in line
    r = runner.invoke(app, ["create", "--ip", "192.168.1.5", "--dry-run", "--shell", "fish"])
    assert r.exit_code == 2 and "fish" in r.output


def test_rendered_is_a_dataclass_for_json():
    assert dataclasses.asdict(shells.Rendered("posix", "x")) == {
        "shell": "posix", "command": "x", "notes": []}
