"""`vncssl ca issue --from`: the batch run's progress bar, table and exit code."""


from typing import TYPE_CHECKING, List, Optional

import typer

from vncssl.cli import ui
from vncssl.cli.ui import safe

if TYPE_CHECKING:
    from vncssl.ca.authority import Issuer
    from vncssl.ca.fleet import BatchResult, Host, HostOutcome


def issue_batch(iss: "Issuer", hosts: "List[Host]", out_dir: str, force: bool,
                 jobs: Optional[int], *, json_output: bool) -> None:
    from vncssl.errors import EXIT_FAILURE, VncsslError

    result = _run_batch(iss, hosts, out_dir, force, jobs, quiet=json_output)
    if json_output:
        ui.print_json(result)
        if result.failed:
            raise typer.Exit(EXIT_FAILURE)
        return
    _render_batch(result)
    if result.failed:
        raise VncsslError(
            f"{len(result.failed)} of {len(result.outcomes)} servers failed: "
            + ", ".join(o.host for o in result.failed) + " (the others were issued).",
            "Fix what the table says, then rerun with only those lines (or --force to "
            "redo all).")


def _run_batch(iss: "Issuer", hosts: "List[Host]", out_dir: str, force: bool,
               jobs: Optional[int], *, quiet: bool) -> "BatchResult":
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from vncssl.ca import fleet

    if quiet:
        return fleet.issue_many(iss, hosts, out_dir, force=force, workers=jobs)
    with Progress(TextColumn("Issuing"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=ui.err_console,
                  transient=True) as progress:
        task = progress.add_task("", total=len(hosts))

        def done(o: "HostOutcome") -> None:
            progress.update(task, advance=1, description=ui.outside(o.host) + (" ok" if o.ok
                                                                          else " FAILED"))

        return fleet.issue_many(iss, hosts, out_dir, force=force, workers=jobs, on_done=done)


def _render_batch(r: "BatchResult") -> None:
    from vncssl.cli.tables import print_table

    rows = []
    for o in r.outcomes:
        if o.ok and o.issued:
            rows.append([o.host, "already there" if o.already else "issued",
                         ", ".join(o.issued.names), o.issued.cert])
        else:
            rows.append([o.host, "FAILED", "", o.error + (f" {o.fix}" if o.fix else "")])
    print_table(ui.console, ["server", "result", "names", "certificate / problem"], rows)
    already = [o.host for o in r.outcomes if o.already]
    ok = len(r.outcomes) - len(r.failed) - len(already)
    rate = ok / r.seconds if r.seconds > 0 else 0.0
    ui.console.print(f"{ok} of {len(r.outcomes)} issued in {r.seconds:.1f} s "
                     f"({rate:.1f} certificates/s, {safe(r.workers)} jobs at once)"
                     + (f"; already there from an earlier run: {safe(', '.join(already))}"
                        if already else "") + f". Viewers need only {safe(r.ca)} as X509CA.",
                     soft_wrap=True)
