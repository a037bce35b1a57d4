"""`vncssl ca init|issue|bundle`: a private CA for many servers."""

from typing import Annotated, List, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.options import ForceOpt, JsonOpt, KeyTypeOpt, OpensslOpt, TimeoutOpt
from vncssl.cli.root import app
from vncssl.cli.shape import VncsslGroup
from vncssl.cli.ui import safe
from vncssl.errors import quoted

ca_app = typer.Typer(
    cls=VncsslGroup,
    name="ca",
    help="A private certificate authority: every viewer trusts one CA certificate, once, "
    "instead of a copy of every server's certificate.\n\n"
    "Example:\n\n"
    "  $ vncssl ca init\n\n"
    "  $ vncssl ca issue --ip 192.168.1.5\n\n"
    "  $ vncssl ca issue --from hosts.txt --out-dir certs/\n\n"
    "  $ vncssl ca bundle server1.pem server2.pem --out x509_ca.pem",
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
)
app.add_typer(ca_app, name="ca", rich_help_panel="Make certificates")

@ca_app.command("init")
@ui.boundary
def ca_init(
    dir: Annotated[Optional[str], typer.Option(
        "--dir", envvar="VNCSSL_CA_DIR", show_default=False,
        help="Folder for the CA (made 0700). Default: your per-user data folder, e.g. "
        "~/.local/share/vncssl/ca.")] = None,
    name: Annotated[Optional[str], typer.Option(
        help="The CA's name (its CN), shown by viewers. Default: vncssl private CA (HOST).",
        show_default=False)] = None,
    days: Annotated[int, typer.Option(help="Days the CA certificate is valid.")] = 3650,
    key_type: KeyTypeOpt = "rsa",
    force: ForceOpt = False,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Create a private CA: ca.pem (for viewers) and ca-key.pem (0600, never copy it).

    Example:

      $ vncssl ca init

      $ vncssl ca init --dir ~/vnc-ca --name "Example Ltd VNC CA"
    """
    from vncssl.ca import authority

    r = authority.init(dir, name=name, days=days, key_type=key_type, openssl_path=openssl_path,
                force=force, timeout=timeout)
    if json_output:
        ui.print_json(r)
        return
    c = ui.console
    c.print(f"[green]Created[/] a private CA in {ui.outside(r.dir)} "
            f"(mode {safe(r.dir_mode or '?')}).",
            soft_wrap=True)
    ui.rows([("CA certificate", f"{quoted(r.cert)}   (give this to every viewer as X509CA)"),
           ("CA private key", f"{quoted(r.key)}   (mode {r.key_mode or '?'}; never copy it "
            "anywhere)"),
           ("subject", f"{quoted(r.subject)}; key {r.key_type}; valid until {r.not_after}"),
           ("SHA-256", r.fingerprint_sha256),
           *([("backups", ", ".join(r.backups))] if r.backups else [])])
    c.print("\nNext steps:")
    for i, step in enumerate(r.next_steps, 1):
        c.print(f"  {i}. {safe(step)}", soft_wrap=True)


@ca_app.command("issue")
@ui.boundary
def ca_issue(
    ip: Annotated[Optional[List[str]], typer.Option(
        "--ip", help="IP address viewers type (repeatable).", show_default=False)] = None,
    dns: Annotated[Optional[List[str]], typer.Option(
        "--dns", help="DNS name viewers type (repeatable).", show_default=False)] = None,
    from_file: Annotated[Optional[str], typer.Option(
        "--from", help="Hosts file: one server per line, `NAME IP-or-DNS ...` (# comments). "
        "Writes NAME.pem and NAME-private.pem into --out-dir.", show_default=False)] = None,
    cert: Annotated[str, typer.Option(help="Where to write the certificate.")
                    ] = "vnc-server.pem",
    key: Annotated[str, typer.Option(help="Where to write the private key (0600).")
                   ] = "vnc-server-private.pem",
    out_dir: Annotated[str, typer.Option("--out-dir", help="Folder for --from's files.")
                       ] = ".",
    ca_dir: Annotated[Optional[str], typer.Option(
        "--ca-dir", envvar="VNCSSL_CA_DIR", show_default=False,
        help="The CA folder (from `vncssl ca init`). Default: the per-user one.")] = None,
    days: Annotated[int, typer.Option(help="Days the certificate is valid.")] = 365,
    key_type: KeyTypeOpt = "rsa",
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", help="openssl jobs at once for --from. Default: one per CPU.",
        show_default=False)] = None,
    force: ForceOpt = False,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Issue a server certificate signed by the private CA (or one per line of --from).

    Each certificate is CA:FALSE with serverAuth, the SANs asked for, a random serial and a
    subject unique across renewals. Viewers need only ca.pem as their X509CA.
    With --from: exit 0 when every server was issued; 3 when any was not (the others are
    issued and kept); 2 for a bad hosts file, before anything is issued.

    Example:

      $ vncssl ca issue --ip 192.168.1.5 --dns vnc1.lan

      $ vncssl ca issue --from hosts.txt --out-dir certs/
    """
    import functools

    from vncssl.ca import authority, issuance
    from vncssl.errors import UsageError
    from vncssl.x509 import names as names_mod

    if from_file and (ip or dns):
        raise UsageError("--from and --ip/--dns do not mix.",
                         "Put every server in the hosts file, or issue one with --ip/--dns.")
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: must be at least 1.", "")
    # The CA is loaded only once the input (hosts file or names) is known to be good.
    load = functools.partial(authority.load, ca_dir, days=days, key_type=key_type,
                             openssl_path=openssl_path, timeout=timeout)
    if from_file:
        from pathlib import Path

        from vncssl.ca import fleet
        from vncssl.cli.cabatch import issue_batch
        from vncssl.x509.certinfo import read_pem_file

        hosts = fleet.parse_hosts(read_pem_file(Path(from_file)), from_file)
        for shared in fleet.shared_names(hosts):
            ui.err_console.print(f"[yellow]Warning:[/] {ui.outside(shared)}: a viewer that types "
                                 "it reaches only one of them.", soft_wrap=True)
        issue_batch(load(), hosts, out_dir, force, jobs, json_output=json_output)
        return
    names = names_mod.collect(ip or [], dns or [])
    if not names:
        raise UsageError("No names for the certificate.",
                         "Pass --ip and/or --dns, or --from HOSTS_FILE for many servers.")
    iss = load()
    r = issuance.issue(iss, names, cert, key, force=force)
    if json_output:
        ui.print_json(r)
        return
    ui.console.print(f"[green]Issued[/] a certificate for {safe(', '.join(r.names))} signed by "
                     f"{ui.outside(iss.subject)} (valid until {safe(r.not_after)}).",
                     soft_wrap=True)
    ui.rows([("certificate", quoted(r.cert)),
           ("private key", f"{quoted(r.key)}  (mode {r.key_mode or '?'}, keep it private)"),
           ("subject", f"{quoted(r.subject)}; serial {r.serial}")])
    from vncssl.notice import command
    from vncssl.x509.hostname import bracketed

    viewer = command("vncviewer", "-X509CA", iss.cert, bracketed(names[0].value))
    ui.console.print(f"\nViewers: `{safe(viewer)}` (the CA certificate, once, for every "
                     "server it signs).", soft_wrap=True)


@ca_app.command("bundle")
@ui.boundary
def ca_bundle(
    certs: Annotated[List[str], typer.Argument(help="Server certificates (PEM).",
                                               metavar="CERT...", show_default=False)],
    out: Annotated[str, typer.Option("--out", help="The X509CA bundle to write.")],
    keep_newest: Annotated[bool, typer.Option(
        "--keep-newest", help="Of certificates sharing a subject, keep only the newest.")
    ] = False,
    force: ForceOpt = False,
    openssl_path: OpensslOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """One X509CA file for the viewer from many self-signed server certificates.

    Duplicates and expired certificates are dropped (and listed).

    Example:

      $ vncssl ca bundle server1.pem server2.pem --out x509_ca.pem
    """
    from vncssl.x509.bundle import bundle

    r = bundle(certs, out, keep_newest=keep_newest, force=force, openssl_path=openssl_path,
               timeout=timeout)
    if json_output:
        ui.print_json(r)
        return
    c = ui.console
    c.print(f"[green]Wrote[/] {ui.outside(r.out)} with {len(r.kept)} certificate(s).",
            soft_wrap=True)
    ui.rows([("kept", f"{quoted(e.source)}: {quoted(e.subject)} (until {e.not_after})")
             for e in r.kept]
          + [("dropped", f"{quoted(e.source)}: {quoted(e.subject)} ({why}, until "
                         f"{e.not_after})")
             for why, group in (("expired", r.expired), ("duplicate", r.duplicates),
                                ("older", r.replaced_older)) for e in group],
          width=len("dropped"))
    for subject in r.shared_subjects:
        n = sum(1 for e in r.kept if e.subject == subject)
        ui.err_console.print(f"[yellow]Note:[/] {n} different certificates share the subject "
                             f"{ui.outside(subject)} (old ones and their renewal?); all {n} are "
                             "kept. Pass --keep-newest to keep only the newest.",
                             soft_wrap=True)
    c.print(f"Viewer: `vncviewer -X509CA {safe(r.out)} HOST`", soft_wrap=True)
