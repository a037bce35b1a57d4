"""`vncssl tigervnc server|viewer` (settings for the certificate)."""

import os
import shlex
from typing import TYPE_CHECKING, Annotated, List, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.options import JsonOpt, OpensslOpt, TigervncVersionOpt, TimeoutOpt
from vncssl.cli.root import app
from vncssl.cli.shape import VncsslGroup
from vncssl.cli.ui import safe
from vncssl.errors import quoted

if TYPE_CHECKING:
    from vncssl.notice import Notice
    from vncssl.tigervnc.server import ServerSettings
    from vncssl.tigervnc.viewer import ViewerSettings

tigervnc_app = typer.Typer(
    cls=VncsslGroup,
    help="Load the certificate into the TigerVNC server and viewer (the guide's last step).\n\n"
    "Examples:\n\n"
    "  $ vncssl tigervnc server --write\n\n"
    "  $ vncssl tigervnc viewer --cert vnc-server.pem --host 192.168.1.5 --install",
    no_args_is_help=True, rich_markup_mode="rich")
app.add_typer(tigervnc_app, name="tigervnc", rich_help_panel="Use with TigerVNC")

VersionOpt = TigervncVersionOpt


def _notices(notices: "List[Notice]") -> None:
    for n in notices:
        ui.err_console.print(f"[yellow]Warning:[/] {safe(n.message)}"
                             + (f" {safe(n.fix)}" if n.fix else ""), soft_wrap=True)


@tigervnc_app.command()
@ui.boundary
def server(
    cert: Annotated[str, typer.Option(help="The server's certificate.")] = "vnc-server.pem",
    key: Annotated[str, typer.Option(help="The server's private key (unencrypted).")
                   ] = "vnc-server-private.pem",
    security_types: Annotated[str, typer.Option(
        "--security-types", help="What the server offers; must include an X509 type.")
    ] = "X509Vnc",
    fmt: Annotated[str, typer.Option(
        "--format", help="config (key=value), xvnc (command-line arguments), config-pl "
        "(Debian/Ubuntu wrapper) or windows (WinVNC steps + .reg).")] = "config",
    write: Annotated[bool, typer.Option(
        "--write", help="Merge into the config file (other lines kept, old file backed "
        "up) instead of printing.")] = False,
    version: VersionOpt = None,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Server settings that make TigerVNC present the certificate (absolute paths).

    When both files are here, the key must be the certificate's and unencrypted (exit 2
    otherwise). --format windows takes paths of the Windows machine as they are.

    Example:

      $ vncssl tigervnc server                      # lines for the config file

      $ vncssl tigervnc server --format xvnc        # Xvnc / x0vncserver args

      $ vncssl tigervnc server --format config-pl   # Debian's tigervncserver

      $ vncssl tigervnc server --format windows     # WinVNC steps, .reg file
    """
    from vncssl.tigervnc import server as tigervnc_server

    s = tigervnc_server.server_settings(cert, key, security_types=security_types, fmt=fmt,
                                        version=version)
    if os.path.isfile(s.cert) and os.path.isfile(s.key):
        from vncssl.openssl import binary

        ossl = binary.find(openssl_path, timeout=timeout)[0]
        tigervnc_server.check_pair(ossl, s.cert, s.key, timeout=timeout)
    if write:
        s = tigervnc_server.write_server_config(s)
    if json_output:
        ui.print_json(s)
        return
    _render_server(s)


def _render_server(s: "ServerSettings") -> None:
    err = ui.err_console
    if s.written:
        ui.console.print(f"[green]Wrote[/] {ui.outside(s.written)} (TigerVNC {safe(s.generation)})",
                         soft_wrap=True)
        if s.backup:
            ui.console.print(f"  previous version kept as {ui.outside(s.backup)}", soft_wrap=True)
    elif s.format == "xvnc":
        ui.print_command(s.text)
    else:
        if s.target and s.format != "windows":
            err.print(f"Put these lines in {ui.outside(s.target)} (TigerVNC {safe(s.generation)}); "
                      "`--write` does it for you:", soft_wrap=True)
        ui.console.out(s.text.rstrip("\n"), highlight=False)
        if s.reg:
            ui.console.out("\nSave as vncssl-winvnc.reg and import it (as administrator):",
                           highlight=False)
            ui.console.out(s.reg.replace("\r\n", "\n").rstrip("\n"), highlight=False)
    for other in s.other_targets:
        err.print(f"[dim]Also read:[/] {ui.outside(other)}", soft_wrap=True)
    for step in s.steps:
        err.print(f"[dim]Note:[/] {safe(step)}", soft_wrap=True)
    _notices(s.notices)


@tigervnc_app.command()
@ui.boundary
def viewer(
    cert: Annotated[str, typer.Option(help="The server's certificate (copied to the "
                                      "viewer machine).")] = "vnc-server.pem",
    host: Annotated[Optional[str], typer.Option(
        help="Name or address you type in the viewer. Default: the certificate's first "
        "name.", show_default=False)] = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="cli (vncviewer command), config (default.tigervnc) or windows.")
    ] = "cli",
    install: Annotated[bool, typer.Option(
        "--install", help="Copy the certificate into the viewer's default X509CA file, "
        "replacing an older one with the same subject (after a backup).")] = False,
    install_crl: Annotated[Optional[str], typer.Option(
        "--install-crl", metavar="FILE", help="Put this CRL (from `vncssl ca crl`) where the "
        "viewer reads it: x509_crl.pem beside its default X509CA file. It must be signed by "
        "a CA in that file.", show_default=False)] = None,
    forget: Annotated[Optional[str], typer.Option(
        "--forget", metavar="HOST", help="Remove the exceptions the viewer remembers for HOST "
        "(answers Yes to certificate questions, kept in x509_known_hosts), so it checks the "
        "certificate again.", show_default=False)] = None,
    version: VersionOpt = None,
    openssl_path: OpensslOpt = None,
    timeout: Annotated[Optional[float], typer.Option(
        help="Seconds each openssl call may take.", show_default=False)] = None,
    json_output: JsonOpt = False,
) -> None:
    """How the viewer uses the certificate as its X509CA, so it connects with no prompt.

    Example:

      $ vncssl tigervnc viewer --cert vnc-server.pem --host 192.168.1.5

      $ vncssl tigervnc viewer --install     # into the viewer's x509_ca.pem

      $ vncssl tigervnc viewer --format windows --cert "C:\\\\vnc\\\\vnc-server.pem"
    """
    from vncssl.openssl import binary
    from vncssl.tigervnc import viewer as tigervnc_viewer

    if forget is not None:
        _forget(forget, json_output)
        return
    ossl = binary.find(openssl_path, timeout=timeout)[0]
    if install_crl is not None and not install:
        _install_crl(ossl, install_crl, version, timeout, json_output)
        return
    s = tigervnc_viewer.viewer_settings(ossl, cert, host=host, fmt=fmt, version=version,
                                        timeout=timeout)
    if install:
        from vncssl.tigervnc import x509ca

        s = x509ca.install(ossl, s, timeout=timeout)
    if json_output and install_crl is None:
        ui.print_json(s)
        return
    if not json_output:
        _render_viewer(s)
    if install_crl is not None:
        _install_crl(ossl, install_crl, version, timeout, json_output)


def _forget(host: str, json_output: bool) -> None:
    from vncssl.tigervnc.address import parse_target
    from vncssl.tigervnc.knownhosts import forget_host

    r = forget_host(parse_target(host).host)
    if json_output:
        ui.print_json(r)
    elif r.removed:
        ui.console.print(f"Removed the exceptions for {ui.outside(r.host)} from "
                         f"{safe(', '.join(map(quoted, r.removed)))}: the viewer checks its "
                         "certificate again (previous files kept as backups).", soft_wrap=True)
    else:
        ui.console.print(f"No exception for {ui.outside(r.host)} in "
                         f"{safe(' or '.join(map(quoted, r.looked_in)))}; nothing changed.",
                         soft_wrap=True)


def _install_crl(ossl: object, crl: str, version: Optional[str], timeout: Optional[float],
                 json_output: bool) -> None:

    from vncssl.tigervnc.crlinstall import install_crl

    r = install_crl(ossl, crl, version=version, timeout=timeout)  # type: ignore[arg-type]
    if json_output:
        ui.print_json(r)
        return
    if r.unchanged:
        ui.console.print(f"{ui.outside(r.installed)} already holds this CRL; nothing changed.",
                         soft_wrap=True)
        return
    ui.console.print(f"[green]Installed[/] the CRL of {ui.outside(r.issuer)} into "
                     f"{ui.outside(r.installed)} (TigerVNC {safe(r.generation)}): "
                     f"{safe(r.revoked)} revoked certificate(s), next update "
                     f"{safe(r.next_update or 'none')}.", soft_wrap=True)
    if r.backup:
        ui.console.print(f"  previous file kept as {ui.outside(r.backup)}", soft_wrap=True)


def _render_viewer(s: "ViewerSettings") -> None:

    out, err = ui.console, ui.err_console
    if s.installed:
        if any(n.code == "SUPERSEDED" for n in s.notices):
            out.print(f"{ui.outside(s.installed)}: nothing changed.", soft_wrap=True)
        elif s.already_present and not s.replaced:
            out.print(f"{ui.outside(s.installed)} already holds this certificate; nothing changed.",
                      soft_wrap=True)
        else:
            out.print(f"[green]Installed[/] the certificate into {ui.outside(s.installed)} "
                      f"(TigerVNC {safe(s.generation)}).", soft_wrap=True)
        for fp in s.replaced:
            out.print(f"  removed  {safe(fp)} (an earlier certificate of this server)",
                      soft_wrap=True)
        for k in s.kept:
            out.print(f"  kept     {safe(k['fingerprint_sha256'])} "
                      f"({ui.outside(k['subject'])}, until "
                      f"{safe(k['not_after'])}): {safe(k['why'])}", soft_wrap=True)
        if s.backup:
            out.print(f"  previous file kept as {ui.outside(s.backup)}", soft_wrap=True)
        out.print(f"  SHA-256 {safe(s.fingerprint_sha256)}", soft_wrap=True)
        out.print("Compare this fingerprint with the one `vncssl inspect` shows on the "
                  f"server. Then connect with: vncviewer {safe(shlex.quote(s.host))}",
                  soft_wrap=True)
        _notices(s.notices)
        return
    if s.format == "config" and s.target:
        err.print(f"Save as {ui.outside(s.target)} (or any .tigervnc file, opened with "
                  "vncviewer FILE):",
                  soft_wrap=True)
    ui.console.out(s.text.rstrip("\n"), highlight=False)
    for i, step in enumerate(s.steps, 1):
        out.print(f"{i}. {safe(step)}", soft_wrap=True)
    where = "" if s.format == "windows" else (
        f" Without -X509CA the viewer reads {s.x509_ca_default} (`--install` puts it there).")
    err.print("[dim]Certificate SHA-256 "
              f"{safe(s.fingerprint_sha256)}.{safe(where)}[/]", soft_wrap=True)
    _notices(s.notices)
