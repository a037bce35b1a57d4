"""Revocation as the real TigerVNC viewer obeys it (Xvnc + vncviewer under Xvfb, loopback):
`ca revoke` + `ca crl` + `tigervnc viewer --install-crl`, and `check --crl` saying what the
viewer does, for a current CRL, one past its next update, and a missing one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import tigervnc_harness as h

pytestmark = pytest.mark.tigervnc


def vncssl(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vncssl", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict:
    h.require_tigervnc()
    d = tmp_path_factory.mktemp("revocation")
    env = dict(os.environ, VNCSSL_CA_DIR=str(d / "ca"))
    assert vncssl("ca", "init", "--key-type", "ec", env=env, cwd=d).returncode == 0
    for name in ("revoked", "kept"):
        r = vncssl("ca", "request", "--ip", "127.0.0.1", "--key-type", "ec", "--key",
                   f"{name}-key.pem", "--out", f"{name}.csr", env=env, cwd=d)
        assert r.returncode == 0, r.stderr
        r = vncssl("ca", "sign", f"{name}.csr", "--out", f"{name}.pem", env=env, cwd=d)
        assert r.returncode == 0, r.stderr
    r = vncssl("ca", "revoke", "revoked.pem", "--reason", "keyCompromise", env=env, cwd=d)
    assert r.returncode == 0, r.stderr
    r = vncssl("ca", "crl", "--out", "crl.pem", env=env, cwd=d)
    assert r.returncode == 0, r.stderr
    # A CRL already past its next update: openssl's own `ca -gencrl -crlsec 1` on the same
    # database, then a wait (OpenSSL 3.0 cannot date a CRL in the past).
    db = d / "ca" / "db"
    cnf = d / "stale.cnf"
    cnf.write_text(f"[ca]\ndefault_ca=x\n[x]\ndatabase={db / 'index.txt'}\n"
                   f"crlnumber={d / 'stale-number'}\ncertificate={d / 'ca' / 'ca.pem'}\n"
                   f"private_key={d / 'ca' / 'ca-key.pem'}\ndefault_md=default\n")
    (d / "stale-number").write_text("7F\n")
    subprocess.run(["openssl", "ca", "-config", str(cnf), "-gencrl", "-crlsec", "1",
                    "-out", str(d / "stale-crl.pem"), "-batch"], check=True,
                   capture_output=True)
    time.sleep(2)
    return {"dir": d, "env": env, "ca": d / "ca" / "ca.pem"}


def viewer(pki: dict, leaf: str, **kw) -> h.ViewerOutcome:
    d = pki["dir"]
    with h.xvnc_server(d / f"{leaf}.pem", d / f"{leaf}-key.pem") as srv:
        return h.run_viewer("127.0.0.1", srv.port, server=srv, **kw)


def check(pki: dict, leaf: str, crl: str) -> tuple:
    r = vncssl("check", f"{leaf}.pem", "--host", "127.0.0.1", "--ca", str(pki["ca"]),
               "--crl", crl, "--json", env=pki["env"], cwd=pki["dir"])
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout), r.stderr


@pytest.mark.parametrize("crl", ["crl.pem", "stale-crl.pem"])
def test_revoked_leaf_refused_unrevoked_connects_and_check_agrees(pki: dict, crl: str
                                                                 ) -> None:
    d = pki["dir"]
    out = viewer(pki, "revoked", x509ca=pki["ca"], x509crl=d / crl)
    assert out.kind == "refused" and "revoked" in out.reason, out
    code, data, _ = check(pki, "revoked", crl)
    assert code == 1 and [p["code"] for p in data["problems"]] == ["revoked"]
    assert data["revocation"]["status"] == "revoked"
    out = viewer(pki, "kept", x509ca=pki["ca"], x509crl=d / crl)
    assert out.kind == "connected", out
    code, data, _ = check(pki, "kept", crl)
    assert code == 0 and data["accepted"] is True
    # A CRL past its next update is still obeyed, silently, by the viewer; check says so.
    assert data["revocation"]["out_of_date"] is (crl == "stale-crl.pem")


def test_missing_crl_is_only_logged_by_the_viewer_and_check_agrees(pki: dict) -> None:
    missing = pki["dir"] / "no-such-crl.pem"
    out = viewer(pki, "revoked", x509ca=pki["ca"], x509crl=missing)
    assert out.kind == "connected", out
    assert any("Could not load user specified certificate revocation list" in m
               for m in out.messages)
    code, data, err = check(pki, "revoked", str(missing))
    assert code == 0 and data["revocation"]["status"] == "crl-missing"
    assert "only logs" in data["revocation"]["notes"][0]


def test_install_crl_puts_it_where_the_viewer_reads_it(pki: dict, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = dict(pki["env"], HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    r = vncssl("tigervnc", "viewer", "--cert", str(pki["ca"]), "--install", env=env,
               cwd=pki["dir"])
    assert r.returncode == 0, r.stderr
    r = vncssl("tigervnc", "viewer", "--install-crl", "crl.pem", "--json", env=env,
               cwd=pki["dir"])
    assert r.returncode == 0, r.stderr
    installed = Path(json.loads(r.stdout)["installed"])
    assert installed.parent == Path(json.loads(r.stdout)["ca"]).parent
    assert installed.name == "x509_crl.pem"
    # The viewer of this generation finds both files by itself (no -X509CA, no -X509CRL).
    assert viewer(pki, "revoked", x509ca=None, home=home).kind == "refused"
    assert viewer(pki, "kept", x509ca=None, home=home).kind == "connected"
