"""`vncssl csr`: a key and a certificate request for a public CA (the guide's external-CA
route: own domain, DNS-01 challenge, certificate transparency)."""

from typing import Annotated, List, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.options import (
    ForceOpt,
    JsonOpt,
    KeyTypeOpt,
    NoBackupOpt,
    OpensslOpt,
    TimeoutOpt,
)
from vncssl.cli.root import app
from vncssl.cli.ui import safe
from vncssl.errors import quoted


@app.command(rich_help_panel="Make certificates")
@ui.boundary
def csr(
    dns: Annotated[Optional[List[str]], typer.Option(
        "--dns", help="DNS name for the certificate (repeatable), e.g. "
        "computer1.local.example.com.", show_default=False)] = None,
    ip: Annotated[Optional[List[str]], typer.Option(
        "--ip", help="IP address (public CAs refuse these).", show_default=False)] = None,
    key: Annotated[Optional[str], typer.Option(
        help="Where to write the private key (0600). Default: NAME-private.pem, NAME being "
        "the first --dns name.",
        show_default=False)] = None,
    out: Annotated[Optional[str], typer.Option(
        help="Where to write the CSR. Default: NAME.csr (the first --dns name).",
        show_default=False)] = None,
    key_type: KeyTypeOpt = "rsa",
    force: ForceOpt = False,
    no_backup: NoBackupOpt = False,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """A private key and a CSR for a public CA (Let's Encrypt and others, DNS-01 challenge).

    Example:

      $ vncssl csr --dns pc1.local.example.com   # writes pc1.local.example.com.csr
    """
    from vncssl.commands.csr import make

    r = make(dns or [], ip or [], key=key, out=out, key_type=key_type,
             openssl_path=openssl_path, force=force, timeout=timeout, backup=not no_backup)
    if json_output:
        ui.print_json(r)
        return
    c = ui.console
    c.print(f"[green]Created[/] a CSR for {safe(', '.join(r.names))} "
            f"({safe(r.key_type)}).", soft_wrap=True)
    ui.rows([("CSR", quoted(r.csr)),
           ("private key", f"{r.key}  (mode {r.key_mode or '?'}; stays here, never sent)")])
    for a in r.advice:
        style = "yellow" if a.code in ("ct-logs", "ip-san", "wildcard") else "bold"
        label = "Warning" if style == "yellow" else "Note"
        ui.err_console.print(f"[{style}]{safe(label)}:[/] {safe(a.message)}", soft_wrap=True)
    c.print("\nThen ask an ACME client to sign it with a DNS-01 challenge (one of):")
    for command in r.acme_commands:
        ui.print_command(command)
