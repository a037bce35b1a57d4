"""`vncssl explain` on what the other generations of the matrix print: the 1.11 viewer
(Debian 11 tree) and the 1.15 viewer and Xvnc (Debian 13 tree), see tests/matrix/README.md.
Each failure class runs the real viewer of the tree against a real Xvnc on loopback; the
viewer's log (and the window it opened, and the server's log) must lead to the entry the
message table claims for that generation.

Run: python -m pytest -m tigervnc tests/test_explain_matrix.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

from tests import tigervnc_harness as h
from vncssl.tigervnc import messages as m

sys.path.insert(0, str(Path(__file__).resolve().parent / "matrix"))
import matrix  # noqa: E402

pytestmark = pytest.mark.tigervnc
TREES = {"bullseye": "1.11", "trixie": "1.15"}
DESKTOP = " - TigerVNC"
DONE = ("authentication failure", "authentication failed", "initialisation done",
        "unable to connect", "failed to initialize tls", "invalid server certificate")


@pytest.fixture(scope="module")
def certs() -> Iterator[Dict[str, h.CertFiles]]:
    h.require_tigervnc()
    d = Path(tempfile.mkdtemp(prefix="vncssl-matrix-"))  # bound into the trees
    d.chmod(0o755)
    ca = h.make_ca(d, "matrix CA", name="ca")
    built = {
        "ip": h.make_selfsigned(d, "127.0.0.1", "IP:127.0.0.1", name="ip"),
        "other": h.make_selfsigned(d, "127.0.0.1", "IP:127.0.0.1", name="other"),
        "wrong-host": h.make_selfsigned(d, "127.0.0.2", "IP:127.0.0.2", name="wrong-host"),
        "expired": h.make_cert_with_dates(d, "127.0.0.1", san="IP:127.0.0.1", name="expired",
                                          not_before=h.expired_window()[0],
                                          not_after=h.expired_window()[1]),
        "future": h.make_cert_with_dates(d, "127.0.0.1", san="IP:127.0.0.1", name="future",
                                         not_before=h.not_yet_valid_window()[0],
                                         not_after=h.not_yet_valid_window()[1]),
        "ca": ca,
        "sha1": h.issue_leaf(ca, d, "vnc.test", name="sha1", digest="sha1"),
        "revoked": h.issue_leaf(ca, d, "vnc.test", name="revoked"),
    }
    h.make_crl(ca, [built["revoked"]], d / "crl.pem")
    for f in d.rglob("*"):
        f.chmod(0o755 if f.is_dir() else 0o644)
    try:
        yield built
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _windows(display: str) -> List[Tuple[str, str]]:
    """(id, title) of the visible windows on the tree's own display (only the viewer's)."""
    env = {**os.environ, "DISPLAY": display}
    r = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "."], env=env,
                       capture_output=True, text=True, timeout=10)
    out = []
    for wid in r.stdout.split():
        n = subprocess.run(["xdotool", "getwindowname", wid], env=env, capture_output=True,
                           text=True, timeout=10)
        if n.returncode == 0 and n.stdout.strip():
            out.append((wid, n.stdout.strip()))
    return out


def _titles(display: str) -> List[str]:
    return [t for _, t in _windows(display)]


def _yes(display: str, wid: str) -> None:
    """Return: the question's default button (yes), as a user accepting it."""
    subprocess.run(["xdotool", "windowfocus", "--sync", wid, "key", "--clearmodifiers",
                    "Return"], env={**os.environ, "DISPLAY": display}, timeout=10)
    deadline = time.monotonic() + 10
    while wid in [w for w, _ in _windows(display)] and time.monotonic() < deadline:
        time.sleep(0.05)


def tree_viewer(suite: str, port: int, *, ca: Optional[Path], binds: List[Path],
                crl: Optional[Path] = None, host: str = "127.0.0.1",
                timeout: float = 20, answer_yes: bool = False) -> Tuple[str, List[str]]:
    """Run the tree's vncviewer until it logs a final line, opens a window other than the
    desktop (answer_yes: answers every question yes and goes on), or times out; return
    (its log, the window titles it opened, in order)."""
    home = Path(tempfile.mkdtemp(prefix="home-", dir=binds[0]))
    args = ["vncviewer", "-Log", "*:stderr:100", "-SecurityTypes", "X509None",
            "-AlertOnFatalError=0"]
    if suite != "bullseye":  # 1.11 has no ReconnectOnError (an unknown one prints usage)
        args.append("-ReconnectOnError=0")
    if ca is not None:
        args += ["-X509CA", str(ca)]
    if crl is not None:
        args += ["-X509CRL", str(crl)]
    args.append(f"{host}::{port}")
    lines: List[str] = []
    titles: List[str] = []
    with matrix.display(suite) as disp:
        viewer = matrix.popen_in(suite, args, binds=binds,
                                 env={"DISPLAY": disp, "HOME": str(home), "LC_ALL": "C"},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        with viewer:
            reader = threading.Thread(target=lambda: lines.extend(viewer.stderr), daemon=True)
            reader.start()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                shown = _windows(disp)
                titles += [t for _, t in shown if t not in titles]
                questions = [(w, t) for w, t in shown if not t.endswith(DESKTOP)]
                if questions and answer_yes:
                    _yes(disp, questions[0][0])
                    continue
                if questions or viewer.poll() is not None:
                    break
                if any(d in x.lower() for x in lines for d in DONE):
                    time.sleep(0.3)  # the last lines
                    break
                time.sleep(0.1)
            viewer.stop()
            reader.join(5)
    return "".join(lines), titles


@pytest.fixture(params=sorted(TREES))
def suite(request: pytest.FixtureRequest) -> str:
    matrix.require(request.param)
    return str(request.param)


# (cert, X509CA, host, {generation: entry the viewer's log leads to})
CASES = {
    "hostname mismatch": ("wrong-host", "wrong-host", "127.0.0.1",
                          {"1.11": "hostname-mismatch", "1.15": "hostname-mismatch"}),
    "unknown issuer": ("ip", None, "127.0.0.1",
                       {"1.11": "unknown-issuer", "1.15": "unknown-issuer"}),
    "expired": ("expired", "expired", "127.0.0.1",
                {"1.11": "invalid-status", "1.15": "expired"}),
    "not yet valid": ("future", "future", "127.0.0.1",
                      {"1.11": "invalid-status", "1.15": "not-yet-valid"}),
    "SHA-1 leaf": ("sha1", "ca", "127.0.0.1",
                   {"1.11": "insecure-algorithm-refused", "1.15": "insecure-algorithm"}),
    "revoked": ("revoked", "ca", "127.0.0.1", {"1.11": "revoked", "1.15": "revoked"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_viewer_generation_messages(suite: str, case: str, certs: Dict[str, h.CertFiles]
                                    ) -> None:
    cert_name, ca_name, host, expected = CASES[case]
    cert = certs[cert_name]
    ca = certs[ca_name].cert if ca_name else None
    crl = cert.cert.parent / "crl.pem" if case == "revoked" else None
    with h.xvnc_server(cert.cert, cert.key) as srv:  # the host's Xvnc 1.12
        log, titles = tree_viewer(suite, srv.port, ca=ca, crl=crl, host=host,
                                  binds=[cert.cert.parent])
    gen = TREES[suite]
    got = [e.id for e in m.match(log)]
    assert got and got[0] == expected[gen], (gen, got, titles, log[-1500:])
    questions = [t for t in titles if not t.endswith(DESKTOP)]
    for title in questions:  # a question's title alone must be explained too
        assert m.match(title), title
    if gen == "1.15" and case in ("expired", "not yet valid"):
        # 1.14+ ask "Unknown certificate issuer" first for every problem: the entry says so
        assert questions == ["Unknown certificate issuer"], titles
        assert "other-problem-first" in [c.key for c in m.match(questions[0])[0].causes]


def test_1_11_viewer_shows_the_servers_reason(certs: Dict[str, h.CertFiles]) -> None:
    """1.11 reads the server's security result instead of 'Server failed to initialize TLS
    session' (1.12+): the host's Xvnc 1.12 says 'Private key does not match certificate'."""
    matrix.require("bullseye")
    with h.xvnc_server(certs["ip"].cert, certs["other"].key) as srv:
        log, _ = tree_viewer("bullseye", srv.port, ca=certs["ip"].cert,
                             binds=[certs["ip"].cert.parent])
    assert "Server failed to initialize TLS session" not in log
    assert m.match(log)[0].id == "key-mismatch", log[-1500:]


@pytest.mark.parametrize(("key", "entry"), [("other", "key-mismatch"),
                                             ("missing", "key-unreadable")])
def test_1_15_server_messages(key: str, entry: str, certs: Dict[str, h.CertFiles]) -> None:
    """Xvnc 1.15 logs 'Failed to load certificate and key: <GnuTLS text> (<code>)'."""
    matrix.require("trixie")
    ip = certs["ip"]
    key_path = certs["other"].key if key == "other" else ip.cert.parent / "no-such.key"
    port = h.find_free_port()
    argv = ["Xvnc", "-rfbport", str(port), "-interface", "127.0.0.1", "-SecurityTypes",
            "X509None", "-X509Cert", str(ip.cert), "-X509Key", str(key_path),
            "-Log", "*:stderr:100", "-geometry", "640x480"]
    out = ip.cert.parent / f"xvnc-{key}.log"
    with out.open("w") as log_file, \
            matrix.x_server("trixie", argv, binds=[ip.cert.parent], stderr=log_file):
        viewer_log, _ = tree_viewer("trixie", port, ca=ip.cert, binds=[ip.cert.parent])
        time.sleep(0.5)
    server_log = out.read_text()
    assert m.match(server_log)[0].id == entry, server_log[-1500:]
    assert "(-60)" in server_log if key == "other" else "(-64)" in server_log
    assert m.match(viewer_log)[0].id == "server-tls-setup-failed", viewer_log[-1500:]


@pytest.mark.parametrize(("case", "questions"), [
    ("expired", ["Unknown certificate issuer", "Expired certificate"]),
    ("not yet valid", ["Unknown certificate issuer", "Certificate is not yet valid"]),
    ("SHA-1 leaf", ["Unknown certificate issuer", "Insecure certificate algorithm"]),
    # a trusted certificate for another name: no verification problem, so no issuer question
    ("hostname mismatch", ["Certificate hostname mismatch"]),
])
def test_1_15_asks_every_question_in_order(case: str, questions: List[str],
                                           certs: Dict[str, h.CertFiles]) -> None:
    """1.14+ turn every verification problem into a question, the issuer one first (GnuTLS
    sets INVALID with each), the name last; answered yes, the viewer connects. Every title
    is explained."""
    matrix.require("trixie")
    cert_name, ca_name, host, _ = CASES[case]
    cert = certs[cert_name]
    ca = certs[ca_name].cert if ca_name else None
    with h.xvnc_server(cert.cert, cert.key) as srv:
        log, titles = tree_viewer("trixie", srv.port, ca=ca, host=host, answer_yes=True,
                                  binds=[cert.cert.parent])
    assert [t for t in titles if not t.endswith(DESKTOP)] == questions, (titles, log[-800:])
    assert "initialisation done" in log.lower()
    ids = {"Expired certificate": "expired", "Certificate is not yet valid": "not-yet-valid",
           "Insecure certificate algorithm": "insecure-algorithm",
           "Certificate hostname mismatch": "hostname-mismatch"}
    assert m.match(questions[-1])[0].id == ids[questions[-1]]
