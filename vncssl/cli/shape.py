"""How the command line looks and fails: metavars that read as the README's option table
(`--ip ADDR`, `--days N`, nothing after a flag), `CERT` rather than `{CERT}` in usage lines,
and Click's own usage errors (`--days abc`, an unknown option) as vncssl's one-line
`Error:` + `Fix:` (a JSON error object under --json), exit 2.

Every group of the app is a VncsslGroup, so this applies to `vncssl --help`, every command
and every subcommand, in the CLI, in tests (CliRunner) and in docgen alike.
"""

import sys
from typing import Any, Optional, Sequence

try:  # Typer 0.26+ vendors its own Click; older Typer (Python 3.9) uses the click package.
    from typer import _click as click
    from typer._click import exceptions as click_exc
except ImportError:  # pragma: no cover - depends on the installed Typer
    import click  # type: ignore[no-redef]
    from click import exceptions as click_exc  # type: ignore[no-redef]
import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

# The README's option table spells these; any other option gets the last word of its name
# (`--tigervnc-version` VERSION, `--ca-dir` DIR, `--key-type` TYPE).
METAVARS = {
    "ip": "ADDR", "dns": "NAME", "days": "N", "within": "DAYS", "timeout": "SECONDS",
    "cert": "PATH", "key": "PATH", "openssl": "PATH", "config": "PATH", "ca": "CAFILE",
    "host": "HOST", "from": "FILE", "out": "PATH", "shell": "SHELL", "format": "FORMAT",
}


def metavar_for(opt: str) -> str:
    name = opt.lstrip("-")
    return METAVARS.get(name, name.rsplit("-", 1)[-1].upper())


class _Argument(TyperArgument):
    """Typer 0.29 writes a required argument as `{CERT}` in the usage line: CERT reads as
    the README and every man page do (optional ones keep their [brackets])."""

    def display_type_rich(self, ctx: click.Context) -> Optional[str]:
        return None  # the name column says it (CERT, NAME...): no `<path>`, `<list[str]>`

    def _usage_display_name(self) -> str:
        me: Any = self  # (Typer 0.29+ has display_name_raw)
        name = me.display_name_raw
        return _usage(name, self.required, self.nargs)

    def make_metavar(self, *args: Any, **kwargs: Any) -> str:
        """Typer 0.24-0.28 build the usage line here (`usage=True`), as `{CERT}` too."""
        if not kwargs.get("usage"):
            parent: Any = super()  # (not on Typer 0.29's TyperArgument)
            return str(parent.make_metavar(*args, **kwargs))
        name = self.metavar or (self.name or "").upper()
        return _usage(name, self.required, self.nargs)


def _usage(name: str, required: bool, nargs: int) -> str:
    """CERT, [NAME...]: a metavar that already says `...` gets no second one."""
    more = "..." if nargs != 1 and not name.endswith("...") else ""
    return f"{name}{more}" if required else f"[{name}{more}]"


def _quiet_type(kind: Any) -> Any:
    """A copy of an argument's Click type that names no `<str>` placeholder: Typer 0.24-0.28
    print the type's metavar in the help table, where the name column (CERT, NAME...) says
    it. Conversion is the type's own."""
    cls = type(kind)
    quiet = _QUIET.get(cls)
    if quiet is None:
        quiet = _QUIET[cls] = type(f"Quiet{cls.__name__}", (cls,),
                                   {"get_metavar": lambda self, *a, **k: ""})
    copy = object.__new__(quiet)
    copy.__dict__.update(vars(kind))
    return copy


_QUIET: dict = {}


def _flag_help(opt: Any) -> Any:
    """`--help` is a flag too; Typer makes that option late, on first use."""
    if opt is not None:
        opt.metavar = ""
    return opt


class _Command(TyperCommand):
    def get_help_option(self, ctx: click.Context) -> Any:
        return _flag_help(super().get_help_option(ctx))


def style(cmd: "click.Command") -> "click.Command":
    if type(cmd) is TyperCommand:
        cmd.__class__ = _Command
    for param in cmd.params:
        # Duck-typed: the vendored Click has no Option class to test against.
        if param.param_type_name == "option":
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                param.metavar = ""  # a flag takes no value: show none (not `<bool>`)
            elif param.metavar is None:
                longs = [o for o in param.opts if o.startswith("--")] or param.opts
                param.metavar = metavar_for(longs[0])
        elif isinstance(param, TyperArgument) and type(param) is TyperArgument:
            param.__class__ = _Argument
            arg: Any = param
            if getattr(arg, "type", None) is not None:  # Typer < 0.29 (0.29 has no .type)
                arg.type = _quiet_type(arg.type)
    return cmd


class VncsslGroup(TyperGroup):
    """A Typer group whose commands are styled, and whose usage errors speak vncssl."""

    def get_help_option(self, ctx: click.Context) -> Any:
        return _flag_help(super().get_help_option(ctx))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)

    def get_params(self, ctx: click.Context) -> Any:
        style(self)  # Typer adds --install-completion/--show-completion after __init__
        return super().get_params(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        cmd = super().get_command(ctx, cmd_name)
        return style(cmd) if cmd is not None else None

    def main(self, args: Optional[Sequence[str]] = None,  # type: ignore[override]
             prog_name: Optional[str] = None, complete_var: Optional[str] = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        # (Typer >= 0.26 adds windows_expand_args, older Click lacks it: passed on in extra.)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from vncssl.cli.pipes import pipe_safe

        argv = list(sys.argv[1:] if args is None else args)
        with pipe_safe():
            sys.exit(self._run(argv, prog_name, complete_var, **extra))

    def _run(self, argv: Sequence[str], prog_name: Optional[str],
             complete_var: Optional[str], **extra: Any) -> int:
        try:
            rv = super().main(argv, prog_name, complete_var, False, **extra)
        except click_exc.ClickException as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # Typer printed the help already
                return 2
            usage_error(exc, argv)
            return 2 if isinstance(exc, click_exc.UsageError) else exc.exit_code
        except typer.Abort:
            return 1
        return rv if isinstance(rv, int) else 0


def usage_error(exc: click_exc.ClickException, argv: Sequence[str]) -> None:
    from vncssl.cli import ui
    from vncssl.errors import UsageError

    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "vncssl"
    ui.error(UsageError(describe(exc, argv), f"See `{command} --help`."),
             as_json="--json" in argv)


def describe(exc: click_exc.ClickException, argv: Sequence[str]) -> str:
    """Click's message, without pydantic's wording, with the value that was given."""
    if isinstance(exc, click_exc.BadParameter) and not isinstance(exc,
                                                                  click_exc.MissingParameter):
        param = exc.param
        if param is not None:
            name = _shown_name(param)
            value = _given_value(param, argv)
            given = f" {value!r}" if value is not None else ""
            kind = _expected(param)
            if kind:
                return f"{name}{given}: expected {kind}."
    message = exc.format_message()
    return message if message.endswith((".", "?", "!")) else message + "."


def _shown_name(param: click.Parameter) -> str:
    if param.param_type_name == "option":
        return max(param.opts, key=len)
    return (param.metavar or param.name or "argument").upper()


def _given_value(param: click.Parameter, argv: Sequence[str]) -> Optional[str]:
    opts = param.opts if param.param_type_name == "option" else []
    for i, arg in enumerate(argv):
        for opt in opts:
            if arg == opt and i + 1 < len(argv):
                return argv[i + 1]
            if arg.startswith(opt + "="):
                return arg[len(opt) + 1:]
    return None


def _expected(param: click.Parameter) -> str:
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    # Typer >= 0.26 says what was annotated; older Typer (Python 3.9 gets 0.23 with Click 8.1)
    # only has Click's type, matched by class name since newer Typer carries its own Click.
    kind = type(getattr(param, "type", None)).__name__
    if annotation is int or kind in ("IntParamType", "IntRange"):
        return "a whole number"
    if annotation is float or kind in ("FloatParamType", "FloatRange"):
        return "a number"
    return ""
