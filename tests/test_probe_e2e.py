"""`vncssl probe` against the real Xvnc on loopback: the server is started with the arguments
`vncssl tigervnc server --format xvnc` prints, the certificate made by `vncssl create`."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import tigervnc_harness as h

pytestmark = pytest.mark.tigervnc


def vncssl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vncssl", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def openssl_fingerprint(cert: Path) -> str:
    out = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-fingerprint",
                          "-sha256"], capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1].upper()


def server_args(cert: Path, key: Path, types: str = "X509Vnc") -> list[str]:
    """The Xvnc arguments exactly as vncssl prints them (one copy-pasteable line)."""
    r = vncssl("tigervnc", "server", "--format", "xvnc", "--cert", str(cert), "--key", str(key),
               "--security-types", types)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 1
    return shlex.split(r.stdout)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    h.require_tigervnc()
    d = tmp_path_factory.mktemp("probe")
    for name in ("good", "other"):
        r = vncssl("create", "--ip", "127.0.0.1", "--key-type", "ec", "--cert", f"{name}.pem",
                   "--key", f"{name}-key.pem", "--yes", cwd=d)
        assert r.returncode == 0, r.stderr
    h.make_vnc_password_file(d / "passwd")
    return {"cert": d / "good.pem", "key": d / "good-key.pem", "other_key": d / "other-key.pem",
            "passwd": d / "passwd"}


@pytest.fixture(scope="module")
def good_server(files: dict[str, Path]) -> Iterator[h.Server]:
    args = server_args(files["cert"], files["key"])
    # Reachable as 127.0.0.1 (named in the certificate) and 127.0.0.2 (not named).
    with h.xvnc_server(files["cert"], files["key"], security_types="X509Vnc",
                       listen=("127.0.0.1", "127.0.0.2"), passwd_file=files["passwd"],
                       extra_args=args) as srv:
        yield srv


def probe_json(target: str, *extra: str) -> tuple[int, dict]:
    r = vncssl("probe", target, "--timeout", "10", "--json", *extra)
    return r.returncode, json.loads(r.stdout)


def test_probe_accepts_and_reports_the_right_fingerprint(
        good_server: h.Server, files: dict[str, Path]) -> None:
    mark = good_server.log_mark()
    code, data = probe_json(f"127.0.0.1::{good_server.port}", "--ca", str(files["cert"]))
    assert code == 0, data
    assert list(data) == ["server", "rfb_version", "security_types", "vencrypt_subtypes", "tls",
                          "certificate", "accepted", "problems", "viewer", "tigervnc"]
    assert data["tigervnc"]["generation"] and data["tigervnc"]["source"]
    assert data["accepted"] is True and data["problems"] == []
    assert data["rfb_version"] == "3.8"
    assert data["security_types"] == ["VeNCrypt"]
    assert data["vencrypt_subtypes"] == ["X509Vnc"]
    assert data["tls"]["subtype"] == "X509Vnc" and data["tls"]["sni"] is None
    assert data["certificate"]["fingerprint_sha256"] == openssl_fingerprint(files["cert"])
    assert {"type": "IP", "value": "127.0.0.1"} in data["certificate"]["san"]
    # The server saw a TLS handshake, then a client that left without authenticating.
    log = h.normalise_log(good_server.log_since(mark))
    assert any(m.startswith("TLS: TLS handshake completed") for m in log), log
    assert not any("VncAuth" in m and "Authentication" in m for m in log), log


def test_probe_human_output_names_the_trust_source(good_server: h.Server,
                                                   files: dict[str, Path]) -> None:
    r = vncssl("probe", f"127.0.0.1:{good_server.port}", "--ca", str(files["cert"]))
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"X509CA {files['cert']}" in r.stdout
    assert openssl_fingerprint(files["cert"]) in r.stdout
    assert "Accepted" in r.stdout


def test_probe_without_ca_uses_system_store_only(good_server: h.Server, tmp_path: Path
                                                 ) -> None:
    import os

    env = dict(os.environ, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / ".config"))
    r = subprocess.run([sys.executable, "-m", "vncssl", "probe",
                        f"127.0.0.1::{good_server.port}"], capture_output=True, text=True,
                       env=env, timeout=60)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "system trust store only" in r.stdout
    assert "Unknown certificate issuer" in r.stdout


def test_probe_wrong_host_name(good_server: h.Server, files: dict[str, Path]) -> None:
    code, data = probe_json(f"127.0.0.2::{good_server.port}", "--ca", str(files["cert"]))
    assert code == 1
    assert [p["code"] for p in data["problems"]] == ["hostname-mismatch"]
    assert "127.0.0.2" in data["problems"][0]["message"]
    assert data["problems"][0]["fix"]


def test_probe_vncauth_server_has_no_tls(files: dict[str, Path]) -> None:
    with h.xvnc_server(files["cert"], files["key"], security_types="VncAuth",
                       passwd_file=files["passwd"]) as srv:
        code, data = probe_json(f"127.0.0.1::{srv.port}", "--ca", str(files["cert"]))
    assert code == 1
    assert data["security_types"] == ["VncAuth"] and data["tls"] is None
    assert [p["code"] for p in data["problems"]] == ["no-tls"]
    assert data["certificate"] is None


def test_probe_tlsvnc_only_is_anonymous(files: dict[str, Path]) -> None:
    with h.xvnc_server(files["cert"], files["key"], security_types="TLSVnc",
                       passwd_file=files["passwd"]) as srv:
        code, data = probe_json(f"127.0.0.1::{srv.port}", "--ca", str(files["cert"]))
    assert code == 1
    assert data["vencrypt_subtypes"] == ["TLSVnc"]
    assert [p["code"] for p in data["problems"]] == ["anonymous-tls"]


def test_probe_key_not_matching_cert(files: dict[str, Path]) -> None:
    # `vncssl tigervnc server` refuses this pair (exit 2), so the arguments are written out.
    assert vncssl("tigervnc", "server", "--format", "xvnc", "--cert", str(files["cert"]),
                  "--key", str(files["other_key"])).returncode == 2
    args = ["-SecurityTypes", "X509None", "-X509Cert", str(files["cert"]),
            "-X509Key", str(files["other_key"])]
    with h.xvnc_server(files["cert"], files["other_key"], security_types="X509None",
                       extra_args=args) as srv:
        mark = srv.log_mark()
        r = vncssl("probe", f"127.0.0.1::{srv.port}", "--ca", str(files["cert"]))
        # Xvnc may write its reason a moment after the client has gone: wait for it.
        server_log = srv.wait_for_log("Private key does not match", since=mark)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "could not set up TLS" in r.stdout
    # The server's own reason, passed on from its SecurityResult message:
    assert "Private key does not match certificate" in r.stdout
    assert "Private key does not match certificate" in " ".join(h.normalise_log(server_log))
