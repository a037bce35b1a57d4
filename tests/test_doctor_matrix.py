"""`vncssl doctor` with the 1.15 generation of the matrix (Debian 13 tree, tests/matrix):
the host's doctor finds the tree's running Xvnc 1.15 and its mismatched key; a doctor
installed in each tree (Debian 13: 1.15, Debian 11: 1.11 and Python 3.9) reads that viewer's
layout (~/.config/tigervnc + ~/.local/state/tigervnc, or ~/.vnc).

Run: python -m pytest -m tigervnc tests/test_doctor_matrix.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from tests import tigervnc_harness as h
from tests.clirunner import CliRunner
from vncssl.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parent / "matrix"))
import matrix  # noqa: E402

pytestmark = pytest.mark.tigervnc
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    h.require_tigervnc()
    matrix.require("trixie")
    d = Path(tempfile.mkdtemp(prefix="vncssl-doctor-matrix-"))
    d.chmod(0o755)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def checks(stdout: str) -> Dict[str, Dict[str, Any]]:
    return {c["id"]: c for c in json.loads(stdout)["checks"]}


def test_host_doctor_finds_the_trees_xvnc_and_its_wrong_key(work: Path) -> None:
    a = h.make_selfsigned(work, "127.0.0.1", "IP:127.0.0.1", name="a")
    b = h.make_selfsigned(work, "127.0.0.1", "IP:127.0.0.1", name="b")
    port = h.find_free_port()
    argv = ["Xvnc", "-rfbport", str(port), "-interface", "127.0.0.1", "-SecurityTypes",
            "X509None,TLSVnc", "-X509Cert", str(a.cert), "-X509Key", str(b.key),
            "-geometry", "640x480"]
    with matrix.x_server("trixie", argv, binds=[work]):
        r = CliRunner().invoke(app, ["doctor", f"127.0.0.1::{port}", "--side", "server",
                                     "--json"])
    found = checks(r.stdout)
    assert r.exit_code == 1, r.output
    assert found["server"]["detail"].startswith("Xvnc (pid ")
    assert found["key-matches"]["code"] == "key-mismatch"
    assert found["weak-types"]["status"] == "fail" and "TLSVnc" in found["weak-types"]["detail"]


@pytest.mark.parametrize(("suite", "version"), [("trixie", "1.15"), ("bullseye", "1.11")])
def test_doctor_in_the_tree_reads_that_viewers_layout(suite: str, version: str,
                                                      work: Path) -> None:
    """1.15 reads ~/.config/tigervnc and ~/.local/state/tigervnc; 1.11 reads ~/.vnc."""
    matrix.require(suite)
    vncssl = matrix.install_vncssl(suite, ROOT)
    old, new = h.same_subject_renewal(work / suite / "renewal", "127.0.0.1", "IP:127.0.0.1")
    home = work / suite / "home"
    if suite == "trixie":
        conf, state = home / ".config" / "tigervnc", home / ".local" / "state" / "tigervnc"
    else:
        conf = state = home / ".vnc"
    conf.mkdir(parents=True)
    state.mkdir(parents=True, exist_ok=True)
    (conf / "x509_ca.pem").write_text(old.cert.read_text())
    # an exception remembered for 127.0.0.1 with some other key
    (state / "x509_known_hosts").write_text("|g0|127.0.0.1|*|0|MAMCAQU=\n")
    for f in work.rglob("*"):
        f.chmod(0o755 if f.is_dir() else 0o644)
    with h.xvnc_server(new.cert, new.key) as srv:
        r = matrix.run_in(suite, [vncssl, "doctor", f"127.0.0.1::{srv.port}", "--side",
                                     "viewer", "--json"], binds=[work],
                          env={"HOME": str(home)}, timeout=120)
    found = checks(r.stdout)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"TigerVNC {version}" in found["viewer"]["detail"], found["viewer"]
    assert str(conf / "x509_ca.pem") in found["x509ca"]["detail"]
    assert found["probe"]["code"] == "same-subject-different-cert"
    assert found["known-hosts"]["code"] == "known-host-changed"
    assert str(state / "x509_known_hosts") in found["known-hosts"]["detail"]
