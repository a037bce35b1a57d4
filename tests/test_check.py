"""`vncssl check`: GnuTLS's name rules (pure) and the verdict with real openssl."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import List, Optional

import pytest

from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.x509 import hostname, verdict
from vncssl.x509.certfacts import CertFacts, KeyInfo, San

runner = CliRunner()


def facts(subject: str = "CN=x", san: Optional[List[str]] = None,
          eku: Optional[List[str]] = None) -> CertFacts:
    sans = [San(*s.split(":", 1)) for s in san or []]
    return CertFacts(subject=subject, issuer=subject, self_signed=True, is_ca=True, san=sans,
                     not_before="2020-01-01T00:00:00Z", not_after="2030-01-01T00:00:00Z",
                     days_left=1, fingerprint_sha256="AA", signature_algorithm="sha256",
                     key=KeyInfo("RSA", 2048), serial="01", version=3, key_usage=None,
                     extended_key_usage=eku, subject_key_id=None, authority_key_id=None,
                     public_key_pem="", pem="")


@pytest.mark.parametrize("cert,host,ok", [
    # IP literals: only an iPAddress SAN, never the CN, never a DNS SAN
    (facts("CN=192.168.1.5", ["IP:192.168.1.5"]), "192.168.1.5", True),
    (facts("CN=192.168.1.5"), "192.168.1.5", False),
    (facts("CN=x", ["DNS:192.168.1.5"]), "192.168.1.5", False),
    (facts("CN=x", ["IP:192.168.1.6"]), "192.168.1.5", False),
    # IPv6 literal forms compare as addresses
    (facts("CN=x", ["IP:fd00::1"]), "fd00:0:0:0:0:0:0:1", True),
    (facts("CN=x", ["IP:fd00::1"]), "[FD00::1]", True),
    (facts("CN=x", ["IP:127.0.0.1"]), "::ffff:127.0.0.1", False),
    # DNS: SANs, case-insensitive, one-level wildcard in the first label
    (facts("CN=x", ["DNS:vnc.example.lan"]), "VNC.Example.LAN", True),
    (facts("CN=x", ["DNS:*.example.lan"]), "pc1.example.lan", True),
    (facts("CN=x", ["DNS:*.example.lan"]), "a.b.example.lan", False),
    (facts("CN=x", ["DNS:*.example.lan"]), "example.lan", False),
    (facts("CN=x", ["DNS:*.lan"]), "pc1.lan", False),  # needs two labels after the '*'
    (facts("CN=x", ["DNS:pc*.example.lan"]), "pc1.example.lan", False),
    # the CN only when there is no DNS or IP SAN at all, a single CN, usable for servers
    (facts("CN=vnc.example.lan"), "vnc.example.lan", True),
    (facts("CN=*.example.lan"), "pc.example.lan", True),
    (facts("CN=vnc.example.lan", ["IP:10.0.0.1"]), "vnc.example.lan", False),
    (facts("CN=vnc.example.lan", ["DNS:other.lan"]), "vnc.example.lan", False),
    (facts("CN=vnc.example.lan", ["email:a@b.c"]), "vnc.example.lan", True),
    (facts("CN=a.lan+CN=vnc.lan"), "vnc.lan", False),
    (facts("CN=vnc.lan", eku=["TLS Web Client Authentication"]), "vnc.lan", False),
    (facts("CN=vnc.lan", eku=["TLS Web Server Authentication"]), "vnc.lan", True),
    # a ':' that is not IPv6 falls back to DNS rules
    (facts("CN=x", ["DNS:a:b"]), "a:b", True),
])
def test_hostname_rules_mirror_gnutls(cert: CertFacts, host: str, ok: bool) -> None:
    assert hostname.hostname_matches(cert, host) is ok


def mk(d: Path, name: str, subj: str = "/CN=192.168.1.5", san: Optional[str] = "IP:192.168.1.5",
       *, key: str = "rsa", extra: List[str] = (), days: str = "30") -> Path:  # type: ignore
    newkey = {"rsa": ["-newkey", "rsa:2048"], "ec": ["-newkey", "ec", "-pkeyopt",
                                                       "ec_paramgen_curve:prime256v1"]}[key]
    argv = ["openssl", "req", "-x509", *newkey, "-nodes", "-days", days, "-subj", subj,
            "-keyout", str(d / f"{name}.key"), "-out", str(d / f"{name}.pem")]
    if san:
        argv += ["-addext", f"subjectAltName={san}"]
    for e in extra:
        argv += ["-addext", e]
    subprocess.run(argv, check=True, capture_output=True)
    return d / f"{name}.pem"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("check")
    mk(d, "guide")
    mk(d, "renewed")  # same subject, new key: the viewer's old copy no longer matches
    mk(d, "dns", "/CN=vnc.example.lan", "DNS:vnc.example.lan", key="ec")
    mk(d, "ku", extra=["keyUsage=keyCertSign"])
    subprocess.run(["openssl", "pkey", "-in", str(d / "guide.key"), "-aes256", "-passout",
                    "pass:secret", "-out", str(d / "encrypted.key")], check=True)
    return d


def check(*args: str) -> tuple:
    r = runner.invoke(app, ["check", *args, "--json"])
    return r.exit_code, (json.loads(r.stdout) if r.stdout.strip().startswith("{") else r)


def codes(v: dict) -> List[str]:
    return [p["code"] for p in v["problems"]]


def test_guide_setup_is_accepted_by_ip(certs: Path) -> None:
    code, v = check(str(certs / "guide.pem"), "--host", "192.168.1.5",
                    "--key", str(certs / "guide.key"))
    told = v.pop("tigervnc")  # which viewer generation the verdict was told for
    assert told["generation"] and told["source"] and told["exception"] is False
    assert code == 0 and v == {"host": "192.168.1.5", "accepted": True, "problems": [],
                               "viewer": "connects"}


def test_wrong_host_is_a_hostname_mismatch_with_a_fix(certs: Path) -> None:
    code, v = check(str(certs / "guide.pem"), "--host", "192.168.1.6")
    assert code == 1 and codes(v) == ["hostname-mismatch"]
    assert "vncssl create --ip 192.168.1.6" in v["problems"][0]["fix"]


def test_dns_cert_by_name_and_not_by_ip(certs: Path) -> None:
    assert check(str(certs / "dns.pem"), "--host", "VNC.example.lan")[0] == 0
    code, v = check(str(certs / "dns.pem"), "--host", "10.0.0.1")
    assert code == 1 and codes(v) == ["hostname-mismatch"]


def test_old_cert_in_x509ca_after_renewal(certs: Path) -> None:
    code, v = check(str(certs / "renewed.pem"), "--host", "192.168.1.5",
                    "--ca", str(certs / "guide.pem"))
    assert code == 1 and codes(v) == ["same-subject-different-cert"]
    assert "Replace" in v["problems"][0]["fix"]


def test_unrelated_ca_is_unknown_issuer(certs: Path) -> None:
    code, v = check(str(certs / "guide.pem"), "--host", "192.168.1.5",
                    "--ca", str(certs / "dns.pem"))
    assert code == 1 and codes(v) == ["unknown-issuer"]


def test_key_problems(certs: Path) -> None:
    code, v = check(str(certs / "guide.pem"), "--host", "192.168.1.5",
                    "--key", str(certs / "renewed.key"))
    assert code == 1 and codes(v) == ["key-mismatch"]
    code, v = check(str(certs / "guide.pem"), "--host", "192.168.1.5",
                    "--key", str(certs / "encrypted.key"))
    assert code == 1 and codes(v) == ["encrypted-key"]


def test_key_usage_without_digital_signature(certs: Path) -> None:
    code, v = check(str(certs / "ku.pem"), "--host", "192.168.1.5")
    assert code == 1 and codes(v) == ["key-usage"]


def test_time_rules_use_now(certs: Path, openssl_bin: str) -> None:
    from vncssl.openssl import binary

    ossl = binary.find()[0]
    import datetime as dt

    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=40)
    v = verdict.check_files(ossl, certs / "guide.pem", "192.168.1.5", now=later)
    assert [p.code for p in v.problems] == ["expired"] and not v.accepted
    earlier = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    v = verdict.check_files(ossl, certs / "guide.pem", "192.168.1.5", now=earlier)
    assert [p.code for p in v.problems] == ["not-yet-valid"]


def test_human_output_lists_problem_and_fix(certs: Path) -> None:
    r = runner.invoke(app, ["check", str(certs / "guide.pem"), "--host", "10.1.1.1"])
    assert r.exit_code == 1
    assert "hostname-mismatch" in r.stdout and "Fix:" in r.stdout
    r = runner.invoke(app, ["check", str(certs / "guide.pem"), "--host", "192.168.1.5"])
    assert r.exit_code == 0 and "Accepted" in r.stdout


def test_bad_input_is_exit_2(tmp_path: Path, certs: Path) -> None:
    assert runner.invoke(app, ["check", str(tmp_path / "none.pem"), "--host", "a"]
                         ).exit_code == 2
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    assert runner.invoke(app, ["check", str(junk), "--host", "a"]).exit_code == 2
    r = runner.invoke(app, ["check", str(certs / "guide.key"), "--host", "a"])
    assert r.exit_code == 2 and "private key" in r.stderr
    assert runner.invoke(app, ["check", str(certs / "guide.pem"), "--host", " "]
                         ).exit_code == 2
    r = runner.invoke(app, ["check", str(certs / "guide.pem"), "--host", "192.168.1.5",
                            "--key", str(certs / "guide.pem")])
    assert r.exit_code == 2 and "not a readable private key" in r.stderr


def test_openssl_failure_is_exit_3(tmp_path: Path, fake_openssl) -> None:  # type: ignore
    from tests import tigervnc_harness as h

    # A CA-issued leaf: its signature is openssl verify's to check (an exact X509CA match
    # needs no openssl verify at all).
    ca = h.make_ca(tmp_path, "ca", key_type="ec")
    leaf = h.issue_leaf(ca, tmp_path, "vnc.test", san="IP:192.168.1.5", key_type="ec")
    fake_openssl('if [ "$1" = verify ]; then echo "boom" >&2; exit 1; fi\nexec $REAL "$@"\n')
    r = runner.invoke(app, ["check", str(leaf.cert), "--host", "192.168.1.5", "--ca",
                            str(ca.cert)])
    assert r.exit_code == 3, r.output


def test_chains_and_an_expired_root(tmp_path: Path) -> None:
    import datetime as dt

    from tests import tigervnc_harness as h

    root = h.make_ca(tmp_path, "root", name="root", key_type="ec")
    inter = h.make_ca(tmp_path, "inter", issuer=root, name="inter", key_type="ec")
    leaf = h.issue_leaf(inter, tmp_path, "vnc.test", san="IP:10.0.0.9", key_type="ec")
    args = ["--host", "10.0.0.9", "--ca", str(root.cert)]
    assert check(str(leaf.fullchain), *args)[0] == 0
    code, v = check(str(leaf.cert), *args)  # the server does not send the intermediate
    assert code == 1 and codes(v) == ["unknown-issuer"]
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    old = h.make_selfsigned(tmp_path, "old root", name="old", key_type="ec", extensions=[
        "basicConstraints = critical,CA:true", "keyUsage = critical,keyCertSign",
        "subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid:always"],
        not_before=now - dt.timedelta(days=9), not_after=now - dt.timedelta(days=1))
    under = h.issue_leaf(old, tmp_path, "vnc.test", san="IP:10.0.0.9", name="under",
                         key_type="ec")
    code, v = check(str(under.cert), "--host", "10.0.0.9", "--ca", str(old.cert))
    assert code == 1 and codes(v) == ["expired"] and "CA certificate" in v["problems"][0][
        "message"]


@pytest.mark.parametrize("host", ["bad host", "a,DNS:b", "192.168.1.500", "*.example.lan",
                                  "vnc_server!", ""])
def test_a_host_no_viewer_could_type_is_bad_input(certs: Path, host: str) -> None:
    r = runner.invoke(app, ["check", str(certs / "guide.pem"), "--host", host])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Error: ") and "Fix:" not in r.stdout


@pytest.mark.parametrize("typed,host,code", [
    ("192.168.1.5:1", "192.168.1.5", 0), ("192.168.1.5::5901", "192.168.1.5", 0),
    ("192.168.1.6:1", "192.168.1.6", 1), ("[::1]:1", "::1", 1)])
def test_the_viewers_display_and_port_forms_name_the_host(certs: Path, typed: str, host: str,
                                                           code: int) -> None:
    got, v = check(str(certs / "guide.pem"), "--host", typed)
    assert (got, v["host"]) == (code, host)
    if code:  # the Fix names the host alone: a certificate holds no ports
        assert v["problems"][0]["fix"].endswith(f"--ip {host}` (keep the other names too).")
