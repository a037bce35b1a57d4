"""`vncssl create` and `vncssl ips`."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, List, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.options import JsonOpt, KeyTypeOpt, NoBackupOpt, OpensslOpt, TimeoutOpt
from vncssl.cli.root import app
from vncssl.cli.ui import clean, safe
from vncssl.errors import quoted

if TYPE_CHECKING:
    from vncssl.commands.create import CreateResult, Plan


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
    out_dir: Annotated[Optional[str], typer.Option(
        "--out-dir", help="Folder for --cert and --key when they are relative (created, "
        "0755, when missing).", show_default=False)] = None,
    openssl_path: OpensslOpt = None,
    config: Annotated[Optional[str], typer.Option(
        "--config", help="openssl.cnf to use. Default: found automatically.",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing cert/key (the "
                                        "old pair is kept as NAME.<time>.bak, the key 0600).")
                     ] = False,
    no_backup: NoBackupOpt = False,
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

      $ vncssl create 192.168.1.5 vnc.lan      # names as arguments (mkcert's way)

      $ vncssl create --ip 192.168.1.5 --dry-run     # just show the guide's command
    """
    from vncssl.cli.addresses import pick_address
    from vncssl.commands.create import execute, plan
    from vncssl.teach import recipe
    from vncssl.x509 import names as names_mod

    # Every option is checked before anything is asked: no question answered in vain.
    recipe.parse_key_type(key_type)
    recipe.check_days(days)
    if shell is not None:
        from vncssl.teach import shells

        shells.check_shell(shell)
    names = names_mod.collect(ip or [], dns or [], name or [])
    if out_dir is not None:
        cert, key = _in_out_dir(out_dir, cert, key, create=not dry_run)
    interactive = not yes and ui.stdin_is_tty()
    if not names:
        names = [pick_address(interactive=interactive, quiet=json_output)]
    if not force and interactive and not dry_run:
        answer = _ask_overwrite(cert, key)
        if answer is None:
            ui.declined()
        force = bool(answer)
    p = plan(names, days=days, key_type=key_type, cert=cert, key=key,
             openssl_path=openssl_path, config=config, force=force, timeout=timeout,
             ask_openssl=_ask_openssl if interactive else None, dry_run=dry_run,
             backup=not no_backup)
    if dry_run or explain or shell:
        _render_plan(p, explain=explain, shell=shell, as_json=json_output, dry_run=dry_run)
        if dry_run:
            return
    from vncssl.cli.progress import working

    with working(f"openssl is making the key ({p.request.key_type.text}) and the "
                 "certificate...", quiet=json_output):
        result = execute(p)
    if json_output:
        data = ui.to_jsonable(result)
        if explain:
            data["explain"] = _explained(p)
        ui.print_json(data)
    else:
        _render_result(result)


def _in_out_dir(out_dir: str, cert: str, key: str, *, create: bool) -> tuple:
    import os

    from vncssl.fs.folders import make_output_dir

    folder = make_output_dir(Path(out_dir)) if create else Path(out_dir)
    return tuple(p if os.path.isabs(p) else str(folder / p) for p in (cert, key))


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
        ui.err_console.print(f"  {ui.outside(candidate)}: {safe(reason)}", soft_wrap=True)
    answer = ui.ask("Path to openssl (empty to give up)", default="")
    return answer.strip() or None


def _explained(p: "Plan") -> List[dict]:
    """--explain under --json: one {part, meaning} object per part of the command."""
    from vncssl.teach.explain import explain_argv

    return [{"part": part, "meaning": meaning} for part, meaning in explain_argv(p.argv,
                                                                                 p.openssl)]


def _render_plan(p: "Plan", *, explain: bool, shell: Optional[str], as_json: bool,
                 dry_run: bool) -> None:
    from vncssl.teach import shells

    rendered = shells.render(p.argv, shell, p.openssl)
    if as_json:
        if dry_run:
            ui.print_json({"command": rendered.command, "argv": p.argv, "shell": rendered.shell,
                           "notes": rendered.notes,
                           "openssl": {"path": p.openssl.path,
                                       "version": p.openssl.version_text},
                           "config": {"path": p.config.path, "reason": p.config.reason,
                                      **p.saved_config()},
                           "notices": [n.__dict__ for n in p.notices],
                           **({"explain": _explained(p)} if explain else {})})
        return
    ui.print_command(rendered.command)
    if dry_run and p.config_text is not None:  # a config the command names, not on disk
        ui.err_console.print(f"Save this as {safe(p.request.config)}:", soft_wrap=True)
        ui.console.print(ui.clean(p.config_text, multiline=True), soft_wrap=True,
                         markup=False, highlight=False)
    for note in rendered.notes:
        ui.err_console.print(f"[dim]Note:[/] {safe(note)}", soft_wrap=True)
    if explain:

        from vncssl.teach.explain import explain_argv

        ui.console.print()
        for part, meaning in explain_argv(p.argv, p.openssl):
            ui.console.print(f"[bold]{safe(part)}[/]", soft_wrap=True)
            ui.console.print(f"    {clean(meaning)}", soft_wrap=True, markup=False)
    if dry_run:
        ui.err_console.print(f"openssl: {safe(p.openssl.version_text)} ({safe(p.located.source)}); "
                             f"config: {safe(p.config.path or 'built-in')}, "
                             f"{safe(p.config.reason)}. "
                             "Dry run: nothing was written.", soft_wrap=True, markup=False,
                             style="dim")
        for n in p.notices:
            ui.err_console.print(f"[yellow]Note:[/] {safe(n.message)}", soft_wrap=True)


def _render_result(r: "CreateResult") -> None:
    from vncssl.cli.prose import fit_rows, print_prose

    c = ui.console
    c.print(f"[green]Created[/] a certificate for {safe(', '.join(n['value'] for n in r.names))} "
            f"(valid {safe(r.days)} days, until {safe(r.not_after)}).", soft_wrap=True)
    fit_rows(c, [
        ("certificate", quoted(r.cert) + (f"  (mode {r.cert_mode})" if r.cert_mode else "")),
        ("private key", quoted(r.key) + (f"  (mode {r.key_mode}, keep it private)"
                                         if r.key_mode else "  (keep it private)")),
        ("SHA-256", r.fingerprint_sha256),
        ("subject", f"{quoted(r.subject)}; key {r.key_type}"),
        ("made by", f"{r.openssl['version']} ({quoted(r.openssl['path'])})"),
        ("config", f"{quoted(r.config['path']) if r.config['path'] else 'built-in'}: "
                   f"{r.config['reason']}"),
        *([("replaced", ", ".join(quoted(p) for p in r.replaced))] if r.replaced else []),
        *[("backup", quoted(b)) for b in r.backups],
    ])
    for n in r.notices:
        print_prose(ui.err_console, f"Warning: {n.message}" + (f" {n.fix}" if n.fix else ""),
                    hang="  ")
    c.out("\nNext steps:")
    for i, step in enumerate(r.next_steps, 1):
        print_prose(c, step, indent=f"  {i}. ", hang="     ")
