"""`vncssl doctor [HOST[:N|::PORT]]`: a checklist for either machine. Server side: the
running TigerVNC servers (or, if none, the installed generation's config files) and their
certificate and key; viewer side: the X509CA, CRL and x509_known_hosts the installed viewer
reads; with HOST: a probe, judged with that X509CA. Only reads: every fix is a command the
user runs. Exit: 0 all passed, 1 a check failed, 3 a check could not run (none failed).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from vncssl.commands import doctor_server, doctor_viewer
from vncssl.commands.doctor_checks import Check, error, exit_code, ok, skip
from vncssl.errors import UsageError, VncsslError

SIDES = ("auto", "server", "viewer")


@dataclass
class DoctorReport:
    target: Optional[str]
    checks: List[Check] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return exit_code(self.checks)

    def to_json(self) -> Dict[str, Any]:
        return {"target": self.target, "exit_code": self.exit_code,
                "passed": self.exit_code == 0, "checks": [asdict(c) for c in self.checks]}


def _server_user(setup: Any, user: Optional[str]) -> Any:
    from vncssl.fs import access

    if user:
        found = access.who_by_name(user)
        if found is None:
            raise UsageError(f"--user {user!r}: no such user here.",
                             "Give the user the TigerVNC server runs as.")
        return found
    return access.who(setup.uid if setup.uid is not None else os.getuid())


def _addresses() -> List[str]:
    from vncssl.net import interfaces

    try:
        return [a.ip for a in interfaces.ranked() if a.usable]
    except Exception:  # noqa: BLE001 - no address list is a note, not a failure
        return []


def server_side(ossl: Any, port: Optional[int], host: Optional[str], *, user: Optional[str],
                config: Optional[str], within: int, timeout: Optional[float],
                env: Mapping[str, str]) -> List[Check]:
    from vncssl.tigervnc import servers

    if os.name != "posix":
        return [skip("server", "server", "TigerVNC server", "server checks need Linux/Unix "
                     "(WinVNC keeps its settings in the registry)")]
    setups = [] if config else servers.running()
    if port is not None:
        setups = [s for s in setups if s.port == port]
    if not setups:
        conf = servers.configured(env, config=config)
        installed = any(shutil.which(p, path=env.get("PATH")) for p in servers.SERVER_PROGRAMS)
        if conf is None or not (installed or config):
            return [skip("server", "server", "TigerVNC server", "no TigerVNC server runs or "
                         "is configured here")]
        setups = [conf]
    checks: List[Check] = []
    addresses = _addresses()
    for setup in setups:
        who = _server_user(setup, user)
        where = f" on port {setup.port}" if setup.port else ""
        checks.append(ok("server", "server", "TigerVNC server", f"{setup.origin}{where}, "
                         f"runs as {who.name}; settings from {', '.join(setup.sources)}"))
        checks += doctor_server.check_types(setup)
        checks += doctor_server.check_files(ossl, setup, who, host, within, addresses, timeout)
    return checks


def viewer_side(ossl: Any, target: Optional[Any], target_text: str, *, ca: Optional[str],
                timeout: Optional[float], env: Mapping[str, str]) -> List[Check]:
    from vncssl.tigervnc import probe

    f = doctor_viewer.viewer_files(env, ca=ca)
    host = target.host if target else None
    checks = doctor_viewer.check_viewer(f, host)
    if f.version is None and not ca and not f.x509_ca.exists() and target is None:
        return checks
    ca_check, ca_usable = doctor_viewer.check_ca(ossl, f, timeout)
    checks.append(ca_check)
    report = None
    probed: List[Check] = []  # shown last, after the viewer's own files
    if target is not None:
        try:
            # What the installed viewer reads, and nothing else (no other generation's file).
            trust = probe.load_trust(ossl, str(f.x509_ca), timeout=timeout, env=env) \
                if ca_usable else probe.Trust(None, None, "system trust store only (no X509CA "
                                              "file the viewer reads)", True)
            report = probe.examine(ossl, target_text, trust=trust, timeout=timeout, env=env)
        except VncsslError as exc:
            probed.append(doctor_viewer.probe_error(target.display, exc))
        else:
            probed += doctor_viewer.probe_checks(report)
    leaf = report.leaf if report is not None else None
    try:
        checks.append(doctor_viewer.check_crl(ossl, f, leaf, f.x509_ca if ca_usable else None,
                                              timeout))
    except VncsslError as exc:
        checks.append(error("crl", "viewer", "Certificate revocation list", exc.message))
    checks.append(doctor_viewer.check_known_hosts(f, host, leaf, bool(report and
                                                                      report.accepted)))
    return checks + probed


def diagnose(ossl: Any, target_text: Optional[str] = None, *, user: Optional[str] = None,
             ca: Optional[str] = None, config: Optional[str] = None, side: str = "auto",
             within: int = 30, timeout: Optional[float] = None,
             env: Mapping[str, str] = os.environ) -> DoctorReport:
    from vncssl.tigervnc.address import parse_target

    if side not in SIDES:
        raise UsageError(f"--side {side!r} is not one of {', '.join(SIDES)}.", "")
    if within < 0:
        raise UsageError(f"--within {within}: must be 0 or more days.", "E.g. --within 30.")
    target = parse_target(target_text) if target_text else None
    report = DoctorReport(target.display if target else None)
    if side in ("auto", "server"):
        report.checks += server_side(ossl, target.port if target else None,
                                     target.host if target else None, user=user,
                                     config=config, within=within, timeout=timeout, env=env)
    if side in ("auto", "viewer"):
        report.checks += viewer_side(ossl, target, target_text or "", ca=ca, timeout=timeout,
                                     env=env)
    return report
