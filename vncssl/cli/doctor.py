"""`vncssl doctor [HOST[:N|::PORT]]`: a ✓/✗ checklist of the TigerVNC server and viewer
settings that lead to certificate messages, each ✗ with the command that fixes it."""

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.options import JsonOpt, OpensslOpt, TimeoutOpt, find_openssl
from vncssl.cli.root import app

if TYPE_CHECKING:
    from vncssl.commands.doctor import DoctorReport

MARKS = {"ok": "[green]✓[/]", "fail": "[red]✗[/]", "error": "[yellow]?[/]", "skip": "-"}


@app.command(rich_help_panel="Use with TigerVNC")
@ui.boundary
def doctor(
    server: Annotated[Optional[str], typer.Argument(
        help="Also probe this server, judged with the viewer's X509CA: HOST, HOST:DISPLAY "
        "(port 5900+N) or HOST::PORT.", metavar="HOST[:DISPLAY|::PORT]",
        show_default=False)] = None,
    user: Annotated[Optional[str], typer.Option(
        help="The user the TigerVNC server runs as (default: a running server's user, "
        "else the config file's owner).", show_default=False)] = None,
    ca: Annotated[Optional[str], typer.Option(
        help="The viewer's X509CA file (default: the one the installed viewer reads).",
        show_default=False)] = None,
    config: Annotated[Optional[str], typer.Option(
        help="Check this server config file instead of the running servers and the "
        "installed generation's files.", show_default=False)] = None,
    side: Annotated[str, typer.Option(help="auto (both, where installed), server or "
                                      "viewer.")] = "auto",
    within: Annotated[int, typer.Option(help="Fail when the certificate expires within "
                                        "this many days.")] = 30,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Find why TigerVNC complains: check the server and viewer settings, ✓ or ✗ with fixes.

    Run it on the server, on the viewer, or on both. Reads only; never changes anything.

    Example:

      $ vncssl doctor                       # this machine's server and viewer

      $ vncssl doctor 192.168.1.5:1         # ... and a probe of that server

      $ sudo vncssl doctor --user alice     # the server runs as alice

    Exit codes: 0 every check passed, 1 a check failed, 2 bad input, 3 a check could not
    run (and none failed).
    """
    from vncssl.commands.doctor import diagnose
    from vncssl.tigervnc.address import parse_target

    if server:
        parse_target(server)  # bad input is exit 2 before openssl is looked for
    report = diagnose(find_openssl(openssl_path, timeout), server, user=user, ca=ca,
                      config=config, side=side, within=within, timeout=timeout)
    if json_output:
        ui.print_json(report.to_json())
    else:
        _render(report)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _render(r: "DoctorReport") -> None:
    out = ui.console
    side = ""
    for c in r.checks:
        if c.side != side:
            side = c.side
            out.print(f"[bold]{ui.safe(side.capitalize())}[/]"
                      + (f" ({ui.safe(r.target)})" if side == "probe" and r.target else ""))
        out.print(f"  {MARKS[c.status]} {ui.safe(c.title)}"
                  + (f": {ui.safe(c.detail)}" if c.detail else ""), soft_wrap=True)
        if c.fix and c.status in ("fail", "error"):
            out.print(f"      Fix: {ui.safe(c.fix)}", soft_wrap=True)
    failed = sum(c.status == "fail" for c in r.checks)
    broken = sum(c.status == "error" for c in r.checks)
    if failed:
        out.print(f"[red]{ui.safe(failed)} check(s) failed.[/] Each ✗ has its fix; `vncssl "
                  "explain 'MESSAGE'` tells what a TigerVNC message means.", soft_wrap=True)
    elif broken:
        out.print(f"[yellow]{ui.safe(broken)} check(s) could not run.[/]", soft_wrap=True)
    elif all(c.status == "skip" for c in r.checks):
        out.print("No TigerVNC server or viewer was found here: nothing to check. Give "
                  "--config FILE, --ca FILE or HOST.", soft_wrap=True)
    else:
        out.print("[green]Every check passed.[/]")
