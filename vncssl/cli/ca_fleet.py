"""`vncssl ca request|sign`: keys stay on their servers; only requests and certificates move."""

from typing import Annotated, List, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.ca import ca_app
from vncssl.cli.options import ForceOpt, JsonOpt, KeyTypeOpt, OpensslOpt, TimeoutOpt
from vncssl.cli.ui import safe
from vncssl.errors import quoted

CaDirOpt = Annotated[Optional[str], typer.Option(
    "--ca-dir", envvar="VNCSSL_CA_DIR", show_default=False,
    help="The CA folder (from `vncssl ca init`). Default: the per-user one.")]
IpOpt = Annotated[Optional[List[str]], typer.Option(
    "--ip", help="IP address viewers type (repeatable).", show_default=False)]
DnsOpt = Annotated[Optional[List[str]], typer.Option(
    "--dns", help="DNS name viewers type (repeatable).", show_default=False)]


@ca_app.command("request")
@ui.boundary
def ca_request(
    ip: IpOpt = None,
    dns: DnsOpt = None,
    key: Annotated[Optional[str], typer.Option(
        help="The private key: made here (0600) if the file does not exist, else used as "
        "it is. Default: vnc-server-private.pem (made).", show_default=False)] = None,
    out: Annotated[str, typer.Option("--out", help="Where to write the request.")
                   ] = "vnc-server.csr",
    key_type: KeyTypeOpt = "rsa",
    force: ForceOpt = False,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """On the server: a private key (0600, never leaves) and a request for the private CA.

    Copy only the request to the CA machine, `vncssl ca sign` it there, and bring the
    certificate back. IP addresses are allowed (this is for vncssl's own CA; `vncssl csr`
    is for public CAs).

    Example:

      $ vncssl ca request --ip 192.168.1.5 --dns vnc1.lan

      $ vncssl ca request --ip 192.168.1.5 --key /etc/vnc/key.pem --out vnc1.csr
    """
    from vncssl.ca.request import make_request

    r = make_request(ip or [], dns or [], key=key, out=out, key_type=key_type,
                     openssl_path=openssl_path, force=force, timeout=timeout)
    if json_output:
        ui.print_json(r)
        return
    ui.console.print(f"[green]Wrote[/] a request for {safe(', '.join(r.names))}.", soft_wrap=True)
    ui.rows([("request", f"{quoted(r.request)}   (copy this to the CA machine)"),
             ("private key", f"{r.key}   (mode {r.key_mode or '?'}; "
              + ("made now" if r.key_made else "existing, only read") + "; it stays here)")])
    ui.console.print("\nNext steps:")
    for i, step in enumerate(r.next_steps, 1):
        ui.console.print(f"  {i}. {safe(step)}", soft_wrap=True)


@ca_app.command("sign")
@ui.boundary
def ca_sign(
    request: Annotated[str, typer.Argument(help="The request (.csr, PEM or DER) from `vncssl "
                                           "ca request`.", metavar="REQUEST.csr")],
    ip: Annotated[Optional[List[str]], typer.Option(
        "--ip", help="Allow (and certify) this IP address (repeatable). With --ip/--dns the "
        "certificate names exactly these, and a request asking for any other name is "
        "refused.", show_default=False)] = None,
    dns: Annotated[Optional[List[str]], typer.Option(
        "--dns", help="Allow (and certify) this DNS name (repeatable).", show_default=False)
    ] = None,
    out: Annotated[Optional[str], typer.Option(
        "--out", help="Where to write the certificate. Default: the request's name with "
        ".pem.", show_default=False)] = None,
    ca_dir: CaDirOpt = None,
    days: Annotated[int, typer.Option(help="Days the certificate is valid.")] = 365,
    key_type: Annotated[Optional[str], typer.Option(
        "--key-type", help="Require this key type (rsa, rsa:BITS, ec, ec:P-384, ed25519). "
        "Default: any a TigerVNC server can use.", show_default=False)] = None,
    force: ForceOpt = False,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """On the CA machine: sign a server's request. Its key never left the server.

    The request's signature is checked with openssl; its names are validated like --ip/--dns
    and, with --ip/--dns, must be among the ones you allow. The certificate has the same
    extensions as `ca issue` (none are copied from the request).

    Example:

      $ vncssl ca sign vnc1.csr --out vnc1.pem

      $ vncssl ca sign vnc1.csr --ip 192.168.1.5 --dns vnc1.lan --days 730
    """
    from vncssl.ca import authority, signing
    from vncssl.x509 import names as names_mod

    names_mod.collect(ip or [], dns or [])  # bad names: exit 2 before the CA is touched
    iss = authority.load(ca_dir, days=days, openssl_path=openssl_path, timeout=timeout)
    r = signing.sign(iss, request, ips=ip or [], dns=dns or [], out=out, key_type=key_type,
                     force=force)
    if json_output:
        ui.print_json(r)
        return
    ui.console.print(f"[green]Signed[/] {ui.outside(r.request)}: a certificate for "
                     f"{safe(', '.join(r.names))} (valid until "
                     f"{safe(r.not_after)}).", soft_wrap=True)
    ui.rows([("certificate", f"{quoted(r.cert)}   (send it back to the server)"),
             ("subject", f"{r.subject}; serial {r.serial}; key {r.key_type}"),
             ("SHA-256", r.fingerprint_sha256),
             *([("not copied", "extensions the request asked for: "
                 + ", ".join(r.ignored_extensions))] if r.ignored_extensions else [])])
    ui.console.print(f"\nViewers trust it through the CA certificate ({ui.outside(iss.cert)}) "
                     "as X509CA.",
                     soft_wrap=True)


@ca_app.command("revoke")
@ui.boundary
def ca_revoke(
    what: Annotated[str, typer.Argument(help="The certificate file, or its serial (hex).",
                                        metavar="CERT|SERIAL")],
    reason: Annotated[str, typer.Option(
        help="unspecified, keyCompromise, CACompromise, affiliationChanged, superseded or "
        "cessationOfOperation.")] = "unspecified",
    ca_dir: CaDirOpt = None,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Record that a certificate this CA issued must no longer be trusted.

    Viewers learn it from the CRL: run `vncssl ca crl` next and give them the file.

    Example:

      $ vncssl ca revoke certs/vnc2.pem --reason keyCompromise

      $ vncssl ca revoke 5A3F0C...E1 && vncssl ca crl --out x509_crl.pem
    """
    from vncssl.ca import authority, revocation

    iss = authority.load(ca_dir, openssl_path=openssl_path, timeout=timeout)
    r = revocation.revoke(iss, what, reason)
    if json_output:
        ui.print_json(r)
        return
    ui.console.print(f"[green]Revoked[/] serial {safe(r.serial)} ({ui.outside(r.subject)}), reason "
                     f"{safe(r.reason)}. {safe(r.revoked_total)} revoked in all.", soft_wrap=True)
    ui.console.print(safe(r.next_step), soft_wrap=True)


@ca_app.command("crl")
@ui.boundary
def ca_crl(
    days: Annotated[int, typer.Option(
        help="Days until the CRL's next update (make a new one before then).")] = 30,
    out: Annotated[Optional[str], typer.Option(
        "--out", help="Also write it here (an existing CRL file is refreshed; any other file "
        "needs --force). Always kept as crl.pem in the CA folder.", show_default=False)
    ] = None,
    ca_dir: CaDirOpt = None,
    force: ForceOpt = False,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Write a fresh CRL signed by the CA, listing every revoked certificate.

    Give it to every viewer (`vncssl tigervnc viewer --install-crl FILE`); re-run it before
    its next update, e.g. from cron (`vncssl expiry crl.pem --within 7 || vncssl ca crl`).

    Example:

      $ vncssl ca crl --out x509_crl.pem

      $ vncssl ca crl --days 7 --json
    """
    from vncssl.ca import authority, revocation

    iss = authority.load(ca_dir, openssl_path=openssl_path, timeout=timeout)
    r = revocation.make_crl(iss, days=days, out=out, force=force)
    if json_output:
        ui.print_json(r)
        return
    ui.console.print(f"[green]Wrote[/] a CRL listing {len(r.revoked)} revoked "
                     f"certificate(s), valid until {safe(r.next_update)}.", soft_wrap=True)
    ui.rows([("CRL", quoted(r.out)),
             *([("CA copy", quoted(r.ca_copy))] if r.ca_copy != r.out else []),
             ("CRL number", r.crl_number), ("next update", r.next_update or "none")])
    ui.console.print("Viewers: `vncssl tigervnc viewer --install-crl CRL` puts it where the "
                     "viewer reads it (x509_crl.pem beside x509_ca.pem).", soft_wrap=True)
