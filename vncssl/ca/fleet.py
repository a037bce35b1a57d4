"""Many servers at once (`vncssl ca issue --from HOSTS_FILE`): the hosts file, and one
certificate per host issued by the private CA on a thread pool.

Each job is one openssl pipeline (`ca.issue`); the threads only wait for openssl processes,
so they run in parallel despite the GIL. A failing host is recorded and the others go on.
"""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from vncssl.ca import authority, issuance
from vncssl.errors import FileProblem, UsageError, VncsslError
from vncssl.fs import targets
from vncssl.x509 import names as names_mod
from vncssl.x509.names import Name

# A host's name becomes its file names (NAME.pem, NAME-private.pem): no separators, no dots first.
_HOST_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass
class Host:
    name: str
    names: List[Name]
    line: int


def parse_hosts(text: str, source: str = "hosts file") -> List[Host]:
    """One server per line: `NAME [IP-or-DNS ...]`; `#` starts a comment. Without further
    entries NAME itself (an IP or a DNS name) is the certificate's only name."""
    hosts: List[Host] = []
    seen: Dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].replace(",", " ").split()
        if not words:
            continue
        name, entries = words[0], words[1:] or words[:1]
        where = f"{source} line {number}"
        if not _HOST_RE.fullmatch(name) or name in (".", ".."):
            raise UsageError(f"{where}: {name!r} is not a usable server name (it names the "
                             "files: letters, digits, '.', '_', '-').", "Rename it.")
        if name in seen:
            raise UsageError(f"{where}: server {name!r} is already on line {seen[name]}.",
                             "List each server once.")
        seen[name] = number
        ips: List[str] = []
        dns: List[str] = []
        for e in map(_without_port, entries):
            (dns if re.search(r"[A-Za-z]", e) and ":" not in e else ips).append(e)
        try:
            hosts.append(Host(name, names_mod.collect(ips, dns), number))
        except VncsslError as exc:
            raise UsageError(f"{where}: {exc.message}", exc.fix) from None
    if not hosts:
        raise UsageError(f"{source} lists no servers.",
                         "Write one server per line: `NAME IP-or-DNS ...`.")
    return hosts


def _without_port(entry: str) -> str:
    """`probe --from` reads the same file: HOST:DISPLAY / HOST::PORT name the host HOST. A
    bare IP address (IPv6 too) is an address, never host:port."""
    import ipaddress

    from vncssl.tigervnc.address import parse_target

    try:
        ipaddress.ip_address(entry.strip("[]"))
        return entry
    except ValueError:
        pass
    if ":" not in entry:
        return entry
    try:
        return parse_target(entry).host
    except VncsslError:
        return entry  # names.collect says what is wrong with it


@dataclass
class HostOutcome:
    host: str
    ok: bool
    issued: Optional[issuance.Issued] = None
    error: str = ""
    fix: str = ""


@dataclass
class BatchResult:
    ca: str
    out_dir: str
    workers: int
    seconds: float
    outcomes: List[HostOutcome] = field(default_factory=list)

    @property
    def failed(self) -> List[HostOutcome]:
        return [o for o in self.outcomes if not o.ok]


def batch_paths(out_dir: Path, name: str) -> Tuple[Path, Path]:
    return out_dir / f"{name}.pem", out_dir / f"{name}-private.pem"


def issue_many(iss: authority.Issuer, hosts: Sequence[Host], out_dir: str, *, force: bool = False,
               workers: Optional[int] = None,
               on_done: Optional[Callable[[HostOutcome], None]] = None) -> BatchResult:
    """One job (one openssl pipeline) per host, `workers` at a time (default: one per CPU).
    A failing host is recorded and the others go on."""
    folder = Path(os.path.abspath(os.path.expanduser(out_dir)))
    if not folder.is_dir():
        raise FileProblem(f"The output folder {folder} does not exist.",
                          f"Create it first: mkdir -p {folder}")
    workers = max(1, workers or os.cpu_count() or 1)
    start = time.monotonic()
    outcomes: Dict[str, HostOutcome] = {}
    if iss.one_process:
        _issue_fast(iss, hosts, folder, force, workers, outcomes, on_done)
        return BatchResult(str(iss.cert), str(folder), workers, time.monotonic() - start,
                           [outcomes[h.name] for h in hosts])

    def job(h: Host) -> HostOutcome:
        cert, key = batch_paths(folder, h.name)
        try:
            done = issuance.issue(iss, h.names, str(cert), str(key), force=force, label=h.name)
            return HostOutcome(h.name, True, done)
        except VncsslError as exc:
            return HostOutcome(h.name, False, error=exc.message, fix=exc.fix)
        except OSError as exc:  # the file system failed under one job: report, go on
            return HostOutcome(h.name, False, error=str(exc), fix="Check the folder.")

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vncssl-ca")
    try:
        futures = [pool.submit(job, h) for h in hosts]
        for fut in as_completed(futures):
            outcome = fut.result()
            outcomes[outcome.host] = outcome
            if on_done:
                on_done(outcome)
    finally:
        # Ctrl-C: start nothing new; running openssl jobs finish and clean their temp dirs.
        pool.shutdown(wait=True, cancel_futures=True)
    return BatchResult(str(iss.cert), str(folder), workers, time.monotonic() - start,
                       [outcomes[h.name] for h in hosts])


def _issue_fast(iss: authority.Issuer, hosts: Sequence[Host], folder: Path, force: bool,
                workers: int, outcomes: Dict[str, HostOutcome],
                on_done: Optional[Callable[[HostOutcome], None]]) -> None:
    """OpenSSL 3.0+: one openssl process per host, checks done once per chunk (ca/batch)."""
    from vncssl.ca import batch

    def record(outcome: HostOutcome) -> None:
        outcomes[outcome.host] = outcome
        if on_done:
            on_done(outcome)

    jobs: List[batch.Job] = []
    for i, h in enumerate(hosts):
        cert, key = batch_paths(folder, h.name)
        try:
            cert_t = targets.check_target(cert, "certificate", force=force)
            key_t = targets.check_target(key, "private key", force=force)
        except VncsslError as exc:
            record(HostOutcome(h.name, False, error=exc.message, fix=exc.fix))
            continue
        jobs.append((i, h.name, h.names, cert_t, key_t))

    def done(index: int, issued: Optional[issuance.Issued], error: str, fix: str) -> None:
        record(HostOutcome(hosts[index].name, issued is not None, issued, error, fix))

    if jobs:
        batch.issue_batch(iss, jobs, folder, force=force, workers=workers, done=done)
