"""`vncssl ca bundle`: many per-server self-signed certificates -> one X509CA file.

For users who keep the guide's self-signed certificates: the viewer trusts every
certificate in its X509CA file, so one file can hold them all. Duplicates are dropped,
expired ones too (the viewer refuses them anyway). Two different certificates with the same
subject (an old one and its renewal) are both kept unless --keep-newest: with only the old
one, the viewer stops at the renewed server ("server cert signer not found").
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from vncssl.errors import UsageError
from vncssl.fs import atomic, targets, workdir, writes
from vncssl.openssl import binary
from vncssl.x509 import certinfo


@dataclass
class BundleEntry:
    source: str  # file (and position, when a file holds several)
    subject: str
    fingerprint_sha256: str
    not_before: str
    not_after: str


@dataclass
class BundleResult:
    out: str
    kept: List[BundleEntry] = field(default_factory=list)
    duplicates: List[BundleEntry] = field(default_factory=list)
    expired: List[BundleEntry] = field(default_factory=list)
    replaced_older: List[BundleEntry] = field(default_factory=list)  # dropped by --keep-newest
    shared_subjects: List[str] = field(default_factory=list)  # subjects kept more than once
    backups: List[str] = field(default_factory=list)


def bundle(paths: Sequence[str], out: str, *, keep_newest: bool = False, force: bool = False,
           openssl_path: Optional[str] = None, timeout: Optional[float] = None
           ) -> BundleResult:
    if not paths:
        raise UsageError("No certificates given.", "Example: vncssl ca bundle a.pem b.pem "
                         "--out x509_ca.pem")
    target = targets.check_target(Path(out), "bundle", force=force)
    ossl, _ = binary.find(openssl_path, timeout=timeout)
    result = BundleResult(out=str(target.path))
    seen: Dict[str, BundleEntry] = {}
    pems: Dict[str, str] = {}
    now = dt.datetime.now(dt.timezone.utc)
    for path in paths:
        # Every input is read before anything is written; an output that is also an input
        # (`bundle OLD NEW --out OLD`) is merged like any other input, never lost.
        if _same_file(path, target.path) and not certinfo.read_pem_file(Path(path)).strip():
            continue  # the output's old content is empty: nothing to merge
        blocks = certinfo.certificate_pems(ossl, Path(path), timeout=timeout)  # DER too
        if not blocks:
            raise UsageError(f"{path} holds no certificate.",
                             "Give the certificates (.pem or DER), never the private keys.")
        every = certinfo.read_pems(ossl, blocks, Path(path), timeout=timeout)
        for i, (pem, facts) in enumerate(zip(blocks, every), 1):
            entry = BundleEntry(path if len(blocks) == 1 else f"{path} #{i}", facts.subject,
                                facts.fingerprint_sha256, facts.not_before, facts.not_after)
            if facts.fingerprint_sha256 in seen:
                result.duplicates.append(entry)
            elif facts.not_after_dt < now:
                result.expired.append(entry)
            else:
                seen[facts.fingerprint_sha256] = entry
                pems[facts.fingerprint_sha256] = pem
    by_subject: Dict[str, List[BundleEntry]] = {}
    for entry in seen.values():
        by_subject.setdefault(entry.subject, []).append(entry)
    for subject, group in by_subject.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda e: e.not_before)
        if keep_newest:
            result.replaced_older += group[:-1]
            for old in group[:-1]:
                del seen[old.fingerprint_sha256]
        else:
            result.shared_subjects.append(subject)
    result.kept = list(seen.values())
    if not result.kept:
        raise UsageError("No certificate is left for the bundle (all expired or duplicates).",
                         "Renew the expired certificates (vncssl renew), then bundle again.")
    text = "".join(f"# {e.subject} (until {e.not_after})\n{pems[e.fingerprint_sha256]}"
                   for e in result.kept)
    with workdir.private_workdir(target.path.parent) as work:
        writes.write_text(work / "bundle.pem", text)
        backups = atomic.install([(work / "bundle.pem", target)], force=force,
                                backup=True)
    result.backups = [str(b) for b in backups]
    return result


def _same_file(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == str(b)
