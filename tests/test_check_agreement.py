"""`vncssl check` against the real viewer: for each certificate case run Xvnc + vncviewer on
loopback and assert  viewer connected (no prompt)  <=>  `check` accepted, and that check's
`viewer` (asks / refuses / handshake-fails) is what the viewer did when it did not connect.
The cases of issue 14 (GnuTLS rules) are in tests/agreement_cases.py.

Run: python -m pytest tests/test_check_agreement.py -m tigervnc -s   (prints the matrix and
the agreement count)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from tests import agreement_cases
from tests import tigervnc_harness as h
from tests.clirunner import CliRunner
from vncssl.cli import app

pytestmark = pytest.mark.tigervnc


@dataclass
class Case:
    # server cert/key, the viewer's X509CA (None: no file, system store only), host typed
    cert: Path
    key: Path
    ca: Optional[Path]
    host: str
    expect: bool  # what the viewer is expected to do: documents the case, not the judge


def _build(d: Path) -> Dict[str, agreement_cases.Case]:
    old = _build_basic(d)
    cases = {name: agreement_cases.Case(c.cert, c.key, c.ca, c.host,
                                         "connected" if c.expect else "")
             for name, c in old.items()}
    cases["keyUsage keyEncipherment (RSA)"].must_report = "key-usage-static-rsa"
    cases.update(agreement_cases.build(d / "gnutls"))
    return cases


def _build_basic(d: Path) -> Dict[str, Case]:
    ip = h.make_selfsigned(d, "127.0.0.1", "IP:127.0.0.1", name="ip")
    dns = h.make_selfsigned(d, "vnc.test", "DNS:localhost", name="dns", key_type="ec")
    cn_dns = h.make_selfsigned(d, "localhost", None, name="cn-dns")
    cn_ip = h.make_selfsigned(d, "127.0.0.1", None, name="cn-ip")
    other_ip = h.make_selfsigned(d, "127.0.0.2", "IP:127.0.0.2", name="other-ip")
    leaf_v1 = h.make_selfsigned(d, "127.0.0.1", "IP:127.0.0.1", name="noca", ca_flag=False)
    exp = h.make_cert_with_dates(d, "127.0.0.1", san="IP:127.0.0.1", name="expired",
                                 not_before=h.expired_window()[0],
                                 not_after=h.expired_window()[1])
    nyv = h.make_cert_with_dates(d, "127.0.0.1", san="IP:127.0.0.1", name="future",
                                 not_before=h.not_yet_valid_window()[0],
                                 not_after=h.not_yet_valid_window()[1])
    ca = h.make_ca(d, "vncssl test CA", name="ca")
    wrong_ca = h.make_ca(d, "another CA", name="wrong-ca")
    leaf = h.issue_leaf(ca, d, "vnc.test", san="IP:127.0.0.1", name="leaf")
    sha1 = h.issue_leaf(ca, d, "vnc.test", san="IP:127.0.0.1", name="sha1", digest="sha1")
    old, new = h.same_subject_renewal(d / "renewal", "127.0.0.1", "IP:127.0.0.1")
    san_ip = "subjectAltName = IP:127.0.0.1"
    ku_sign = h.make_selfsigned(d, "127.0.0.1", name="ku-certsign", extensions=[
        "basicConstraints = critical,CA:true", "keyUsage = keyCertSign", san_ip])
    ku_enc = h.make_selfsigned(d, "127.0.0.1", name="ku-encipher", extensions=[
        "basicConstraints = critical,CA:true", "keyUsage = keyEncipherment", san_ip])
    ku_ec = h.make_selfsigned(d, "127.0.0.1", name="ku-ec", key_type="ec", extensions=[
        "basicConstraints = critical,CA:true", "keyUsage = keyCertSign,keyEncipherment",
        san_ip])
    ss_sha1 = h.make_selfsigned(d, "127.0.0.1", "IP:127.0.0.1", name="ss-sha1", digest="sha1")
    root = h.make_ca(d, "vncssl root", name="root")
    inter = h.make_ca(d, "vncssl intermediate", issuer=root, name="inter")
    chained = h.issue_leaf(inter, d, "vnc.test", san="IP:127.0.0.1", name="chained")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    old_root = h.make_selfsigned(d, "expired root", name="old-root", extensions=[
        "basicConstraints = critical,CA:true", "keyUsage = critical,keyCertSign,cRLSign",
        "subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid:always"],
        not_before=now - timedelta(days=30), not_after=now - timedelta(days=1))
    under_old = h.issue_leaf(old_root, d, "vnc.test", san="IP:127.0.0.1", name="under-old")
    both = d / "old-and-new.pem"
    both.write_text(old.cert.read_text() + new.cert.read_text())
    return {
        "IP SAN, host = IP": Case(ip.cert, ip.key, ip.cert, "127.0.0.1", True),
        "IP SAN, host = localhost": Case(ip.cert, ip.key, ip.cert, "localhost", False),
        "DNS SAN (EC), host = localhost": Case(dns.cert, dns.key, dns.cert, "localhost", True),
        "CN only, host = DNS CN": Case(cn_dns.cert, cn_dns.key, cn_dns.cert, "localhost", True),
        "CN only, host = IP CN": Case(cn_ip.cert, cn_ip.key, cn_ip.cert, "127.0.0.1", False),
        "wrong host (SAN 127.0.0.2)": Case(other_ip.cert, other_ip.key, other_ip.cert,
                                           "127.0.0.1", False),
        "CA:FALSE self-signed": Case(leaf_v1.cert, leaf_v1.key, leaf_v1.cert, "127.0.0.1",
                                     True),
        "no X509CA (system store only)": Case(ip.cert, ip.key, None, "127.0.0.1", False),
        "expired": Case(exp.cert, exp.key, exp.cert, "127.0.0.1", False),
        "not yet valid": Case(nyv.cert, nyv.key, nyv.cert, "127.0.0.1", False),
        "private-CA leaf, right CA": Case(leaf.cert, leaf.key, ca.cert, "127.0.0.1", True),
        "private-CA leaf, wrong CA": Case(leaf.cert, leaf.key, wrong_ca.cert, "127.0.0.1",
                                          False),
        "private-CA leaf signed SHA-1": Case(sha1.cert, sha1.key, ca.cert, "127.0.0.1", False),
        "renewal, viewer has old only": Case(new.cert, new.key, old.cert, "127.0.0.1", False),
        "renewal, viewer has old + new": Case(new.cert, new.key, both, "127.0.0.1", True),
        "self-signed SHA-1, in X509CA": Case(ss_sha1.cert, ss_sha1.key, ss_sha1.cert,
                                             "127.0.0.1", True),
        "keyUsage keyCertSign only (RSA)": Case(ku_sign.cert, ku_sign.key, ku_sign.cert,
                                                "127.0.0.1", False),
        "keyUsage keyEncipherment (RSA)": Case(ku_enc.cert, ku_enc.key, ku_enc.cert,
                                               "127.0.0.1", True),
        "keyUsage no digitalSignature (EC)": Case(ku_ec.cert, ku_ec.key, ku_ec.cert,
                                                  "127.0.0.1", False),
        "chain sent, root in X509CA": Case(chained.fullchain, chained.key, root.cert,
                                           "127.0.0.1", True),
        "leaf only sent, root in X509CA": Case(chained.cert, chained.key, root.cert,
                                               "127.0.0.1", False),
        "leaf only sent, intermediate in X509CA": Case(chained.cert, chained.key,
                                                       inter.cert, "127.0.0.1", True),
        "valid leaf, expired root in X509CA": Case(under_old.cert, under_old.key,
                                                   old_root.cert, "127.0.0.1", False),
    }


CASE_NAMES = [
    "IP SAN, host = IP", "IP SAN, host = localhost", "DNS SAN (EC), host = localhost",
    "CN only, host = DNS CN", "CN only, host = IP CN", "wrong host (SAN 127.0.0.2)",
    "CA:FALSE self-signed", "no X509CA (system store only)", "expired", "not yet valid",
    "private-CA leaf, right CA", "private-CA leaf, wrong CA", "private-CA leaf signed SHA-1",
    "renewal, viewer has old only", "renewal, viewer has old + new",
    "self-signed SHA-1, in X509CA", "keyUsage keyCertSign only (RSA)",
    "keyUsage keyEncipherment (RSA)", "keyUsage no digitalSignature (EC)",
    "chain sent, root in X509CA", "leaf only sent, root in X509CA",
    "leaf only sent, intermediate in X509CA", "valid leaf, expired root in X509CA",
    *agreement_cases.NEW_CASES]
MATRIX: List[Tuple[str, str, str, str, bool]] = []
# What the viewer did -> check's `viewer` field for it.
VIEWER_WORD = {"connected": "connects", "prompt": "asks", "refused": "refuses",
               "error": "handshake-fails"}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, agreement_cases.Case]:
    h.require_tigervnc()
    built = _build(tmp_path_factory.mktemp("agreement"))
    yield built
    if MATRIX:
        lines = ["| case | vncviewer | viewer did | check | agrees |", "|---|---|---|---|---|"]
        lines += [f"| {c} | {i} | {v} | {k} | {'yes' if a else 'NO'} |"
                  for c, i, v, k, a in MATRIX]
        agreed = sum(1 for *_, a in MATRIX if a)
        print("\n" + "\n".join(lines) + f"\n\nagreement: {agreed}/{len(MATRIX)}")


def _check(case: agreement_cases.Case, version: str) -> dict:
    """check's verdict told for the viewer's generation (--tigervnc-version)."""
    if case.ca is None:
        # No X509CA file at all: the CLI's --ca defaults to CERT, so ask the domain API
        # (what a probe of a live server does) with ca=None.
        import dataclasses

        from vncssl.openssl import binary
        from vncssl.tigervnc import forviewer
        from vncssl.x509 import certinfo, verdict

        ossl = binary.find()[0]
        chain = certinfo.read_chain(ossl, case.cert)
        told, _ = forviewer.apply(ossl, verdict.judge(ossl, chain, case.host, None), None,
                                  version=version)
        return dataclasses.asdict(told)
    argv = ["check", str(case.cert), "--host", case.host, "--ca", str(case.ca), "--json",
            "--tigervnc-version", version]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code in (0, 1), result.output
    verdict = json.loads(result.stdout)
    assert verdict["accepted"] == (result.exit_code == 0)
    return verdict


def _viewer(case: agreement_cases.Case, home: Path, install: h.Install) -> h.ViewerOutcome:
    # The host's Xvnc (1.12) serves every viewer: bullseye's 1.11 Xvnc makes fresh DH
    # parameters per connection (seconds each).
    with h.xvnc_server(case.cert, case.key) as server:
        return h.run_viewer(case.host, server.port, x509ca=case.ca, home=home, server=server,
                            hosts=case.hosts, install=install)


def agrees(outcome: h.ViewerOutcome, verdict: dict, must_report: str) -> bool:
    """check agrees with the viewer: accepted <=> connected, the way it stops (when it does)
    is the viewer's, and a problem the case must report is reported."""
    codes = [p["code"] for p in verdict["problems"]]
    return ((outcome.kind == "connected") == verdict["accepted"]
            and verdict.get("viewer") == VIEWER_WORD[outcome.kind]
            and (not must_report or must_report in codes))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_check_agrees_with_viewer(name: str, cases: Dict[str, agreement_cases.Case],
                                  tmp_path: Path, viewer: h.Install) -> None:
    """Each viewer of the matrix (1.12 here, 1.11 and 1.15 from the Debian trees); check is
    told which one (--tigervnc-version), so `viewer` (asks/refuses) must match it too."""
    case = cases[name]
    version = ".".join(map(str, viewer.viewer_version()[:2]))
    verdict = _check(case, version)
    outcome = _viewer(case, tmp_path, viewer)
    codes = ",".join(p["code"] for p in verdict["problems"]) or "-"
    shown = outcome.kind + (f" ({outcome.reason})" if outcome.reason else "")
    ok = agrees(outcome, verdict, case.must_report)
    MATRIX.append((name, f"{viewer.name} {version}", shown,
                   ("accepted" if verdict["accepted"] else "rejected")
                   + f" ({verdict.get('viewer')}): {codes}", ok))
    assert ok, f"{name}: viewer {outcome}\ncheck {verdict}"
    # case.expect is what 1.12 does; a newer viewer may ask where 1.12 refuses (then check's
    # `viewer` word, told the generation, is the judge above).
    if case.expect and (viewer.suite is None or case.expect == "connected"):
        assert outcome.kind == case.expect, f"{name}: the viewer itself did something new"
