"""`vncssl guide`: the wiki's procedure, step by step, with this machine's values."""

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.root import app
from vncssl.cli.ui import clean, safe

if TYPE_CHECKING:
    from vncssl.teach.guide import Command, Guide

_FENCE = {"posix": "sh", "cmd": "bat", "powershell": "powershell", "openssl-prompt": "text"}


@app.command(rich_help_panel="Learn")
@ui.boundary
def guide(
    print_: Annotated[bool, typer.Option(
        "--print", help="Write the whole guide as Markdown (a handout) instead of walking "
        "through it.")] = False,
    os_name: Annotated[Optional[str], typer.Option(
        "--os", help="Whose version: windows, linux or macos. Default: this machine's.",
        show_default=False)] = None,
    ip: Annotated[Optional[str], typer.Option(
        "--ip", help="The server's address to fill in. Default: this machine's best LAN "
        "address (the guide's 192.168.1.5 for another OS).", show_default=False)] = None,
) -> None:
    """Learn the manual procedure: the TigerVNC wiki's "Secure your connection", step by step.

    On a terminal it walks through each step and can run the step's command for you (it asks
    first). Otherwise, or with --print, it writes the same guide as Markdown.

    Example:

      $ vncssl guide

      $ vncssl guide --print > vnc-certificates.md

      $ vncssl guide --print --os windows --ip 192.168.1.5
    """
    from vncssl.errors import UsageError
    from vncssl.teach import guide as guide_mod

    if os_name is not None and os_name.lower() not in guide_mod.OSES:
        raise UsageError(f"--os {os_name!r} is not one of {', '.join(guide_mod.OSES)}.",
                         "Use --os windows, --os linux or --os macos.")
    g = guide_mod.build(guide_mod.gather(os_name and os_name.lower(), ip))
    if print_ or not ui.stdin_is_tty():
        if not print_:
            ui.err_console.print("[dim]Not a terminal: writing the guide as Markdown "
                                 "(as --print does).[/]")
        ui.console.out(markdown(g), highlight=False)
        return
    _walk(g)


def markdown(g: "Guide") -> str:
    f = g.facts
    lines = [f"# Secure your TigerVNC connection ({f.os})", "",
             f"The TigerVNC wiki's [Secure your connection]({_wiki()}) step by step, written "
             f"by `vncssl guide` for {f.ip} ({f.ip_source})"
             + (f" with {f.openssl_version}." if f.openssl_version else "."), ""]
    for n, step in enumerate(g.steps, 1):
        lines += [f"## {n}. {step.title}", ""]
        for para in step.text:
            lines += [para, ""]
        if step.points:
            lines += [f"- {p}" for p in step.points] + [""]
        for c in step.commands:
            lines += [f"{c.label[:1].upper()}{c.label[1:]}:", "", f"```{_FENCE[c.shell]}",
                      c.text, "```", ""]
        if step.parts:
            lines += ["What each part means:", ""]
            lines += [f"- `{part}`: {meaning}" for part, meaning in step.parts] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _wiki() -> str:
    from vncssl.teach.guide import WIKI

    return WIKI


def _walk(g: "Guide") -> None:
    from rich.rule import Rule

    c = ui.console
    total = len(g.steps)
    for n, step in enumerate(g.steps, 1):
        c.print(Rule(f"[bold]{n}/{total}  {safe(step.title)}[/]", align="left"))
        for para in step.text:
            c.print(clean(para, multiline=True), markup=False)
        for p in step.points:
            c.print(f"  • {clean(p)}", markup=False)
        for cmd in step.commands:
            c.print(f"\n[dim]{safe(cmd.label)} ({safe(cmd.shell)}):[/]")
            ui.print_command(cmd.text)
            # Only this machine's guide runs anything: another OS's commands are for reading.
            if g.facts.this_machine and cmd.run and _runnable(cmd) and ui.confirm(
                    "Run it now?", default=False):
                _run(cmd, g)
        if step.parts:
            c.print("\nWhat each part means:")
        for part, meaning in step.parts:
            c.print(f"  [bold]{safe(part)}[/]")
            c.print(f"      {clean(meaning)}", markup=False)
        c.print()
        if n < total and ui.ask("Enter for the next step, q to quit").strip(
                ).lower().startswith("q"):
            return
    c.print("Done. The wiki page: " + clean(_wiki()), markup=False)


def _runnable(cmd: "Command") -> bool:
    return cmd.run in ("ips", "create") or bool(cmd.argv and cmd.argv[0])


def _create_here(g: "Guide") -> None:
    """`vncssl create`'s safe path. Files already there are replaced only if the user says
    so here (the guide has no --force to point at); the old pair is kept as .bak."""
    from pathlib import Path

    from vncssl.cli.create import _render_result
    from vncssl.commands.create import execute, plan
    from vncssl.teach import recipe
    from vncssl.x509 import names

    there = [p for p in (recipe.DEFAULT_CERT, recipe.DEFAULT_KEY) if Path(p).exists()]
    force = False
    if there:
        if not ui.confirm(f"{' and '.join(there)} already exist. Replace them (the old ones "
                          "are kept as .bak)?", default=False):
            ui.err_console.print("Nothing was changed.")
            return
        force = True
    _render_result(execute(plan([names.Name("IP", g.facts.ip)], force=force)))


def _run(cmd: "Command", g: "Guide") -> None:
    """Run a step's command the safe way: openssl reads via openssl.run; creating goes
    through `vncssl create` (temp dir, 0600 key, never overwriting)."""
    from vncssl.errors import VncsslError
    from vncssl.openssl import runner

    try:
        if cmd.run == "ips":
            from vncssl.cli.addresses import ips

            ips(json_output=False)
        elif cmd.run == "create":
            _create_here(g)
        elif cmd.argv:
            out = runner.run(cmd.argv, timeout=30).stdout.rstrip()  # another program's words
            ui.console.out(clean(out, multiline=True), highlight=False)
    except VncsslError as exc:
        ui.error(exc)
    except typer.Exit:
        pass
