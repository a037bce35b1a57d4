"""The TigerVNC viewer's verdict on a server certificate, offline. The ONE copy of the rules.

Modelled on TigerVNC 1.12+ (common/rfb/CSecurityTLS.cxx) over GnuTLS: the viewer trusts the
system store plus every certificate in its X509CA file, calls
gnutls_certificate_verify_peers2(), then gnutls_x509_crt_check_hostname() with the name the
user typed. Any problem stops the user (a question dialog or an outright refusal), so
`accepted` means "connects with no prompt at all". Chain building is done by
`openssl verify`; the name rules are GnuTLS's, in hostname.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

from vncssl.errors import UsageError
from vncssl.notice import command, key_beside
from vncssl.openssl import binary, runner
from vncssl.x509 import certinfo, names
from vncssl.x509.certfacts import CertFacts
from vncssl.x509.hostname import host_ip, hostname_matches, normalise_host

INSECURE_HASHES = ("md2", "md4", "md5", "sha1")


@dataclass
class Problem:
    code: str  # hostname-mismatch, unknown-issuer, expired, not-yet-valid, ...
    message: str
    fix: str


@dataclass
class Verdict:
    host: str
    accepted: bool
    problems: List[Problem] = field(default_factory=list)


# --- the verdict ---------------------------------------------------------------------------

def _name_list(cert: CertFacts) -> str:
    names = [f"{s.type}:{s.value}" for s in cert.san if s.type in ("IP", "DNS")]
    if names:
        return ", ".join(names)
    return f"no subjectAltName, CN={cert.common_name}" if cert.common_name else "no names"


def _hostname_problem(cert: CertFacts, host: str) -> Problem:
    h = normalise_host(host)
    is_ip = host_ip(h) is not None
    cn_ip = cert.common_name == h
    msg = (f"The viewer connects to {h!r}, but the certificate names {_name_list(cert)}: "
           "TigerVNC asks \"Hostname does not match the server certificate\".")
    if is_ip and cn_ip:
        msg += " TigerVNC never matches an IP address against the CN; it needs an IP SAN."
    kind = "--ip" if is_ip else "--dns"
    return Problem("hostname-mismatch", msg,
                   f"Connect with a name the certificate lists, or make a new certificate "
                   f"that names it: `vncssl create {kind} {h}` (keep the other names too).")


def trust_path(chain: Sequence[CertFacts], ca: Optional[Sequence[CertFacts]]
               ) -> List[CertFacts]:
    """Leaf, then issuers (from what the server sent, then CA) up to the first certificate
    that is in CA. GnuTLS checks the dates of each, the trusted one included (an expired
    root in X509CA: "Invalid status of server certificate verification")."""
    ca = list(ca or [])
    ca_prints = {c.fingerprint_sha256 for c in ca}
    path = [chain[0]]
    while path[-1].fingerprint_sha256 not in ca_prints and len(path) <= len(chain) + len(ca):
        cur = path[-1]
        if cur.self_signed:
            break
        candidates = [c for c in list(chain[1:]) + ca if c.subject == cur.issuer
                      and c not in path]
        keyed = [c for c in candidates if cur.authority_key_id and
                 c.subject_key_id == cur.authority_key_id]
        if not (keyed or candidates):
            break
        path.append((keyed or candidates)[0])
    return path


def _time_problems(path: Sequence[CertFacts], ca_prints: set, now: dt.datetime,
                   renew_cmd: str = "vncssl renew") -> List[Problem]:
    out = []
    for i, c in enumerate(path):
        who = "The server certificate" if i == 0 else (
            f"The CA certificate {c.subject} in the viewer's X509CA file"
            if c.fingerprint_sha256 in ca_prints else f"The chain certificate {c.subject}")
        renew = (f"Renew it: `{renew_cmd}`, then give every viewer the new certificate."
                 if i == 0 else "Have that CA certificate renewed (and the certificates it "
                 "issued re-issued), then give every viewer the new one.")
        if c.not_after_dt < now:
            out.append(Problem("expired", f"{who} expired on {c.not_after} "
                               "(TigerVNC 1.12 refuses it; newer viewers ask).", renew))
        elif c.not_before_dt > now:
            out.append(Problem("not-yet-valid", f"{who} is valid only from {c.not_before} "
                               "(TigerVNC 1.12 refuses it). Is a clock wrong?",
                               "Check the date on the server and viewer machines (or wait); "
                               f"`{renew_cmd}` makes one valid from now."))
    return out


def _verify_trust(ossl: binary.OpensslInfo, chain: Sequence[CertFacts],
                  ca: Optional[Sequence[CertFacts]], timeout: Optional[float]) -> bool:
    """openssl verify: does chain[0] chain (through the sent intermediates) to a cert in CA or
    in the system store? -partial_chain: any cert in CA is an anchor, as in GnuTLS; dates,
    purposes and security levels are left to the rules here (-no_check_time, -auth_level 0)."""
    from vncssl.fs import workdir, writes

    with workdir.scratch_dir("vncssl-verify-") as work:
        leaf = work / "leaf.pem"
        writes.write_text(leaf, chain[0].pem, 0o600)
        argv = [ossl.path, "verify", "-partial_chain", "-no_check_time", "-auth_level", "0"]
        if ca is not None:
            ca_path = work / "ca.pem"
            writes.write_text(ca_path, "".join(c.pem for c in ca), 0o600)
            argv += ["-CAfile", str(ca_path)]
        if len(chain) > 1:
            untrusted = work / "untrusted.pem"
            writes.write_text(untrusted, "".join(c.pem for c in chain[1:]), 0o600)
            argv += ["-untrusted", str(untrusted)]
        argv.append(str(leaf))
        result = runner.run(argv, timeout=timeout, check=False, what="openssl verify")
    if result.returncode == 0:
        return True
    said = result.stdout + result.stderr
    if "verification failed" in said or re.search(r"error \d+ at \d+ depth", said):
        return False
    # Not a verdict: openssl could not run the check (unreadable input, bad option).
    from vncssl.errors import OpensslFailed

    raise OpensslFailed("openssl verify failed to run.", "Check the certificate files.",
                        argv=argv, returncode=result.returncode, stderr=result.stderr)


def _insecure(chain: Sequence[CertFacts], ca_prints: set, renew_cmd: str = "vncssl renew"
              ) -> List[Problem]:
    out = []
    for c in chain:
        if c.fingerprint_sha256 in ca_prints or c.subject == c.issuer:
            continue  # trust anchors' own signatures are not checked; self-signed: trust it
        algo = c.signature_algorithm.lower()
        if any(h in algo for h in INSECURE_HASHES):
            out.append(Problem("insecure-algorithm", f"{c.subject} is signed with "
                               f"{c.signature_algorithm}: TigerVNC refuses it (\"insecure "
                               "algorithm\").", "Have it re-issued with SHA-256 "
                               f"(openssl's default), e.g. `{renew_cmd}`."))
    return out


def key_usage_ok(leaf: CertFacts) -> bool:
    """GnuTLS's server needs digitalSignature for every (EC)DHE suite and TLS 1.3; an RSA key
    with keyEncipherment still gets plain RSA key exchange in TLS 1.2 (seen with 1.12)."""
    ku = leaf.key_usage
    if ku is None or "Digital Signature" in ku:
        return True
    return leaf.key.type == "RSA" and "Key Encipherment" in ku


def judge(ossl: binary.OpensslInfo, chain: List[CertFacts], host: str,
          ca: Optional[List[CertFacts]], *, ca_file: Optional[Path] = None,
          key: Optional[Path] = None, now: Optional[dt.datetime] = None,
          timeout: Optional[float] = None, cert_file: Optional[Path] = None) -> Verdict:
    """chain[0] = the server cert, the rest what the server sent with it; ca = the viewer's
    X509CA certs (None: no X509CA file, the system store only). `cert_file`: where chain[0]
    is, so that a suggested `vncssl renew` names it (and its key)."""
    renew_cmd = "vncssl renew" if cert_file is None else command(
        "vncssl", "renew", "--cert", cert_file, "--key", key or key_beside(cert_file))
    if not chain:
        raise UsageError("No certificate to judge.", "Give a PEM certificate file.")
    now = now or dt.datetime.now(dt.timezone.utc)
    leaf = chain[0]
    h = normalise_host(host)
    where = str(ca_file) if ca_file else "the viewer's X509CA file"
    problems: List[Problem] = []
    ca_prints = {c.fingerprint_sha256 for c in ca or []}
    if not _verify_trust(ossl, chain, ca, timeout):
        chain_subjects = {c.subject for c in chain}
        chain_prints = {c.fingerprint_sha256 for c in chain}
        stale = [c for c in ca or [] if c.subject in chain_subjects
                 and c.fingerprint_sha256 not in chain_prints]
        if stale:
            problems.append(Problem(
                "same-subject-different-cert",
                f"{where} holds a different certificate with the same subject "
                f"({stale[0].subject}, SHA-256 {stale[0].fingerprint_sha256}), typically the "
                "old one from before a renewal. TigerVNC stops (\"Unknown certificate "
                "issuer\" or \"Invalid status of server certificate verification\").",
                f"Replace the viewer's X509CA file with the server's current certificate "
                f"(SHA-256 {leaf.fingerprint_sha256})."))
        else:
            anchor = "the system trust store" if ca is None else f"{where} or the system " \
                "trust store"
            problems.append(Problem(
                "unknown-issuer",
                f"The certificate (issuer {leaf.issuer}) is not in, and does not chain to a "
                f"certificate in, {anchor}: TigerVNC asks \"Unknown certificate issuer\".",
                "Copy the server's certificate (or its CA's) to the viewer and pass it as "
                f"X509CA: `{command('vncviewer', '-X509CA', cert_file or 'vnc-server.pem', h)}`."))
    problems += _time_problems(trust_path(chain, ca), ca_prints, now, renew_cmd)
    problems += _insecure(chain, ca_prints, renew_cmd)
    if not hostname_matches(leaf, host):
        problems.append(_hostname_problem(leaf, host))
    if not key_usage_ok(leaf):
        problems.append(Problem(
            "key-usage", f"The certificate's keyUsage ({', '.join(leaf.key_usage or [])}) "
            "lacks digitalSignature: the TigerVNC server finds no cipher suite it may use "
            "(\"No supported cipher suites have been found\") and the handshake fails.",
            "Make a new certificate without that keyUsage: `vncssl create` (or add "
            "digitalSignature)."))
    if key is not None:
        problems += key_problems(ossl, leaf, key, timeout=timeout, renew_cmd=renew_cmd)
    return Verdict(normalise_host(host), not problems, problems)


def key_problems(ossl: binary.OpensslInfo, leaf: CertFacts, key: Path, *,
                 timeout: Optional[float] = None, renew_cmd: str = "vncssl renew"
                 ) -> List[Problem]:
    facts = certinfo.read_user_key(ossl, key, timeout=timeout)
    if facts.encrypted:
        return [Problem("encrypted-key", f"The private key {key} is encrypted (has a "
                        "passphrase): the TigerVNC server cannot read it.",
                        "Decrypt it once: "
                        f"`{command('openssl', 'pkey', '-in', key, '-out', 'decrypted.pem')}`, or "
                        "make keys with -nodes as the guide does.")]
    if not certinfo.same_public_key(leaf.public_key_pem, facts.public_key_pem):
        return [Problem("key-mismatch", f"The private key {key} does not belong to the "
                        "certificate: the server fails with \"Private key does not match "
                        "certificate\" when a viewer connects.",
                        "Use the key made together with this certificate, or run "
                        f"`{renew_cmd}` to make a matching pair.")]
    return []


def check_files(ossl: binary.OpensslInfo, cert: Path, host: str,
                ca_file: Optional[Path] = None, key: Optional[Path] = None, *,
                now: Optional[dt.datetime] = None, timeout: Optional[float] = None
                ) -> Verdict:
    """The guide's setup by default: the viewer's X509CA is the server's own certificate."""
    host = names.parse_host(host)
    chain = certinfo.read_chain(ossl, cert, now=now, timeout=timeout)
    ca = certinfo.read_chain(ossl, ca_file if ca_file is not None else cert, now=now,
                             timeout=timeout)
    return judge(ossl, chain, host, ca, ca_file=ca_file or cert, key=key, now=now,
                 timeout=timeout, cert_file=cert)
