"""`vncssl probe` against the real viewer (issue 14, items 8-9): the same live Xvnc judged by
the viewer and by probe, with the chain fetched by Python and by the `openssl s_client`
relay that Python 3.9 uses; the weaker security types a server offers beside X509."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from tests import tigervnc_harness as h
from tests import x11vnc_harness as x
from vncssl.errors import ConnectFailed
from vncssl.openssl import binary
from vncssl.tigervnc import probe

pytestmark = pytest.mark.tigervnc
TABLE: List[Tuple[str, str, str, bool]] = []


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, h.CertFiles]:
    h.require_tigervnc()
    d = tmp_path_factory.mktemp("probe-agree")
    root = h.make_ca(d, "probe root", name="root", key_type="ec")
    inter = h.make_ca(d, "probe intermediate", issuer=root, name="inter", key_type="ec")
    leaf = h.issue_leaf(inter, d, "vnc.test", san="IP:127.0.0.1", name="leaf", key_type="ec")
    ss = h.make_selfsigned(d, "127.0.0.1", "IP:127.0.0.1", name="ss", key_type="ec")
    enc = h.make_selfsigned(d, "127.0.0.1", name="enc", extensions=[
        "basicConstraints = critical,CA:true", "keyUsage = keyEncipherment,keyCertSign",
        "subjectAltName = IP:127.0.0.1"])
    rsa = h.make_selfsigned(d, "127.0.0.1", "IP:127.0.0.1", name="rsa")  # x11vnc: RSA only
    yield {"root": root, "leaf": leaf, "ss": ss, "enc": enc, "rsa": rsa}
    if TABLE:
        print("\n| case | viewer | probe | agrees |\n|---|---|---|---|")
        print("\n".join(f"| {c} | {v} | {p} | {'yes' if a else 'NO'} |" for c, v, p, a in TABLE))
        print(f"\nprobe agreement: {sum(a for *_, a in TABLE)}/{len(TABLE)}")


CASES = {
    # name: (served cert file, X509CA, security types, relay through s_client)
    "chain sent, root in X509CA (Python)": ("leaf.fullchain", "root", "X509None", False),
    "chain sent, root in X509CA (s_client relay)": ("leaf.fullchain", "root", "X509None", True),
    "leaf only sent, root in X509CA (s_client relay)": ("leaf.cert", "root", "X509None", True),
    "X509None + None offered": ("ss.cert", "ss", "X509None,None", False),
    "X509None + TLSNone offered (x11vnc's default pair)": ("ss.cert", "ss", "X509None,TLSNone",
                                                           True),
    "keyEncipherment only, Xvnc (static RSA)": ("enc.cert", "enc", "X509None", False),
    "keyEncipherment only, Xvnc (s_client relay)": ("enc.cert", "enc", "X509None", True),
}
X11VNC = {
    # name: (cert, extra x11vnc arguments, weak types x11vnc -ssl offers beside X509None)
    "x11vnc -ssl, good certificate": ("rsa", (), ["TLS", "TLSNone"]),
    "x11vnc -ssl, keyEncipherment only (the viewer stops)": ("enc", (), ["TLS", "TLSNone"]),
    "x11vnc -ssl -sslonly (TLS before RFB)": ("rsa", ("-sslonly",), []),
}


@pytest.mark.parametrize("name", list(X11VNC))
def test_probe_agrees_with_viewer_on_x11vnc(name: str, certs: Dict[str, h.CertFiles],
                                            tmp_path: Path) -> None:
    x.require_x11vnc()
    which, extra, weak = X11VNC[name]
    files = certs[which]
    with x.x11vnc_server(files.cert, files.key, extra) as port:
        outcome = h.run_viewer("127.0.0.1", port, x509ca=files.cert, home=tmp_path,
                               timeout=4)
        try:
            report = probe.examine(binary.find()[0], f"127.0.0.1::{port}",
                                   ca=str(files.cert), timeout=4)
        except ConnectFailed as exc:  # exit 3, with the hint
            TABLE.append((name, outcome.kind, f"error: {exc.message}", outcome.kind != "connected"
                          and "-sslonly" in exc.fix))
            assert "-sslonly" in exc.fix and outcome.kind != "connected"
            return
    codes = [p.code for p in report.problems]
    ok = ((outcome.kind == "connected") == report.accepted
          and codes.count("weak-security-type") == len(weak)
          and (outcome.kind != "error" or report.viewer == "handshake-fails"))
    TABLE.append((name, f"{outcome.kind} ({outcome.reason})" if outcome.reason else
                  outcome.kind, ("accepted" if report.accepted else "rejected") +
                  f" ({report.viewer}): {','.join(codes) or '-'}", ok))
    assert ok, f"{name}: viewer {outcome}\nprobe {report}"
    if outcome.kind == "error":
        assert "Key usage violation" in outcome.stderr
        assert "key-usage-violation" in codes


@pytest.mark.parametrize("name", list(CASES))
def test_probe_agrees_with_viewer(name: str, certs: Dict[str, h.CertFiles], tmp_path: Path
                                  ) -> None:
    served, ca_name, types, relay = CASES[name]
    files = certs[served.split(".")[0]]
    cert = files.fullchain if served.endswith("fullchain") else files.cert
    ca = certs[ca_name].cert
    with h.xvnc_server(cert, files.key, security_types=types) as srv:
        outcome = h.run_viewer("127.0.0.1", srv.port, x509ca=ca, home=tmp_path, server=srv)
        report = probe.examine(binary.find()[0], f"127.0.0.1::{srv.port}", ca=str(ca),
                               timeout=10, relay=relay)
    codes = [p.code for p in report.problems]
    weak = [t for t in types.split(",") if not t.startswith("X509")]
    ok = (outcome.kind == "connected") == report.accepted and \
        codes.count("weak-security-type") == len(weak) and \
        (not served.startswith("enc") or "key-usage-static-rsa" in codes)
    TABLE.append((name, outcome.kind, ("accepted" if report.accepted else "rejected") +
                  f": {','.join(codes) or '-'}", ok))
    assert ok, f"{name}: viewer {outcome}\nprobe {report}"
    for t in weak:
        assert any(t in p.message and "uncheck None and Anonymous TLS" in p.fix
                   for p in report.problems)
    if report.certificate is not None and served.endswith("fullchain"):
        assert len(report.certificate.chain) == 2  # the whole chain was seen


def test_a_python_without_the_chain_api_uses_the_relay(certs: Dict[str, h.CertFiles],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """What Python 3.9 does (no get_unverified_chain anywhere): s_client, chosen by itself."""
    from vncssl.tigervnc import chainfetch

    monkeypatch.setattr(chainfetch, "python_has_chain", lambda: False)
    monkeypatch.setattr(chainfetch, "python_chain", lambda tls: pytest.fail("not the relay"))
    files = certs["leaf"]
    with h.xvnc_server(files.fullchain, files.key) as srv:
        report = probe.examine(binary.find()[0], f"127.0.0.1::{srv.port}",
                               ca=str(certs["root"].cert), timeout=10)
    assert report.accepted and report.problems == []
    assert len(report.certificate.chain) == 2 and report.tls["version"] == "TLSv1.3"
