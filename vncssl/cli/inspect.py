"""`vncssl inspect` and `check`: what a certificate is, and whether the viewer takes it."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.options import (
    JsonOpt,
    OpensslOpt,
    TigervncVersionOpt,
    TimeoutOpt,
    VerboseOpt,
    find_openssl,
)
from vncssl.cli.root import app
from vncssl.cli.ui import safe
from vncssl.errors import quoted

if TYPE_CHECKING:
    from vncssl.x509.inspection import Inspection


@app.command(rich_help_panel="Check and maintain")
@ui.boundary
def inspect(
    cert: Annotated[Path, typer.Argument(metavar="CERT", help="Certificate file (PEM or DER).")],
    key: Annotated[Optional[Path], typer.Option(help="Private key: does it match? Is it "
                                                "kept private?", show_default=False)] = None,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    verbose: VerboseOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Show what a certificate says: names, dates, fingerprint, key, chain, key-file problems.

    Exit 0; 1 when --key is not the certificate's key (as `check`); 2 when a file is not
    what it should be.

    Example:

      $ vncssl inspect vnc-server.pem

      $ vncssl inspect vnc-server.pem --key vnc-server-private.pem --json
    """
    from vncssl.x509 import inspection

    r = inspection.inspect(find_openssl(openssl_path, timeout), cert, key, timeout=timeout)
    if json_output:
        data = ui.to_jsonable(r)
        if key is None:
            data.pop("key_matches")
            data.pop("key_file")
            data.pop("key_encrypted")
        ui.print_json(data)
    else:
        _render_inspection(r)
    if r.key_matches is False:
        raise typer.Exit(1)


def _render_inspection(r: "Inspection") -> None:

    # Plain aligned lines, as `create` prints: a fingerprint must never be wrapped.
    left = f"{r.days_left} days left" if r.days_left >= 0 else f"EXPIRED {-r.days_left} days ago"
    key = f"{r.key.type}" + (f" {r.key.bits} bits" if r.key.bits else "") + \
        (f" ({r.key.curve})" if r.key.curve else "")
    # (label, value, came from the file): outside values are shown by ui.outside's rule.
    rows = [
        ("file", r.path, True), ("subject", r.subject, True), ("issuer", r.issuer, True),
        ("self-signed", "yes" if r.self_signed else "no", False),
        ("CA", "yes" if r.is_ca else "no", False), ("names (SAN)", None, False),
        ("valid from", r.not_before, False), ("valid until", f"{r.not_after} ({left})", False),
        ("SHA-256", r.fingerprint_sha256, False), ("signature", r.signature_algorithm, True),
        ("key", key, False),
    ]
    for label, value, theirs in rows:
        if value is None:  # the SANs: each value is outside text (quoted), its type is ours
            ui.console.print(f"[bold]{label:<12}[/] " + safe(", ".join(
                f"{n.type}:{quoted(n.value)}" for n in r.san) or "(none)"), soft_wrap=True)
            continue
        ui.console.print(f"[bold]{label:<12}[/] "
                         f"{ui.outside(value) if theirs else safe(value)}", soft_wrap=True)
    if r.key_encrypted:
        ui.console.print(f"[bold]{'key file':<12}[/] {ui.outside(r.key_file or '')}: "
                         "[yellow]encrypted[/] (whether it matches is unknown until it is "
                         "decrypted)", soft_wrap=True)
    elif r.key_matches is not None:
        ui.console.print(f"[bold]{'key file':<12}[/] {ui.outside(r.key_file or '')}: " + (
            "[green]matches[/]" if r.key_matches else "[red]does NOT match[/]"), soft_wrap=True)
    if r.chain:
        ui.console.print(f"\nThe file holds a chain of {len(r.chain)} certificates:")
        for i, c in enumerate(r.chain):
            ui.console.print(f"  {i}. {ui.outside(c.subject)} (issuer "
                             f"{ui.outside(c.issuer)}; until "
                             f"{safe(c.not_after)}; "
                             f"{safe('CA' if c.is_ca else 'not a CA')}) "
                             f"{safe(c.fingerprint_sha256)}",
                             soft_wrap=True)
    for w in r.warnings:
        ui.err_console.print(f"[yellow]Warning:[/] {safe(w.message)} {safe(w.fix)}", soft_wrap=True)


@app.command(rich_help_panel="Check and maintain")
@ui.boundary
def check(
    cert: Annotated[Path, typer.Argument(
        metavar="CERT", help="The server's certificate (a chain file too).")],
    host: Annotated[str, typer.Option(help="The name or address viewers type (HOST, "
                                      "HOST:DISPLAY or HOST::PORT; the port plays no part).")],
    ca: Annotated[Optional[Path], typer.Option(
        help="The viewer's X509CA file. Default: CERT itself (the guide's setup).",
        show_default=False)] = None,
    key: Annotated[Optional[Path], typer.Option(help="The server's private key: check it "
                                                "too.", show_default=False)] = None,
    crl: Annotated[Optional[Path], typer.Option(
        help="The viewer's X509CRL file: a certificate it lists is `revoked`. It must be "
        "signed by the CA in --ca.", show_default=False)] = None,
    tigervnc_version: TigervncVersionOpt = None,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    verbose: VerboseOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Will the TigerVNC viewer accept this certificate for HOST, without any prompt?

    Exit 0: it connects silently; 1: it would ask or refuse (the problems say why and how to
    fix them); 2: bad input; 3: openssl failed.

    Example:

      $ vncssl check vnc-server.pem --host 192.168.1.5

      $ vncssl check server.pem --host vnc.lan --ca ca.pem --key key.pem --json
    """

    from vncssl.tigervnc.address import parse_target
    from vncssl.x509.verdict import check_files

    # What is typed in the viewer: its HOST:DISPLAY and HOST::PORT forms name the same host.
    target = parse_target(host)
    ossl = find_openssl(openssl_path, timeout)
    v = check_files(ossl, cert, target.host, ca, key, timeout=timeout)
    revocation = _check_crl(ossl, cert, ca, crl, v, timeout) if crl is not None else None
    v, view = _for_viewer(ossl, v, cert, tigervnc_version, timeout)
    if json_output:
        data = {**ui.to_jsonable(v), "tigervnc": ui.to_jsonable(view)}
        ui.print_json(data if revocation is None else
                      {**data, "revocation": ui.to_jsonable(revocation)})
    elif v.accepted:
        ui.console.print(f"[green]Accepted:[/] the TigerVNC viewer connects to "
                         f"{ui.outside(v.host)} with "
                         f"this certificate, no questions asked"
                         + (", but:" if v.problems else "."), soft_wrap=True)
        _print_problems(v.problems)
    else:
        ui.console.print(f"[red]Not accepted:[/] the TigerVNC viewer would stop at "
                         f"{ui.outside(v.host)} "
                         f"({len(v.problems)} problem{safe('s' if len(v.problems) > 1 else '')}):",
                         soft_wrap=True)
        _print_problems(v.problems)
    if not json_output:
        render_viewer_view(view)
    for note in revocation.notes if revocation is not None else []:
        ui.err_console.print(f"[yellow]Note:[/] {safe(note)}", soft_wrap=True)
    if not v.accepted:
        raise typer.Exit(1)


def _for_viewer(ossl: Any, v: Any, cert: Path, version: Optional[str],
                timeout: Optional[float]) -> Any:
    from vncssl.tigervnc import forviewer
    from vncssl.x509 import certinfo

    blocks = certinfo.split_pem(certinfo.read_pem_file(cert))
    return forviewer.apply(ossl, v, blocks[0] if blocks else None, version=version,
                           timeout=timeout)


def render_viewer_view(view: Any) -> None:
    """Which TigerVNC the verdict was told for, and what that generation does (stderr)."""
    err = ui.err_console
    who = f"TigerVNC {view.version}" if view.version else "TigerVNC (none found here)"
    err.print(f"Judged for {safe(who)}, generation {safe(view.generation)} "
              f"({safe(view.source)}).", soft_wrap=True)
    for note in view.notes:
        err.print(f"  {safe(note)}", soft_wrap=True)


def _check_crl(ossl: Any, cert: Path, ca: Optional[Path], crl: Path, verdict: Any,
               timeout: Optional[float]) -> Any:
    from vncssl.x509 import certinfo, revocation

    chain = certinfo.read_chain(ossl, cert, timeout=timeout)
    result = revocation.check_revocation(ossl, chain, crl, ca or cert, timeout=timeout)
    revocation.apply(verdict, result)
    return result


def _print_problems(problems: list) -> None:
    """Words wrap at the terminal's width; each suggested command on a line of its own."""
    from vncssl.cli.prose import print_prose

    for p in problems:
        print_prose(ui.console, f"{p.code}: {p.message}", indent="  ", hang="    ")
        print_prose(ui.console, f"Fix: {p.fix}", indent="    ", hang="      ")
