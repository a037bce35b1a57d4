"""vncssl installed with each Debian tree's own python3 (bullseye 3.9, trixie 3.13) into a venv
inside the tree, driven end to end with that tree's own openssl (1.1.1w, 3.5.x): every
command, and what it made served by the real Xvnc to that tree's real viewer.

The venv is built by tests/matrix/venv.sh (wheels fetched on the host: the trees have no
DNS). Skipped when a tree is not built, except under CI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from tests import tigervnc_harness as h

sys.path.insert(0, str(Path(__file__).parent / "matrix"))
import matrix  # type: ignore[import-not-found]  # noqa: E402

pytestmark = pytest.mark.matrix
ROOT = Path(__file__).resolve().parent.parent
VENV = f"/opt/vncssl-e2e-{__import__('os').getpid()}"
OPENSSL = {"bullseye": "OpenSSL 1.1.1", "trixie": "OpenSSL 3.5"}
PYTHON = {"bullseye": "3.9", "trixie": "3.13"}


class Tree:
    def __init__(self, suite: str, work: Path) -> None:
        self.suite, self.work = suite, work
        self.home = work / "home"
        self.home.mkdir(exist_ok=True)

    def run(self, *args: str, check: bool = True, cwd: Path | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess:
        r = matrix.run_in(self.suite, [VENV + "/bin/vncssl", *args], binds=[self.work],
                          cwd=cwd or self.work, timeout=timeout, inherit_env=False,
                          env={"HOME": str(self.home), "TERM": "dumb", "NO_COLOR": "1",
                               "COLUMNS": "200"})
        if check:
            assert r.returncode == 0, f"vncssl {' '.join(args)}: {r.stdout}\n{r.stderr}"
        return r

    def json(self, *args: str, codes: tuple = (0,)) -> Dict:
        r = self.run(*args, "--json", check=False)
        assert r.returncode in codes, f"vncssl {' '.join(args)}: {r.stdout}\n{r.stderr}"
        return json.loads(r.stdout)

    def openssl(self, *args: str) -> str:
        r = matrix.run_in(self.suite, ["openssl", *args], binds=[self.work], timeout=60,
                          check=True)
        return r.stdout


@pytest.fixture(scope="module", params=list(matrix.SUITES))
def tree(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Tree]:
    import os

    suite = request.param
    matrix.require(suite)
    # A venv of this run's own (VNCSSL_MATRIX_VENV): parallel runs must not rebuild it.
    os.environ["VNCSSL_MATRIX_VENV"] = VENV
    try:
        matrix.install_vncssl(suite, ROOT)
    finally:
        del os.environ["VNCSSL_MATRIX_VENV"]
    yield Tree(suite, tmp_path_factory.mktemp(f"in-{suite}"))
    import shutil

    shutil.rmtree(matrix.tree(suite) / VENV.lstrip("/"), ignore_errors=True)


def test_the_trees_own_python_and_openssl(tree: Tree) -> None:
    v = matrix.run_in(tree.suite, [VENV + "/bin/python", "-c",
                                   "import sys, typer; print(sys.version.split()[0])"],
                      timeout=60, check=True).stdout
    assert v.startswith(PYTHON[tree.suite])
    assert tree.run("--version").stdout.startswith("vncssl ")
    create = tree.json("create", "--ip", "127.0.0.1", "--yes", "--cert", "probe.pem",
                       "--key", "probe-key.pem", "--dry-run")
    assert create["openssl"]["version"].startswith(OPENSSL[tree.suite])


def test_create_inspect_check_expiry_renew(tree: Tree) -> None:
    for kt in ("rsa", "ec", "ed25519"):
        made = tree.json("create", "--ip", "127.0.0.1", "--key-type", kt, "--yes",
                         "--cert", f"{kt}.pem", "--key", f"{kt}-key.pem")
        assert made["fingerprint_sha256"]
        text = tree.openssl("x509", "-in", str(tree.work / f"{kt}.pem"), "-noout", "-text")
        assert "IP Address:127.0.0.1" in text
        if kt == "ec":  # named curve, what GnuTLS (Xvnc) can load
            key = tree.openssl("pkey", "-in", str(tree.work / "ec-key.pem"), "-noout",
                               "-text")
            assert "prime256v1" in key or "P-256" in key
    info = tree.json("inspect", "rsa.pem", "--key", "rsa-key.pem")
    assert info["key_matches"] is True
    ok = tree.json("check", "rsa.pem", "--host", "127.0.0.1", "--key", "rsa-key.pem")
    assert ok["accepted"] is True
    bad = tree.json("check", "rsa.pem", "--host", "127.0.0.2", codes=(1,))
    assert [p["code"] for p in bad["problems"]] == ["hostname-mismatch"]
    assert tree.run("expiry", "rsa.pem", "--within", "30", check=False).returncode == 0
    assert tree.run("expiry", "rsa.pem", "--within", "400", check=False).returncode == 1  # due
    before = tree.openssl("x509", "-in", str(tree.work / "ec.pem"), "-noout", "-serial")
    tree.run("renew", "--cert", "ec.pem", "--key", "ec-key.pem", "--yes")
    assert tree.openssl("x509", "-in", str(tree.work / "ec.pem"), "-noout", "-serial") != before
    tree.run("renew", "--cert", "rsa.pem", "--key", "rsa-key.pem", "--reuse-key", "--yes")
    assert tree.json("check", "rsa.pem", "--host", "127.0.0.1",
                     "--key", "rsa-key.pem")["accepted"]


def test_csr_and_the_private_ca(tree: Tree) -> None:
    assert tree.json("csr", "--dns", "vnc.example.com", "--out", "req.csr",
                     "--key", "req-key.pem")
    text = tree.openssl("req", "-in", str(tree.work / "req.csr"), "-noout", "-text")
    assert "DNS:vnc.example.com" in text
    ca = tree.work / "ca"
    tree.run("ca", "init", "--dir", str(ca), "--name", "Matrix CA")
    tree.run("ca", "issue", "--ca-dir", str(ca), "--ip", "127.0.0.1", "--cert", "leaf.pem",
             "--key", "leaf-key.pem", "--key-type", "ec")
    hosts = tree.work / "hosts.txt"
    hosts.write_text("one 127.0.0.41\ntwo 127.0.0.42\n")
    (tree.work / "fleet").mkdir()
    tree.run("ca", "issue", "--ca-dir", str(ca), "--from", str(hosts), "--out-dir", "fleet")
    for name in ("one", "two"):
        assert (tree.work / "fleet" / f"{name}.pem").is_file()
    v = tree.json("check", "leaf.pem", "--host", "127.0.0.1", "--ca", str(ca / "ca.pem"))
    assert v["accepted"] is True
    bundle = tree.work / "bundle.pem"
    tree.run("ca", "bundle", "rsa.pem", "ed25519.pem", "--out", str(bundle))
    assert bundle.read_text().count("BEGIN CERTIFICATE") == 2


def test_tigervnc_settings_and_probe_against_the_real_viewer(tree: Tree) -> None:
    """The tree's vncssl writes the viewer's X509CA and probes a live Xvnc; that tree's real
    viewer then connects to it without a word."""
    h.Install(tree.suite).require()
    server_args = tree.run("tigervnc", "server", "--format", "xvnc", "--cert", "ec.pem",
                           "--key", "ec-key.pem").stdout
    assert "-X509Cert" in server_args
    tree.run("tigervnc", "viewer", "--cert", "ec.pem", "--install")
    installed: List[Path] = [p for p in tree.home.rglob("x509_ca.pem")]
    assert len(installed) == 1
    with h.xvnc_server(tree.work / "ec.pem", tree.work / "ec-key.pem") as srv:
        report = tree.json("probe", f"127.0.0.1::{srv.port}")
        assert report["accepted"] is True and report["tigervnc"]["version"]
        out = h.run_viewer("127.0.0.1", srv.port, x509ca=installed[0], server=srv,
                           install=h.Install(tree.suite))
    assert out.kind == "connected", out
