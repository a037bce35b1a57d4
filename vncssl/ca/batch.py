"""`ca issue --from` at openssl's speed (OpenSSL 3.0+): one openssl process per host, and the
checks a batch can do once done once per chunk of hosts.

Per host: exactly one `openssl req -x509 -CA` process (key + CA-signed certificate; the key
is born 0600 under the runner's umask 077, in a 0700 work folder), its names in `-addext`
(every 3.0 has it) on top of one config written for the whole batch: a file created per host
costs as much as the work around it (ext4 searches its inode bitmap for each).
Per chunk of up to CHUNK finished hosts, before anything is installed:
  - one `openssl verify -CAfile ca.pem -purpose sslserver c1.pem c2.pem ...` proves every
    certificate's signature chains to the CA and that it is fit for a TLS server;
  - each certificate's DER structure (x509/dernames) is checked: exactly the names asked
    for, CA:FALSE, the CA's own subject as issuer, the key type asked for;
  - one `openssl dgst -sha256` over all of them gives the fingerprints;
then each host's pair is installed atomically (fs.atomic), and the chunk's copies are
recorded in issued/ under one lock. A host that fails any step is reported; the others go on.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Set, Tuple, Union

from vncssl.ca.authority import ISSUED, Issuer, make_private_dir, unique_id
from vncssl.ca.batchcheck import HostFailed, check_structure, pem_der
from vncssl.ca.issuance import Issued
from vncssl.errors import VncsslError
from vncssl.fs import atomic, targets, workdir, writes
from vncssl.fs.signals import term_as_interrupt
from vncssl.openssl import digest, runner
from vncssl.x509 import dernames, verifybatch
from vncssl.x509 import names as names_mod
from vncssl.x509.extensions import LEAF_SECTION, ca_config, subject_args

CHUNK = 32


Job = Tuple[int, str, List[names_mod.Name], targets.Target, targets.Target]
Done = Callable[[int, Optional[Issued], str, str], None]  # index, issued, error, fix


def issue_hosts(iss: Issuer, hosts: Sequence, folder: Path, *, force: bool, workers: int,
                record: Callable, outcome: Callable, already: Callable) -> None:
    """fleet.Host list -> jobs; `record(outcome(name, ok, issued, error, fix))` per host. A
    rerun without --force leaves pairs this CA already issued as they are (`already`)."""
    jobs: List[Job] = []
    for i, h in enumerate(hosts):
        cert, key = folder / f"{h.name}.pem", folder / f"{h.name}-private.pem"
        try:
            if not force and (cert.exists() or key.exists()):
                record(already(iss, h, cert, key))
                continue
            cert_t = targets.check_target(cert, "certificate", force=force)
            key_t = targets.check_target(key, "private key", force=force)
        except VncsslError as exc:
            record(outcome(h.name, False, None, exc.message, exc.fix))
            continue
        jobs.append((i, h.name, h.names, cert_t, key_t))

    def done(index: int, issued: Optional[Issued], error: str, fix: str) -> None:
        record(outcome(hosts[index].name, issued is not None, issued, error, fix))

    if not jobs:
        return
    issued: List[str] = []

    def done_ok(index: int, result: Optional[Issued], error: str, fix: str) -> None:
        if result is not None:
            issued.append(hosts[index].name)
        done(index, result, error, fix)

    try:
        with term_as_interrupt():  # SIGTERM/SIGHUP as Ctrl-C: the clean-up below runs
            issue_batch(iss, jobs, folder, force=force, workers=workers, done=done_ok)
    except BaseException:
        runner.resume()  # issue_batch killed every openssl its workers started
        raise KeyboardInterrupt(
            f"`ca issue --from` was stopped after {len(issued)} of {len(hosts)} servers were "
            f"issued ({', '.join(issued) or 'none'}); the others were not written.") from None


def issue_batch(iss: Issuer, jobs: Sequence[Job], folder: Path, *, force: bool,
                workers: int, done: Done) -> None:
    """Issue every job; `done` is called once per job, in the calling thread."""
    ca_der = pem_der(iss.cert.read_text("ascii", "replace"))
    ca_subject = dernames.parse_certificate(ca_der).subject_raw
    with workdir.private_workdir(folder) as work:
        cfg = work / "leaf.cnf"
        writes.write_scratch(cfg, ca_config((), iss.spec.algorithm).encode("utf-8"))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vncssl-ca")
        try:
            pending: Set[Future] = {pool.submit(_make, iss, work, cfg, job) for job in jobs}
            ready: List[Tuple[Job, Path, Path]] = []
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    job, outcome = fut.result()
                    if isinstance(outcome, HostFailed):
                        done(job[0], None, outcome.error, outcome.fix)
                    else:
                        ready.append((job, *outcome))
                if len(ready) >= CHUNK or (ready and not pending):
                    _finish_chunk(iss, ca_subject, work, ready, force, done)
                    ready = []
        except BaseException:
            runner.kill_all()  # stopped: no openssl of ours is left running
            raise
        finally:
            # Start nothing new; the killed jobs end at once, then the work folder goes.
            pool.shutdown(wait=True, cancel_futures=True)


def _make(iss: Issuer, work: Path, cfg: Path, job: Job) -> Tuple[Job, object]:
    index, _, names, _, _ = job
    key, cert = work / f"{index}.key", work / f"{index}.pem"
    try:
        subj = names_mod.subject([("CN", names[0].value), ("serialNumber", unique_id())])
        runner.run([iss.ossl.path, "req", "-x509", "-config", str(cfg), *iss.spec.newkey_args(),
                    "-nodes", "-keyout", str(key), *subject_args(subj), "-extensions",
                    LEAF_SECTION, "-addext", f"subjectAltName={names_mod.san_value(names)}",
                    "-CA", str(iss.cert), "-CAkey", str(iss.key), "-days", str(iss.days),
                    "-out", str(cert)], timeout=iss.timeout, cwd=str(work),
                   what="openssl req -x509 -CA")
        return job, (key, cert)
    except VncsslError as exc:
        return job, HostFailed(exc.message, exc.fix)
    except OSError as exc:
        return job, HostFailed(str(exc), "Check the output folder.")


def _finish_chunk(iss: Issuer, ca_subject: bytes, work: Path,
                  ready: List[Tuple[Job, Path, Path]], force: bool, done: Done) -> None:
    try:
        verified = _verify_signatures(iss, [cert for _, _, cert in ready])
        prints = digest.sha256_fingerprints(
            iss.ossl.path, [pem_der(cert.read_text("ascii")) for _, _, cert in ready],
            timeout=iss.timeout)
    except VncsslError as exc:  # the batch check itself could not run: no host installed
        for job, _, _ in ready:
            done(job[0], None, exc.message, exc.fix)
        return
    checked: List[Tuple[Job, Path, Path, str, Tuple[str, str, str, str], str]] = []
    for (job, key, cert), ok, fingerprint in zip(ready, verified, prints):
        try:
            if not ok:
                raise HostFailed("openssl verify does not accept the certificate openssl made "
                                 "(signature or purpose). Nothing was written.",
                                 "Report this with `openssl version -a`; try --openssl.")
            pem = cert.read_text("ascii")
            facts = check_structure(iss, ca_subject, pem_der(pem), job[2])
            os.chmod(cert, 0o644)  # a certificate is public; openssl made it under umask 077
        except HostFailed as exc:
            done(job[0], None, exc.error, exc.fix)
            continue
        except VncsslError as exc:
            done(job[0], None, exc.message, exc.fix)
            continue
        checked.append((job, key, cert, pem, facts, fingerprint))
    outcomes: List[Tuple[int, Optional[Issued], str, str]] = []

    def record(results: List[Union[List[Path], VncsslError]]) -> None:
        issued: List[Tuple[Issued, str]] = []
        for (job, _, _, pem, facts, fingerprint), result in zip(checked, results):
            index, label, names, cert_t, key_t = job
            if isinstance(result, VncsslError):
                outcomes.append((index, None, result.message, result.fix))
                continue
            one = Issued(name=label, cert=str(cert_t.path), key=str(key_t.path),
                         key_mode=targets.mode_text(key_t.path), names=[n.san for n in names],
                         subject=facts[0], serial=facts[1], not_before=facts[2],
                         not_after=facts[3], fingerprint_sha256=fingerprint,
                         backups=[str(b) for b in result])
            issued.append((one, pem))
            outcomes.append((index, one, "", ""))
        _record_all(iss, issued)  # every installed pair gets its issued/ copy

    try:
        # One folder lock for the chunk; each pair is still installed all or nothing.
        atomic.install_each([[(key, job[4]), (cert, job[3])]
                             for job, key, cert, _, _, _ in checked],
                            force=force, backup=force, then=record)
    except VncsslError as exc:
        if outcomes:
            raise  # the pairs are in place; their issued/ copies could not be written
        # The folder's lock could not be taken: none of this chunk was installed.
        outcomes.extend((job[0], None, exc.message, exc.fix) for job, *_ in checked)
    finally:
        for outcome in outcomes:
            done(*outcome)


def _verify_signatures(iss: Issuer, certs: List[Path]) -> List[bool]:
    r = runner.run([iss.ossl.path, "verify", "-CAfile", str(iss.cert), "-no-CApath",
                    "-no-CAstore", "-purpose", "sslserver", *map(str, certs)],
                   timeout=iss.timeout, check=False, what="openssl verify")
    ok = verifybatch.verified(r.stdout)
    return [str(c) in ok for c in certs]


def _record_all(iss: Issuer, installed: List[Tuple[Issued, str]]) -> None:
    """issued/<serial>.pem for the whole chunk, under one lock."""
    if not installed:
        return
    folder = iss.dir / ISSUED
    make_private_dir(folder)
    with workdir.private_workdir(folder) as work:
        moves = []
        for issued, pem in installed:
            tmp = work / f"{issued.serial}.pem"
            writes.write_scratch(tmp, pem.encode("ascii"))
            moves.append((tmp, targets.check_target(folder / f"{issued.serial}.pem",
                                                    "issued copy", force=True)))
        atomic.install(moves, force=True)
