"""`vncssl explain` on what the real viewer and Xvnc print: every failure class of the
agreement table (tests/test_check_agreement.py) plus the server-side and connection
failures, on the installed viewer (Debian 12: TigerVNC 1.12). For each, the viewer's final
message or question title, its whole log and the server's log are fed to the matcher, and
the right entry (and the right cause among its causes) must come first.

Run: python -m pytest -m tigervnc tests/test_explain_e2e.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest

from tests import tigervnc_harness as h
from tests.clirunner import CliRunner
from tests.test_check_agreement import Case, _build
from vncssl.cli import app
from vncssl.tigervnc import messages as m
from vncssl.tigervnc.messages.explanation import explain

pytestmark = pytest.mark.tigervnc

# case -> (entry for the viewer's message, a cause key it must name,
#          entry the server log must lead with, or None when Xvnc logs nothing telling)
EXPECT: Dict[str, Tuple[str, str, Optional[str]]] = {
    "IP SAN, host = localhost": ("hostname-mismatch", "name-not-listed", None),
    "CN only, host = IP CN": ("hostname-mismatch", "no-san", None),
    "wrong host (SAN 127.0.0.2)": ("hostname-mismatch", "name-not-listed", None),
    "no X509CA (system store only)": ("unknown-issuer", "no-x509ca", None),
    "expired": ("invalid-status", "cert-expired", None),
    "not yet valid": ("invalid-status", "not-yet-valid", None),
    "private-CA leaf, wrong CA": ("unknown-issuer", "no-x509ca", None),
    "private-CA leaf signed SHA-1": ("insecure-algorithm-refused", "sha1-signature", None),
    "renewal, viewer has old only": ("unknown-issuer", "old-cert-in-x509ca", None),
    "keyUsage keyCertSign only (RSA)": ("tls-handshake-failed", "server-refused",
                                        "no-cipher-suites"),
    "keyUsage no digitalSignature (EC)": ("tls-handshake-failed", "server-refused",
                                          "no-cipher-suites"),
    "leaf only sent, root in X509CA": ("unknown-issuer", "missing-intermediate", None),
    "valid leaf, expired root in X509CA": ("invalid-status", "cert-expired", None),
}
# the whole viewer log of these leads with a more precise entry than the final line
LOG_FIRST = {"keyUsage keyCertSign only (RSA)": ("peer-terminated", "key-usage"),
             "keyUsage no digitalSignature (EC)": ("peer-terminated", "key-usage")}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Case]:
    h.require_tigervnc()
    return _build(tmp_path_factory.mktemp("explain"))


def assert_explains(text: str, entry_id: str, cause: str) -> None:
    r = explain(text)
    assert r.known, text
    ids = [x.id for x in r.matches]
    assert ids[0] == entry_id, (text, ids)
    keys = [c["key"] for x in r.matches for c in x.causes]
    assert cause in keys, (text, keys)


def test_every_agreement_failure_class_is_covered(cases: Dict[str, Case]) -> None:
    failing = {name for name, case in cases.items() if not case.expect}
    assert failing == set(EXPECT), failing ^ set(EXPECT)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_explain_names_the_cause_of_what_the_viewer_printed(name: str,
                                                            cases: Dict[str, Case]) -> None:
    case = cases[name]
    entry_id, cause, server_entry = EXPECT[name]
    with h.xvnc_server(case.cert, case.key) as srv:
        out = h.run_viewer(case.host, srv.port, x509ca=case.ca, server=srv)
    assert out.kind in ("prompt", "refused", "error"), str(out)
    assert_explains(out.reason, entry_id, cause)
    log_entry, log_cause = LOG_FIRST.get(name, (entry_id, cause))
    text = "\n".join(out.messages)
    if out.gnutls_status is not None:
        assert f"verification: {out.gnutls_status}" in " ".join(out.messages)
    assert_explains(text, log_entry, log_cause)
    if server_entry:
        assert m.match(out.server_log or "")[0].id == server_entry, out.server_log


def test_status_number_orders_the_causes(cases: Dict[str, Case]) -> None:
    """1.12 logs 1026 for expired and 514 for not yet valid: the cause comes first."""
    for name, first in (("expired", "cert-expired"), ("not yet valid", "not-yet-valid")):
        case = cases[name]
        with h.xvnc_server(case.cert, case.key) as srv:
            out = h.run_viewer(case.host, srv.port, x509ca=case.ca)
        r = explain("\n".join(out.messages))
        assert r.status is not None and r.status.value == out.gnutls_status
        assert r.matches[0].causes[0]["key"] == first


@pytest.mark.skipif(os.geteuid() != 0, reason="starts Xvnc as another user (setpriv)")
def test_server_side_failures(cases: Dict[str, Case], tmp_path: Path) -> None:
    ip = cases["IP SAN, host = IP"]
    other = h.make_selfsigned(tmp_path, "127.0.0.1", "IP:127.0.0.1", name="other")
    with h.xvnc_server(ip.cert, other.key) as srv:
        out = h.run_viewer("127.0.0.1", srv.port, x509ca=ip.cert, server=srv)
    assert_explains(out.reason, "server-tls-setup-failed", "key-mismatch")
    assert_explains(out.server_log or "", "key-mismatch", "key-mismatch")

    shared = Path(tempfile.mkdtemp(prefix="vncssl-explain-"))  # reachable for nobody
    try:
        shared.chmod(0o755)
        cert, root_only = shared / "cert.pem", shared / "root-only.key"
        cert.write_bytes(ip.cert.read_bytes())
        cert.chmod(0o644)
        root_only.write_bytes(ip.key.read_bytes())
        root_only.chmod(0o600)
        with h.xvnc_server(cert, root_only, run_as=(65534, 65534)) as srv:
            out = h.run_viewer("127.0.0.1", srv.port, x509ca=ip.cert, server=srv)
    finally:
        shutil.rmtree(shared, ignore_errors=True)
    assert_explains(out.reason, "server-tls-setup-failed", "key-unreadable")
    assert_explains(out.server_log or "", "key-unreadable", "key-unreadable")


def test_connection_and_subtype_failures(cases: Dict[str, Case], tmp_path: Path) -> None:
    ip = cases["IP SAN, host = IP"]
    pw = h.make_vnc_password_file(tmp_path / "passwd")
    with h.xvnc_server(ip.cert, ip.key, security_types="X509Vnc", passwd_file=pw) as srv:
        out = h.run_viewer("127.0.0.1", srv.port, x509ca=ip.cert)  # viewer: X509None only
    assert_explains(out.reason, "no-vencrypt-subtype", "viewer-types")
    out = h.run_viewer("127.0.0.1", h.find_free_port(), x509ca=ip.cert)
    assert_explains(out.reason, "cannot-connect", "server-not-running")


def test_exceptions_declined_and_changed(cases: Dict[str, Case], tmp_path: Path) -> None:
    ip = cases["IP SAN, host = IP"]
    other = h.make_selfsigned(tmp_path, "127.0.0.1", "IP:127.0.0.1", name="renewed")
    with h.xvnc_server(ip.cert, ip.key) as srv:
        out = h.run_viewer("127.0.0.1", srv.port, x509ca=None, home=tmp_path, answer="no")
        assert_explains(out.reason, "unknown-issuer", "no-x509ca")
        h.run_viewer("127.0.0.1", srv.port, x509ca=None, home=tmp_path, answer="yes")
    with h.xvnc_server(other.cert, other.key) as srv:
        out = h.run_viewer("127.0.0.1", srv.port, x509ca=None, home=tmp_path)
    assert out.prompt_title == "Unexpected server certificate", str(out)
    assert_explains(out.reason, "unexpected-certificate", "renewed-after-exception")
    assert_explains("\n".join(out.messages), "unexpected-certificate",
                    "renewed-after-exception")


def test_cli_explains_a_real_log_from_stdin(cases: Dict[str, Case]) -> None:
    case = cases["expired"]
    with h.xvnc_server(case.cert, case.key) as srv:
        out = h.run_viewer(case.host, srv.port, x509ca=case.ca)
    r = CliRunner().invoke(app, ["explain", "-"], input=out.stderr)
    assert r.exit_code == 0, r.output
    assert "invalid-status" in r.stdout and "INVALID | EXPIRED" in r.stdout
    assert r.stdout.index("vncssl expiry") < r.stdout.index("date -u")


def test_revoked_certificate(tmp_path: Path) -> None:
    ca = h.make_ca(tmp_path, "crl CA", name="ca")
    leaf = h.issue_leaf(ca, tmp_path, "vnc.test", name="leaf")
    crl = h.make_crl(ca, [leaf], tmp_path / "crl.pem")
    with h.xvnc_server(leaf.cert, leaf.key) as srv:
        out = h.run_viewer("127.0.0.1", srv.port, x509ca=ca.cert, x509crl=crl)
    assert out.kind == "refused", str(out)
    assert_explains(out.reason, "revoked", "crl-lists-cert")


def _viewer_to(target: str, ca: Path, home: Path) -> str:
    """The real viewer to an address run_viewer does not take ([::1], still loopback)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "DISPLAY": h.shared_xvfb(), "LC_ALL": "C"}
    argv = ["vncviewer", "-SecurityTypes", "X509None", "-ReconnectOnError=0",
            "-AlertOnFatalError=0", "-Log", "*:stderr:100", "-X509CA", str(ca), target]
    try:
        return subprocess.run(argv, env=env, capture_output=True, text=True,
                              timeout=20).stderr
    except subprocess.TimeoutExpired as exc:
        return (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) \
            else (exc.stderr or "")


def test_ipv6_address_as_server_name(tmp_path: Path) -> None:
    """Viewers before 1.16 send [::1] as TLS server name; Xvnc refuses the handshake."""
    if h.viewer_version() >= (1, 16):
        pytest.skip("1.16 sends no IP address as server name")
    cert = h.make_selfsigned(tmp_path, "localhost", "IP:::1,DNS:localhost", name="v6",
                             key_type="ec")
    with h.xvnc_server(cert.cert, cert.key, extra_args=["-localhost"]) as srv:  # + [::1]
        log = _viewer_to(f"[::1]::{srv.port}", cert.cert, tmp_path)
        server_log = srv.wait_for_log("disallowed SNI", timeout=3)
    assert_explains(log, "peer-terminated", "ipv6-sni")
    assert explain(log).matches[0].causes[0]["key"] == "ipv6-sni"  # the log shows ::1
    assert_explains(server_log, "disallowed-sni", "ipv6-sni")
