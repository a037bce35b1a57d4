"""`vncssl inspect`: what a certificate file says, and what is wrong with it or its key file
(expiry, no subjectAltName, an encrypted, shared, foreign-owned or synced key)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from vncssl.notice import command, renew_command
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
    # only with --key; None with an encrypted key: whether it matches is unknown until it is
    # decrypted (vncssl never asks for a passphrase)
    key_matches: Optional[bool] = None
    key_encrypted: Optional[bool] = None
    warnings: List[Warning_] = field(default_factory=list)


def inspect(ossl: binary.OpensslInfo, cert: Path, key: Optional[Path] = None, *,
            now: Optional[dt.datetime] = None, timeout: Optional[float] = None,
            chain: Optional[List[CertFacts]] = None) -> Inspection:
    """The `inspect` view of `cert` (or of `chain` when the caller has read it already)."""
    if chain is None:
        chain = read_chain(ossl, cert, now=now, timeout=timeout)
    c = chain[0]
    now = now or dt.datetime.now(dt.timezone.utc)
    renew = f"Renew it: `{renew_command(cert)}`."
    warnings: List[Warning_] = []
    if c.days_left < 0:
        warnings.append(Warning_("expired", f"The certificate expired on {c.not_after}.",
                                 renew))
    elif c.not_before_dt > now:
        warnings.append(Warning_("not-yet-valid", f"The certificate is valid only from "
                                 f"{c.not_before}: the viewer refuses it until then.",
                                 "Check the clocks, or re-issue it valid from now: "
                                 f"`{renew_command(cert)}`."))
    elif c.days_left <= 30:
        warnings.append(Warning_("expires-soon", f"The certificate expires in {c.days_left} "
                                 f"days ({c.not_after}).", renew))
    for i, x in enumerate(chain[1:], 1):
        # A chain the server sends is judged whole: one expired link and the viewer stops.
        if x.not_after_dt < now:
            warnings.append(Warning_("chain-expired", f"Certificate {i} of the chain "
                                     f"({x.subject}) expired on {x.not_after}.",
                                     "Replace it with its CA's current certificate."))
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
        result.key_encrypted = facts.encrypted
        decrypt = command("openssl", "pkey", "-in", key, "-out", "KEY.pem")
        if facts.encrypted:
            warnings.append(Warning_("encrypted-key", f"{key} is encrypted (has a passphrase): "
                                     "the TigerVNC server cannot read it (the guide's -nodes), "
                                     "and whether it matches is unknown until it is decrypted.",
                                     f"Decrypt it: `{decrypt}`."))
        else:
            result.key_matches = same_public_key(c.public_key_pem, facts.public_key_pem)
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
                            f"Make it private: `{command('chmod', '600', key)}`."))
    if hasattr(os, "getuid"):
        try:
            owner = os.stat(key).st_uid
        except OSError:
            owner = os.getuid()
        if owner != os.getuid():
            out.append(Warning_("key-owner", f"{key} belongs to another user (uid {owner}).",
                                "The key should belong to the user that runs the VNC server: "
                                f"`chown \"$USER\" {command(key)}`."))
    service = synced_folder(key)
    if service:
        out.append(Warning_("synced-folder", f"{key} is in a folder synced by {service}.",
                            "Move the private key out of synced or backed-up folders."))
    return out
