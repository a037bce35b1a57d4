"""`vncssl probe`: ask a live VNC server for its certificate and judge it as the viewer
would, for the name you typed."""

from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.options import JsonOpt, OpensslOpt, TigervncVersionOpt
from vncssl.cli.root import app
from vncssl.cli.ui import safe
from vncssl.errors import quoted

if TYPE_CHECKING:
    from vncssl.tigervnc.probe import ProbeReport


@app.command(rich_help_panel="Use with TigerVNC")
@ui.boundary
def probe(
    server: Annotated[Optional[str], typer.Argument(
        help="HOST, HOST:DISPLAY (port 5900+N) or HOST::PORT; IPv6 in brackets.",
        metavar="HOST[:DISPLAY|::PORT]", show_default=False)] = None,
    from_file: Annotated[Optional[str], typer.Option(
        "--from", help="Probe every server of a hosts file (`ca issue --from`'s format: "
        "NAME ADDRESS ..., the first address probed) at once.", show_default=False)] = None,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", help="Servers probed at once with --from. Default: 32.",
        show_default=False)] = None,
    ca: Annotated[Optional[str], typer.Option(
        help="The X509CA file the viewer uses. Default: the viewer's default X509CA file "
        "if it exists, else the system trust store only.", show_default=False)] = None,
    crl: Annotated[Optional[str], typer.Option(
        help="The viewer's X509CRL file (signed by the CA in --ca): a listed certificate is "
        "`revoked`. Default: x509_crl.pem beside the viewer's default X509CA file, if any.",
        show_default=False)] = None,
    timeout: Annotated[float, typer.Option(
        help="Seconds for connecting and the whole handshake.")] = 10.0,
    tigervnc_version: TigervncVersionOpt = None,
    openssl_path: OpensslOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Fetch a live VNC server's certificate and judge it as the TigerVNC viewer would.

    Speaks RFB and VeNCrypt up to TLS, for the name you typed. Never sends a password.

    Example:

      $ vncssl probe 192.168.1.5:1                 # display :1 = port 5901

      $ vncssl probe vnc.example.com::5900 --ca vnc-server.pem --json

      $ vncssl probe --from hosts.txt --ca ca.pem --crl crl.pem   # every server

    Exit codes: 0 accepted, 1 problems (no TLS, anonymous TLS, certificate refused),
    2 bad input, 3 could not connect or protocol failure. With --from: 3 if any server
    could not be probed, else 1 if any has a problem, else 0.
    """
    from vncssl.errors import UsageError
    from vncssl.openssl import binary, runner
    from vncssl.tigervnc import probe as probe_mod
    from vncssl.tigervnc.address import parse_target

    runner.check_timeout(timeout, fix="Give e.g. 10 (seconds to connect and reach TLS).")
    if (server is None) == (from_file is None):
        raise UsageError("Give one server, or --from HOSTS_FILE.",
                         "E.g. `vncssl probe 192.168.1.5:1` or `vncssl probe --from hosts.txt`.")
    if from_file is not None:
        from vncssl.cli.probe_fleet import probe_fleet

        probe_fleet(from_file, ca=ca, crl=crl, timeout=timeout, jobs=jobs,
                    openssl_path=openssl_path, json_output=json_output)
        return
    assert server is not None
    parse_target(server)  # bad input is exit 2 before openssl is even looked for
    ossl = binary.find(openssl_path)[0]
    report = probe_mod.examine(ossl, server, ca=ca, crl=crl, timeout=timeout,
                               version=tigervnc_version)
    if json_output:
        ui.print_json(report.to_json())
    else:
        _render_probe(report)
        if report.tigervnc is not None:
            from vncssl.cli.inspect import render_viewer_view

            render_viewer_view(report.tigervnc)
    if not report.accepted:
        raise typer.Exit(1)


def _render_probe(r: "ProbeReport") -> None:

    out = ui.console
    out.print(f"server       {ui.outside(r.server)} (RFB {ui.outside(r.rfb_version)})",
              soft_wrap=True)
    out.print(f"security     {safe(', '.join(r.security_types) or '(none)')}"
              + (f"; VeNCrypt: {safe(', '.join(r.vencrypt_subtypes))}" if r.vencrypt_subtypes
                 else ""), soft_wrap=True)
    if r.tls:
        out.print(f"TLS          {safe(r.tls['version'])} {safe(r.tls['cipher'])} (subtype "
                  f"{safe(r.tls['subtype'])}, SNI "
                  f"{safe(r.tls['sni'] or 'not sent')})", soft_wrap=True)
    c: Any = r.certificate
    if c is not None:
        names = ", ".join(f"{s.type}:{quoted(s.value)}" for s in c.san) or "(no subjectAltName)"
        out.print(f"certificate  {ui.outside(c.subject)}; names {safe(names)}; valid until "
                  f"{safe(c.not_after)}",
                  soft_wrap=True)
        out.print(f"SHA-256      {safe(c.fingerprint_sha256)}", soft_wrap=True)
    out.print(f"trust        {safe(r.ca)}", soft_wrap=True)
    rev: Any = r.revocation
    if rev is not None:
        out.print(f"CRL          {ui.outside(rev.crl)}: {safe(rev.status)}", soft_wrap=True)
        for note in rev.notes:
            ui.err_console.print(f"[yellow]Note:[/] {safe(note)}", soft_wrap=True)
    if r.accepted:
        out.print("[green]Accepted:[/] the TigerVNC viewer connects with no certificate "
                  "question" + (", but:" if r.problems else "."), soft_wrap=True)
        if not r.problems:
            return
    else:
        out.print("[red]Problems:[/]")
    for p in r.problems:
        out.print(f"  - {safe(p.message)}", soft_wrap=True)
        if p.fix:
            out.print(f"    Fix: {safe(p.fix)}", soft_wrap=True)
