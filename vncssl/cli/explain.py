"""`vncssl explain MESSAGE`: what a TigerVNC certificate or TLS message means, which
generations print it, and the likely causes with the command that confirms each and the
one that fixes it. (Not `create --explain`, which explains the openssl command.)"""

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from vncssl.cli import ui
from vncssl.cli.options import JsonOpt
from vncssl.cli.root import app

if TYPE_CHECKING:
    from vncssl.tigervnc.messages.explanation import Explanation


@app.command(rich_help_panel="Use with TigerVNC")
@ui.boundary
def explain(
    message: Annotated[str, typer.Argument(
        metavar="MESSAGE", help="What the viewer or server said, whole or in part (quote "
        "it), a status number like 1026 or 0x202, or - to read a log from standard input.")],
    json_output: JsonOpt = False,
) -> None:
    """Explain a TigerVNC certificate or TLS message: meaning, causes, fixes.

    Knows the messages of TigerVNC 1.11 to 1.16 (viewer dialogs and errors, server log
    lines, GnuTLS texts and status numbers).

    Example:

      $ vncssl explain 'Invalid status of server certificate verification'

      $ vncssl explain 1026

      $ vncviewer ... 2>&1 | vncssl explain -

    Exit codes: 0 explained, 1 not a message vncssl knows (run `vncssl doctor`),
    2 no message given.
    """
    from vncssl.tigervnc.messages.explanation import explain as explain_text

    text = sys.stdin.read(400_000) if message == "-" else message
    result = explain_text(text)
    if json_output:
        ui.print_json(result.to_json())
    else:
        _render(result)
    if not result.known:
        raise typer.Exit(1)


def _render(r: "Explanation") -> None:
    out = ui.console
    if not r.known:
        out.print("vncssl does not know this message. Run `vncssl doctor` (add HOST[:N] to "
                  "probe the server) on the viewer and on the server: it checks every setting "
                  "that leads to a TigerVNC certificate message.", soft_wrap=True)
        return
    if r.status is not None:
        s = r.status
        out.print(ui.safe(f"GnuTLS status {s.value} = {s.hex}: {' | '.join(s.bits)}"),
                  soft_wrap=True)
        for sentence in s.sentences:
            out.print(ui.safe(f"  {sentence}"), soft_wrap=True)
    for i, m in enumerate(r.matches):
        if i == 1:
            out.print("\nAlso matched:")
        if i >= 1:
            out.print(ui.safe(f"  {m.id} ({m.side}, TigerVNC {m.generations}): {m.meaning}"),
                      soft_wrap=True)
            continue
        out.print(f"[bold]{ui.safe(m.id)}[/] ({ui.safe(m.side)}, TigerVNC "
                  f"{ui.safe(m.generations)})", soft_wrap=True)
        out.print(ui.safe(m.meaning), soft_wrap=True)
        out.print(ui.safe(f"Source: {m.source}"), style="dim", soft_wrap=True)
        out.print("Likely causes, most likely first:")
        for n, c in enumerate(m.causes, 1):
            out.print(ui.safe(f"  {n}. {c['text']}"), soft_wrap=True)
            out.print(ui.safe(f"     Confirm: {c['confirm']}"), soft_wrap=True)
            out.print(ui.safe(f"     Fix:     {c['fix']}"), soft_wrap=True)
