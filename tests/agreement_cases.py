"""Certificates for the classes of issue 14 (GnuTLS rules vncssl must mirror), made with the
bare openssl binary through the harness. Each class has at least two cases, one of them a
case the rule must get right the other way (a control), so no rule can be tuned to one case.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional

from tests import tigervnc_harness as h

SAN_IP = "subjectAltName = IP:127.0.0.1"
UNKNOWN_CRITICAL = "1.3.6.1.4.1.55555.1 = critical,ASN1:UTF8String:vncssl test"
IDNA_HOSTS = {"straße.test": "127.0.0.1"}


@dataclass
class Case:
    # server cert/key, the viewer's X509CA (None: no file, system store only), host typed
    cert: Path
    key: Path
    ca: Optional[Path]
    host: str
    expect: str  # the viewer's outcome kind seen (connected/prompt/refused/error): documents
    must_report: str = ""  # a problem code check must report even when the viewer connects
    hosts: Optional[Dict[str, str]] = None  # names only this viewer resolves (IDNA cases)


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60,
                   env={**os.environ, "LC_ALL": "C"})


def remade_ca(ca: h.CertFiles, d: Path, name: str, subject: str, *, printable: bool = False
              ) -> Path:
    """The CA's key self-signed again under `subject` (same key, so same key identifier):
    what OpenSSL still matches as the issuer of the CA's leaves when the name differs only in
    case or string type, and GnuTLS (raw DER compare) does not."""
    cfg = d / f"{name}.cnf"
    cfg.write_text("[req]\ndistinguished_name = dn\nx509_extensions = ext\n"
                   f"string_mask = {'default' if printable else 'utf8only'}\n[dn]\n[ext]\n"
                   "basicConstraints = critical,CA:true\n"
                   "keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n")
    out = d / f"{name}.pem"
    _openssl("req", "-new", "-x509", "-key", str(ca.key), "-subj", subject, "-days", "30",
             "-config", str(cfg), "-out", str(out))
    return out


def build(d: Path) -> Dict[str, Case]:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    out: Dict[str, Case] = {}
    # 1. Names come from the structure: one dNSName holding ", IP Address:..." is one name.
    spoof = h.make_selfsigned(d, "vnc.test", name="san-comma", extensions=[
        "basicConstraints = critical,CA:true", "subjectAltName = @alt", "[alt]",
        "DNS.1 = localhost, IP Address:127.0.0.1"])
    uri = h.make_selfsigned(d, "vnc.test", name="san-uri", extensions=[
        "basicConstraints = critical,CA:true", "subjectAltName = @alt", "[alt]",
        "URI.1 = http://x, DNS:localhost"])
    out["dNSName 'localhost, IP Address:127.0.0.1', host = IP"] = Case(
        spoof.cert, spoof.key, spoof.cert, "127.0.0.1", "prompt")
    out["dNSName 'localhost, IP Address:127.0.0.1', host = localhost"] = Case(
        spoof.cert, spoof.key, spoof.cert, "localhost", "prompt")
    out["URI SAN 'http://x, DNS:localhost', host = localhost"] = Case(
        uri.cert, uri.key, uri.cert, "localhost", "prompt")
    # 2. Issuers are found by raw DER name.
    ca = h.make_ca(d, "vncssl Test CA", name="dn-ca")
    leaf = h.issue_leaf(ca, d, "vnc.test", name="dn-leaf")
    upper = remade_ca(ca, d, "dn-ca-upper", "/CN=VNCSSL TEST CA")
    printable = remade_ca(ca, d, "dn-ca-printable", "/CN=vncssl Test CA", printable=True)
    same = remade_ca(ca, d, "dn-ca-same", "/CN=vncssl Test CA")
    out["issuer DN differs in case only"] = Case(leaf.cert, leaf.key, upper, "127.0.0.1",
                                                 "prompt")
    out["issuer DN differs in string type only"] = Case(leaf.cert, leaf.key, printable,
                                                        "127.0.0.1", "prompt")
    out["issuer DN byte-identical (CA re-made, same key)"] = Case(leaf.cert, leaf.key, same,
                                                                  "127.0.0.1", "connected")
    # 3. GnuTLS's LOW profile: RSA below 1024 bits is an insecure algorithm.
    r768 = h.make_selfsigned(d, "127.0.0.1", "IP:127.0.0.1", key_type="rsa:768", name="rsa768")
    r1024 = h.make_selfsigned(d, "127.0.0.1", "IP:127.0.0.1", key_type="rsa:1024",
                              name="rsa1024")
    weak_leaf = h.issue_leaf(ca, d, "vnc.test", key_type="rsa:768", name="rsa768-leaf")
    out["RSA-768 self-signed in X509CA"] = Case(r768.cert, r768.key, r768.cert, "127.0.0.1",
                                                "refused")
    out["RSA-1024 self-signed in X509CA"] = Case(r1024.cert, r1024.key, r1024.cert,
                                                 "127.0.0.1", "connected")
    out["RSA-768 leaf of an RSA-2048 CA"] = Case(weak_leaf.cert, weak_leaf.key, ca.cert,
                                                 "127.0.0.1", "refused")
    # 4. An exact X509CA match is trusted outright; an issued leaf's unknown critical
    # extension is refused.
    crit = h.make_selfsigned(d, "127.0.0.1", name="crit-ss", extensions=[
        "basicConstraints = critical,CA:true", UNKNOWN_CRITICAL, SAN_IP])
    crit_leaf = h.issue_leaf(ca, d, "vnc.test", name="crit-leaf", extensions=[
        "basicConstraints = critical,CA:false", "keyUsage = critical,digitalSignature",
        "authorityKeyIdentifier = keyid:always", UNKNOWN_CRITICAL, SAN_IP])
    noncrit_leaf = h.issue_leaf(ca, d, "vnc.test", name="noncrit-leaf", extensions=[
        "basicConstraints = critical,CA:false", "keyUsage = critical,digitalSignature",
        "authorityKeyIdentifier = keyid:always", UNKNOWN_CRITICAL.replace("critical,", ""),
        SAN_IP])
    out["unknown critical extension, exact X509CA match"] = Case(
        crit.cert, crit.key, crit.cert, "127.0.0.1", "connected")
    out["unknown critical extension, CA-issued leaf"] = Case(
        crit_leaf.cert, crit_leaf.key, ca.cert, "127.0.0.1", "refused")
    out["unknown non-critical extension, CA-issued leaf"] = Case(
        noncrit_leaf.cert, noncrit_leaf.key, ca.cert, "127.0.0.1", "connected")
    # 5. Renewal with --reuse-key: the old copy in X509CA issues the new one until it expires.
    old = h.make_selfsigned(d / "reuse", "127.0.0.1", "IP:127.0.0.1", name="old")
    new = h.make_selfsigned(d / "reuse", "127.0.0.1", "IP:127.0.0.1", name="new",
                            reuse_key=old.key)
    old_exp = h.make_selfsigned(d / "reuse", "127.0.0.1", "IP:127.0.0.1", name="old-expired",
                                reuse_key=old.key, not_before=now - timedelta(days=30),
                                not_after=now - timedelta(days=1))
    old_leaf = h.make_selfsigned(d / "reuse", "127.0.0.1", "IP:127.0.0.1", name="old-leaf",
                                 reuse_key=old.key, ca_flag=False)
    out["renewal --reuse-key, viewer has old only"] = Case(new.cert, new.key, old.cert,
                                                           "127.0.0.1", "connected",
                                                           must_report="renewed-same-key")
    out["renewal --reuse-key, old copy expired"] = Case(new.cert, new.key, old_exp.cert,
                                                        "127.0.0.1", "refused")
    out["renewal --reuse-key, old copy CA:FALSE"] = Case(new.cert, new.key, old_leaf.cert,
                                                         "127.0.0.1", "prompt")
    # 6. IDNA2008 (GnuTLS 3.7+): ß is kept (xn--strae-oqa), not mapped to "ss".
    idna = h.make_selfsigned(d, "vnc.test", "DNS:xn--strae-oqa.test", name="idna2008")
    idna03 = h.make_selfsigned(d, "vnc.test", "DNS:strasse.test", name="idna2003")
    out["DNS xn--strae-oqa.test, host = straße.test"] = Case(
        idna.cert, idna.key, idna.cert, "straße.test", "connected", hosts=IDNA_HOSTS)
    out["DNS strasse.test, host = straße.test"] = Case(
        idna03.cert, idna03.key, idna03.cert, "straße.test", "prompt", hosts=IDNA_HOSTS)
    # 7. keyEncipherment only (RSA): Xvnc falls back to static RSA; reported all the same.
    enc_sign = h.make_selfsigned(d, "127.0.0.1", name="ku-enc-certsign", extensions=[
        "basicConstraints = critical,CA:true", "keyUsage = keyEncipherment,keyCertSign",
        SAN_IP])
    out["keyUsage keyEncipherment,keyCertSign (RSA)"] = Case(
        enc_sign.cert, enc_sign.key, enc_sign.cert, "127.0.0.1", "connected",
        must_report="key-usage-static-rsa")
    return out


NEW_CASES: List[str] = [
    "dNSName 'localhost, IP Address:127.0.0.1', host = IP",
    "dNSName 'localhost, IP Address:127.0.0.1', host = localhost",
    "URI SAN 'http://x, DNS:localhost', host = localhost",
    "issuer DN differs in case only", "issuer DN differs in string type only",
    "issuer DN byte-identical (CA re-made, same key)",
    "RSA-768 self-signed in X509CA", "RSA-1024 self-signed in X509CA",
    "RSA-768 leaf of an RSA-2048 CA",
    "unknown critical extension, exact X509CA match",
    "unknown critical extension, CA-issued leaf",
    "unknown non-critical extension, CA-issued leaf",
    "renewal --reuse-key, viewer has old only", "renewal --reuse-key, old copy expired",
    "renewal --reuse-key, old copy CA:FALSE",
    "DNS xn--strae-oqa.test, host = straße.test", "DNS strasse.test, host = straße.test",
    "keyUsage keyEncipherment,keyCertSign (RSA)",
]
