"""`vncssl renew`: the same certificate, new dates.

renew is `create` with its inputs read from the old certificate: the plan, the openssl run,
the verification and the atomic install are create's own (create.plan/execute, readback.verify,
fs.atomic.install with backups). Only `--reuse-key` needs its own `openssl req` call
(`-key OLD` instead of `-newkey`: `reusekey`), still through create's pieces.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from vncssl.commands import create, keyargs, reusekey
from vncssl.errors import OpensslFailed, UsageError
from vncssl.fs import targets
from vncssl.openssl import binary, opensslcnf
from vncssl.openssl.locate import Located
from vncssl.teach import recipe
from vncssl.x509 import certfacts, certinfo
from vncssl.x509.names import Name
from vncssl.x509.rfc2253 import subj_from_rfc2253

if TYPE_CHECKING:
    from vncssl.ca.authority import Issuer


@dataclass
class RenewPlan:
    create_plan: create.Plan
    old: certfacts.CertFacts
    reuse_key: bool
    notices: List[create.Notice]
    # Set when the old certificate was signed by a vncssl private CA: re-issue through it.
    issuer: Optional[Issuer] = None


@dataclass
class RenewResult:
    cert: str
    key: str
    subject: str
    names: List[Dict[str, str]]
    not_before: str
    not_after: str
    days: int
    key_type: str
    reused_key: bool
    fingerprint_sha256: str
    old_fingerprint_sha256: str
    backups: List[str]
    command: str
    viewer_notice: str
    notices: List[create.Notice]
    viewers_must_replace: bool = True  # False when a private CA signed it: X509CA unchanged


def plan(cert: str, key: str, *, days: Optional[int] = None, reuse_key: bool = False,
         openssl_path: Optional[str] = None, config: Optional[str] = None,
         timeout: Optional[float] = None, ca_dir: Optional[str] = None,
         backup: bool = True) -> RenewPlan:
    """Read the old certificate and plan create's command for the same names; write nothing."""
    cert_p = Path(cert)
    if _missing(cert_p):  # a folder that cannot be searched is not "no such file"
        raise UsageError(f"{cert}: no such file; renew needs the old certificate.",
                         "Pass --cert PATH, or make a first one with `vncssl create`.")
    if reuse_key and _missing(Path(key)):
        raise UsageError(f"--reuse-key: the key {key} does not exist.", "Pass --key PATH.")
    ossl, _ = binary.find(openssl_path, timeout=timeout)
    chain = certinfo.read_chain(ossl, cert_p, timeout=timeout)
    old = chain[0]
    # Default: the guide's 365 days, not the old lifetime: a short test certificate renewed
    # "as before" would be due again at once, and a cron job would renew it every day.
    days = recipe.DEFAULT_DAYS if days is None else days
    if not old.self_signed and not reuse_key:
        issuer = _own_ca(old, ca_dir, days, openssl_path, timeout)
        if issuer is not None:
            rp = _ca_plan(old, issuer, cert, key, days, openssl_path, config, timeout)
            rp.create_plan.backup = backup
            return rp
    if len(chain) > 1 or not old.self_signed:
        raise UsageError(f"{cert} was issued by {old.issuer}: renew re-makes self-signed "
                         "certificates, and those of a vncssl private CA (--ca-dir).",
                         "If a vncssl CA signed it, pass --ca-dir DIR"
                         + (" (without --reuse-key: the CA always makes a new key)"
                            if reuse_key else "")
                         + "; otherwise have its CA issue a new one.")
    other = [s for s in old.san if s.type not in ("IP", "DNS")]
    if other or not old.san:
        raise UsageError(f"{cert} names {'no subjectAltName' if not old.san else other[0].type}"
                         ", which renew cannot copy.", "Make a new one: `vncssl create --ip "
                         "ADDRESS` (or --dns NAME).")
    notices: List[create.Notice] = []
    p = create.plan([Name(s.type, s.value) for s in old.san], days=days,
                    key_type=keyargs.renewed_key_type(old, notices), cert=cert, key=key,
                    openssl_path=openssl_path, config=config,
                    subject=subj_from_rfc2253(old.subject), force=True, timeout=timeout)
    p.backup = backup
    notices += [n for n in p.notices if n.code not in ("no-ip-san", "loopback-only")]
    if reuse_key:
        from vncssl.x509.verdict import key_problems

        bad = key_problems(ossl, old, p.key.path, timeout=timeout)
        if bad:
            raise UsageError(bad[0].message, bad[0].fix)
        keyargs.refuse_explicit_reuse(old.key, key)
    return RenewPlan(p, old, reuse_key, notices)


def _own_ca(old: certfacts.CertFacts, ca_dir: Optional[str], days: int,
            openssl_path: Optional[str], timeout: Optional[float]) -> Optional[Issuer]:
    """The vncssl private CA that signed `old` (--ca-dir, VNCSSL_CA_DIR or the default
    folder), or None when it was some other CA."""
    from vncssl.ca import authority

    folder = authority.resolve_dir(ca_dir)
    if not (folder / authority.CA_CERT).is_file():
        if ca_dir:
            raise UsageError(f"--ca-dir {ca_dir}: no {authority.CA_CERT} there.",
                             "Point --ca-dir at the folder made by `vncssl ca init`.")
        return None
    key_type = keyargs.renewed_key_type(old, [])
    iss = authority.load(str(folder), days=days, key_type=key_type, openssl_path=openssl_path,
                  timeout=timeout)
    if iss.subject != old.issuer:
        if ca_dir:
            raise UsageError(f"{old.subject} was issued by {old.issuer}, not by the CA in "
                             f"{folder} ({iss.subject}).", "Point --ca-dir at its own CA.")
        return None
    return iss


def _ca_plan(old: certfacts.CertFacts, iss: Issuer, cert: str, key: str, days: int,
             openssl_path: Optional[str], config: Optional[str],
             timeout: Optional[float]) -> RenewPlan:
    names = [Name(s.type, s.value) for s in old.san if s.type in ("IP", "DNS")]
    if not names:
        raise UsageError(f"{cert} names no IP or DNS subjectAltName to re-issue.",
                         "Issue a new one: `vncssl ca issue --ip ADDRESS`.")
    # The create plan is only a carrier for the validated targets and names; the CA signs.
    p = create.Plan(recipe.CertRequest(names=tuple(names), days=days, key_type=iss.spec,
                                       cert=cert, key=key),
                    iss.ossl, Located(iss.ossl.path, iss.ossl.display, "CA"),
                    opensslcnf.ConfigChoice(None, "CA"),
                    targets.check_target(Path(cert), "certificate", force=True),
                    targets.check_target(Path(key), "private key", force=True),
                    timeout=timeout, force=True)
    return RenewPlan(p, old, False, [], issuer=iss)


def _ca_command(rp: RenewPlan) -> str:
    p, iss = rp.create_plan, rp.issuer
    assert iss is not None
    names = [a for n in p.request.names for a in (f"--{n.kind.lower()}", n.value)]
    return recipe.render_posix(["vncssl", "ca", "issue", *names, "--ca-dir",
                                str(iss.dir), "--days", str(p.request.days),
                                "--key-type", p.request.key_type.text, "--cert", p.request.cert,
                                "--key", p.request.key, "--force"])


def describe(rp: RenewPlan) -> Dict[str, Any]:
    p = rp.create_plan
    command = p.command
    if rp.issuer is not None:
        command = _ca_command(rp)
    elif rp.reuse_key:
        command = recipe.render_posix(reusekey.argv(p, Path(p.request.key), Path(p.request.cert),
                                                  p.request.config, p.request.openssl))
    return {"cert": str(p.cert.path), "key": str(p.key.path), "subject": rp.old.subject,
            "names": [{"type": n.kind, "value": n.value} for n in p.request.names],
            "days": p.request.days, "key_type": p.request.key_type.text,
            "reuse_key": rp.reuse_key, "old_fingerprint_sha256": rp.old.fingerprint_sha256,
            "command": command, "notices": [dataclasses.asdict(n) for n in rp.notices]}


def viewer_notice(cert: str, fingerprint: str) -> str:
    name = os.path.basename(cert)
    return (f"Every viewer must REPLACE its copy of the old certificate (its X509CA file, "
            f"e.g. ~/.vnc/x509_ca.pem or the file passed to -X509CA) with the new {name}. "
            f"A viewer that keeps only the old one stops with \"Unknown certificate issuer\" "
            f"(same subject, different certificate). If a viewer asks about an unknown "
            f"certificate, accept it only if it shows the new SHA-256 fingerprint "
            f"({fingerprint[:11]}...). Check a viewer's copy: "
            f"vncssl check {name} --host HOST --ca VIEWER-COPY.pem")


def _execute_ca(rp: RenewPlan) -> RenewResult:
    from vncssl.ca import issuance

    p, iss = rp.create_plan, rp.issuer
    assert iss is not None
    issued = issuance.issue(iss, list(p.request.names), p.request.cert, p.request.key,
                            force=True, backup=p.backup)
    return RenewResult(
        cert=issued.cert, key=issued.key, subject=issued.subject,
        names=[{"type": n.kind, "value": n.value} for n in p.request.names],
        not_before=issued.not_before, not_after=issued.not_after, days=p.request.days,
        key_type=p.request.key_type.text, reused_key=False,
        fingerprint_sha256=issued.fingerprint_sha256,
        old_fingerprint_sha256=rp.old.fingerprint_sha256, backups=issued.backups,
        command=_ca_command(rp),
        viewer_notice=(f"Signed by your private CA ({iss.subject}): viewers that hold "
                       f"{iss.cert} as X509CA need no change."),
        notices=rp.notices, viewers_must_replace=False)


def execute(rp: RenewPlan) -> RenewResult:
    if rp.issuer is not None:
        return _execute_ca(rp)
    p = rp.create_plan
    r = reusekey.execute(p) if rp.reuse_key else create.execute(p)
    if r.subject != rp.old.subject:
        raise OpensslFailed(f"The renewed certificate's subject is {r.subject!r}, not the old "
                            f"{rp.old.subject!r}.", "The old pair is kept: "
                            + ", ".join(r.backups) + ". Please report this.")
    return RenewResult(
        cert=r.cert, key=r.key, subject=r.subject, names=r.names, not_before=r.not_before,
        not_after=r.not_after, days=r.days, key_type=r.key_type, reused_key=rp.reuse_key,
        fingerprint_sha256=r.fingerprint_sha256,
        old_fingerprint_sha256=rp.old.fingerprint_sha256, backups=r.backups,
        command=r.command if not rp.reuse_key else describe(rp)["command"],
        viewer_notice=viewer_notice(r.cert, r.fingerprint_sha256), notices=rp.notices)


def _missing(path: Path) -> bool:
    try:
        os.stat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False  # exists or not, reading it will say what is wrong in one line
    return False
