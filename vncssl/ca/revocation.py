"""`vncssl ca revoke` and `vncssl ca crl`: revocation with openssl's own CA machinery
(`openssl ca -revoke`, `openssl ca -gencrl`) over a database in the CA folder.

Layout (all 0700/0600): db/index.txt (openssl's index: one line per revoked certificate),
db/index.txt.attr, db/crlnumber, and crl.pem (the latest CRL, public). The certificates the
CA issued are issued/<serial>.pem: a serial or certificate not found there is refused.

Every change is a transaction under the db folder's lock: openssl works on copies in a
private work folder, the result is checked, and only then are the copies renamed over the
database (Ctrl-C/TERM held off during the renames). An interrupted run leaves the database
and the CRL as they were, and no openssl process behind (the runner kills its group).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from vncssl.ca.authority import ISSUED, Issuer, make_private_dir
from vncssl.errors import UsageError
from vncssl.fs import filelock, oserror, safeopen, signals, targets, workdir, writes
from vncssl.openssl import runner
from vncssl.x509 import certinfo
from vncssl.x509.crl import check_new_crl, serial_key

DB, INDEX, CRLNUMBER, CRL = "db", "index.txt", "crlnumber", "crl.pem"
REASONS = ("unspecified", "keyCompromise", "CACompromise", "affiliationChanged",
           "superseded", "cessationOfOperation")
DEFAULT_CRL_DAYS = 30


@dataclass
class Revoked:
    serial: str
    subject: str
    reason: str
    cert: str  # the issued/ copy
    revoked_total: int
    next_step: str


@dataclass
class CrlResult:
    out: str
    ca_copy: str
    crl_number: str
    last_update: str
    next_update: Optional[str]
    revoked: List[str]  # serials listed


def normalise_serial(text: str) -> str:
    raw = text.strip().replace(":", "").replace(" ", "")
    raw = raw[2:] if raw.lower().startswith("0x") else raw
    if not raw or not re.fullmatch(r"[0-9A-Fa-f]{1,80}", raw):
        raise UsageError(f"{text!r} is neither a certificate file nor a serial number.",
                         "Give the certificate file, or its serial in hex as `vncssl inspect` "
                         "shows it.")
    return serial_key(raw)


def _issued_by_serial(iss: Issuer) -> Dict[str, Path]:
    folder = iss.dir / ISSUED
    found: Dict[str, Path] = {}
    for name in os.listdir(folder) if folder.is_dir() else []:
        stem = name[:-4] if name.endswith(".pem") else ""
        if re.fullmatch(r"[0-9A-F]+", stem):
            found[serial_key(stem)] = folder / name
    return found


def revoked_serials(iss: Issuer) -> Dict[str, str]:
    """serial (normalised hex) -> reason, from the database."""
    index = iss.dir / DB / INDEX
    out: Dict[str, str] = {}
    if index.is_file():
        for line in safeopen.read_text(index, "CA database", follow=False).splitlines():
            parts = line.split("\t")
            if len(parts) >= 4 and parts[0] == "R":
                when = parts[2].split(",", 1)
                out[normalise_serial(parts[3])] = when[1] if len(when) > 1 else "unspecified"
    return out


def _reason(text: str) -> str:
    for r in REASONS:
        if r.lower() == text.strip().lower():
            return r
    raise UsageError(f"--reason {text!r} is not a revocation reason.",
                     "Use one of: " + ", ".join(REASONS) + ".")


def revoke(iss: Issuer, what: str, reason: str = "unspecified") -> Revoked:
    reason = _reason(reason)
    serial, copy = _find_issued(iss, what)
    with _transaction(iss) as (work, cfg):
        if serial in revoked_serials(iss):
            raise UsageError(f"The certificate with serial {serial} is already revoked.",
                             "Nothing to do; `vncssl ca crl` publishes the revocation.")
        runner.run([iss.ossl.path, "ca", "-config", str(cfg), "-revoke", str(copy),
                    "-crl_reason", reason, "-batch"], timeout=iss.timeout, cwd=str(work),
                   what="openssl ca -revoke")
        _commit(iss, work, [INDEX, INDEX + ".attr"])
    facts = certinfo.read_cert(iss.ossl, copy, timeout=iss.timeout)
    return Revoked(serial, facts.subject, reason, str(copy), len(revoked_serials(iss)),
                   "Publish it: `vncssl ca crl`, then give viewers the new CRL "
                   "(`vncssl tigervnc viewer --install-crl crl.pem`).")


def _find_issued(iss: Issuer, what: str) -> Tuple[str, Path]:
    issued = _issued_by_serial(iss)
    path = Path(what)
    if path.is_file():
        facts = certinfo.read_chain(iss.ossl, path, timeout=iss.timeout)[0]
        serial = normalise_serial(facts.serial)
        copy = issued.get(serial)
        if copy is None or certinfo.read_cert(iss.ossl, copy, timeout=iss.timeout
                                              ).fingerprint_sha256 != facts.fingerprint_sha256:
            raise UsageError(f"{what} was not issued by the CA in {iss.dir} (issuer "
                             f"{facts.issuer}).", "Revoke it with the CA that signed it "
                             "(--ca-dir).")
        return serial, copy
    serial = normalise_serial(what)
    if serial not in issued:
        raise UsageError(f"No certificate with serial {serial} was issued by the CA in "
                         f"{iss.dir}.", "Check the serial (`vncssl inspect CERT` shows it) "
                         "and --ca-dir.")
    return serial, issued[serial]


def make_crl(iss: Issuer, *, days: int = DEFAULT_CRL_DAYS, out: Optional[str] = None,
             force: bool = False) -> CrlResult:
    if not 1 <= days <= 3650:
        raise UsageError(f"--days {days}: a CRL must be valid for 1 to 3650 days.",
                         "Viewers need a fresh one before it runs out: e.g. --days 30.")
    out_t = _crl_target(Path(out), force) if out else None
    with _transaction(iss) as (work, cfg):
        crl_tmp = work / "new-crl.pem"
        writes.precreate_public(crl_tmp)
        runner.run([iss.ossl.path, "ca", "-config", str(cfg), "-gencrl", "-crldays",
                    str(days), "-out", str(crl_tmp), "-batch"], timeout=iss.timeout,
                   cwd=str(work), what="openssl ca -gencrl")
        facts = check_new_crl(iss.ossl, crl_tmp, iss.cert, set(revoked_serials(iss)),
                              timeout=iss.timeout)
        os.chmod(crl_tmp, 0o644)
        if out_t is not None:
            with workdir.private_workdir(out_t.path.parent) as there:
                shutil.copyfile(crl_tmp, there / "crl.pem")
                os.chmod(there / "crl.pem", 0o644)
                _commit(iss, work, [CRLNUMBER], extra=[(crl_tmp, iss.dir / CRL),
                                                       (there / "crl.pem", out_t.path)])
        else:
            _commit(iss, work, [CRLNUMBER], extra=[(crl_tmp, iss.dir / CRL)])
    return CrlResult(str(out_t.path) if out_t else str(iss.dir / CRL), str(iss.dir / CRL),
                     facts.crl_number, facts.last_update, facts.next_update,
                     sorted(facts.revoked))


def _crl_target(path: Path, force: bool) -> targets.Target:
    """An existing CRL file is refreshed in place (that is what a CRL is for); any other
    existing file needs --force."""
    t = targets.check_target(path, "CRL", force=True)
    if t.exists and not force:
        fd = safeopen.open_input(t.path, "CRL", follow=False)
        try:
            head = os.read(fd, 4096)
        finally:
            os.close(fd)
        if b"-----BEGIN X509 CRL-----" not in head:
            raise UsageError(f"{t.path} exists and is not a CRL; vncssl never overwrites it "
                             "unless asked.", "Pass --force to replace it, or choose another "
                             "path.")
    return t


def _config(iss: Issuer, work: Path) -> str:
    # default_md = default: SHA-256 for RSA/EC CA keys, none for Ed25519 (which has its own).
    return (f"[ ca ]\ndefault_ca = vncssl_db\n\n[ vncssl_db ]\ndatabase = {work / INDEX}\n"
            f"crlnumber = {work / CRLNUMBER}\ncertificate = {iss.cert}\n"
            f"private_key = {iss.key}\ndefault_md = default\nunique_subject = no\n"
            f"new_certs_dir = {work}\ncrl_extensions = vncssl_crl_ext\n\n"
            "[ vncssl_crl_ext ]\nauthorityKeyIdentifier = keyid:always\n")


@contextlib.contextmanager
def _transaction(iss: Issuer) -> Iterator[Tuple[Path, Path]]:
    """The database copied into a private work folder under the db lock, with a config for
    `openssl ca` that points at the copies."""
    db = iss.dir / DB
    make_private_dir(db)
    with filelock.dir_lock(db, fix_for=oserror.fix_for), workdir.private_workdir(db) as work:
        for name, empty in ((INDEX, ""), (INDEX + ".attr", "unique_subject = no\n"),
                            (CRLNUMBER, "01\n")):
            src = db / name
            if src.is_file() and not src.is_symlink():
                shutil.copyfile(src, work / name)
                os.chmod(work / name, 0o600)
            else:
                writes.write_text(work / name, empty, 0o600)
        cfg = work / "ca.cnf"
        writes.write_text(cfg, _config(iss, work), 0o600)
        yield work, cfg


def _commit(iss: Issuer, work: Path, names: List[str],
            extra: Optional[List[Tuple[Path, Path]]] = None) -> None:
    _replace([(work / n, iss.dir / DB / n) for n in names] + list(extra or []))


def _replace(moves: List[Tuple[Path, Path]]) -> None:
    """Renames with Ctrl-C held off: the database is either the old one or the new one."""
    with signals.hold_interrupts():
        for src, dst in moves:
            if dst.is_symlink():
                raise UsageError(f"{dst} is a symbolic link; vncssl does not write through "
                                 "links.", "Remove the link.")
            os.replace(src, dst)
