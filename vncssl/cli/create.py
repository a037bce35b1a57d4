"""`vncssl create` and `vncssl ips`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, List, Optional

import typer

from vncssl.cli import app, ui
from vncssl.cli.options import JsonOpt, KeyTypeOpt, OpensslOpt, TimeoutOpt

if TYPE_CHECKING:
    from vncssl.commands.create import CreateResult, Plan
    from vncssl.net.interfaces import Address
    from vncssl.x509.names import Name



@app.command(rich_help_panel="Make certificates")
@ui.boundary
def create(
    name: Annotated[Optional[List[str]], typer.Argument(
        metavar="NAME...", help="IP addresses and DNS names viewers type (detected as mkcert "
        "does), alongside --ip and --dns.", show_default=False)] = None,
    ip: Annotated[Optional[List[str]], typer.Option(
        "--ip", help="IP address viewers type to reach the server (repeatable). "
        "Default: this machine's best LAN address.", show_default=False)] = None,
    dns: Annotated[Optional[List[str]], typer.Option(
        "--dns", help="DNS name viewers type (repeatable).", show_default=False)] = None,
    days: Annotated[int, typer.Option(help="Days the certificate is valid (the guide: 365).")
                    ] = 365,
    key_type: KeyTypeOpt = "rsa",
    cert: Annotated[str, typer.Option(help="Where to write the certificate.")
                    ] = "vnc-server.pem",
    key: Annotated[str, typer.Option(help="Where to write the private key (kept 0600).")
                   ] = "vnc-server-private.pem",
    openssl_path: OpensslOpt = None,
    config: Annotated[Optional[str], typer.Option(
        "--config", help="openssl.cnf to use. Default: found automatically.",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing cert/key.")
                     ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the openssl command; "
                                          "write nothing.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Explain every part of the "
                                          "command.")] = False,
    shell: Annotated[Optional[str], typer.Option(
        "--shell", help="Render the command for posix, cmd, powershell or openssl-prompt. "
        "Default: this platform's shell.", show_default=False)] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Accept the defaults without "
                                      "asking (never implies --force).")] = False,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Create the wiki's self-signed certificate and private key for a TigerVNC server.

    Example:

      $ vncssl create --ip 192.168.1.5

      $ vncssl create 192.168.1.5 vnc.lan          # names as arguments, as mkcert takes

      $ vncssl create --ip 192.168.1.5 --dry-run     # just show the guide's command
    """
    from vncssl.commands.create import execute, plan
    from vncssl.teach import recipe, shells
    from vncssl.x509 import names as names_mod

    # Every option is checked before anything is asked: no question answered in vain.
    recipe.parse_key_type(key_type)
    recipe.check_days(days)
    if shell is not None:
        shells.check_shell(shell)
    names = names_mod.collect(ip or [], dns or [], name or [])
    interactive = not yes and ui.stdin_is_tty()
    if not names:
        names = [_pick_address(interactive=interactive, quiet=json_output)]
    if not force and interactive and not dry_run:
        answer = _ask_overwrite(cert, key)
        if answer is None:
            ui.declined()
        force = bool(answer)
    p = plan(names, days=days, key_type=key_type, cert=cert, key=key,
             openssl_path=openssl_path, config=config, force=force, timeout=timeout,
             ask_openssl=_ask_openssl if interactive else None, dry_run=dry_run)
    if dry_run or explain or shell:
        _render_plan(p, explain=explain, shell=shell, as_json=json_output, dry_run=dry_run)
        if dry_run:
            return
    result = execute(p)
    if json_output:
        ui.print_json(result)
    else:
        _render_result(result)


def _pick_address(*, interactive: bool, quiet: bool) -> Name:
    from vncssl.errors import UsageError
    from vncssl.net import interfaces
    from vncssl.x509.names import Name

    addresses = interfaces.ranked()
    best = interfaces.best(addresses)
    if best is None:
        raise UsageError("Found no LAN address on this machine to put in the certificate.",
                     "Pass the address viewers use with --ip (or a name with --dns).")
    if interactive:
        _render_addresses(addresses, to_err=True)
        return _ask_name([a.ip for a in addresses if a.usable], best.ip)
    if not quiet:
        ui.err_console.print(f"Using {best.ip} ({best.interface}, {best.kind}), this machine's "
                             "best LAN address. Choose another with --ip; `vncssl ips` lists "
                             "them.", soft_wrap=True)
    return Name("IP", best.ip)


def _ask_name(choices: List[str], default: str, attempts: int = 3) -> Name:
    """A number from the table, an IP address or a DNS name: what is typed is validated as
    --ip/--dns are (a DNS name stays a DNS name); a bad answer is said and asked again."""
    from vncssl.errors import InvalidNameError
    from vncssl.x509.names import parse_name

    for attempt in range(1, attempts + 1):
        choice = ui.ask("Address for the certificate (number, IP or DNS name)",
                        default=default).strip()
        if choice.isdigit() and 1 <= int(choice) <= len(choices):
            choice = choices[int(choice) - 1]
        try:
            return parse_name(choice)
        except InvalidNameError as exc:
            if attempt == attempts:
                raise
            from rich.markup import escape  # the message quotes what was typed

            ui.err_console.print(f"[bold red]Not usable:[/] {escape(exc.message)} "
                                 f"{escape(exc.fix)}", soft_wrap=True, highlight=False)
    raise AssertionError("unreachable")


def _ask_overwrite(cert: str, key: str) -> Optional[bool]:
    """False: nothing to replace; True: replace; None: the user said no."""
    from pathlib import Path

    existing = [p for p in (cert, key) if Path(p).exists() and not Path(p).is_symlink()]
    if not existing:
        return False
    if ui.confirm(f"{' and '.join(existing)} already exist{'s' if len(existing) == 1 else ''}"
                  ". Replace?", default=False):
        return True
    return None


def _ask_openssl(rejected: list) -> Optional[str]:
    ui.err_console.print("No openssl binary was found. Looked at:")
    for candidate, reason in rejected:
        ui.err_console.print(f"  {candidate}: {reason}", soft_wrap=True)
    answer = ui.ask("Path to openssl (empty to give up)", default="")
    return answer.strip() or None


def _render_plan(p: Plan, *, explain: bool, shell: Optional[str], as_json: bool,
                 dry_run: bool) -> None:
    from vncssl.teach import shells

    rendered = shells.render(p.argv, shell, p.openssl)
    if as_json:
        if dry_run:
            ui.print_json({"command": rendered.command, "argv": p.argv, "shell": rendered.shell,
                           "notes": rendered.notes,
                           "openssl": {"path": p.openssl.path,
                                       "version": p.openssl.version_text},
                           "config": {"path": p.config.path, "reason": p.config.reason},
                           "notices": [n.__dict__ for n in p.notices]})
        return
    ui.print_command(rendered.command)
    for note in rendered.notes:
        ui.err_console.print(f"[dim]Note:[/] {note}", soft_wrap=True)
    if explain:
        from rich.markup import escape

        from vncssl.teach.explain import explain_argv

        ui.console.print()
        for part, meaning in explain_argv(p.argv, p.openssl):
            ui.console.print(f"[bold]{escape(part)}[/]", soft_wrap=True)
            ui.console.print(f"    {meaning}", soft_wrap=True, markup=False)
    if dry_run:
        ui.err_console.print(f"openssl: {p.openssl.version_text} ({p.located.source}); "
                             f"config: {p.config.path or 'built-in'}, {p.config.reason}. "
                             "Dry run: nothing was written.", soft_wrap=True, markup=False,
                             style="dim")
        for n in p.notices:
            ui.err_console.print(f"[yellow]Note:[/] {n.message}", soft_wrap=True)


def _render_result(r: CreateResult) -> None:
    c = ui.console
    c.print(f"[green]Created[/] a certificate for {', '.join(n['value'] for n in r.names)} "
            f"(valid {r.days} days, until {r.not_after}).", soft_wrap=True)
    ui.rows([
        ("certificate", r.cert + (f"  (mode {r.cert_mode})" if r.cert_mode else "")),
        ("private key", r.key + (f"  (mode {r.key_mode}, keep it private)" if r.key_mode
                                 else "  (keep it private)")),
        ("SHA-256", r.fingerprint_sha256),
        ("subject", f"{r.subject}; key {r.key_type}"),
        ("made by", f"{r.openssl['version']} ({r.openssl['path']})"),
        ("config", f"{r.config['path'] or 'built-in'}: {r.config['reason']}"),
        *([("replaced", ", ".join(r.replaced))] if r.replaced else []),
    ])
    for n in r.notices:
        ui.err_console.print(f"[yellow]Warning:[/] {n.message}" +
                             (f" {n.fix}" if n.fix else ""), soft_wrap=True)
    c.print("\nNext steps:")
    for i, step in enumerate(r.next_steps, 1):
        c.print(f"  {i}. {step}", soft_wrap=True)


@app.command(rich_help_panel="Make certificates")
@ui.boundary
def ips(json_output: JsonOpt = False) -> None:
    """List this machine's addresses, best first, for `create --ip`.

    Example:

      $ vncssl ips
    """
    import dataclasses

    from vncssl.net import interfaces

    addresses = interfaces.ranked()
    if json_output:
        ui.print_json([dict(dataclasses.asdict(a), recommended=a is interfaces.best(addresses))
                       for a in addresses])
        return
    _render_addresses(addresses, to_err=False)


def _render_addresses(addresses: List[Address], *, to_err: bool) -> None:
    from rich.table import Table

    from vncssl.net import interfaces

    best = interfaces.best(addresses)
    table = Table("#", "address", "interface", "kind", "")
    n = 0
    for a in addresses:
        if a.usable:
            n += 1
        table.add_row(str(n) if a.usable else "-", a.ip, a.interface, a.kind,
                      "recommended" if a is best else ("" if a.usable else "skipped"))
    (ui.err_console if to_err else ui.console).print(table)
    if not addresses:
        (ui.err_console if to_err else ui.console).print("No addresses found (besides loopback).")
