"""Render an argv for the shell the user types it into. Pure.

posix           the guide's look: -subj '...' and -addext "..." (recipe.render_posix).
cmd             cmd.exe: double quotes only (cmd passes single quotes through, which breaks
                -subj), MSVC argv quoting for the program, carets for cmd's own specials.
powershell      single quotes (no expansion inside); `&` when the program path is quoted.
openssl-prompt  what to type at the `OpenSSL>` prompt of a double-clicked openssl.exe
                (OpenSSL 1.x only): no leading `openssl`; a token opening with a quote runs to
                the same quote, with no escapes (apps/openssl.c chopup_args).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import List, Mapping, Optional, Sequence

from vncssl.errors import UsageError
from vncssl.teach import recipe

SHELLS = ("posix", "cmd", "powershell", "openssl-prompt")

MSYS_NOTE = ("Git Bash (MSYS) rewrites an argument like /CN=... into a Windows path; "
             "MSYS_NO_PATHCONV=1 before the command turns that off.")


@dataclass
class Rendered:
    shell: str
    command: str
    notes: List[str] = field(default_factory=list)


def in_git_bash(env: Mapping[str, str] = os.environ) -> bool:
    # Git for Windows' bash (and MSYS2) set MSYSTEM (MINGW64, MSYS, UCRT64...).
    return bool(env.get("MSYSTEM"))


def default_shell(platform: str = sys.platform, env: Mapping[str, str] = os.environ) -> str:
    if in_git_bash(env):
        return "posix"
    return "powershell" if platform.startswith("win") else "posix"


def check_shell(shell: str) -> str:
    name = shell.lower()
    if name not in SHELLS:
        raise UsageError(f"--shell {shell!r} is not one of {', '.join(SHELLS)}.",
                         "Use posix (Linux, macOS, Git Bash), cmd, powershell or "
                         "openssl-prompt (the OpenSSL> prompt of openssl.exe 1.x).")
    return name


def render(argv: Sequence[str], shell: Optional[str] = None, info=None, *,
           env: Optional[Mapping[str, str]] = None) -> Rendered:
    """`info` (an OpensslInfo, optional) is the binary the command is for: it decides whether
    an `OpenSSL>` prompt exists. `env` defaults to os.environ (Git Bash detection)."""
    env = os.environ if env is None else env
    name = check_shell(shell or default_shell(env=env))
    if name == "posix":
        return _posix(argv, env)
    if name == "cmd":
        return Rendered("cmd", cmd_line(argv), _windows_notes(argv))
    if name == "powershell":
        return Rendered("powershell", powershell_line(argv), _windows_notes(argv))
    return _prompt(argv, info)


# --- posix --------------------------------------------------------------------------------

def _posix(argv: Sequence[str], env: Mapping[str, str]) -> Rendered:
    command = recipe.render_posix(argv)
    if in_git_bash(env) and any(a.startswith("/") for a in argv[1:]):
        return Rendered("posix", "MSYS_NO_PATHCONV=1 " + command, [MSYS_NOTE])
    return Rendered("posix", command)


# --- cmd.exe ------------------------------------------------------------------------------

_CMD_SPECIAL = set('&|<>^()%!"')
_CMD_SAFE = re.compile(r'[A-Za-z0-9_@+=:,./\\-]+')


def msvc_quote(arg: str, force: bool = False) -> str:
    """One argument as the MS C runtime splits it back (the rules list2cmdline follows)."""
    if arg and not force and not re.search(r'[\s"]', arg):
        return arg
    out, backslashes = ['"'], 0
    for ch in arg:
        if ch == "\\":
            backslashes += 1
            continue
        if ch == '"':
            out.append("\\" * (2 * backslashes + 1) + '"')
        else:
            out.append("\\" * backslashes + ch)
        backslashes = 0
    out.append("\\" * (2 * backslashes) + '"')
    return "".join(out)


def _cmd_escape(line: str) -> str:
    """Caret-escape cmd.exe's specials where cmd sees them outside quotes (every `"` toggles
    cmd's quote state, escaped for the C runtime or not)."""
    out, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "&|<>^()":
            out.append("^")
        out.append(ch)
    return "".join(out)


def cmd_line(argv: Sequence[str]) -> str:
    parts = []
    for i, arg in enumerate(argv):
        if i == 0:
            # The C runtime takes argv[0] up to the next quote/space, no escapes: quote only.
            parts.append(f'"{arg}"' if (" " in arg or not arg) else arg)
            continue
        force = not _CMD_SAFE.fullmatch(arg) or argv[i - 1] in ("-subj", "-addext")
        parts.append(msvc_quote(arg, force=force))
    return _cmd_escape(" ".join(parts))


def _windows_notes(argv: Sequence[str]) -> List[str]:
    notes = []
    if any("%" in a or "!" in a for a in argv):
        notes.append("An argument contains % or !: cmd.exe may expand %NAME% (and !NAME! with "
                     "delayed expansion) even inside quotes; check the text before running it.")
    if any('"' in a for a in argv[1:]):
        notes.append('An argument contains a double quote: Windows PowerShell 5.1 drops '
                     'embedded quotes when calling a program (PowerShell 7.3+ does not); '
                     'prefer cmd.exe for this command.')
    return notes


# --- PowerShell ---------------------------------------------------------------------------

_PS_SAFE = re.compile(r"[A-Za-z0-9_./\\:=+-]+")


def ps_quote(arg: str) -> str:
    # A bare word starting with '-' that holds '.' or ':' is split by Windows PowerShell
    # (`-a.b` reaches the program as `-a .b`), so quote those too.
    if _PS_SAFE.fullmatch(arg) and not (arg.startswith("-") and re.search(r"[.:]", arg)):
        return arg
    return "'" + arg.replace("'", "''") + "'"


def powershell_line(argv: Sequence[str]) -> str:
    first = ps_quote(argv[0])
    words = [first] + [ps_quote(a) if argv[i] not in ("-subj", "-addext") else
                       "'" + a.replace("'", "''") + "'"
                       for i, a in enumerate(argv[1:])]
    line = " ".join(words)
    # A quoted first word is a string, not a command, until the call operator runs it.
    return "& " + line if first.startswith("'") else line


# --- the OpenSSL> prompt (OpenSSL 1.x) ------------------------------------------------------

def prompt_quote(arg: str, style: str = "auto") -> str:
    needs = not arg or any(c.isspace() for c in arg) or arg[0] in "'\""
    if not needs and style == "auto":
        return arg
    order = {"single": "'\"", "double": "\"'"}.get(style, "'\"")
    for q in order:
        if q not in arg:
            return q + arg + q
    raise UsageError(f"{arg!r} cannot be typed at the OpenSSL> prompt: it holds both kinds "
                     "of quote and the prompt has no escapes.",
                     "Use --shell cmd or powershell instead.")


def prompt_line(argv: Sequence[str]) -> str:
    """The line after `OpenSSL>`: argv without the program."""
    styles = recipe.quoting_styles(argv)
    return " ".join(prompt_quote(a, s) for a, s in zip(argv[1:], styles[1:]))


def _prompt(argv: Sequence[str], info) -> Rendered:
    if info is not None and not getattr(info, "has_interactive_prompt", True):
        folder_argv = ["openssl", *argv[1:]]
        return Rendered("cmd", cmd_line(folder_argv), [
            f"{info.version_text} has no OpenSSL> prompt: a double-clicked openssl.exe of "
            "OpenSSL 3 prints its help and closes. Open a Command Prompt in the folder that "
            "holds openssl.exe (type cmd in Explorer's address bar) and run the line above. "
            "In PowerShell, run: " + powershell_line([".\\openssl.exe", *argv[1:]])])
    notes = ["Type this at the OpenSSL> prompt of a double-clicked openssl.exe (OpenSSL 1.x "
             "only; OpenSSL 3 has no prompt: use --shell cmd or powershell)."]
    return Rendered("openssl-prompt", prompt_line(argv), notes)
