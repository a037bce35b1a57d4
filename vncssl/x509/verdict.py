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
from typing import List, Optional, Sequence, Tuple

from vncssl.errors import OpensslFailed, UsageError, quoted
from vncssl.notice import command, key_beside
from vncssl.openssl import binary, runner
from vncssl.x509 import certinfo, names, trustproblems
from vncssl.x509 import gnutlspath as g
from vncssl.x509.certfacts import CertFacts
from vncssl.x509.hostname import bracketed, create_hint, host_ip, hostname_matches, normalise_host
from vncssl.x509.problem import (
    ASKS,
    CONNECTS,
    HANDSHAKE,
    WARNING,
    Problem,
    blocking,
    outcome,
)


@dataclass
class Verdict:
    host: str
    accepted: bool  # connects with no prompt (warnings may still be listed in problems)
    problems: List[Problem] = field(default_factory=list)
    viewer: str = CONNECTS  # connects / asks / refuses / handshake-fails (problem.outcome)


# --- the verdict ---------------------------------------------------------------------------

def _name_list(cert: CertFacts) -> str:
    names = [f"{s.type}:{quoted(s.value)}" for s in cert.san if s.type in ("IP", "DNS")]
    if names:
        return ", ".join(names)
    return f"no subjectAltName, CN={quoted(cert.common_name)}" if cert.common_name \
        else "no names"


def _hostname_problem(cert: CertFacts, host: str) -> Problem:
    h = normalise_host(host)
    is_ip = host_ip(h) is not None
    msg = (f"The viewer connects to {quoted(h)}, but the certificate names {_name_list(cert)}: "
           "TigerVNC asks \"Hostname does not match the server certificate\".")
    if is_ip and cert.common_name == h:
        msg += " TigerVNC never matches an IP address against the CN; it needs an IP SAN."
    return Problem("hostname-mismatch", msg, "Connect with a name the certificate lists, or "
                   "make a new certificate that names it: " + create_hint(h) +
                   " (keep the other names too).", ASKS)


def hostname_problem(cert: CertFacts, host: str) -> Problem:
    return _hostname_problem(cert, host)


def _openssl_verify(ossl: binary.OpensslInfo, leaf: CertFacts, untrusted: Sequence[CertFacts],
                    anchors: Optional[Sequence[CertFacts]], timeout: Optional[float],
                    extra: Sequence[str] = ()) -> Tuple[bool, str]:
    """openssl verify of one path: signatures (and, with anchors=None, the system store).
    -partial_chain: an anchor need not be self-signed; dates, purposes, security levels and
    critical extensions are the rules in `gnutlspath` (-no_check_time, -auth_level 0,
    -ignore_critical). Returns (verified, openssl's error text)."""
    from vncssl.fs import workdir, writes
    from vncssl.x509 import verifybatch

    key = verifybatch.key_for(ossl, extra, anchors or (), untrusted)
    batcher = verifybatch.active()  # a fleet's verifies: few processes (verifybatch)
    if batcher is not None and batcher.verify(key, leaf.pem):
        return True, ""
    with workdir.scratch_dir("vncssl-verify-") as work:
        path = work / "leaf.pem"
        writes.write_scratch(path, leaf.pem.encode("utf-8"))
        argv = [*verifybatch.argv_in(work, key), str(path)]
        result = runner.run(argv, timeout=timeout, check=False, what="openssl verify")
    said = result.stdout + result.stderr
    if result.returncode == 0:
        return True, ""
    if "verification failed" in said or re.search(r"error \d+ at \d+ depth", said):
        m = re.search(r"error (\d+) at \d+ depth lookup: ?(.*)", said)
        if m and m.group(1) in ("9", "10") and "-no_check_time" not in argv and \
                re.search(r"error (9|10) at 0 depth", said):
            # A build without -no_check_time (1.0.2, LibreSSL) checks the leaf's dates last,
            # after every signature of the built and trusted chain; dates are gnutlspath's.
            return True, ""
        return False, (f"{m.group(1)} {m.group(2).strip()}" if m else said.strip()[-200:])
    raise OpensslFailed("openssl verify failed to run.", "Check the certificate files.",
                        argv=argv, returncode=result.returncode, stderr=result.stderr)


def _path(ossl: binary.OpensslInfo, chain: Sequence[CertFacts], ca: Sequence[CertFacts],
          system_store: bool, now: dt.datetime, timeout: Optional[float]) -> g.PathResult:
    """GnuTLS's path rules, with openssl checking the signatures of the path they chose."""
    r = g.verify(chain, ca, now)
    if not r.links:
        return r
    leaf = r.links[0][0]
    between = [c for c, _ in r.links[1:]]
    not_found = [f for f in r.findings if f.status & g.SIGNER_NOT_FOUND]
    if not_found:
        # Not in X509CA: the system trust store may still know the issuer.
        if system_store and _openssl_verify(ossl, leaf, between + list(chain[1:]), None,
                                            timeout)[0]:
            r.findings.remove(not_found[0])
            r.status = 0 if not r.findings else r.status & ~g.SIGNER_NOT_FOUND
        return r
    if r.status == 0 and r.anchor is not None:
        if not between and g.same_name_and_key(leaf, r.anchor):
            # An old copy with this key (a --reuse-key renewal) is the issuer: its key checks
            # the self-signature, which openssl checks only on request (-check_ss_sig).
            ok, why = _openssl_verify(ossl, leaf, [], [leaf], timeout, ["-check_ss_sig"])
        else:
            ok, why = _openssl_verify(ossl, leaf, between, [r.anchor], timeout)
        if not ok:
            bad = g.SIGNATURE_FAILURE if why.startswith("7 ") else 0
            r.add(leaf, bad, f"openssl could not verify the path ({why})", r.anchor)
    return r


def _key_usage_problem(leaf: CertFacts) -> List[Problem]:
    ku = leaf.der.key_usage if leaf.der is not None else None
    if ku is None or "Digital Signature" in ku:
        return []
    if leaf.key.type == "RSA" and "Key Encipherment" in ku:
        return [Problem(
            "key-usage-static-rsa", "The certificate's keyUsage allows keyEncipherment but not "
            "digitalSignature: Xvnc (GnuTLS) falls back to static-RSA key exchange in TLS 1.2 "
            "(no forward secrecy) and the viewer connects, but against an OpenSSL-based server "
            "such as x11vnc the viewer itself stops the handshake (\"Key usage violation in "
            "certificate has been detected\").", "Make a new certificate whose keyUsage has "
            "digitalSignature (or none at all): `vncssl create`.", WARNING)]
    return [Problem(
        "key-usage", f"The certificate's keyUsage ({', '.join(leaf.key_usage or [])}) lacks "
        "digitalSignature: the TigerVNC server finds no cipher suite it may use (\"No "
        "supported cipher suites have been found\") and the server stops the handshake (the "
        "viewer says \"TLS Handshake failed\").", "Make a new certificate without that "
        "keyUsage: `vncssl create` (or add digitalSignature).", HANDSHAKE)]


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
    where = str(ca_file) if ca_file else "the viewer's X509CA file"
    r = _path(ossl, chain, ca or [], True, now, timeout)
    problems = _key_usage_problem(leaf)
    words = trustproblems.Words(where, ca is None, renew_cmd, command(
        "vncviewer", "-X509CA", cert_file or "vnc-server.pem", bracketed(host)))
    problems += trustproblems.problems(r, chain, ca or [], words)
    if not hostname_matches(leaf, host):
        problems.append(_hostname_problem(leaf, host))
    if key is not None:
        problems += key_problems(ossl, leaf, key, timeout=timeout, renew_cmd=renew_cmd)
    return Verdict(normalise_host(host), not blocking(problems), problems, outcome(problems))


def key_problems(ossl: binary.OpensslInfo, leaf: CertFacts, key: Path, *,
                 timeout: Optional[float] = None, renew_cmd: str = "vncssl renew"
                 ) -> List[Problem]:
    facts = certinfo.read_user_key(ossl, key, timeout=timeout)
    if facts.encrypted:
        return [Problem("encrypted-key", f"The private key {key} is encrypted (has a "
                        "passphrase): the TigerVNC server cannot read it, and stops the TLS "
                        "set-up when a viewer connects.", "Decrypt it once: "
                        f"`{command('openssl', 'pkey', '-in', key, '-out', 'decrypted.pem')}`, or "
                        "make keys with -nodes as the guide does.", HANDSHAKE)]
    if not certinfo.same_public_key(leaf.public_key_pem, facts.public_key_pem):
        return [Problem("key-mismatch", f"The private key {key} does not belong to the "
                        "certificate: the server fails with \"Private key does not match "
                        "certificate\" when a viewer connects.",
                        "Use the key made together with this certificate, or run "
                        f"`{renew_cmd}` to make a matching pair.", HANDSHAKE)]
    return []


def check_files(ossl: binary.OpensslInfo, cert: Path, host: str,
                ca_file: Optional[Path] = None, key: Optional[Path] = None, *,
                now: Optional[dt.datetime] = None, timeout: Optional[float] = None
                ) -> Verdict:
    """The guide's setup by default: the viewer's X509CA is the server's own certificate."""
    host = names.parse_host(host)
    chain = certinfo.read_chain(ossl, cert, now=now, timeout=timeout)
    # The guide's setup reads the one file once: the same bytes are the chain and the X509CA.
    ca = list(chain) if ca_file is None else certinfo.read_chain(ossl, ca_file, now=now,
                                                                 timeout=timeout)
    return judge(ossl, chain, host, ca, ca_file=ca_file or cert, key=key, now=now,
                 timeout=timeout, cert_file=cert)
