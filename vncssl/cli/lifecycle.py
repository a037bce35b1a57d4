"""`vncssl expiry` and `renew`: a certificate's life after `create`."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.options import JsonOpt, NoBackupOpt, OpensslOpt, TimeoutOpt, find_openssl
from vncssl.cli.root import app
from vncssl.cli.ui import safe
from vncssl.errors import quoted

if TYPE_CHECKING:
    from vncssl.commands.renew import RenewPlan, RenewResult
    from vncssl.x509.expiry import Expiry


@app.command(rich_help_panel="Check and maintain")
@ui.boundary
def expiry(
    cert: Annotated[Path, typer.Argument(metavar="CERT", help="Certificate file.")],
    within: Annotated[Optional[int], typer.Option(
        help="Renewal is due when it expires within this many days. Default: 30 (7 for a "
        "CRL).", show_default=False)] = None,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Is renewal due? Exit 0: valid beyond --within days; 1: due, expired or not yet valid.

    CERT may also be a CRL (from `vncssl ca crl`): due when its next update is that near.

    Made for cron and systemd timers (see examples/ in the source).

    Example:

      $ vncssl expiry vnc-server.pem

      $ vncssl expiry vnc-server.pem --within 60 || vncssl renew --yes
    """

    from vncssl.x509.expiry import expiry as check_expiry

    r = check_expiry(find_openssl(openssl_path, timeout), cert, within, timeout=timeout)
    if json_output:
        ui.print_json(dict(ui.to_jsonable(r), exit_code=r.exit_code))
    elif r.kind == "crl":
        _render_crl_expiry(r)
    elif r.status == "expired":
        ui.console.print(f"[red]EXPIRED[/] {ui.outside(r.cert)} expired on {safe(r.not_after)} "
                         f"({safe(-r.days_left)} days ago). Renew it: `{safe(r.fix)}`.",
                         soft_wrap=True)
    elif r.status == "not-yet-valid":
        ui.console.print(f"[red]NOT YET VALID:[/] {ui.outside(r.cert)} is valid only from "
                         f"{safe(r.not_before)}: the TigerVNC viewer refuses it until then. "
                         f"{safe(r.fix)}", soft_wrap=True)
    elif r.status == "due":
        ui.console.print(f"[yellow]Renewal due:[/] {ui.outside(r.cert)} expires on "
                         f"{safe(r.not_after)} "
                         f"(in {safe(r.days_left)} days, within {safe(r.within)}). Run "
                         f"`{safe(r.fix)}`.",
                         soft_wrap=True)
    else:
        ui.console.print(f"[green]OK:[/] {ui.outside(r.cert)} expires on {safe(r.not_after)} (in "
                         f"{safe(r.days_left)} days).", soft_wrap=True)
    if r.exit_code:
        raise typer.Exit(r.exit_code)


def _render_crl_expiry(r: "Expiry") -> None:

    where = r.cert
    if r.expired:
        ui.console.print(f"[red]OUT OF DATE[/] the CRL {ui.outside(where)} was due for its next "
                         "update "
                         "on "
                         f"{safe(r.not_after)} ({safe(-r.days_left)} days ago). The TigerVNC "
                         "viewer still "
                         "uses it, without the revocations since: run `vncssl ca crl` and "
                         "install the new one.", soft_wrap=True)
    elif r.due:
        ui.console.print(f"[yellow]Update due:[/] the CRL {ui.outside(where)} has its next update "
                         "on "
                         f"{safe(r.not_after)} (in {safe(r.days_left)} days, within "
                         f"{safe(r.within)}). Run "
                         "`vncssl ca crl`.", soft_wrap=True)
    else:
        ui.console.print(f"[green]OK:[/] the CRL {ui.outside(where)} is current until "
                         f"{safe(r.not_after or 'forever')} (in {safe(r.days_left)} "
                         "days).", soft_wrap=True)


@app.command(rich_help_panel="Check and maintain")
@ui.boundary
def renew(
    cert: Annotated[str, typer.Option(help="The certificate to renew.")] = "vnc-server.pem",
    key: Annotated[str, typer.Option(help="Its private key.")] = "vnc-server-private.pem",
    days: Annotated[Optional[int], typer.Option(
        help="Days the new certificate is valid (the guide: 365).", show_default=False)
    ] = None,
    reuse_key: Annotated[bool, typer.Option("--reuse-key", help="Keep the private key "
                                            "(default: make a new one).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be done; write "
                                          "nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before replacing.")
                   ] = False,
    no_backup: NoBackupOpt = False,
    openssl_path: OpensslOpt = None,
    config: Annotated[Optional[str], typer.Option("--config", help="openssl.cnf to use.",
                                                  show_default=False)] = None,
    ca_dir: Annotated[Optional[str], typer.Option(
        "--ca-dir", show_default=False,
        help="The private CA that signed it (default: VNCSSL_CA_DIR or vncssl's CA folder, "
        "if that CA signed it)."
    )] = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Re-issue the certificate: same names, subject and key type; new dates and key.

    The new validity starts now; the key is new unless --reuse-key. The old pair is kept as a
    timestamped backup. A certificate signed by your vncssl private CA is re-issued by that CA.

    Every viewer must then REPLACE its copy of the old certificate (X509CA).

    Example:

      $ vncssl renew --dry-run

      $ vncssl renew --cert vnc-server.pem --key vnc-server-private.pem --yes
    """
    from vncssl.commands import renew as renew_mod
    from vncssl.errors import UsageError

    p = renew_mod.plan(cert, key, days=days, reuse_key=reuse_key, openssl_path=openssl_path,
                       config=config, timeout=timeout, ca_dir=ca_dir, backup=not no_backup)
    if dry_run:
        if json_output:
            ui.print_json(renew_mod.describe(p))
        else:
            _render_renew_plan(p)
            ui.err_console.print("[dim]Dry run: nothing was written.[/]")
        return
    if not yes:
        if not ui.stdin_is_tty():
            raise UsageError("renew replaces the certificate (and key) in place.",
                             "Pass --yes to confirm (the old pair is kept as a backup), or "
                             "--dry-run to see what it would do.")
        _render_renew_plan(p)
        if not ui.confirm("Renew now?", default=False):
            ui.declined()
    from vncssl.cli.progress import working

    with working("openssl is re-issuing the certificate...", quiet=json_output):
        r = renew_mod.execute(p)
    if json_output:
        ui.print_json(r)
        return
    _render_renew_result(r)


def _render_renew_plan(p: "RenewPlan") -> None:
    from vncssl.commands.renew import describe

    d = describe(p)
    c = ui.err_console
    c.print(f"Renew {ui.outside(d['cert'])} ({safe('same key' if d['reuse_key'] else 'new key')}, "
            f"{safe(d['key_type'])}, {safe(d['days'])} days)", soft_wrap=True)
    c.print(f"  subject  {ui.outside(d['subject'])}", soft_wrap=True)
    c.print("  names    " + safe(", ".join(n["type"] + ":" + quoted(n["value"])
                                          for n in d["names"])),
            soft_wrap=True)
    ui.print_command(d["command"])


def _render_renew_result(r: "RenewResult") -> None:
    from rich.panel import Panel

    c = ui.console
    c.print(f"[green]Renewed[/] {ui.outside(r.cert)}: valid until {safe(r.not_after)} "
            f"({safe(r.days)} "
            "days), "
            f"{safe('same key' if r.reused_key else 'new key')} "
            f"({safe(r.key_type)}).", soft_wrap=True)
    for b in r.backups:
        c.print(f"  backup       {ui.outside(b)}", soft_wrap=True)
    c.print(f"  old SHA-256  {safe(r.old_fingerprint_sha256)}", soft_wrap=True)
    c.print(f"  new SHA-256  {safe(r.fingerprint_sha256)}", soft_wrap=True)
    if r.viewers_must_replace:
        c.print(Panel(safe(r.viewer_notice), title="Every viewer must REPLACE its certificate",
                      border_style="yellow"))
    else:
        c.print(safe(r.viewer_notice), soft_wrap=True)
