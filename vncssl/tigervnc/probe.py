"""`vncssl probe`: fetch a live server's certificate (`rfb.fetch`) and judge it with
`vncssl.verdict.judge`, the same rules `vncssl check` uses, for the name the user typed.
A server that stops before TLS is reported as the problem it is (no TLS, anonymous TLS, ...).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from vncssl.errors import quoted
from vncssl.openssl.runner import check_timeout
from vncssl.tigervnc import rfb
from vncssl.tigervnc.address import parse_target
from vncssl.x509.problem import blocking, outcome


@dataclass
class ProbeReport:
    server: str
    rfb_version: str
    security_types: List[str]
    vencrypt_subtypes: List[str]
    tls: Optional[Dict[str, Optional[str]]]
    certificate: Optional[Any]  # inspection.Inspection (what `vncssl inspect` shows)
    accepted: bool
    problems: List[Any]  # verdict.Problem
    ca: str = ""  # which trust the verdict used (shown to humans; not a JSON key)
    viewer: str = "refuses"  # how the viewer ends: connects / asks / refuses / handshake-fails
    revocation: Optional[Any] = None  # revocation.RevocationCheck, when a CRL was used
    leaf: Optional[Any] = field(default=None, repr=False)  # CertFacts (doctor; not JSON)
    tigervnc: Optional[Any] = None  # forviewer.ViewerView: the generation it was told for

    def to_json(self) -> Dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k not in ("ca", "leaf")}
        for absent in ("revocation", "tigervnc"):
            if d[absent] is None:
                d.pop(absent)
        if d["certificate"] is not None:  # the inspect object: no key-file fields here
            d["certificate"].pop("key_file", None)
            d["certificate"].pop("key_matches", None)
            d["certificate"].pop("key_encrypted", None)
        return d


def default_ca(env: Any = os.environ, version: Optional[str] = None) -> Optional[Path]:
    """The X509CA file the viewer reads when none is given, by that viewer's own folder rule
    (not whichever file exists): None when it does not exist."""
    from vncssl.tigervnc import generations

    gen = generations.generation(version, env, programs=("vncviewer",))
    p = Path(generations.locations(gen.modern, env).x509_ca)
    return p if p.is_file() else None


def _protocol_problem(f: rfb.Fetched) -> Any:
    from vncssl.x509.verdict import Problem

    offered = ", ".join(f.security_types) or "nothing"
    if f.stop == "no-vencrypt":
        return Problem("no-tls", f"The server offers no TLS at all (security types: {offered}):"
                       " the connection is not encrypted with a certificate.",
                       "Set SecurityTypes to X509Vnc (or X509Plain) with X509Cert and "
                       "X509Key: `vncssl tigervnc server`.")
    if f.stop == "no-x509":
        anon = [s for s in f.vencrypt_subtypes if s.startswith("TLS")]
        if anon:
            return Problem("anonymous-tls", "The server offers only anonymous TLS ("
                           + ", ".join(anon) + "): encrypted, but there is no certificate, "
                           "so the viewer cannot know who it talks to.",
                           "Offer X509Vnc (or X509Plain) instead: `vncssl tigervnc server`.")
        subtypes = ", ".join(f.vencrypt_subtypes)
        return Problem("no-tls", "The server offers VeNCrypt without TLS"
                       + (f" ({subtypes})." if subtypes else " (no subtype at all)."),
                       "Offer X509Vnc: `vncssl tigervnc server`.")
    if f.stop == "tls-not-ready":
        said = f" The server said: {quoted(f.detail)}." if f.detail else ""
        return Problem("tls-setup-failed", f"The server accepted {f.chosen} but could not "
                       "set up TLS (it answered 0): usually X509Cert/X509Key cannot be read, "
                       "the key is encrypted or does not match the certificate." + said,
                       "Check the server log, and `vncssl check CERT --key KEY` on the "
                       "server's files.")
    return Problem("tls-handshake-failed", f"The TLS handshake with {f.server} failed: "
                   f"{quoted(f.detail)}. The server stopped it (this probe checks nothing "
                   "during the handshake): it could not use its certificate or key (a key that "
                   "does not match, a keyUsage without digitalSignature), and the viewer fails the "
                   "same way (\"TLS Handshake failed\").",
                   "Check the server log, and `vncssl check CERT --key KEY` on the "
                   "server's files.")


def default_crl(ca_path: Optional[Path]) -> Optional[Path]:
    """The viewer reads x509_crl.pem from the folder of its default x509_ca.pem."""
    if ca_path is None:
        return None
    crl = ca_path.with_name("x509_crl.pem")
    return crl if crl.is_file() else None


@dataclass
class Trust:
    """What the viewer trusts, read once (a fleet probe shares it between all hosts)."""

    ca_path: Optional[Path]
    ca_facts: Optional[List[Any]]
    note: str
    explicit: bool  # --ca was given


def load_trust(ossl: Any, ca: Optional[str], *, timeout: Optional[float] = None,
               env: Any = os.environ, version: Optional[str] = None) -> Trust:
    from vncssl.x509 import certinfo

    ca_path = Path(ca) if ca else default_ca(env, version)
    ca_facts = certinfo.read_chain(ossl, ca_path, timeout=timeout) if ca_path else None
    note = (f"X509CA {quoted(ca_path)}" + ("" if ca else " (the viewer's default)") + " + system "
            "store") if ca_path else "system trust store only (no X509CA file found)"
    return Trust(ca_path, ca_facts, note, bool(ca))


def examine(ossl: Any, target_text: str, *, ca: Optional[str] = None,
            crl: Optional[str] = None, timeout: Optional[float] = None,
            env: Any = os.environ, trust: Optional[Trust] = None,
            relay: bool = False, version: Optional[str] = None,
            fingerprints: bool = True) -> ProbeReport:
    """relay=True: the TLS handshake goes through `openssl s_client` whatever the Python (what
    Python 3.9 always does) - to test that path on any Python. fingerprints=False: the
    certificates' fingerprints are left for the caller to hash with a whole fleet's (the
    `verify` of the verdict is then openssl's reading of the chain)."""
    from vncssl.x509.verdict import judge

    if timeout is not None:
        check_timeout(timeout, fix="Give e.g. 10 (seconds to connect and reach TLS).")
    target = parse_target(target_text)
    trust = trust or load_trust(ossl, ca, timeout=timeout, env=env, version=version)
    ca_path, ca_facts, ca_note = trust.ca_path, trust.ca_facts, trust.note
    f = rfb.fetch(target, timeout=timeout or rfb.DEFAULT_TIMEOUT,
                  openssl=getattr(ossl, "path", None), relay=relay)
    report = ProbeReport(f.server, f.rfb_version, f.security_types, f.vencrypt_subtypes,
                         f.tls, None, False, [], ca_note)
    if f.stop or not f.chain_pem:
        from vncssl.x509.problem import HANDSHAKE

        # The viewer cannot get as far as a certificate: it stops with an error, no question.
        report.problems = [_protocol_problem(f)] + offered_problems(f)
        report.problems[0].stops = HANDSHAKE
        report.viewer = outcome(report.problems)
        return report
    chain, inspection = _read_fetched(ossl, f, timeout, fingerprints)
    verdict = judge(ossl, chain, target.host, ca_facts, ca_file=ca_path, timeout=timeout)
    crl_path = Path(crl) if crl else (default_crl(ca_path) if not trust.explicit else None)
    if crl_path is not None:
        from vncssl.x509 import revocation

        report.revocation = revocation.check_revocation(
            ossl, chain, crl_path, ca_path, strict=bool(crl), timeout=timeout)
        revocation.apply(verdict, report.revocation)
    problems = [handshake_problem(p, f) for p in verdict.problems] + offered_problems(f)
    from vncssl.tigervnc import forviewer
    from vncssl.x509.verdict import Verdict

    told, report.tigervnc = forviewer.apply(
        ossl, Verdict(verdict.host, not blocking(problems), problems, outcome(problems)),
        f.chain_pem[0], version=version, env=env, timeout=timeout)
    report.certificate, report.problems = inspection, told.problems
    report.accepted, report.viewer = told.accepted, told.viewer
    report.leaf = chain[0]
    return report


def handshake_problem(p: Any, f: rfb.Fetched) -> Any:
    """A keyEncipherment-only RSA key works only if the server falls back to static RSA (as
    Xvnc does). The handshake seen here says what this server does: TLS 1.3 or an (EC)DHE
    suite needs the key to sign, which the GnuTLS viewer refuses ("Key usage violation")."""
    from vncssl.x509.problem import HANDSHAKE, Problem

    if p.code != "key-usage-static-rsa" or not f.tls:
        return p
    version, cipher = f.tls.get("version") or "", f.tls.get("cipher") or ""
    if version != "TLSv1.3" and "DHE" not in cipher and not cipher.startswith("TLS_"):
        return p  # static RSA: the viewer connects (the warning stays)
    return Problem("key-usage-violation", f"This server negotiated {version} {cipher}, where "
                   "its key must sign, but the certificate's keyUsage has keyEncipherment and "
                   "no digitalSignature: the TigerVNC viewer stops the handshake (\"Key usage "
                   "violation in certificate has been detected\"; the viewer shows \"TLS "
                   "Handshake failed\"). OpenSSL-based servers such as x11vnc do this.",
                   "Make a new certificate whose keyUsage has digitalSignature (or none at "
                   "all): `vncssl create`.", HANDSHAKE)


# What TigerVNC 1.12's viewer enables by default, in its order of preference inside VeNCrypt
# (at the RFB level the *server's* order decides: the first type both sides know).
VIEWER_DEFAULT = ("X509Plain", "TLSPlain", "X509Vnc", "TLSVnc", "X509None", "TLSNone",
                  "VncAuth", "None")
_NO_CERT = {"None": "no encryption at all", "VncAuth": "no encryption (a VNC password only)",
            "Plain": "no encryption, the password in clear", "TLS": "anonymous TLS (no "
            "certificate)", "TLSNone": "anonymous TLS (no certificate)", "TLSVnc":
            "anonymous TLS (no certificate)", "TLSPlain": "anonymous TLS (no certificate)",
            "TLSSASL": "anonymous TLS (no certificate)"}


def default_choice(f: rfb.Fetched) -> Optional[str]:
    """The type a viewer with default settings ends up with."""
    first = next((t for t in f.security_types if t in VIEWER_DEFAULT + ("VeNCrypt",)), None)
    if first != "VeNCrypt":
        return first
    return next((t for t in VIEWER_DEFAULT if t in f.vencrypt_subtypes), None)


def offered_problems(f: rfb.Fetched) -> List[Any]:
    """Each weaker way in the server offers beside X509*: a viewer (or whoever sits between)
    may connect that way, and the certificate protects nothing then."""
    from vncssl.x509.problem import WARNING, Problem

    if not any(t.startswith("X509") for t in f.vencrypt_subtypes):
        return []  # no certificate at all: that is the protocol problem already reported
    weak = [t for t in f.security_types if t not in ("VeNCrypt",)]
    weak += [t for t in f.vencrypt_subtypes if not t.startswith("X509")]
    weak = list(dict.fromkeys(weak))  # None may be offered both outside and inside VeNCrypt
    choice = default_choice(f)
    out = []
    for t in weak:
        picks = (f" A viewer with default settings picks {t} here, not X509." if t == choice
                 else "")
        out.append(Problem(
            "weak-security-type", f"The server also offers {t}: "
            f"{_NO_CERT.get(t, 'no certificate')}. A viewer (or an attacker in between, "
            "who can strip the X509 types from the list) may connect that way without any "
            f"certificate check.{picks}", "Offer only X509 types (the guide: uncheck None "
            "and Anonymous TLS), e.g. SecurityTypes=X509Vnc: `vncssl tigervnc server`.",
            WARNING))
    return out


def _read_fetched(ossl: Any, f: rfb.Fetched, timeout: Optional[float],
                  fingerprints: bool = True) -> Tuple[List[Any], Any]:
    """The fetched chain as CertFacts (for the verdict) and as the `inspect` object (for the
    report), read once by openssl from a private temp file that is removed at once."""
    from vncssl.fs import workdir, writes
    from vncssl.x509 import certinfo
    from vncssl.x509.inspection import inspect

    with workdir.scratch_dir("vncssl-probe-") as work:
        path = work / "server-chain.pem"
        writes.write_scratch(path, "".join(f.chain_pem).encode("utf-8"))
        chain = certinfo.read_chain(ossl, path, timeout=timeout, fingerprints=fingerprints)
    inspection = inspect(ossl, path, timeout=timeout, chain=chain)
    inspection.path = f.server
    return chain, inspection
