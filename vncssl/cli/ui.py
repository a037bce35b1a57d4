"""All output: one Rich console for stdout, one for stderr, JSON, and the error boundary
that turns VncsslError into `Error: ...` plus its exit code (never a traceback)."""

import dataclasses
import functools
import re
import sys
from typing import Any, Callable, NoReturn, Optional, Sequence, Tuple, TypeVar

from rich.console import Console

from vncssl.errors import VncsslError, quoted

# emoji=False: no `:name:` codes in our text are meant as emoji (a path or an address could
# hold one), and it spares loading Rich's emoji table (~3 ms) at every printing start-up.
console = Console(highlight=False, emoji=False)
err_console = Console(stderr=True, highlight=False, emoji=False)

F = TypeVar("F", bound=Callable[..., Any])

# Never to reach a terminal as themselves (Unicode categories C* and Zl/Zp): controls (ESC
# starts colour, cursor and title sequences; CR, BS overwrite; CSI 0x9b is ESC[; NEL U+0085
# is a newline), format characters (bidi overrides reorder a line, zero-width ones hide
# text), U+2028/U+2029, private-use and unassigned code points, lone surrogates (the bytes
# of a non-UTF-8 file name).
_ASCII_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_LINE_BREAKS = re.compile("[\n\t]")


def _escape(c: str) -> str:
    n = ord(c)
    if 0xDC80 <= n <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{n - 0xDC00:02x}"
    if n < 0x100:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def clean(text: object, *, multiline: bool = False) -> str:
    """Outside text (paths, certificate fields, a server's words, openssl's stderr) made
    inert for a terminal: every control or format character is shown as a `\\xNN` /
    `\\uNNNN` escape instead of acting. Newlines and tabs are kept only in `multiline` text."""
    value = str(text)
    if value.isascii():  # the common case, without a per-character table look-up
        value = _ASCII_UNSAFE.sub(lambda m: _escape(m.group(0)), value)
    else:
        from unicodedata import category

        value = "".join(_escape(c) if c not in "\n\t" and (category(c)[0] == "C" or
                                                          category(c) in ("Zl", "Zp")) else c
                        for c in value)
    if not multiline:
        value = _LINE_BREAKS.sub(lambda m: _escape(m.group(0)), value)
    return value


def safe(text: object) -> str:
    """Text for a Rich `print`: `clean`, then markup-escaped, so `[bold]` or `[/x]` in a path
    or a CN prints as itself. Only vncssl's own literal strings carry markup."""
    from rich.markup import escape

    value = clean(text)
    if value.endswith("\\"):  # Rich would double it (lest it escape a tag after it), and a
        value = value[:-1] + "\\x5c"  # doubled one prints twice where no tag follows
    return escape(value)


def outside(text: object) -> str:
    """One value that came from outside (a path, a CN, a SAN, an issuer, a server's words)
    for a Rich `print`: shown by THE rule, `errors.quoted` (a plain token as itself, anything
    else in double quotes it cannot leave), then `safe`. In colour, also in its own style."""
    return f"[{OUTSIDE_STYLE}]{safe(quoted(text))}[/]"


# Outside text's own colour where colour is on (Rich drops styles elsewhere): a line it
# imitates still looks unlike vncssl's own.
OUTSIDE_STYLE = "cyan"


def to_jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    return obj


def print_json(obj: Any) -> None:
    # Exactly the JSON text, written to the console's own stream: no wrapping, no markup, no
    # highlighting, and none of Rich's per-line work (console.out made a Text of each of the
    # 13,000 lines of a 300-host `ca issue --from --json`: a sixth of its CPU time).
    stream = console.file
    stream.write(json_text(obj) + "\n")
    stream.flush()


# Written as \uXXXX escapes (the same string to any JSON reader): surrogates (a byte of a
# non-UTF-8 file name) and every character a terminal would act on or hide when the JSON is
# shown on one: DEL and the C1 controls (0x9b is CSI), bidi overrides, zero-width and other
# format characters, the line and paragraph separators.
_SURROGATE = re.compile("[\ud800-\udfff\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f"
                        "\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")


def json_text(obj: Any, indent: Optional[int] = 2) -> str:
    """JSON that is always valid UTF-8. Non-ASCII text stays readable; control characters
    are JSON escapes (json does that); a byte of a file name that is not UTF-8 (Python's
    surrogateescape gives U+DC80..U+DCFF for it) is written as the JSON escape `\\udcXX`,
    which `json.loads` turns back into the same string and `os.fsencode` into the bytes."""
    import json  # only the --json path needs it (start-up speed)

    text = json.dumps(to_jsonable(obj), indent=indent, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def print_command(command: str) -> None:
    """A command the user may copy: one line, never wrapped, no markup, no controls."""
    console.out(clean(command), highlight=False)


def rows(pairs: Sequence[Tuple[str, str]], width: int = 0) -> None:
    """`  label  value` lines, labels padded to one column (to `width` or the longest)."""
    width = max([width, *(len(label) for label, _ in pairs)])
    for label, value in pairs:  # values are paths and names: never markup
        console.print(f"  {label:<{width}}  {safe(value)}", soft_wrap=True)


def stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, AttributeError):
        return False


def error(exc: VncsslError, *, as_json: bool = False) -> None:
    if as_json:
        print_json({"error": {"message": exc.message, "fix": exc.fix,
                              "exit_code": exc.exit_code}})
    # A message names paths, hosts and certificate fields: never markup, never controls.
    err_console.print(f"[bold red]Error:[/] {safe(exc.message)}", markup=True, soft_wrap=True,
                      highlight=False)
    if exc.fix:
        err_console.print(f"[bold]Fix:[/] {safe(exc.fix)}", soft_wrap=True, highlight=False)
    argv = getattr(exc, "argv", None)
    if argv:
        from vncssl.teach.recipe import render_posix

        err_console.print("[dim]Command:[/]", highlight=False)
        err_console.out(clean(render_posix(argv)), highlight=False)
    if exc.details:
        label = "openssl said:" if argv is not None else "Details:"
        err_console.print(f"[dim]{label}[/]", highlight=False)
        err_console.out(clean(exc.details.rstrip(), multiline=True), highlight=False)


def boundary(func: F) -> F:
    """Wrap a command: VncsslError -> message + documented exit code; Ctrl-C, SIGTERM and
    SIGHUP alike -> clean-up, one line saying what is on disk, exit 130."""
    import typer

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from vncssl.fs.signals import term_as_interrupt

        try:
            with term_as_interrupt():  # from the first openssl on, not only in work folders
                return func(*args, **kwargs)
        except VncsslError as exc:
            _quiet_details(exc, kwargs)
            error(exc, as_json=bool(kwargs.get("json_output")))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP alike
            err_console.print(interrupt_message(exc), soft_wrap=True, markup=False)
            raise typer.Exit(130) from None
        finally:
            _show_ignored_caches()

    _resolve_annotations(func)
    return wrapper  # type: ignore[return-value]


def interrupt_message(exc: BaseException) -> str:
    """Exactly what is on disk after a stop signal. Files are installed in whole sets (a
    certificate with its key) with the signals held, so each set is the old or the new."""
    atomic = sys.modules.get("vncssl.fs.atomic")
    done = atomic.installed() if atomic is not None else []
    extra = clean(exc.args[0]) + " " if exc.args and isinstance(exc.args[0], str) else ""
    if not done:
        return (f"Interrupted: {extra}nothing was installed; temporary files were removed "
                "and existing files left as they were.")
    sets = "; ".join(clean(paths) + (" (previous kept as " + ", ".join(clean(b) for b in bak)
                                     + ")" if bak else "") for paths, bak in done)
    return (f"Interrupted: {extra}these were installed, complete and new, before it: {sets}. "
            "Temporary files were removed; nothing else was changed.")


def _show_ignored_caches() -> None:
    """A cache vncssl refused to trust (another user's, or writable by others) is said once."""
    import sys as _sys

    infocache = _sys.modules.get("vncssl.openssl.infocache")
    while infocache is not None and infocache.NOTICES:
        n = infocache.NOTICES.pop(0)
        err_console.print(f"[yellow]Note:[/] {safe(n.message)} {safe(n.fix)}", soft_wrap=True)


def _resolve_annotations(func: Callable[..., Any]) -> None:
    """Evaluate a command's string annotations (`from __future__ import annotations`) once.

    Typer reads every command's signature at every start-up, even for `--version`, twice,
    and each read compiles each annotation string anew: ~15 ms per run for vncssl's
    commands, against ~3 ms evaluated once here. The dict is shared with the wrapper
    (functools.wraps), so Typer sees the evaluated objects. A name that cannot be evaluated
    yet stays a string, for Typer to resolve as before."""
    annotations = func.__annotations__
    for name, value in list(annotations.items()):
        if isinstance(value, str):
            try:
                annotations[name] = eval(value, func.__globals__)  # our own source text
            except Exception:  # noqa: BLE001 - leave it to Typer, which reports it properly
                pass


def confirm(question: str, default: bool = False) -> bool:
    from rich.prompt import Confirm

    return Confirm.ask(question, default=default, console=err_console)


def ask(question: str, default: Optional[str] = None) -> str:
    from rich.prompt import Prompt

    return Prompt.ask(question, default=default, console=err_console) or ""


def declined() -> NoReturn:
    """The user answered no: say so plainly (not as an error) and exit EXIT_DECLINED."""
    import typer

    from vncssl.errors import EXIT_DECLINED

    err_console.print("Nothing was changed.")
    raise typer.Exit(EXIT_DECLINED)


def _quiet_details(exc: VncsslError, kwargs: dict) -> None:
    """Bad input is one line: in a command that has -v, what openssl said about a file that
    is not a certificate (/etc/passwd: a dozen lines of decoder internals) shows only with
    -v. Operational failures (exit 3) keep it: there it is the diagnosis."""
    from vncssl.errors import UsageError

    if "verbose" in kwargs and not kwargs["verbose"] and isinstance(exc, UsageError) \
            and exc.details:
        exc.details = ""
        exc.fix = (exc.fix + " " if exc.fix else "") + "(-v shows what openssl said.)"

