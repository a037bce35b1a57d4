"""`vncssl probe --from HOSTS_FILE`: every server of a fleet probed at once, as the viewer
would judge each (the same `probe.examine`), bounded to `jobs` at a time.

The hosts file is `ca issue --from`'s: `NAME [ADDRESS ...]`, `#` comments, commas or spaces
between entries; the probe connects to the first address (NAME itself on a line of one word),
written as the viewer takes it: HOST, HOST:DISPLAY, HOST::PORT, [IPv6]:DISPLAY; a bare IP
address (IPv6 too) means port 5900.

One slow or hostile host holds one worker for at most its own time limit (`timeout` for the
network, then openssl's reads), and is given up `GRACE` seconds after that whatever it
does; the others go on meanwhile. The viewer's trust (X509CA file) and the CRL are read once
for the whole fleet. Exit code: 3 if any host could not be probed (unreachable, protocol or
openssl failure), else 1 if any has a problem, else 0.
"""

from __future__ import annotations

import ipaddress
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from vncssl.errors import EXIT_FAILURE, EXIT_OK, EXIT_VERDICT, UsageError, VncsslError
from vncssl.tigervnc import probe
from vncssl.tigervnc.address import parse_target

GRACE = 5.0
DEFAULT_JOBS = 32  # network-bound: most of a probe is waiting for the server


@dataclass
class FleetTarget:
    name: str
    address: str  # as the viewer would be given it
    line: int


@dataclass
class HostResult:
    name: str
    server: str
    verdict: str  # "accepted", "problems", "unreachable", "failed"
    problems: List[str] = field(default_factory=list)  # problem codes
    messages: List[str] = field(default_factory=list)
    days_left: Optional[int] = None
    security_types: List[str] = field(default_factory=list)
    vencrypt_subtypes: List[str] = field(default_factory=list)
    fingerprint_sha256: Optional[str] = None
    seconds: float = 0.0


@dataclass
class FleetResult:
    trust: str
    jobs: int
    seconds: float
    hosts: List[HostResult]

    @property
    def exit_code(self) -> int:
        verdicts = {h.verdict for h in self.hosts}
        if verdicts & {"unreachable", "failed"}:
            return EXIT_FAILURE
        return EXIT_VERDICT if "problems" in verdicts else EXIT_OK


def _address(entry: str) -> str:
    try:
        ip = ipaddress.ip_address(entry.strip("[]"))
        return f"[{ip}]" if ip.version == 6 else str(ip)
    except ValueError:
        return entry


def parse_targets(text: str, source: str = "hosts file") -> List[FleetTarget]:
    out: List[FleetTarget] = []
    seen: dict = {}
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].replace(",", " ").split()
        if not words:
            continue
        name, address = words[0], _address((words[1:] or words)[0])
        try:
            parse_target(address)
        except UsageError as exc:
            raise UsageError(f"{source} line {number}: {exc.message}", exc.fix) from None
        if name in seen:
            raise UsageError(f"{source} line {number}: server {name!r} is already on line "
                             f"{seen[name]}.", "List each server once.")
        seen[name] = number
        out.append(FleetTarget(name, address, number))
    if not out:
        raise UsageError(f"{source} lists no servers.",
                         "Write one server per line: `NAME ADDRESS` (ADDRESS: HOST, "
                         "HOST:DISPLAY or HOST::PORT).")
    return out


def _one(ossl: Any, t: FleetTarget, trust: probe.Trust, crl: Optional[str],
         timeout: float, leaves: Dict[str, str]) -> HostResult:
    start = time.monotonic()
    try:
        r = probe.examine(ossl, t.address, crl=crl, timeout=timeout, trust=trust,
                          fingerprints=False)
    except VncsslError as exc:
        from vncssl.errors import ConnectFailed

        verdict = "unreachable" if isinstance(exc, ConnectFailed) else "failed"
        return HostResult(t.name, t.address, verdict, [verdict], [exc.message],
                          seconds=time.monotonic() - start)
    cert: Any = r.certificate
    if r.leaf is not None:
        leaves[t.name] = r.leaf.pem  # hashed with the whole fleet's, once (_fingerprints)
    return HostResult(
        t.name, r.server, "accepted" if r.accepted else "problems",
        [p.code for p in r.problems], [p.message for p in r.problems],
        cert.days_left if cert is not None else None, r.security_types, r.vencrypt_subtypes,
        cert.fingerprint_sha256 if cert is not None else None, time.monotonic() - start)


def probe_many(ossl: Any, targets: List[FleetTarget], *, ca: Optional[str] = None,
               crl: Optional[str] = None, timeout: float = 10.0,
               jobs: Optional[int] = None,
               on_done: Optional[Callable[[HostResult], None]] = None,
               env: Any = os.environ) -> FleetResult:
    from vncssl.tigervnc import detect
    from vncssl.x509 import verifybatch

    jobs = max(1, min(jobs or DEFAULT_JOBS, len(targets)))
    start = time.monotonic()
    with detect.remembered(), verifybatch.batched(timeout):
        # The installed viewer is asked while the servers answer (its version decides how
        # each verdict is told), not after the first verdict is in.
        threading.Thread(target=_detect_viewer, daemon=True, name="vncssl-detect").start()
        return _probe_all(ossl, targets, ca, crl, timeout, jobs, on_done, env, start)


def _detect_viewer() -> None:
    from vncssl.tigervnc import detect

    try:
        detect.detect("viewer", os.environ)  # remembered for the fleet (examine's env)
    except Exception:  # noqa: BLE001 - asked again, and reported, where it is needed
        pass


def _probe_all(ossl: Any, targets: List[FleetTarget], ca: Optional[str], crl: Optional[str],
               timeout: float, jobs: int, on_done: Optional[Callable[[HostResult], None]],
               env: Any, start: float) -> FleetResult:
    from vncssl.fs.signals import term_as_interrupt
    from vncssl.openssl import runner

    trust = probe.load_trust(ossl, ca, timeout=timeout, env=env)
    if crl and os.path.isfile(crl):
        from pathlib import Path

        from vncssl.x509.crl import read_crl

        read_crl(ossl, Path(crl), ca_file=trust.ca_path, timeout=timeout)  # exit 2 up front
    results: List[Optional[HostResult]] = [None] * len(targets)
    done: queue.Queue[tuple] = queue.Queue()
    started: dict = {}  # index -> start time, for hosts still running
    todo = list(range(len(targets)))
    leaves: Dict[str, str] = {}  # host name -> its certificate's PEM

    def work(i: int) -> None:
        try:
            done.put((i, _one(ossl, targets[i], trust, crl, timeout, leaves)))
        except BaseException as exc:  # noqa: BLE001 - reported as this host's failure
            done.put((i, HostResult(targets[i].name, targets[i].address, "failed",
                                    ["failed"], [str(exc) or type(exc).__name__])))

    def finish(i: int, r: HostResult) -> None:
        if results[i] is None:
            results[i] = r
            started.pop(i, None)
            if on_done:
                on_done(r)

    with term_as_interrupt():
        try:
            while todo or started:
                while todo and len(started) < jobs:
                    i = todo.pop(0)
                    started[i] = time.monotonic()
                    # Daemon threads: a host given up on never keeps the command alive.
                    threading.Thread(target=work, args=(i,), daemon=True,
                                     name=f"vncssl-probe-{i}").start()
                try:
                    i, r = done.get(timeout=0.05)
                    finish(i, r)
                except queue.Empty:
                    pass
                now = time.monotonic()
                for i, t0 in list(started.items()):
                    if now - t0 > timeout + GRACE:
                        t = targets[i]
                        finish(i, HostResult(t.name, t.address, "unreachable", ["timeout"], [
                            f"{t.address} did not finish within {timeout + GRACE:g} s; given "
                            "up."], seconds=now - t0))
        except BaseException:
            runner.kill_all()  # openssl started by the workers: never left behind
            _drain(done, started, 1.0)  # let them remove their temporary files
            if not started:
                runner.resume()
            raise
    hosts = [r for r in results if r is not None]
    _fingerprints(ossl, hosts, leaves, timeout)
    return FleetResult(trust.note, jobs, time.monotonic() - start, hosts)


def _fingerprints(ossl: Any, hosts: List[HostResult], leaves: Dict[str, str],
                  timeout: float) -> None:
    """Every certificate's fingerprint from one `openssl dgst` over the whole fleet's, not one
    `openssl x509` a host (20 of the 41 processes of a 20-host probe)."""
    from vncssl.openssl import digest
    from vncssl.x509.chainread import pem_block_der

    named = [h for h in hosts if h.fingerprint_sha256 is not None and h.name in leaves]
    if not named:
        return
    prints = digest.sha256_fingerprints(ossl.path, [pem_block_der(leaves[h.name])
                                                    for h in named], timeout=timeout)
    for h, fingerprint in zip(named, prints):
        h.fingerprint_sha256 = fingerprint


def _drain(done: queue.Queue[tuple], started: dict, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while started and time.monotonic() < deadline:
        try:
            i, _ = done.get(timeout=0.05)
            started.pop(i, None)
        except queue.Empty:
            pass
