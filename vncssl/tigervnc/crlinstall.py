"""`vncssl tigervnc viewer --install-crl FILE`: put a CRL where the viewer of this TigerVNC
generation reads it when -X509CRL is not given: `x509_crl.pem` in the folder of its default
`x509_ca.pem` (the same layout rules as `--install` for the CA). The CRL must be signed by a
CA the viewer trusts (a CRL of another CA is silently ignored by the viewer: refused here).
"""

from __future__ import annotations

import ntpath
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Optional

from vncssl.errors import UsageError
from vncssl.tigervnc import generations, settings

if TYPE_CHECKING:
    from vncssl.openssl.binary import OpensslInfo

CRL_NAME = "x509_crl.pem"


@dataclass
class CrlInstall:
    crl: str
    installed: str
    ca: str  # the X509CA file it was checked against
    issuer: str
    next_update: Optional[str]
    revoked: int
    generation: str
    backup: Optional[str] = None
    unchanged: bool = False


def crl_location(x509_ca: str) -> str:
    """x509_crl.pem beside x509_ca.pem (a Windows path stays a Windows path)."""
    pathmod = ntpath if "\\" in x509_ca else os.path
    return pathmod.join(pathmod.dirname(x509_ca), CRL_NAME)


def install_crl(ossl: OpensslInfo, crl: str, *, ca: Optional[str] = None,
                version: Optional[str] = None, env: Mapping[str, str] = os.environ,
                platform: str = sys.platform, timeout: Optional[float] = None) -> CrlInstall:
    from vncssl.x509 import certinfo
    from vncssl.x509.crl import PEM_CRL, read_crl

    gen = generations.generation(version, env, platform, programs=("vncviewer",))
    here = generations.locations(gen.modern, env, platform)
    ca_file = Path(ca) if ca else Path(here.x509_ca)
    if not ca_file.is_file():
        raise UsageError(f"No X509CA file at {ca_file} to check the CRL against.",
                         "Install the CA certificate first (`vncssl tigervnc viewer --cert "
                         "ca.pem --install`).")
    facts = read_crl(ossl, Path(crl), ca_file=ca_file, timeout=timeout)
    text = certinfo.read_pem_file(Path(crl))
    if PEM_CRL not in text:
        raise UsageError(f"{crl} is a DER CRL; the viewer reads only PEM.",
                         f"Convert it: openssl crl -inform DER -in {crl} -out crl.pem")
    start = text.index(PEM_CRL)
    end = text.index("-----END X509 CRL-----", start) + len("-----END X509 CRL-----")
    pem = text[start:end] + "\n"
    target = crl_location(here.x509_ca)
    result = CrlInstall(crl, target, str(ca_file), facts.issuer, facts.next_update,
                        len(facts.revoked), f"{gen.label} ({gen.reason})")
    old = Path(target)
    if old.is_file() and not old.is_symlink() and _text_or_none(old) == pem:
        result.unchanged = True
        return result
    result.backup = settings.write_file(target, pem, kind="viewer X509CRL file")
    return result


def _text_or_none(path: Path) -> Optional[str]:
    from vncssl.errors import VncsslError
    from vncssl.fs.safeopen import read_text

    try:  # bounded, never blocking, never through a link
        return read_text(path, "X509CRL file", follow=False)
    except VncsslError:
        return None
