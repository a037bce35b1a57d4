"""`vncssl ips`, and the address question `create` asks on a terminal: this machine's
addresses, ranked, and what is typed validated as --ip/--dns are."""


from typing import TYPE_CHECKING, List

from vncssl.cli import ui
from vncssl.cli.options import JsonOpt
from vncssl.cli.root import app
from vncssl.cli.ui import safe

if TYPE_CHECKING:
    from vncssl.net.interfaces import Address
    from vncssl.x509.names import Name


def pick_address(*, interactive: bool, quiet: bool) -> "Name":
    from vncssl.errors import UsageError
    from vncssl.net import interfaces
    from vncssl.x509.names import Name

    addresses = interfaces.ranked()
    best = interfaces.best(addresses)
    if best is None:
        raise UsageError("Found no LAN address on this machine to put in the certificate.",
                     "Pass the address viewers use with --ip (or a name with --dns).")
    if interactive:
        render_addresses(addresses, to_err=True)
        return _ask_name([a.ip for a in addresses if a.usable], best.ip)
    if not quiet:
        ui.err_console.print(f"Using {safe(best.ip)} ({safe(best.interface)}, {safe(best.kind)}), "
                             "this machine's "
                             "best LAN address. Choose another with --ip; `vncssl ips` lists "
                             "them.", soft_wrap=True)
    return Name("IP", best.ip)


def _ask_name(choices: List[str], default: str, attempts: int = 3) -> "Name":
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

            ui.err_console.print(f"[bold red]Not usable:[/] {safe(exc.message)} "
                                 f"{safe(exc.fix)}", soft_wrap=True, highlight=False)
    raise AssertionError("unreachable")


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
    render_addresses(addresses, to_err=False)


def render_addresses(addresses: "List[Address]", *, to_err: bool) -> None:
    from vncssl.cli.tables import print_table
    from vncssl.net import interfaces

    best = interfaces.best(addresses)
    console = ui.err_console if to_err else ui.console
    rows = []
    n = 0
    for a in addresses:
        if a.usable:
            n += 1
        rows.append([str(n) if a.usable else "-", a.ip, a.interface, a.kind,
                     "recommended" if a is best else ("" if a.usable else "skipped")])
    print_table(console, ["#", "address", "interface", "kind", "note"], rows)
    if not addresses:
        console.print("No addresses found (besides loopback).")
