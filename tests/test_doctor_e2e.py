"""`vncssl doctor HOST::PORT` against a real Xvnc set up wrong in each way the issue names
(key unreadable by the server's user, mismatched pair, no X509 type, weak types offered,
expired certificate, viewer with the old certificate after a renewal), plus remembered
exceptions: the right check fails, with its fix, and a right setup passes.

Run: python -m pytest -m tigervnc tests/test_doctor_e2e.py
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from tests import tigervnc_harness as h
from tests.clirunner import CliRunner
from vncssl.cli import app

pytestmark = pytest.mark.tigervnc
NOBODY = (65534, 65534)


@pytest.fixture(scope="module")
def files() -> Iterator[Dict[str, Any]]:
    h.require_tigervnc()
    # Xvnc runs as nobody in one case: the certificate must be reachable for it, so not
    # under pytest's 0700 temp folders.
    d = Path(tempfile.mkdtemp(prefix="vncssl-doctor-"))
    d.chmod(0o755)
    try:
        yield _files(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _files(d: Path) -> Dict[str, Any]:
    ip = h.make_selfsigned(d, "127.0.0.1", "IP:127.0.0.1", name="ip")
    other = h.make_selfsigned(d, "127.0.0.1", "IP:127.0.0.1", name="other")
    expired = h.make_cert_with_dates(d, "127.0.0.1", san="IP:127.0.0.1", name="expired",
                                     not_before=h.expired_window()[0],
                                     not_after=h.expired_window()[1])
    old, new = h.same_subject_renewal(d / "renewal", "127.0.0.1", "IP:127.0.0.1")
    for c in (ip, other, expired, old, new):
        c.cert.chmod(0o644)
    return {"ip": ip, "other": other, "expired": expired, "old": old, "new": new, "dir": d}


def viewer_home(tmp: Path, ca: Optional[Path]) -> Path:
    home = tmp / "home"
    (home / ".vnc").mkdir(parents=True, exist_ok=True)  # 1.12 reads ~/.vnc
    if ca is not None:
        (home / ".vnc" / "x509_ca.pem").write_text(ca.read_text())
    return home


def doctor(port: int, home: Path, *extra: str) -> Dict[str, Any]:
    r = CliRunner().invoke(app, ["doctor", f"127.0.0.1::{port}", "--json", *extra],
                           env={"HOME": str(home)})
    data = json.loads(r.stdout)
    assert data["exit_code"] == r.exit_code, r.output
    return data


def failed(report: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [c for c in report["checks"] if c["status"] == "fail"]


def one(report: Dict[str, Any], cid: str) -> Dict[str, Any]:
    found = [c for c in report["checks"] if c["id"] == cid]
    assert len(found) == 1, (cid, report["checks"])
    return found[0]


def test_a_right_setup_passes(files: Dict[str, Any], tmp_path: Path) -> None:
    ip = files["ip"]
    with h.xvnc_server(ip.cert, ip.key) as srv:
        report = doctor(srv.port, viewer_home(tmp_path, ip.cert))
    assert report["exit_code"] == 0, failed(report)
    assert one(report, "server")["detail"].startswith("Xvnc (pid ")
    assert one(report, "probe")["status"] == "ok"


@pytest.mark.skipif(os.geteuid() != 0, reason="starts Xvnc as another user (setpriv)")
def test_key_unreadable_by_the_servers_user(files: Dict[str, Any], tmp_path: Path) -> None:
    ip = files["ip"]
    key = files["dir"] / "root-only.key"
    key.write_bytes(ip.key.read_bytes())
    key.chmod(0o600)
    with h.xvnc_server(ip.cert, key, run_as=NOBODY) as srv:
        report = doctor(srv.port, viewer_home(tmp_path, ip.cert))
    assert report["exit_code"] == 1
    assert "runs as nobody" in one(report, "server")["detail"]
    check = one(report, "key-file")
    assert check["status"] == "fail" and check["code"] == "key-file-unreadable"
    assert check["fix"].startswith("chown nobody ") and "chmod 600" in check["fix"]
    assert one(report, "cert-file")["status"] == "ok"
    assert one(report, "probe")["code"] == "tls-setup-failed"


def test_mismatched_pair(files: Dict[str, Any], tmp_path: Path) -> None:
    with h.xvnc_server(files["ip"].cert, files["other"].key) as srv:
        report = doctor(srv.port, viewer_home(tmp_path, files["ip"].cert))
    check = one(report, "key-matches")
    assert check["status"] == "fail" and check["code"] == "key-mismatch"
    assert one(report, "probe")["code"] == "tls-setup-failed"


def test_no_x509_type(files: Dict[str, Any], tmp_path: Path) -> None:
    ip = files["ip"]
    with h.xvnc_server(ip.cert, ip.key, security_types="TLSNone") as srv:
        report = doctor(srv.port, viewer_home(tmp_path, ip.cert))
    check = one(report, "security-types")
    assert check["status"] == "fail" and check["code"] == "no-x509-type"
    assert "--security-types X509Vnc" in check["fix"]
    assert one(report, "probe")["code"] == "anonymous-tls"


def test_weak_types_offered(files: Dict[str, Any], tmp_path: Path) -> None:
    ip = files["ip"]
    with h.xvnc_server(ip.cert, ip.key, security_types="X509None,TLSNone") as srv:
        report = doctor(srv.port, viewer_home(tmp_path, ip.cert))
    assert one(report, "security-types")["status"] == "ok"
    check = one(report, "weak-types")
    assert check["status"] == "fail" and "TLSNone" in check["detail"]
    assert "--security-types X509None" in check["fix"]
    assert [c["id"] for c in failed(report)] == ["weak-types"]


def test_expired_certificate(files: Dict[str, Any], tmp_path: Path) -> None:
    exp = files["expired"]
    with h.xvnc_server(exp.cert, exp.key) as srv:
        report = doctor(srv.port, viewer_home(tmp_path, exp.cert))
    check = one(report, "cert-expiry")
    assert check["status"] == "fail" and check["code"] == "expired"
    assert check["fix"].startswith("vncssl renew --cert ")
    assert "expired" in [c["code"] for c in failed(report) if c["id"] == "probe"]


def test_viewer_has_the_old_certificate_after_renewal(files: Dict[str, Any],
                                                       tmp_path: Path) -> None:
    new = files["new"]
    with h.xvnc_server(new.cert, new.key) as srv:
        report = doctor(srv.port, viewer_home(tmp_path, files["old"].cert))
    assert [c["side"] for c in failed(report)] == ["probe"], failed(report)
    check = failed(report)[0]
    assert check["code"] == "same-subject-different-cert"
    assert "X509CA" in check["fix"]


def test_remembered_exceptions(files: Dict[str, Any], tmp_path: Path) -> None:
    ip, other = files["ip"], files["other"]
    home = viewer_home(tmp_path, None)
    with h.xvnc_server(ip.cert, ip.key) as srv:
        out = h.run_viewer("127.0.0.1", srv.port, x509ca=None, home=home, answer="yes")
        assert out.kind == "connected", str(out)
        report = doctor(srv.port, home)
        check = one(report, "known-hosts")
        assert check["status"] == "fail" and check["code"] == "exception-hides-problem"
    with h.xvnc_server(other.cert, other.key) as srv:  # the server's key changed since
        check = one(doctor(srv.port, home), "known-hosts")
    assert check["status"] == "fail" and check["code"] == "known-host-changed"
    assert "x509_known_hosts" in check["fix"]


def test_unreachable_server_is_exit_3(files: Dict[str, Any], tmp_path: Path) -> None:
    report = doctor(h.find_free_port(), viewer_home(tmp_path, files["ip"].cert),
                    "--side", "viewer")
    assert report["exit_code"] == 3
    assert one(report, "probe")["status"] == "error"


def test_human_output_has_marks_and_fixes(files: Dict[str, Any], tmp_path: Path) -> None:
    with h.xvnc_server(files["ip"].cert, files["other"].key) as srv:
        r = CliRunner().invoke(app, ["doctor", f"127.0.0.1::{srv.port}"],
                               env={"HOME": str(viewer_home(tmp_path, files["ip"].cert))})
    assert r.exit_code == 1
    assert "✗ X509Key is the certificate's unencrypted key" in r.stdout
    assert "✓ Security types include an X509 type" in r.stdout
    assert "Fix:" in r.stdout


def test_crl_lists_the_servers_certificate(tmp_path: Path) -> None:
    ca = h.make_ca(tmp_path, "crl CA", name="ca")
    leaf = h.issue_leaf(ca, tmp_path, "vnc.test", name="leaf")
    home = viewer_home(tmp_path, ca.cert)
    h.make_crl(ca, [leaf], home / ".vnc" / "x509_crl.pem")  # the viewer's default X509CRL
    with h.xvnc_server(leaf.cert, leaf.key) as srv:
        report = doctor(srv.port, home)
        unlisted = h.issue_leaf(ca, tmp_path, "vnc.test", name="unlisted")
    check = one(report, "crl")
    assert check["status"] == "fail" and check["code"] == "revoked"
    with h.xvnc_server(unlisted.cert, unlisted.key) as srv:
        assert one(doctor(srv.port, home), "crl")["status"] == "ok"


def test_ipv6_address_with_a_viewer_before_1_16(tmp_path: Path) -> None:
    if h.viewer_version() >= (1, 16):
        pytest.skip("1.16 sends no IP address as server name")
    cert = h.make_selfsigned(tmp_path, "localhost", "IP:::1,DNS:localhost", name="v6",
                             key_type="ec")
    with h.xvnc_server(cert.cert, cert.key, extra_args=["-localhost"]) as srv:  # + [::1]
        r = CliRunner().invoke(app, ["doctor", f"[::1]::{srv.port}", "--side", "viewer",
                                     "--json"], env={"HOME": str(viewer_home(tmp_path,
                                                                             cert.cert))})
    report = json.loads(r.stdout)
    check = one(report, "ipv6-sni")
    assert check["status"] == "fail" and "disallowed SNI" in check["detail"]
    probe = one(report, "probe")
    # The probe judges for the installed viewer, so it fails for the same reason (not for
    # the certificate, which names ::1).
    assert probe["status"] == "ok" or "SNI" in json.dumps(probe), probe
