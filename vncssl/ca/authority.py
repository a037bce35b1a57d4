"""A private certificate authority: `ca init`, and loading it for issuing (one server: issuance.py;
many at once: fleet.py).

Layout of a CA folder (0700): ca.pem (the certificate viewers use as X509CA), ca-key.pem
(0600), issued/<serial>.pem (a copy of every certificate issued: the index, as `openssl ca`'s
new_certs_dir). Serials are random (openssl's own: 159 bits from OpenSSL 1.1.0, 64 bits on
1.0.2 and LibreSSL, OpensslInfo.random_serial_bits), so parallel jobs and several machines
never need a shared counter.

openssl processes per issued certificate: OpenSSL 3.0+ makes the key and the CA-signed
certificate in ONE `req -x509 -CA` process; older OpenSSL and LibreSSL use `req -new` then
`x509 -req`. One more `x509` reads the result back to prove it is what was asked for.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional

from vncssl.ca.cafolder import (  # noqa: F401 - re-exported: the CA folder's names
    CA_CERT,
    CA_KEY,
    ISSUED,
    check_ca_files,
    check_empty_or_ca,
    make_private_dir,
)
from vncssl.errors import OpensslFailed, UsageError
from vncssl.fs import atomic, targets, workdir, writes
from vncssl.openssl import binary, keygen, runner
from vncssl.teach import recipe
from vncssl.x509 import certinfo
from vncssl.x509 import names as names_mod
from vncssl.x509.certfacts import CertFacts
from vncssl.x509.extensions import CA_SECTION, ca_config, subject_args

DEFAULT_CA_DAYS = 3650


def default_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Per-user data folder (XDG on Linux), overridable with VNCSSL_CA_DIR."""
    from vncssl.fs.home import home

    if env.get("VNCSSL_CA_DIR"):
        return targets.absolute(Path(env["VNCSSL_CA_DIR"]), "CA folder")
    if sys.platform.startswith("win"):
        base = env.get("LOCALAPPDATA") or str(home(env) / "AppData" / "Local")
        return Path(base) / "vncssl" / "ca"
    if sys.platform == "darwin":
        return home(env) / "Library" / "Application Support" / "vncssl" / "ca"
    return Path(env.get("XDG_DATA_HOME") or home(env) / ".local" / "share") / "vncssl" / "ca"


def resolve_dir(ca_dir: Optional[str]) -> Path:
    """--dir / --ca-dir as given (absolute), else the default CA folder."""
    return targets.absolute(Path(ca_dir), "CA folder") if ca_dir else default_dir()


def unique_id() -> str:
    """A subject attribute that makes every certificate's subject unique: a renewed cert
    must never share its subject with the old one (the viewer then refuses or asks)."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(4)}"  # an identifier, not key material


@dataclass
class CaInitResult:
    dir: str
    cert: str
    key: str
    dir_mode: Optional[str]
    key_mode: Optional[str]
    subject: str
    not_after: str
    days: int
    key_type: str
    fingerprint_sha256: str
    backups: List[str]
    next_steps: List[str]


def init(ca_dir: Optional[str] = None, *, name: Optional[str] = None,
         days: int = DEFAULT_CA_DAYS, key_type: str = "rsa", openssl_path: Optional[str] = None,
         force: bool = False, timeout: Optional[float] = None) -> CaInitResult:
    folder = resolve_dir(ca_dir)
    spec = recipe.parse_key_type(key_type)
    recipe.check_days(days)
    subj = names_mod.subject([("CN", name or f"vncssl private CA ({_hostname()})"),
                              ("serialNumber", unique_id())])
    make_private_dir(folder)
    check_empty_or_ca(folder)
    cert_t = targets.check_target(folder / CA_CERT, "CA certificate", force=force)
    key_t = targets.check_target(folder / CA_KEY, "CA private key", force=force)
    ossl, _ = binary.find(openssl_path, timeout=timeout)
    with workdir.private_workdir(folder) as work:
        key_tmp, cert_tmp, cfg = work / "key.pem", work / "cert.pem", work / "ca.cnf"
        writes.precreate_private(key_tmp)
        writes.precreate_public(cert_tmp)
        writes.write_text(cfg, ca_config(), 0o600)
        runner.run([ossl.path, "req", "-x509", *keygen.newkey(ossl, spec, work, timeout=timeout),
                    "-nodes",
                     "-days", str(days), "-config", str(cfg), "-extensions", CA_SECTION,
                     "-keyout", str(key_tmp), "-out", str(cert_tmp), *subject_args(subj)],
                    timeout=timeout, cwd=str(work), what="openssl req (CA)")
        facts = certinfo.read_cert(ossl, cert_tmp, timeout=timeout)
        if not facts.is_ca:
            raise OpensslFailed("openssl made a CA certificate without CA:TRUE.",
                                "Try another openssl with --openssl.")
        backups = atomic.install([(key_tmp, key_t), (cert_tmp, cert_t)], force=force,
                                backup=True)
    make_private_dir(folder / ISSUED)
    ca_cert = str(cert_t.path)
    return CaInitResult(
        dir=str(folder), cert=ca_cert, key=str(key_t.path), dir_mode=targets.mode_text(folder),
        key_mode=targets.mode_text(key_t.path), subject=facts.subject, not_after=facts.not_after,
        days=days, key_type=spec.text, fingerprint_sha256=facts.fingerprint_sha256,
        backups=[str(b) for b in backups],
        next_steps=[
            f"Issue a server certificate: `vncssl ca issue --ca-dir {folder} --ip 192.168.1.5`",
            f"Many servers at once: `vncssl ca issue --ca-dir {folder} --from hosts.txt`",
            f"Give every viewer {ca_cert} once, as its X509CA (never ca-key.pem).",
        ])


def _hostname() -> str:
    import socket

    return re.sub(r"[^A-Za-z0-9.-]", "", socket.gethostname())[:40] or "this machine"


@dataclass
class Issuer:
    """A loaded, checked CA plus everything each job needs; shared read-only by threads."""

    ossl: binary.OpensslInfo
    dir: Path
    cert: Path
    key: Path
    subject: str
    days: int
    spec: recipe.KeySpec
    timeout: Optional[float]
    ca_facts: Optional[CertFacts] = None  # ca.pem as read by load(): the viewer's X509CA

    @property
    def one_process(self) -> bool:
        # `req -x509 -CA/-CAkey` arrived in OpenSSL 3.0; LibreSSL has no such option.
        return self.ossl.flavour == "OpenSSL" and self.ossl.version >= (3, 0, 0)


def load(ca_dir: Optional[str] = None, *, days: int = recipe.DEFAULT_DAYS,
         key_type: str = "rsa", openssl_path: Optional[str] = None,
         timeout: Optional[float] = None) -> Issuer:
    folder = resolve_dir(ca_dir)
    spec = recipe.parse_key_type(key_type)
    recipe.check_days(days)
    cert, key = folder / CA_CERT, folder / CA_KEY
    check_ca_files(folder)
    timeout = runner.default_timeout() if timeout is None else timeout
    ossl, _ = binary.find(openssl_path, timeout=timeout)
    keys: List[certinfo.KeyFacts] = []  # the key is read while openssl reads the certificate
    facts = certinfo.read_cert(ossl, cert, timeout=timeout, meanwhile=lambda: keys.append(
        certinfo.read_key(ossl, key, timeout=timeout)))
    if not facts.is_ca:
        raise UsageError(f"{cert} is not a CA certificate (no CA:TRUE).",
                         "Point --ca-dir at a folder made by `vncssl ca init`.")
    if facts.days_left < 0:
        raise UsageError(f"The CA certificate {cert} expired on {facts.not_after}.",
                         "Make a new CA with `vncssl ca init --force` and give viewers the new "
                         "ca.pem.")
    key_facts = keys[0]
    if key_facts.encrypted:
        raise UsageError(f"The CA key {key} is encrypted (it has a passphrase); vncssl never "
                         "asks for one.", f"Decrypt it once: openssl pkey -in {key} -out "
                         f"{key}.new && mv {key}.new {key} (keep it 0600).")
    if not certinfo.same_public_key(facts.public_key_pem, key_facts.public_key_pem):
        raise UsageError(f"{key} does not belong to {cert}.", "Restore the matching CA key.")
    return Issuer(ossl, folder, cert, key, facts.subject, days, spec, timeout, facts)

