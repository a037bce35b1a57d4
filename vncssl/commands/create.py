"""`vncssl create`: plan the guide's command, run it safely, prove the result.

plan() resolves everything and writes nothing (it is all `--dry-run` needs); execute() runs
the one `openssl req`, then checks the result with openssl before anything is moved into
place. openssl processes per run: `version -a` (cached per binary), `req`, `x509` (all cert
facts in one call), `pkey` (the key's public half, to prove the pair matches).
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence

from vncssl.commands import keyargs
from vncssl.errors import UsageError
from vncssl.fs import atomic, targets, workdir, writes
from vncssl.fs.synced import synced_folder
from vncssl.fs.vcs import git_work_tree
from vncssl.notice import Notice
from vncssl.openssl import binary, opensslcnf, runner
from vncssl.openssl.binary import OpensslInfo
from vncssl.openssl.locate import Located
from vncssl.teach import nextsteps, recipe
from vncssl.x509.names import Name

if TYPE_CHECKING:
    from vncssl.x509 import certfacts

BUILTIN_CONFIG_NAME = "vncssl-openssl.cnf"


@dataclass
class Plan:
    request: recipe.CertRequest  # as shown to the user (their paths, `openssl` as typed)
    openssl: OpensslInfo
    located: Located
    config: opensslcnf.ConfigChoice
    cert: targets.Target
    key: targets.Target
    notices: List[Notice] = field(default_factory=list)
    timeout: Optional[float] = None
    force: bool = False
    backup: bool = True  # keep a replaced pair as NAME.<time>.bak (the key's 0600)

    @property
    def argv(self) -> List[str]:
        return recipe.build_argv(self.request)

    @property
    def command(self) -> str:
        return recipe.render_posix(self.argv)

    @property
    def config_text(self) -> Optional[str]:
        """The text of the config the shown command names when that is not an existing file
        (vncssl's minimal one; or, for a build without -addext, the chosen one plus the SAN
        section): save it as vncssl-openssl.cnf and the shown command runs as shown."""
        return _config_text(self)

    def saved_config(self) -> Dict[str, Optional[str]]:
        """For --json: the file the shown command names and its text, when it must be saved."""
        text = self.config_text
        return {} if text is None else {"shown_as": self.request.config, "text": text}


@dataclass
class CreateResult:
    cert: str
    key: str
    cert_mode: Optional[str]
    key_mode: Optional[str]
    names: List[Dict[str, str]]
    subject: str
    not_before: str
    not_after: str
    days: int
    fingerprint_sha256: str
    key_type: str
    replaced: List[str]
    backups: List[str]
    command: str
    openssl: Dict[str, str]
    config: Dict[str, Optional[str]]
    notices: List[Notice]
    next_steps: List[str]


def plan(
    names: Sequence[Name],
    *,
    days: int = recipe.DEFAULT_DAYS,
    key_type: str = "rsa",
    cert: str = recipe.DEFAULT_CERT,
    key: str = recipe.DEFAULT_KEY,
    openssl_path: Optional[str] = None,
    config: Optional[str] = None,
    subject: Optional[str] = None,
    force: bool = False,
    timeout: Optional[float] = None,
    ask_openssl: Optional[Callable] = None,
    dry_run: bool = False,
    backup: bool = True,
) -> Plan:
    """Validate everything, find openssl and a config; run nothing but `version -a`."""
    if not names:
        raise UsageError("No names for the certificate.", "Pass --ip and/or --dns.")
    spec = recipe.parse_key_type(key_type)
    recipe.check_days(days)
    # A dry run only shows the command: existing files are reported, not refused.
    cert_t = targets.check_target(Path(cert), "certificate", force=force or dry_run,
                                  missing_folder_ok=dry_run)
    key_t = targets.check_target(Path(key), "private key", force=force or dry_run,
                                 missing_folder_ok=dry_run)
    targets.check_distinct(cert_t, key_t)
    timeout = runner.default_timeout() if timeout is None else timeout
    info, located = binary.find(openssl_path, ask=ask_openssl, timeout=timeout)
    if spec.algorithm == "ed25519" and not info.supports_ed25519:
        raise UsageError(f"{info.version_text} cannot make Ed25519 keys.",
                         "Use --key-type rsa (the guide's) or ec.")
    choice = opensslcnf.choose(config, openssl_path=info.path, openssldir=info.openssldir,
                               needs_dn=info.needs_distinguished_name)
    notices: List[Notice] = []
    # A build without -addext needs the SAN in a config section: the shown command names a
    # file the user saves from config_text (the chosen config itself lacks the section).
    config_shown = choice.path if choice.path and info.supports_addext else BUILTIN_CONFIG_NAME
    if choice.path is None:
        notices.append(Notice("builtin-config", "No usable openssl.cnf was found, so vncssl "
                              "uses a minimal one of its own (written to a private temporary "
                              "folder and removed afterwards).",
                              "Pass --config to use a specific openssl.cnf."))
    if not info.supports_addext:
        notices.append(Notice("no-addext", f"{info.version_text} has no -addext, so the "
                              f"subjectAltName goes into a config section [{recipe.SAN_SECTION}]"
                              " (selected with -extensions) instead.",
                              "Nothing to do; a newer openssl makes the guide's exact command."))
    newkey, more = keyargs.build_newkey(info, spec, choice.path, located.display)
    notices += more + keyargs.config_notices(choice.path, info.supports_addext)
    request = recipe.CertRequest(
        names=tuple(names), days=days, key_type=spec, cert=cert, key=key,
        config=config_shown, openssl=located.display, subject=subject,
        use_addext=info.supports_addext, newkey=newkey)
    notices += advice(names, key_t.path)
    existing = [t for t in (cert_t, key_t) if t.exists]
    if dry_run and existing and not force:
        notices.append(Notice("exists", " and ".join(str(t.path) for t in existing)
                              + " already exist" + ("s" if len(existing) == 1 else "")
                              + ": the real run refuses to replace them without --force."))
    return Plan(request, info, located, choice, cert_t, key_t, notices, timeout, force,
                backup)


def advice(names: Sequence[Name], key_path: Path) -> List[Notice]:
    out: List[Notice] = []
    service = synced_folder(key_path)
    if service:
        out.append(Notice("synced-folder", f"The private key is in a folder synced by {service} "
                          f"({key_path.parent}).", "Move it somewhere that is not synced or "
                          "backed up (the guide's advice), e.g. with --key."))
    tree = git_work_tree(key_path)
    if tree is not None:
        out.append(Notice("in-git-tree", f"The private key goes inside the git work tree "
                          f"{tree}: one `git add` away from being committed.",
                          "Keep keys outside the checkout (e.g. --key ~/.vnc/key.pem); "
                          "vncssl's own .gitignore covers its default names."))
    if not any(n.kind == "IP" for n in names):
        out.append(Notice("no-ip-san", "The certificate names no IP address: viewers must "
                          "connect with the DNS name; typing the IP gives a hostname mismatch "
                          "(TigerVNC never matches an IP against the CN).",
                          "Add --ip ADDRESS if viewers connect by IP."))
    ips = [n.value for n in names if n.kind == "IP"]
    if ips and all(ip.startswith("127.") or ip == "::1" for ip in ips) and len(ips) == len(names):
        out.append(Notice("loopback-only", "The certificate names only loopback addresses: it "
                          "serves viewers on this machine or through an SSH tunnel.",
                          "Add the LAN address viewers type (see `vncssl ips`)."))
    return out


def execute(p: Plan) -> CreateResult:
    cert_dir, key_dir = p.cert.path.parent, p.key.path.parent
    with contextlib.ExitStack() as stack:
        key_work = stack.enter_context(workdir.private_workdir(key_dir))
        cert_work = key_work if cert_dir == key_dir else stack.enter_context(
            workdir.private_workdir(cert_dir))
        key_tmp, cert_tmp = key_work / "key.pem", cert_work / "cert.pem"
        writes.precreate_private(key_tmp)
        writes.precreate_public(cert_tmp)
        config_path = config_for_run(p, key_work)
        run_req = dataclasses.replace(p.request, openssl=p.openssl.path, key=str(key_tmp),
                                      cert=str(cert_tmp), config=config_path,
                                      newkey=keyargs.newkey_for_run(
                                          p.request.newkey, p.openssl, p.request.key_type,
                                          key_work, p.timeout))
        runner.run(recipe.build_argv(run_req), timeout=p.timeout, cwd=str(key_work),
                   what="openssl req", meanwhile=_import_read_back)
        from vncssl.commands import readback

        facts = readback.verify(p.openssl, p.request, p.argv, cert_tmp, key_tmp,
                                timeout=p.timeout)
        replaced = [str(t.path) for t in (p.key, p.cert) if t.path.exists()]
        backups = atomic.install([(key_tmp, p.key), (cert_tmp, p.cert)], force=p.force,
                                backup=p.backup)
    return dataclasses.replace(result_of(p, facts, replaced),
                               backups=[str(b) for b in backups])


def _import_read_back() -> None:
    # The read-back's modules (DER reader, fact parser, strength rules) are imported while
    # openssl makes the key, not before it starts: on two cores that start-up is free.
    from vncssl.commands import readback  # noqa: F401
    from vncssl.x509 import verdict  # noqa: F401 - the viewer's rules, for every name


def _config_text(p: Plan) -> Optional[str]:
    base_text = None
    if p.config.path is None:
        base_text = opensslcnf.MINIMAL_CONFIG
    if not p.request.use_addext:
        if base_text is None:
            from vncssl.x509 import certinfo

            base_text = certinfo.read_pem_file(Path(p.config.path or ""), "openssl config")
        base_text = opensslcnf.san_config(base_text, recipe.SAN_SECTION, p.request.san)
    return base_text


def config_for_run(p: Plan, work: Path) -> str:
    base_text = _config_text(p)
    if base_text is None:
        return p.config.path or ""
    path = work / BUILTIN_CONFIG_NAME
    writes.write_text(path, base_text, 0o600)
    return str(path)


def result_of(p: Plan, facts: certfacts.CertFacts, replaced: List[str]) -> CreateResult:
    cert_abs, key_abs = str(p.cert.path), str(p.key.path)
    return CreateResult(
        cert=cert_abs, key=key_abs, cert_mode=targets.mode_text(p.cert.path),
        key_mode=targets.mode_text(p.key.path),
        names=[{"type": n.kind, "value": n.value} for n in p.request.names],
        subject=facts.subject, not_before=facts.not_before, not_after=facts.not_after,
        days=p.request.days, fingerprint_sha256=facts.fingerprint_sha256,
        key_type=p.request.key_type.text, replaced=replaced, backups=[], command=p.command,
        openssl={"path": p.openssl.path, "version": p.openssl.version_text,
                 "found_by": p.located.source},
        config={"path": p.config.path, "reason": p.config.reason},
        notices=p.notices, next_steps=nextsteps.after_create(cert_abs, key_abs, p.request.names),
    )
