"""`vncssl ca sign REQUEST.csr`: the CA signs a request made on the server (`ca request`), so
the server's key never travels. Nothing of the request is trusted blindly: its signature is
checked by openssl, its names are validated as `--ip/--dns` are and must be ones the operator
allows, its key must be one a TigerVNC server can use; the certificate gets the same
extensions as `ca issue` (from vncssl's config, never copied from the request).

One openssl process signs and prints every fact of the new certificate at once
(`x509 -req ... -text -fingerprint ...`); the certificate is checked against those facts
(names, issuer, CA:FALSE, the request's own public key) before it is written.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

from vncssl.ca.authority import Issuer, unique_id
from vncssl.ca.issuance import leaf_problems, record
from vncssl.errors import OpensslFailed, UsageError, VncsslError
from vncssl.fs import atomic, targets, workdir, writes
from vncssl.openssl import runner
from vncssl.x509 import certfacts, certinfo, csrinfo
from vncssl.x509 import names as names_mod
from vncssl.x509.chainread import pem_block_der
from vncssl.x509.derfacts import facts_from_der
from vncssl.x509.extensions import LEAF_SECTION, ca_config, subject_args
from vncssl.x509.names import Name

_EC_CURVES = {"prime256v1", "secp384r1", "secp521r1"}


@dataclass
class Signed:
    request: str
    cert: str
    names: List[str]
    subject: str
    serial: str
    not_before: str
    not_after: str
    fingerprint_sha256: str
    key_type: str
    ignored_extensions: List[str] = field(default_factory=list)  # asked for, not copied
    backups: List[str] = field(default_factory=list)


def default_out(request: str) -> str:
    p = Path(request)
    return str(p.with_suffix(".pem") if p.suffix.lower() in (".csr", ".req") else
               p.with_name(p.name + ".pem"))


def sign(iss: Issuer, request: str, *, ips: Sequence[str] = (), dns: Sequence[str] = (),
         out: Optional[str] = None, key_type: Optional[str] = None,
         force: bool = False) -> Signed:
    allowed = names_mod.collect(ips, dns)  # the operator's names: bad ones are exit 2 first
    out_t = targets.check_target(Path(out or default_out(request)), "certificate",
                                 force=force)
    facts = csrinfo.read_request(iss.ossl, Path(request), timeout=iss.timeout)
    check_key(facts, key_type)
    names = certified_names(facts, allowed)
    subj = names_mod.subject([("CN", names[0].value), ("serialNumber", unique_id())])
    with workdir.private_workdir(out_t.path.parent) as work:
        printed, cert_tmp, cfg = work / "out.txt", work / "cert.pem", work / "leaf.cnf"
        algorithm = "rsa" if facts.key.type == "RSA" else "other"
        writes.write_text(cfg, ca_config(names, algorithm), 0o600)
        # A serial file of our own: -CAcreateserial starts it at a random number, and a
        # ca.srl lying in the CA folder is never used or written.
        argv = [iss.ossl.path, "x509", "-req", "-in", str(Path(request).resolve()),
                "-CA", str(iss.cert), "-CAkey", str(iss.key), "-CAserial",
                str(work / "serial"), "-CAcreateserial", "-days", str(iss.days),
                "-extfile", str(cfg), "-extensions", LEAF_SECTION, "-sha256",
                *(subject_args(subj) if iss.one_process else []),
                "-fingerprint", "-out", str(printed)]
        try:
            runner.run(argv, timeout=iss.timeout, cwd=str(work), what="openssl x509 -req",
                       env=certinfo.NO_TRUST_STORE)
        except OpensslFailed as exc:
            if "did not match" in exc.stderr or "verify failure" in exc.stderr:
                raise UsageError(f"The signature of {request} does not verify.",
                                 "Make a new request on the server.") from None
            raise
        text = printed.read_text("utf-8", "replace")
        pems = certinfo.split_pem(text)
        if not pems:
            raise OpensslFailed("openssl x509 -req printed no certificate.",
                                "Try another openssl with --openssl.", argv=argv)
        cert = _facts(text, pems[0], argv)
        _verify(iss, cert, names, facts)
        writes.write_text(cert_tmp, pems[0], 0o644)
        backups = atomic.install([(cert_tmp, out_t)], force=force, backup=force)
    record(iss, cert)
    return Signed(request=str(request), cert=str(out_t.path), names=[n.san for n in names],
                  subject=cert.subject, serial=cert.serial, not_before=cert.not_before,
                  not_after=cert.not_after, fingerprint_sha256=cert.fingerprint_sha256,
                  key_type=_key_text(facts.key), ignored_extensions=facts.other_extensions,
                  backups=[str(b) for b in backups])


def _key_text(key: certfacts.KeyInfo) -> str:
    return f"{key.type} {key.curve or key.bits or ''}".strip()


def check_key(facts: csrinfo.RequestFacts, wanted: Optional[str]) -> None:
    """Keys a TigerVNC server (GnuTLS) can use, and, with --key-type, exactly that one."""
    k = facts.key
    fix = "Make the request again with --key-type rsa, ec or ed25519."
    if k.type == "EC" and facts.explicit_curve:
        raise UsageError(f"{facts.path}: its EC key has explicit curve parameters, which "
                         "GnuTLS (the TigerVNC server) cannot load.", fix)
    ok = (k.type == "RSA" and (k.bits or 0) >= 2048) or k.type == "ED25519" or (
        k.type == "EC" and k.curve in _EC_CURVES)
    if not ok:
        raise UsageError(f"{facts.path} has a {_key_text(k)} key: vncssl's CA signs only "
                         "RSA (2048 bits or more), EC P-256/P-384/P-521 and Ed25519 keys.", fix)
    if wanted is None:
        return
    from vncssl.teach import recipe

    spec = recipe.parse_key_type(wanted)
    same = {"rsa": k.type == "RSA" and (spec.bits is None or k.bits == spec.bits),
            "ec": k.type == "EC" and k.curve == spec.curve,
            "ed25519": k.type == "ED25519"}[spec.algorithm]
    if not same:
        raise UsageError(f"{facts.path} has a {_key_text(k)} key, not the {spec.text} that "
                         "--key-type requires.", f"Make the request with --key-type "
                         f"{spec.text}, or sign without --key-type.")


def certified_names(facts: csrinfo.RequestFacts, allowed: Sequence[Name]) -> List[Name]:
    """The request's names, validated; with --ip/--dns the operator's names, which must
    include every name the request asks for."""
    odd = [s for s in facts.names if s.type not in ("IP", "DNS")]
    if odd:
        raise UsageError(f"{facts.path} asks for {', '.join(f'{s.type}:{s.value}' for s in odd)}"
                         ": vncssl's CA certifies only IP addresses and DNS names.",
                         "Make the request with --ip/--dns only.")
    try:
        asked = names_mod.collect([s.value for s in facts.names if s.type == "IP"],
                                  [s.value for s in facts.names if s.type == "DNS"])
    except VncsslError as exc:
        raise UsageError(f"{facts.path} asks for a name vncssl refuses: {exc.message}",
                         exc.fix) from None
    if not allowed:
        if not asked:
            raise UsageError(f"{facts.path} asks for no names (no subjectAltName).",
                             "Say which: `vncssl ca sign REQUEST --ip ADDR [--dns NAME]`.")
        return asked
    extra = [n for n in asked if n not in allowed]
    if extra:
        raise UsageError(f"{facts.path} asks for {', '.join(n.san for n in extra)}, which you "
                         f"did not allow (--ip/--dns: {', '.join(n.san for n in allowed)}).",
                         "Sign only what you allow: add those names if they are right, or "
                         "have the server make a new request.")
    return list(allowed)


def _verify(iss: Issuer, cert: certfacts.CertFacts, names: Sequence[Name],
            facts: csrinfo.RequestFacts) -> None:
    problems = leaf_problems(iss, cert, names)
    body = re.sub(r"-----[A-Z ]+-----|\s", "", cert.public_key_pem)
    if base64.b64decode(body or "") != facts.spki_der:
        problems.append("its public key is not the request's")
    if problems:
        raise OpensslFailed("The certificate openssl made is not what was asked for: "
                            + "; ".join(problems) + ". Nothing was written.",
                            "Report this with `openssl version -a`; try --openssl.")


def _facts(printed: str, pem: str, argv: List[str]) -> certfacts.CertFacts:
    """The new certificate's facts, spelt as for every certificate vncssl reads (derfacts),
    with the fingerprint the signing openssl printed."""
    m = re.search(r"^sha256 Fingerprint=([0-9A-Fa-f:]{95})\s*$", printed, re.M | re.I)
    try:
        if not m:
            raise ValueError("no SHA-256 fingerprint")
        return facts_from_der(pem_block_der(pem), pem, m.group(1).upper())
    except ValueError as exc:
        raise OpensslFailed(f"openssl's output could not be read: {exc}.",
                            "Try another openssl with --openssl.", argv=argv) from None
