"""GnuTLS's certificate-path rules (lib/x509/verify.c `_gnutls_verify_crt_status`), pure.

What the viewer's gnutls_certificate_verify_peers2() decides, on parsed certificates: the
chain is shortened at the first certificate the X509CA file holds (the server's certificate
itself only byte for byte; a chain certificate by same DER name + same key); what is left is
checked link by link, the top one against an X509CA issuer found by *raw DER* name (and key
identifier), each for CA-ness, keyCertSign, unknown critical extensions, the LOW security
profile (RSA/DSA >= 1024 bits, EC >= 160, hash >= 160 bits) and SHA-1/MD5 signatures, and the
dates. Signatures are checked by the caller with openssl (`links` says which to check).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from vncssl.x509.certfacts import CertFacts
from vncssl.x509.dernames import DerCert

# gnutls_certificate_status_t bits (gnutls/x509.h), as the viewer logs them.
INVALID, SIGNER_NOT_FOUND, SIGNER_NOT_CA = 1 << 1, 1 << 6, 1 << 7
INSECURE_ALGORITHM, NOT_ACTIVATED, EXPIRED = 1 << 8, 1 << 9, 1 << 10
SIGNATURE_FAILURE, SIGNER_CONSTRAINTS_FAILURE = 1 << 11, 1 << 16
UNKNOWN_CRIT_EXTENSIONS = 1 << 21

# Critical extensions GnuTLS understands (lib/x509/x509_ext.c / verify.c is_known_ext).
KNOWN_CRITICAL = frozenset({
    "2.5.29.19", "2.5.29.15", "2.5.29.17", "2.5.29.18", "2.5.29.37", "2.5.29.30",
    "2.5.29.32", "2.5.29.14", "2.5.29.35", "2.5.29.31", "2.5.29.54", "2.5.29.36",
    "2.5.29.9", "1.3.6.1.5.5.7.1.1", "1.3.6.1.5.5.7.1.24"})
# GnuTLS's LOW profile (gnutls_sec_param LOW: 80-bit security; lib/algorithms/secparams.c):
# RSA and DSA keys of 1024 bits, EC curves of 160 bits, a hash of >= 160 bits (output/2 >=80).
LOW_RSA_BITS, LOW_DSA_BITS, LOW_EC_BITS, LOW_HASH_BITS = 1024, 1024, 160, 160
_HASH_BITS = {"md2": 128, "md4": 128, "md5": 128, "sha1": 160, "sha224": 224, "sha256": 256,
              "sha384": 384, "sha512": 512}
BROKEN_HASHES = ("md2", "md4", "md5", "sha1")  # gnutls_sign_is_secure() is false for these


@dataclass
class Finding:
    cert: CertFacts
    status: int
    issuer: Optional[CertFacts] = None
    why: str = ""


@dataclass
class PathResult:
    """status: the OR of every finding (0: verified). trusted_at: the certificate of the sent
    chain that the X509CA file holds (None: none). links: (cert, issuer) pairs whose
    signatures must be checked. anchor: the X509CA issuer of the top link."""

    status: int = 0
    findings: List[Finding] = field(default_factory=list)
    trusted_at: Optional[CertFacts] = None
    anchor: Optional[CertFacts] = None
    links: List[Tuple[CertFacts, CertFacts]] = field(default_factory=list)

    def add(self, cert: CertFacts, status: int, why: str,
            issuer: Optional[CertFacts] = None) -> None:
        self.status |= status | INVALID
        self.findings.append(Finding(cert, status, issuer, why))


def _der(c: CertFacts) -> DerCert:
    if c.der is None:
        raise ValueError("certificate facts without DER structure")
    return c.der


def is_issuer(cert: CertFacts, issuer: CertFacts) -> bool:
    """GnuTLS is_issuer(): raw DER issuer == raw DER subject, and key ids agree if both set."""
    a, b = _der(cert), _der(issuer)
    if a.issuer_raw != b.subject_raw:
        return False
    return a.akid is None or b.skid is None or a.akid == b.skid


def same_name_and_key(a: CertFacts, b: CertFacts) -> bool:
    return _der(a).subject_raw == _der(b).subject_raw and _der(a).spki_raw == _der(b).spki_raw


def key_level_ok(c: CertFacts) -> bool:
    key = _der(c).key
    if key.type in ("RSA", "RSA-PSS"):
        return (key.bits or 0) >= LOW_RSA_BITS
    if key.type == "DSA":
        return (key.bits or 0) >= LOW_DSA_BITS
    if key.type == "EC":
        return (key.bits or 0) >= LOW_EC_BITS  # unknown/explicit curves: GnuTLS cannot use them
    return key.type in ("ED25519", "ED448")


def hash_level_ok(c: CertFacts) -> bool:
    d = _der(c)
    if d.key.type in ("ED25519", "ED448") and d.signature_hash is None:
        return True  # EdDSA: the hash is part of the algorithm
    return _HASH_BITS.get(d.signature_hash or "", 0) >= LOW_HASH_BITS


def time_status(c: CertFacts, now: dt.datetime) -> int:
    if c.not_before_dt > now:
        return NOT_ACTIVATED
    if c.not_after_dt < now:
        return EXPIRED
    return 0


def sort_chain(chain: Sequence[CertFacts]) -> List[CertFacts]:
    """The server's certificate, then each next issuer found among what it sent (GnuTLS
    _gnutls_sort_clist); certificates that do not continue the path are dropped."""
    path, rest = [chain[0]], list(chain[1:])
    while rest:
        nxt = next((c for c in rest if is_issuer(path[-1], c)), None)
        if nxt is None or is_issuer(path[-1], path[-1]):
            break
        path.append(nxt)
        rest.remove(nxt)
    return path


def _find_issuer(cert: CertFacts, trusted: Sequence[CertFacts], now: dt.datetime
                 ) -> Optional[CertFacts]:
    found = [t for t in trusted if is_issuer(cert, t)]
    valid = [t for t in found if time_status(t, now) == 0]
    # GnuTLS takes the first match, replaced by any later one that is within its dates.
    return valid[-1] if valid else (found[0] if found else None)


def _check_link(r: PathResult, cert: CertFacts, issuer: Optional[CertFacts],
                now: dt.datetime, allow_v1: bool) -> None:
    d = _der(cert)
    if issuer is None:
        r.add(cert, SIGNER_NOT_FOUND, "no issuer with this exact DER name in X509CA")
    else:
        i = _der(issuer)
        if not (allow_v1 and i.version == 1):
            if not (cert.fingerprint_sha256 == issuer.fingerprint_sha256 or i.is_ca or
                    (i.basic_constraints is None and allow_v1 and is_issuer(issuer, issuer))):
                r.add(cert, SIGNER_NOT_CA, "its issuer is not a CA (CA:TRUE)", issuer)
            if i.key_usage is not None and "Certificate Sign" not in i.key_usage:
                r.add(cert, SIGNER_CONSTRAINTS_FAILURE, "its issuer's keyUsage lacks "
                      "keyCertSign", issuer)
        r.links.append((cert, issuer))
    if not key_level_ok(cert) or (issuer is not None and not key_level_ok(issuer)):
        weak = cert if not key_level_ok(cert) else issuer
        r.add(cert, INSECURE_ALGORITHM, "key-size", weak)
    elif not hash_level_ok(cert) or (d.signature_hash in BROKEN_HASHES
                                     and not is_issuer(cert, cert)):
        r.add(cert, INSECURE_ALGORITHM, "signature-hash", issuer)
    for c in ([issuer] if issuer is not None else []) + [cert]:
        t = time_status(c, now)
        if t:
            r.add(c, t, "dates", issuer)
    unknown = [e.oid for e in d.extensions if e.critical and e.oid not in KNOWN_CRITICAL]
    if unknown:
        r.add(cert, UNKNOWN_CRIT_EXTENSIONS, "unknown critical extension " + ", ".join(unknown))


def verify(chain: Sequence[CertFacts], trusted: Sequence[CertFacts], now: dt.datetime
           ) -> PathResult:
    r = PathResult()
    clist = sort_chain(chain)
    if len(clist) > 1 and is_issuer(clist[-1], clist[-1]):
        clist = clist[:-1]  # a self-signed root the server sends is never trusted for itself
    for i, c in enumerate(clist):
        # The server's own certificate only byte for byte; a chain certificate also when
        # X509CA holds one with its DER name and key (a CA re-issued as a root, say).
        match = next((t for t in trusted if t.fingerprint_sha256 == c.fingerprint_sha256
                      or (i > 0 and same_name_and_key(t, c))), None)
        if match is not None:
            r.trusted_at = c
            t = time_status(match, now)
            if t:
                r.add(match, t, "dates")
            if not key_level_ok(match) or not hash_level_ok(match):
                r.add(match, INSECURE_ALGORITHM, "key-size" if not key_level_ok(match)
                      else "signature-hash", match)
            clist = clist[:i]
            break
    if not clist:
        return r
    r.anchor = _find_issuer(clist[-1], trusted, now)
    _check_link(r, clist[-1], r.anchor, now, allow_v1=True)
    # Like GnuTLS, stop at the first link that fails: what lies below it is not looked at.
    for i in range(len(clist) - 1, 0, -1):
        if r.status:
            break
        _check_link(r, clist[i - 1], clist[i], now, allow_v1=False)
    return r
