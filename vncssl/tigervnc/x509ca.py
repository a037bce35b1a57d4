"""`tigervnc viewer --install`: the viewer's default X509CA file, and which certificates in
it a new one really supersedes.

A certificate replaces another only when it is the same server's, later: same subject, same
issuer, the same key lineage (the same public key, as `renew --reuse-key` keeps; or, for
certificates a CA issued, the same issuing key), and a later validity. Two servers that
share `CN=192.168.1.5` are two lines of certificates: both stay (the viewer tries each
certificate with that subject, see TIGERVNC-NOTES), and installing an older certificate
never evicts its own renewal.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional

from vncssl.errors import UsageError
from vncssl.notice import Notice
from vncssl.tigervnc import settings

if TYPE_CHECKING:
    from vncssl.openssl.binary import OpensslInfo
    from vncssl.tigervnc.viewer import ViewerSettings
    from vncssl.x509.certfacts import CertFacts


def same_lineage(a: CertFacts, b: CertFacts) -> bool:
    from vncssl.x509.certinfo import same_public_key

    if a.subject != b.subject or a.issuer != b.issuer:
        return False
    if same_public_key(a.public_key_pem, b.public_key_pem):
        return True
    # Issued by the same CA key: the same server's certificate, re-issued. (A self-signed
    # certificate's authority key id is its own key's: covered by the key test above.)
    return (not a.self_signed and not b.self_signed and bool(a.authority_key_id)
            and a.authority_key_id == b.authority_key_id)


def supersedes(new: CertFacts, old: CertFacts) -> bool:
    """`new` is a later certificate of `old`'s line, so the viewer no longer needs `old`."""
    later = (new.not_before_dt, new.not_after_dt) > (old.not_before_dt, old.not_after_dt)
    return later and same_lineage(new, old)


def _entry(f: CertFacts, why: str) -> Dict[str, str]:
    return {"fingerprint_sha256": f.fingerprint_sha256, "subject": f.subject,
            "not_after": f.not_after, "why": why}


def install(ossl: OpensslInfo, s: ViewerSettings, *, timeout: Optional[float] = None
            ) -> ViewerSettings:
    """Put the certificate into the viewer's default X509CA file (backed up first), removing
    only what it supersedes; `s.replaced` and `s.kept` say what happened to the others."""
    from vncssl.x509 import certinfo

    # A DER file is installed as the PEM openssl makes of it: the viewer reads only PEM.
    new_pem = certinfo.certificate_pems(ossl, Path(s.cert), timeout=timeout)
    if not new_pem:
        raise UsageError(f"{s.cert} holds no certificate.",
                         "Give the server's certificate (PEM or DER), never its key.")
    new = certinfo.read_cert(ossl, Path(s.cert), pem=new_pem[0], timeout=timeout)
    target = Path(s.x509_ca_default)
    blocks: List[str] = []
    newer: Optional[CertFacts] = None
    if os.path.lexists(target) and not target.is_symlink():
        # The existing X509CA file: bounded and never blocking (a FIFO there is refused).
        present = certinfo.split_pem(certinfo.read_pem_file(target, "X509CA file"),
                                     str(target))
        for block, f in zip(present, certinfo.read_pems(ossl, present, target,
                                                         timeout=timeout)):
            if f.fingerprint_sha256 == new.fingerprint_sha256:
                s.already_present = True
            elif supersedes(new, f):
                s.replaced.append(f.fingerprint_sha256)
                continue
            elif supersedes(f, new):
                newer = f
                s.kept.append(_entry(f, "a later certificate of the same server (same key "
                                     "or issuer): kept; the older one was not added"))
            elif f.subject == new.subject:
                s.kept.append(_entry(f, "same subject, but another key or issuer: another "
                                     "server's certificate, or one renewed with a new key "
                                     "(remove that one by hand once no server uses it)"))
            blocks.append(block)
    s.installed = str(target)
    if newer is not None:
        s.notices.append(Notice("SUPERSEDED", f"{target} already holds a later certificate "
                                f"of this server (valid until {newer.not_after}); the older "
                                f"{s.cert} was not added.",
                                "Install the server's current certificate instead."))
    if (s.already_present and not s.replaced) or newer is not None:
        return s
    if not s.already_present:
        blocks.append(new_pem[0])
    s.backup = settings.write_file(str(target), "".join(blocks), kind="viewer X509CA file")
    return s
