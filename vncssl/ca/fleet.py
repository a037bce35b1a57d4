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
from vncssl.fs.folders import make_output_dir
from vncssl.fs.signals import term_as_interrupt
from vncssl.openssl import runner
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
    entries NAME itself (an IP or a DNS name) is the certificate's only name.

    Every line is checked before anything is issued, and every bad line is named at once
    (in the error's details): a hosts file is taken whole or not at all."""
    hosts: List[Host] = []
    seen: Dict[str, int] = {}
    bad: List[Tuple[int, UsageError]] = []
    text = text[1:] if text.startswith("\ufeff") else text  # Notepad's UTF-8 BOM
    for number, raw in enumerate(text.splitlines(), 1):
        try:
            host = _parse_line(raw, number, source, seen)
        except UsageError as exc:
            bad.append((number, exc))
            continue
        if host is not None:
            hosts.append(host)
    if len(bad) == 1:
        only = bad[0][1]
        raise UsageError(f"{only.message} Nothing was issued.", only.fix)
    if bad:
        lines = ", ".join(str(n) for n, _ in bad)
        raise UsageError(f"{source}: {len(bad)} bad lines ({lines}); nothing was issued.",
                         "Fix each line listed below, then run it again.",
                         details="\n".join(f"{e.message} {e.fix}".strip() for _, e in bad))
    if not hosts:
        raise UsageError(f"{source} lists no servers.",
                         "Write one server per line: `NAME IP-or-DNS ...`.")
    return hosts


def _parse_line(raw: str, number: int, source: str, seen: Dict[str, int]
                ) -> Optional[Host]:
    words = raw.split("#", 1)[0].replace(",", " ").split()
    if not words:
        return None
    name, entries = words[0], words[1:] or words[:1]
    where = f"{source} line {number}"
    if not _HOST_RE.fullmatch(name) or name in (".", ".."):
        raise UsageError(f"{where}: {name!r} is not a usable server name (it names the "
                         "files: letters, digits, '.', '_', '-').", "Rename it.")
    if name in seen:
        raise UsageError(f"{where}: server {name!r} is already on line {seen[name]}.",
                         "List each server once.")
    seen[name] = number
    try:
        # Each entry is detected and validated as `vncssl create NAME...` does.
        return Host(name, names_mod.collect([], [], map(_without_port, entries)), number)
    except VncsslError as exc:
        raise UsageError(f"{where}: {exc.message}", exc.fix) from None


def shared_names(hosts: Sequence[Host]) -> List[str]:
    """Names two servers both claim: a viewer typing one reaches only one of them."""
    owners: Dict[Name, List[str]] = {}
    for h in hosts:
        for n in h.names:
            owners.setdefault(n, []).append(h.name)
    return [f"{n.kind} {n.value} is claimed by {', '.join(who)}"
            for n, who in owners.items() if len(who) > 1]


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
    already: bool = False  # a rerun found it issued (names, CA, key all match): left as is


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


def check_outputs(iss: authority.Issuer, folder: Path, hosts: Sequence[Host]) -> None:
    """Before any work: no two servers may share an output file (`a` and `a-private` both
    write a-private.pem), compared as a case-insensitive file system would, and none may be
    one of the CA's own files (a server named `ca-key` in the CA folder)."""
    seen: Dict[str, str] = {}
    own = {os.path.realpath(p) for p in (iss.cert, iss.key)}
    ca_dir = os.path.realpath(iss.dir)
    for h in hosts:
        for path in batch_paths(folder, h.name):
            real = os.path.realpath(path)
            if real in own or (os.path.dirname(real) == ca_dir and path.name in (
                    authority.CA_CERT, authority.CA_KEY)):
                raise UsageError(f"Server {h.name!r} would write {path}, one of the CA's own "
                                 "files.", "Rename the server, or use another --out-dir.")
            other = seen.get(real.lower())
            if other is not None and other != h.name:
                raise UsageError(f"Servers {other!r} and {h.name!r} would both write {path}.",
                                 "Rename one of them (NAME.pem and NAME-private.pem are "
                                 "each server's files).")
            seen[real.lower()] = h.name


def issue_many(iss: authority.Issuer, hosts: Sequence[Host], out_dir: str, *, force: bool = False,
               workers: Optional[int] = None,
               on_done: Optional[Callable[[HostOutcome], None]] = None) -> BatchResult:
    """One job (one openssl pipeline) per host, `workers` at a time (default: one per CPU).
    A failing host is recorded and the others go on."""
    check_outputs(iss, targets.absolute(Path(out_dir), "output folder"), hosts)
    folder = make_output_dir(Path(out_dir))
    workers = max(1, workers or os.cpu_count() or 1)
    start = time.monotonic()
    outcomes: Dict[str, HostOutcome] = {}

    def record(o: HostOutcome) -> None:
        outcomes[o.host] = o
        if on_done:
            on_done(o)

    try:
        with term_as_interrupt():  # SIGTERM/SIGHUP as Ctrl-C: the clean-up below runs
            _issue_all(iss, hosts, folder, force, workers, record)
    except BaseException:
        # Stopped: every openssl the workers started is killed (none is left behind), the
        # running jobs remove their temporary folders, and the message names what was done.
        runner.kill_all()
        runner.resume()
        issued = [h.name for h in hosts if h.name in outcomes and outcomes[h.name].ok]
        raise KeyboardInterrupt(
            f"`ca issue --from` was stopped after {len(issued)} of {len(hosts)} servers were "
            f"issued ({', '.join(issued) or 'none'}); the others were not written.") from None
    return BatchResult(str(iss.cert), str(folder), workers, time.monotonic() - start,
                       [outcomes[h.name] for h in hosts])


def _issue_all(iss: authority.Issuer, hosts: Sequence[Host], folder: Path, force: bool,
               workers: int, record: Callable[[HostOutcome], None]) -> None:
    if iss.one_process:  # OpenSSL 3.0+: one openssl per host, checks per chunk (ca/batch)
        from vncssl.ca import batch

        batch.issue_hosts(iss, hosts, folder, force=force, workers=workers, record=record,
                          outcome=HostOutcome, already=already_issued)
        return

    def job(h: Host) -> HostOutcome:
        cert, key = batch_paths(folder, h.name)
        try:
            if not force and (cert.exists() or key.exists()):
                return already_issued(iss, h, cert, key)
            done = issuance.issue(iss, h.names, str(cert), str(key), force=force, label=h.name)
            return HostOutcome(h.name, True, done)
        except VncsslError as exc:
            return HostOutcome(h.name, False, error=exc.message, fix=exc.fix)
        except OSError as exc:  # the file system failed under one job: report, go on
            return HostOutcome(h.name, False, error=str(exc), fix="Check the folder.")

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vncssl-ca")
    try:
        for fut in as_completed([pool.submit(job, h) for h in hosts]):
            record(fut.result())
    except BaseException:
        runner.kill_all()  # before waiting for the workers: their openssl ends now
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def already_issued(iss: authority.Issuer, h: Host, cert: Path, key: Path) -> HostOutcome:
    """A rerun after an interruption: a pair this CA issued for exactly these names, still
    valid and matching, is the host done; anything else there is a failure to look at."""
    from vncssl.x509 import certinfo

    if not (cert.is_file() and key.is_file()):
        present = cert if cert.exists() else key
        raise FileProblem(f"{present} exists without its pair.",
                          "Remove it, or pass --force to issue this host again.")
    facts = certinfo.read_chain(iss.ossl, cert, timeout=iss.timeout)[0]
    kf = certinfo.read_key(iss.ossl, key, timeout=iss.timeout)
    wanted = {(n.kind, n.value) for n in h.names}
    got = {(s.type, s.value) for s in facts.san}
    if facts.issuer != iss.subject or got != wanted or facts.days_left < 0 or \
            not certinfo.same_public_key(facts.public_key_pem, kf.public_key_pem):
        raise FileProblem(f"{cert} already exists and is not this CA's current certificate "
                          "for these names.", "Pass --force to replace it (the old pair is "
                          "kept as .bak).")
    return HostOutcome(h.name, True, issuance.Issued(
        h.name, str(cert), str(key), None, [n.san for n in h.names],
        facts.subject, facts.serial, facts.not_before, facts.not_after,
        facts.fingerprint_sha256), already=True)
