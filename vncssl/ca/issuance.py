"""Issuing one server certificate from vncssl's private CA, and proving it is what was
asked for before it is installed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

from vncssl.ca.authority import ISSUED, Issuer, make_private_dir, unique_id
from vncssl.errors import OpensslFailed, UsageError
from vncssl.fs import atomic, targets, workdir, writes
from vncssl.openssl import keygen, runner
from vncssl.x509 import certfacts, certinfo, strength
from vncssl.x509 import names as names_mod
from vncssl.x509.extensions import LEAF_SECTION, ca_config, subject_args
from vncssl.x509.names import Name


@dataclass
class Issued:
    name: str
    cert: str
    key: str
    key_mode: Optional[str]
    names: List[str]
    subject: str
    serial: str
    not_before: str
    not_after: str
    fingerprint_sha256: str
    backups: List[str] = field(default_factory=list)


def issue(iss: Issuer, names: Sequence[Name], cert: str, key: str, *, force: bool = False,
          label: Optional[str] = None, backup: Optional[bool] = None) -> Issued:
    """One server certificate signed by the CA. Safe to call from several threads. A replaced
    pair is kept as .bak (0600 key) unless `backup` is False (renew --no-backup)."""
    if not names:
        raise UsageError("No names for the certificate.", "Pass --ip and/or --dns.")
    cert_t = targets.check_target(Path(cert), "certificate", force=force)
    key_t = targets.check_target(Path(key), "private key", force=force)
    targets.check_distinct(cert_t, key_t)
    own = {os.path.realpath(iss.cert), os.path.realpath(iss.key)}
    for t in (cert_t, key_t):
        if os.path.realpath(t.path) in own:
            raise UsageError(f"The {t.kind} path {t.path} is one of the CA's own files.",
                             "Write the server's files elsewhere (--cert, --key, --out-dir).")
    subj = names_mod.subject([("CN", names[0].value), ("serialNumber", unique_id())])
    with workdir.private_workdir(key_t.path.parent) as work:
        key_tmp, cert_tmp, cfg = work / "key.pem", work / "cert.pem", work / "leaf.cnf"
        writes.precreate_private(key_tmp)
        writes.precreate_public(cert_tmp)
        writes.write_text(cfg, ca_config(names, iss.spec.algorithm), 0o600)
        newkey = keygen.newkey(iss.ossl, iss.spec, work, timeout=iss.timeout)
        common = ["-config", str(cfg), *newkey, "-nodes",
                  "-keyout", str(key_tmp), *subject_args(subj)]
        if iss.one_process:
            runner.run([iss.ossl.path, "req", "-x509", *common, "-extensions", LEAF_SECTION,
                         "-CA", str(iss.cert), "-CAkey", str(iss.key), "-days", str(iss.days),
                         "-out", str(cert_tmp)], timeout=iss.timeout, cwd=str(work),
                        what="openssl req -x509 -CA")
        else:
            csr = work / "req.csr"
            runner.run([iss.ossl.path, "req", "-new", *common, "-out", str(csr)],
                        timeout=iss.timeout, cwd=str(work), what="openssl req -new")
            # A serial file of our own in the work dir: -CAcreateserial starts it at a random
            # number, and no two jobs share it.
            runner.run([iss.ossl.path, "x509", "-req", "-in", str(csr), "-CA", str(iss.cert),
                         "-CAkey", str(iss.key), "-CAserial", str(work / "serial"),
                         "-CAcreateserial", "-days", str(iss.days), "-extfile", str(cfg),
                         "-extensions", LEAF_SECTION, "-sha256", "-out", str(cert_tmp)],
                        timeout=iss.timeout, cwd=str(work), what="openssl x509 -req")
        facts = _verify(iss, cert_tmp, names)
        backups = atomic.install([(key_tmp, key_t), (cert_tmp, cert_t)], force=force,
                                backup=force if backup is None else backup)
    record(iss, facts)
    return Issued(name=label or names[0].value, cert=str(cert_t.path), key=str(key_t.path),
                  key_mode=targets.mode_text(key_t.path), names=[n.san for n in names],
                  subject=facts.subject, serial=facts.serial, not_before=facts.not_before,
                  not_after=facts.not_after, fingerprint_sha256=facts.fingerprint_sha256,
                  backups=[str(b) for b in backups])


def leaf_problems(iss: Issuer, facts: certfacts.CertFacts, names: Sequence[Name]) -> List[str]:
    """What a certificate the CA just made says that was not asked for (names, issuer, CA)."""
    problems = []
    if sorted((s.type, s.value) for s in facts.san) != sorted((n.kind, n.value) for n in names):
        problems.append(f"its names are {[s.value for s in facts.san]}")
    if facts.issuer != iss.subject:
        problems.append(f"its issuer is {facts.issuer}, not the CA {iss.subject}")
    if facts.is_ca:
        problems.append("it says CA:TRUE")
    return problems


def _verify(iss: Issuer, cert: Path, names: Sequence[Name]) -> certfacts.CertFacts:
    facts = certinfo.read_cert(iss.ossl, cert, timeout=iss.timeout)
    problems = leaf_problems(iss, facts, names)
    if problems:
        raise OpensslFailed("The certificate openssl made is not what was asked for: "
                            + "; ".join(problems) + ". Nothing was written.",
                            "Report this with `openssl version -a`; try --openssl.")
    # The viewer's own rules, with ca.pem as its X509CA, for every name; and the floor.
    ca = [iss.ca_facts] if iss.ca_facts is not None else []
    strength.judge_new(iss.ossl, facts, cert, [n.value for n in names] if ca else [],
                       config=None, ca=ca, ca_file=iss.cert, timeout=iss.timeout)
    return facts


def record(iss: Issuer, facts: certfacts.CertFacts) -> None:
    """issued/<serial>.pem: which certificates this CA has signed (for audits, revocation)."""
    folder = iss.dir / ISSUED
    make_private_dir(folder)
    target = targets.check_target(folder / f"{facts.serial}.pem", "issued copy", force=True)
    with workdir.private_workdir(folder) as work:
        writes.write_text(work / "c.pem", facts.pem)
        atomic.install([(work / "c.pem", target)], force=True)
