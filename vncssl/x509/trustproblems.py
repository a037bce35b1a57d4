"""What GnuTLS's path verdict (`gnutlspath`) means to the user of a TigerVNC 1.12 viewer: one
Problem per finding, each saying whether the viewer asks or refuses outright, and the fix.

The viewer (common/rfb/CSecurityTLS.cxx) refuses outright on "insecure algorithm" and on any
status bit but INVALID, SIGNER_NOT_FOUND and SIGNER_NOT_CA (expired, not yet valid, bad
signature, unknown critical extension: "Invalid status of server certificate verification");
those three open the "Unknown certificate issuer" question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence

from vncssl.errors import quoted
from vncssl.x509 import gnutlspath as g
from vncssl.x509.certfacts import CertFacts
from vncssl.x509.problem import ASKS, REFUSES, WARNING, Problem


@dataclass
class Words:
    """What the messages name: the X509CA file, whether only the system store is used, the
    `vncssl renew` and `vncviewer -X509CA` commands to suggest (shell-quoted)."""

    where: str
    system_only: bool = False
    renew_cmd: str = "vncssl renew"
    viewer_cmd: str = "vncviewer -X509CA vnc-server.pem HOST"


def _who(c: CertFacts, leaf: CertFacts, ca_prints: set) -> str:
    if c is leaf or c.fingerprint_sha256 == leaf.fingerprint_sha256:
        return "The server certificate"
    if c.fingerprint_sha256 in ca_prints:
        return f"The CA certificate {quoted(c.subject)} in the viewer's X509CA file"
    return f"The chain certificate {quoted(c.subject)}"


def _dates(f: g.Finding, leaf: CertFacts, ca_prints: set, w: Words) -> Problem:
    c, who = f.cert, _who(f.cert, leaf, ca_prints)
    renew = (f"Renew it: `{w.renew_cmd}`, then give every viewer the new certificate."
             if who.startswith("The server") else "Have that CA certificate renewed (and the "
             "certificates it issued re-issued), then give every viewer the new one.")
    if f.status & g.EXPIRED:
        return Problem("expired", f"{who} expired on {c.not_after} (TigerVNC 1.12 refuses it; "
                       "newer viewers ask).", renew, REFUSES)
    return Problem("not-yet-valid", f"{who} is valid only from {c.not_before} (TigerVNC 1.12 "
                   "refuses it). Is a clock wrong?", "Check the date on the server and viewer "
                   f"machines (or wait); `{w.renew_cmd}` makes one valid from now.", REFUSES)


def _unknown_issuer(leaf: CertFacts, top: CertFacts, ca: Sequence[CertFacts], w: Words
                    ) -> Problem:
    where = w.where
    top_d = g._der(top)
    same_raw = [c for c in ca if g._der(c).subject_raw == top_d.issuer_raw]
    same_text = [c for c in ca if c.subject.casefold() == top.issuer.casefold()]
    ask = "TigerVNC asks \"Unknown certificate issuer\"."
    if same_raw:
        c = same_raw[0]
        return Problem(
            "same-subject-different-cert",
            f"{where} holds a different certificate with the same subject ({quoted(c.subject)}, "
            f"SHA-256 {c.fingerprint_sha256}), typically the old one from before a renewal "
            f"with a new key: it is not the issuer. {ask}",
            f"Replace the viewer's X509CA file with the server's current certificate "
            f"(SHA-256 {leaf.fingerprint_sha256}).", ASKS)
    if same_text:
        c = same_text[0]
        return Problem(
            "issuer-name-differs",
            f"The certificate's issuer name ({quoted(top.issuer)}) matches "
            f"{quoted(c.subject)} in {where} only "
            "when letter case or string type (PrintableString/UTF8String) is ignored, as "
            "OpenSSL does; GnuTLS compares the names byte for byte and finds no issuer. "
            + ask, "Give the viewer the exact CA certificate that signed it (or re-issue the "
            "certificate from the CA as it is in X509CA).", ASKS)
    anchor = "the system trust store" if w.system_only else f"{where} or the system trust store"
    return Problem(
        "unknown-issuer",
        f"The certificate (issuer {quoted(top.issuer)}) is not in, and does not chain to a "
        f"certificate in, {anchor}: {ask}", "Copy the server's certificate (or its CA's) to the "
        f"viewer and pass it as X509CA: `{w.viewer_cmd}`.", ASKS)


def problems(r: g.PathResult, chain: Sequence[CertFacts], ca: Sequence[CertFacts], w: Words
             ) -> List[Problem]:
    leaf, prints, where = chain[0], {c.fingerprint_sha256 for c in ca}, w.where
    out: List[Problem] = []
    for f in r.findings:
        who = _who(f.cert, leaf, prints)
        if f.status & g.SIGNER_NOT_FOUND:
            out.append(_unknown_issuer(leaf, f.cert, ca, w))
        elif f.status & g.SIGNER_NOT_CA:
            renewal = f.issuer is not None and g.same_name_and_key(f.issuer, leaf)
            out.append(Problem(
                "issuer-not-ca", f"{where} holds {quoted(f.issuer.subject) if f.issuer else '?'} "
                "with the same name" + (" and key (the copy from before a --reuse-key "
                                        "renewal)" if renewal else "") + ", but it is not a "
                "CA (CA:FALSE), so GnuTLS cannot take it as the issuer: TigerVNC asks "
                "\"Unknown certificate issuer\".", "Replace the viewer's X509CA file with "
                f"the server's current certificate (SHA-256 {leaf.fingerprint_sha256}).", ASKS))
        elif f.status & (g.EXPIRED | g.NOT_ACTIVATED):
            out.append(_dates(f, leaf, prints, w))
        elif f.status & g.INSECURE_ALGORITHM and f.why == "key-size":
            weak = f.issuer or f.cert
            out.append(Problem(
                "weak-key", f"{_who(weak, leaf, prints)} has a {weak.key.type}-"
                f"{weak.key.bits} key: GnuTLS's LOW profile (the viewer's default) needs RSA/DSA"
                " of 1024 bits or more (EC 160): TigerVNC refuses it (\"The server certificate "
                "uses an insecure algorithm\").", "Make a new key and certificate: `vncssl "
                "create` (RSA 2048 or EC P-256).", REFUSES))
        elif f.status & g.INSECURE_ALGORITHM:
            out.append(Problem(
                "insecure-algorithm", f"{quoted(f.cert.subject)} is signed with "
                f"{f.cert.signature_algorithm}: TigerVNC refuses it (\"insecure algorithm\").",
                "Have it re-issued with SHA-256 (openssl's default), e.g. "
                f"`{w.renew_cmd}`.", REFUSES))
        elif f.status & g.UNKNOWN_CRIT_EXTENSIONS:
            out.append(Problem(
                "unknown-critical-extension", f"{who} has a critical extension GnuTLS does not "
                f"know ({f.why.split()[-1]}): TigerVNC refuses it outright (\"Invalid status of "
                "server certificate verification\"). Only a certificate that is itself in "
                "X509CA is trusted whatever its extensions.", "Re-issue it without that "
                "extension (or mark it non-critical).", REFUSES))
        elif f.status & g.SIGNATURE_FAILURE:
            out.append(Problem(
                "bad-signature", f"{who}'s signature does not verify with the key of "
                f"{quoted(f.issuer.subject) if f.issuer else 'its issuer'}: TigerVNC refuses it "
                "(\"Invalid status of server certificate verification\").",
                "Give the viewer the CA certificate that really signed it.", REFUSES))
        elif f.status & g.SIGNER_CONSTRAINTS_FAILURE:
            out.append(Problem(
                "issuer-key-usage",
                f"{who}'s issuer {quoted(f.issuer.subject) if f.issuer else ''} "
                "may not sign certificates (its keyUsage lacks keyCertSign): TigerVNC refuses "
                "it.", "Use a CA certificate with keyCertSign.", REFUSES))
        else:
            out.append(Problem("chain-invalid", f"{who}: {f.why}.", "Check the chain.", ASKS))
    return out + _renewal_note(r, leaf)


def _renewal_note(r: g.PathResult, leaf: CertFacts) -> List[Problem]:
    a = r.anchor
    if r.status or a is None or a.fingerprint_sha256 == leaf.fingerprint_sha256 \
            or not g.same_name_and_key(a, leaf):
        return []
    return [Problem(
        "renewed-same-key", f"The viewer's X509CA holds the old certificate from before a "
        f"--reuse-key renewal (same name, same key, CA:TRUE): GnuTLS takes it as the issuer of "
        f"the new one, so the viewer connects, but only until that old copy expires on "
        f"{a.not_after}; then it refuses (\"Invalid status of server certificate "
        "verification\").", f"Before {a.not_after}, replace the viewer's X509CA file with the "
        f"server's current certificate (SHA-256 {leaf.fingerprint_sha256}).", WARNING)]
