"""All output: one Rich console for stdout, one for stderr, JSON, and the error boundary
that turns VncsslError into `Error: ...` plus its exit code (never a traceback)."""

import dataclasses
import functools
import sys
from typing import Any, Callable, NoReturn, Optional, Sequence, Tuple, TypeVar

from rich.console import Console

from vncssl.errors import VncsslError

# emoji=False: no `:name:` codes in our text are meant as emoji (a path or an address could
# hold one), and it spares loading Rich's emoji table (~3 ms) at every printing start-up.
console = Console(highlight=False, emoji=False)
err_console = Console(stderr=True, highlight=False, emoji=False)

F = TypeVar("F", bound=Callable[..., Any])


def to_jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    return obj


def print_json(obj: Any) -> None:
    import json  # only the --json path needs it (start-up speed)

    # console.out: no wrapping, no markup, no highlighting - exactly the JSON text.
    console.out(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False), highlight=False)


def print_command(command: str) -> None:
    """A command the user may copy: one line, never wrapped, no markup."""
    console.out(command, highlight=False)


def rows(pairs: Sequence[Tuple[str, str]], width: int = 0) -> None:
    """`  label  value` lines, labels padded to one column (to `width` or the longest)."""
    from rich.markup import escape  # values are paths and names: never markup

    width = max([width, *(len(label) for label, _ in pairs)])
    for label, value in pairs:
        console.print(f"  {label:<{width}}  {escape(value)}", soft_wrap=True)


def stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, AttributeError):
        return False


def error(exc: VncsslError, *, as_json: bool = False) -> None:
    if as_json:
        print_json({"error": {"message": exc.message, "fix": exc.fix,
                              "exit_code": exc.exit_code}})
    err_console.print(f"[bold red]Error:[/] {exc.message}", markup=True, soft_wrap=True,
                      highlight=False)
    if exc.fix:
        err_console.print(f"[bold]Fix:[/] {exc.fix}", soft_wrap=True, highlight=False)
    argv = getattr(exc, "argv", None)
    if argv:
        from vncssl.teach.recipe import render_posix

        err_console.print("[dim]Command:[/]", highlight=False)
        err_console.out(render_posix(argv), highlight=False)
    if exc.details:
        label = "openssl said:" if argv is not None else "Details:"
        err_console.print(f"[dim]{label}[/]", highlight=False)
        err_console.out(exc.details.rstrip(), highlight=False)


def boundary(func: F) -> F:
    """Wrap a command: VncsslError -> message + documented exit code; Ctrl-C -> 130."""
    import typer

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except VncsslError as exc:
            _quiet_details(exc, kwargs)
            error(exc, as_json=bool(kwargs.get("json_output")))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("Interrupted: temporary files were removed, existing files "
                              "left as they were.")
            raise typer.Exit(130) from None

    _resolve_annotations(func)
    return wrapper  # type: ignore[return-value]


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


_CONTROL = None


def plain(text: str) -> str:
    """Text from files, servers or the user, for console.print: shown as it is, never
    taken as markup, control characters (escape sequences included) shown as '?'."""
    import re

    from rich.markup import escape

    global _CONTROL
    if _CONTROL is None:
        _CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
    return escape(_CONTROL.sub("?", text))
