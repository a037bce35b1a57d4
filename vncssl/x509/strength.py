"""Judging a certificate vncssl has just made, before it is installed: a floor it must meet
(RSA of at least 2048 bits, no MD5 or SHA-1 signature, a keyUsage that allows
digitalSignature) and the viewer's own verdict (`verdict.judge`) for every name it carries.

A hostile or careless openssl.cnf (`default_bits = 1024`, `default_md = md5`,
`keyUsage = keyCertSign`) makes openssl exit 0 with such a certificate; this is where vncssl
refuses it (exit 3) and says which setting of which config did it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from vncssl.errors import OpensslFailed
from vncssl.openssl import binary
from vncssl.x509.certfacts import CertFacts
from vncssl.x509.dernames import DerCert

MIN_RSA_BITS = 2048
# md5WithRSAEncryption, sha1WithRSAEncryption, ecdsa-with-SHA1, dsaWithSHA1, RSA-SHA1...
_WEAK_SIGNATURE = re.compile(r"(md2|md4|md5|sha1)(?![0-9])")


def floor_problems(facts: CertFacts) -> List[Tuple[str, str]]:
    """(what is wrong, the openssl.cnf setting that does it) for each floor it misses."""
    usage = None if facts.key_usage is None else list(facts.key_usage)
    return _floor(facts.key.type, facts.key.bits, facts.signature_algorithm, usage)


def der_floor_problems(cert: DerCert) -> List[Tuple[str, str]]:
    """The same floor, read from the certificate's structure (ca issue --from's batch)."""
    usage = None if cert.key_usage is None else sorted(cert.key_usage)
    return _floor(cert.key.type, cert.key.bits, cert.signature_hash or "", usage)


def _floor(key_type: str, bits: Optional[int], signature: str, usage: Optional[List[str]]
           ) -> List[Tuple[str, str]]:
    out = []
    if key_type == "RSA" and (bits or 0) < MIN_RSA_BITS:
        out.append((f"its RSA key has {bits} bits (at least {MIN_RSA_BITS} are "
                    "needed)", "default_bits"))
    weak = _WEAK_SIGNATURE.search(signature.lower())
    if weak:
        out.append((f"it is signed with {signature} ({weak.group(1).upper()} "
                    "is broken)", "default_md"))
    if usage is not None and "Digital Signature" not in usage:
        out.append((f"its keyUsage ({', '.join(usage)}) lacks digitalSignature, so "
                    "the TigerVNC server can use no cipher suite", "keyUsage"))
    return out


def judge_new(ossl: binary.OpensslInfo, facts: CertFacts, cert_file: Path,
              hosts: Sequence[str], *, config: Optional[str], argv: Sequence[str] = (),
              ca: Optional[List[CertFacts]] = None, ca_file: Optional[Path] = None,
              timeout: Optional[float] = None) -> None:
    """Raise OpensslFailed (exit 3; nothing is installed) when the new certificate misses the
    floor or the viewer would not connect to one of its names without a prompt. `ca`: the
    issuing CA (None: the certificate is its own X509CA, as the guide sets it up)."""
    from vncssl.x509 import verdict
    from vncssl.x509.hostname import hostname_matches

    where = f"the openssl config {config}" if config else "the openssl config"
    floor = floor_problems(facts)
    if floor:
        settings = sorted({s for _, s in floor})
        raise OpensslFailed(
            "The new certificate is too weak: " + "; ".join(w for w, _ in floor) + ". "
            "Nothing was written.",
            f"{where} sets {', '.join(f'`{s}`' for s in settings)}: remove or fix "
            + ("it" if len(settings) == 1 else "them") + " (or pass --config with another "
            "file; --key-type rsa:2048 or ec chooses the key).", argv=argv)
    if not hosts:
        return
    # The path (one `openssl verify`) is the same for every name; the name rules differ.
    v = verdict.judge(ossl, [facts], hosts[0], ca if ca is not None else [facts],
                      ca_file=ca_file or cert_file, timeout=timeout)
    problems = [p for p in v.problems if p.stops != "warning"]
    for host in hosts[1:]:
        if not hostname_matches(facts, host):
            problems.append(verdict.hostname_problem(facts, host))
    if problems:
        raise OpensslFailed(
            "The TigerVNC viewer would not accept the new certificate: "
            + " ".join(p.message for p in problems) + " Nothing was written.",
            f"Check the extensions {where} adds (x509_extensions, keyUsage, "
            "basicConstraints), or pass --config with another file.", argv=argv)
