"""`vncssl probe --from HOSTS_FILE`: progress on a terminal, then one table (or one JSON
object per host, one per line)."""

from typing import TYPE_CHECKING, Any, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.ui import safe

if TYPE_CHECKING:
    from vncssl.tigervnc.fleetprobe import FleetResult


def probe_fleet(from_file: str, *, ca: Optional[str], crl: Optional[str], timeout: float,
                jobs: Optional[int], openssl_path: Optional[str], json_output: bool) -> None:
    from pathlib import Path

    from vncssl.errors import UsageError
    from vncssl.openssl import binary
    from vncssl.tigervnc import fleetprobe
    from vncssl.x509.certinfo import read_pem_file

    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: must be at least 1.", "E.g. --jobs 16.")
    targets = fleetprobe.parse_targets(read_pem_file(Path(from_file)), from_file)
    ossl = binary.find(openssl_path)[0]
    if json_output or not ui.err_console.is_terminal:
        result = fleetprobe.probe_many(ossl, targets, ca=ca, crl=crl, timeout=timeout,
                                       jobs=jobs)
    else:
        result = _with_progress(ossl, targets, ca, crl, timeout, jobs)
    if json_output:  # JSON lines, escaped as every --json output is (ui.json_text)
        ui.console.file.write("".join(ui.json_text(h, indent=None) + "\n"
                                      for h in result.hosts))
        ui.console.file.flush()
    else:
        _render(result)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def _with_progress(ossl: Any, targets: Any, ca: Optional[str], crl: Optional[str],
                   timeout: float, jobs: Optional[int]) -> "FleetResult":
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from vncssl.tigervnc import fleetprobe

    with Progress(TextColumn("Probing"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=ui.err_console,
                  transient=True) as progress:
        task = progress.add_task("", total=len(targets))

        def done(h: fleetprobe.HostResult) -> None:
            progress.update(task, advance=1, description=safe(f"{h.name} {h.verdict}"))

        return fleetprobe.probe_many(ossl, targets, ca=ca, crl=crl, timeout=timeout,
                                     jobs=jobs, on_done=done)


_STYLE = {"accepted": "green", "problems": "red", "unreachable": "yellow", "failed": "yellow"}


def _render(r: "FleetResult") -> None:
    from rich.table import Table

    table = Table("host", "verdict", "problems", "days left", "types offered")
    for h in r.hosts:
        offered = ", ".join(h.vencrypt_subtypes or h.security_types)
        table.add_row(ui.outside(h.name), f"[{_STYLE[h.verdict]}]{safe(h.verdict)}[/]",
                      safe(", ".join(h.problems)),
                      "" if h.days_left is None else f"{h.days_left:d}", safe(offered))
    ui.console.print(table)
    counts = {v: sum(1 for h in r.hosts if h.verdict == v) for v in _STYLE}
    ui.console.print(safe(", ".join(f"{n} {v}" for v, n in counts.items() if n)) + f" of "
                     f"{len(r.hosts)} servers in {r.seconds:.1f} s ({safe(r.jobs)} at once); "
                     "trust: "
                     f"{safe(r.trust)}.", soft_wrap=True)
    for h in r.hosts:
        for m in h.messages:
            ui.err_console.print(f"[dim]{ui.outside(h.name)}:[/] {safe(m)}", soft_wrap=True)
