"""The private CA end to end: the real TigerVNC viewer trusts every server the CA signed with
the single CA file, and stops at the same servers with another CA; `vncssl check --ca` agrees.
A root -> intermediate -> leaf chain passes `check --ca root.pem`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import tigervnc_harness as h

ADDRESSES = {"vnc-a": "127.0.0.21", "vnc-b": "127.0.0.22"}
VNCSSL = [sys.executable, "-m", "vncssl"]


def vncssl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*VNCSSL, *args], capture_output=True, text=True, check=False,
                          timeout=120)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ca-e2e")
    for ca in ("ca", "other-ca"):
        r = vncssl("ca", "init", "--dir", str(root / ca), "--key-type", "ec")
        assert r.returncode == 0, r.stderr
    hosts = root / "hosts.txt"
    hosts.write_text("".join(f"{n} {ip}\n" for n, ip in ADDRESSES.items()))
    r = vncssl("ca", "issue", "--ca-dir", str(root / "ca"), "--from", str(hosts), "--out-dir",
               str(root), "--key-type", "ec")
    assert r.returncode == 0, r.stdout + r.stderr
    return root


def test_check_accepts_with_the_ca_and_refuses_with_another(fleet: Path) -> None:
    for name, ip in ADDRESSES.items():
        cert = str(fleet / f"{name}.pem")
        ok = vncssl("check", cert, "--host", ip, "--ca", str(fleet / "ca" / "ca.pem"),
                    "--key", str(fleet / f"{name}-private.pem"))
        assert ok.returncode == 0, ok.stdout + ok.stderr
        bad = vncssl("check", cert, "--host", ip, "--ca", str(fleet / "other-ca" / "ca.pem"))
        assert bad.returncode == 1, bad.stdout + bad.stderr
        wrong_host = vncssl("check", cert, "--host", "127.0.0.99", "--ca",
                            str(fleet / "ca" / "ca.pem"))
        assert wrong_host.returncode == 1


def test_inspect_expiry_renew_on_ca_issued_cert(fleet: Path) -> None:
    cert, key = str(fleet / "vnc-a.pem"), str(fleet / "vnc-a-private.pem")
    r = vncssl("inspect", cert)
    assert r.returncode == 0 and "127.0.0.21" in r.stdout
    assert vncssl("expiry", cert).returncode == 0
    r = vncssl("renew", "--cert", cert, "--key", key, "--yes")
    assert r.returncode == 2 and "--ca-dir" in r.stderr  # not the default CA folder
    r = vncssl("renew", "--cert", cert, "--key", key, "--yes", "--ca-dir", str(fleet / "ca"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "need no change" in " ".join(r.stdout.split())
    r = vncssl("inspect", cert, "--json")
    assert '"type": "EC"' in r.stdout  # the key type is kept
    ok = vncssl("check", cert, "--host", "127.0.0.21", "--ca", str(fleet / "ca" / "ca.pem"),
                "--key", key)
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_root_intermediate_leaf_chain_passes_check(tmp_path: Path) -> None:
    root = h.make_ca(tmp_path, "Chain Root CA", name="root", key_type="ec")
    inter = h.make_ca(tmp_path, "Chain Intermediate CA", name="inter", issuer=root,
                      key_type="ec")
    leaf = h.issue_leaf(inter, tmp_path, "127.0.0.31", san="IP:127.0.0.31", name="leaf",
                        key_type="ec")
    # fullchain = leaf + intermediate, what a server presents.
    r = vncssl("check", str(leaf.fullchain), "--host", "127.0.0.31", "--ca", str(root.cert))
    assert r.returncode == 0, r.stdout + r.stderr
    # Without the intermediate the viewer cannot build the chain.
    r = vncssl("check", str(leaf.cert), "--host", "127.0.0.31", "--ca", str(root.cert))
    assert r.returncode == 1, r.stdout + r.stderr


@pytest.fixture(scope="module")
def display() -> str:
    h.require_tigervnc()
    return h.shared_xvfb()


@pytest.fixture(scope="module")
def servers(fleet: Path, display: str) -> Iterator[dict]:
    import contextlib

    with contextlib.ExitStack() as stack:
        yield {name: stack.enter_context(h.xvnc_server(fleet / f"{name}.pem",
                                                       fleet / f"{name}-private.pem",
                                                       listen=ip))
               for name, ip in ADDRESSES.items()}


@pytest.mark.tigervnc
def test_viewer_trusts_every_ca_issued_server_with_one_ca_file(fleet: Path, servers: dict,
                                                               viewer: h.Install) -> None:
    for name, ip in ADDRESSES.items():
        srv = servers[name]
        out = h.run_viewer(ip, srv.port, x509ca=fleet / "ca" / "ca.pem", server=srv,
                           install=viewer)
        assert out.kind == "connected", out
        assert out.prompts == []


@pytest.mark.tigervnc
def test_viewer_stops_with_a_different_ca(fleet: Path, servers: dict,
                                          viewer: h.Install) -> None:
    for name, ip in ADDRESSES.items():
        srv = servers[name]
        out = h.run_viewer(ip, srv.port, x509ca=fleet / "other-ca" / "ca.pem", server=srv,
                           answer="no", install=viewer)
        assert out.kind == "refused", out
        assert out.prompts in ([], ["Unknown certificate issuer"]), out


@pytest.mark.tigervnc
def test_viewer_accepts_intermediate_chain_with_root_as_x509ca(tmp_path: Path, display: str,
                                                               viewer: h.Install) -> None:
    root = h.make_ca(tmp_path, "E2E Root CA", name="root", key_type="ec")
    inter = h.make_ca(tmp_path, "E2E Intermediate CA", name="inter", issuer=root,
                      key_type="ec")
    leaf = h.issue_leaf(inter, tmp_path, "127.0.0.32", san="IP:127.0.0.32", name="leaf",
                        key_type="ec")
    with h.xvnc_server(leaf.fullchain, leaf.key, listen="127.0.0.32") as srv:
        out = h.run_viewer("127.0.0.32", srv.port, x509ca=root.cert, server=srv,
                           install=viewer)
    assert out.kind == "connected", out
