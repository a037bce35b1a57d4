"""`vncssl inspect`: what a certificate file says, and what is wrong with it or its key file
(expiry, no subjectAltName, an encrypted, shared, foreign-owned or synced key)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from vncssl.openssl import binary
from vncssl.x509.certfacts import CertFacts, KeyInfo, San
from vncssl.x509.certinfo import read_chain, read_user_key, same_public_key


@dataclass
class Warning_:
    code: str
    message: str
    fix: str = ""


@dataclass
class ChainEntry:
    subject: str
    issuer: str
    is_ca: bool
    not_after: str
    fingerprint_sha256: str


@dataclass
class Inspection:
    path: str
    subject: str
    issuer: str
    self_signed: bool
    is_ca: bool
    san: List[San]
    not_before: str
    not_after: str
    days_left: int
    fingerprint_sha256: str
    signature_algorithm: str
    key: KeyInfo
    serial: str
    key_usage: Optional[List[str]]
    extended_key_usage: Optional[List[str]]
    chain: List[ChainEntry]  # every certificate in the file, when it holds more than one
    key_file: Optional[str] = None
    key_matches: Optional[bool] = None  # only with --key
    warnings: List[Warning_] = field(default_factory=list)


def inspect(ossl: binary.OpensslInfo, cert: Path, key: Optional[Path] = None, *,
            now: Optional[dt.datetime] = None, timeout: Optional[float] = None,
            chain: Optional[List[CertFacts]] = None) -> Inspection:
    """The `inspect` view of `cert` (or of `chain` when the caller has read it already)."""
    if chain is None:
        chain = read_chain(ossl, cert, now=now, timeout=timeout)
    c = chain[0]
    warnings: List[Warning_] = []
    if c.days_left < 0:
        warnings.append(Warning_("expired", f"The certificate expired on {c.not_after}.",
                                 "Renew it: `vncssl renew`."))
    elif c.days_left <= 30:
        warnings.append(Warning_("expires-soon", f"The certificate expires in {c.days_left} "
                                 f"days ({c.not_after}).", "Renew it: `vncssl renew`."))
    if not c.san:
        warnings.append(Warning_("no-san", "The certificate has no subjectAltName: TigerVNC "
                                 "then matches DNS names against the CN only, and IP addresses "
                                 "never.", "Make one with names: `vncssl create --ip ADDRESS`."))
    result = Inspection(
        path=str(cert), subject=c.subject, issuer=c.issuer, self_signed=c.self_signed,
        is_ca=c.is_ca, san=c.san, not_before=c.not_before, not_after=c.not_after,
        days_left=c.days_left, fingerprint_sha256=c.fingerprint_sha256,
        signature_algorithm=c.signature_algorithm, key=c.key, serial=c.serial,
        key_usage=c.key_usage, extended_key_usage=c.extended_key_usage,
        chain=[ChainEntry(x.subject, x.issuer, x.is_ca, x.not_after, x.fingerprint_sha256)
               for x in chain] if len(chain) > 1 else [],
        warnings=warnings)
    if key is not None:
        result.key_file = str(key)
        facts = read_user_key(ossl, key, timeout=timeout)
        result.key_matches = same_public_key(c.public_key_pem, facts.public_key_pem)
        if facts.encrypted:
            warnings.append(Warning_("encrypted-key", f"{key} is encrypted: the TigerVNC "
                                     "server cannot read it (the guide's -nodes).",
                                     f"Decrypt it: `openssl pkey -in {key} -out KEY.pem`."))
        warnings += key_file_warnings(key)
    return result


def key_file_warnings(key: Path) -> List[Warning_]:
    """Mode, owner and synced-folder problems of a private key file."""
    from vncssl.fs import targets  # only with --key: spares its import on every other run
    from vncssl.fs.synced import synced_folder

    out: List[Warning_] = []
    mode = targets.mode_of(key)
    if mode is not None and mode & 0o077:
        out.append(Warning_("key-mode", f"{key} is readable by others (mode {mode:04o}).",
                            f"Make it private: `chmod 600 {key}`."))
    if hasattr(os, "getuid"):
        try:
            owner = os.stat(key).st_uid
        except OSError:
            owner = os.getuid()
        if owner != os.getuid():
            out.append(Warning_("key-owner", f"{key} belongs to another user (uid {owner}).",
                                "The key should belong to the user that runs the VNC server: "
                                f"`chown $USER {key}`."))
    service = synced_folder(key)
    if service:
        out.append(Warning_("synced-folder", f"{key} is in a folder synced by {service}.",
                            "Move the private key out of synced or backed-up folders."))
    return out
