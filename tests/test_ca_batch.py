"""`ca issue --from`'s batch path (OpenSSL 3.0+): one openssl process per host, and every
certificate still checked before it is installed - by openssl verify (signature, purpose)
and by its DER structure (names, issuer, CA:FALSE) - with the real openssl."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from vncssl.ca import authority, batchcheck
from vncssl.cli import app
from vncssl.x509 import names as names_mod

runner = CliRunner()

_VERSION = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.split()
# The batch path is OpenSSL 3.0+'s one-process `req -x509 -CA`; older builds issue per host
# (tests/test_ca.py), and these tests' own setup uses `req -CA` too.
needs_3 = pytest.mark.skipif(
    len(_VERSION) < 2 or _VERSION[0] != "OpenSSL" or not _VERSION[1][:1].isdigit()
    or int(_VERSION[1][0]) < 3, reason="the batch path needs OpenSSL 3.0+ (req -x509 -CA)")


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def ca_dir(tmp_path: Path) -> Path:
    d = tmp_path / "ca"
    assert invoke("ca", "init", "--dir", str(d), "--key-type", "ec").exit_code == 0
    return d


def test_batch_results_match_what_openssl_reads(ca_dir: Path, tmp_path: Path) -> None:
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("".join(f"h{i} 10.0.{i}.1 h{i}.lan\n" for i in range(40)))
    out = tmp_path / "out"
    out.mkdir()
    r = invoke("ca", "issue", "--from", str(hosts), "--out-dir", str(out), "--ca-dir",
               str(ca_dir), "--key-type", "ec", "--json")
    assert r.exit_code == 0, r.output
    outcomes = json.loads(r.output)["outcomes"]
    assert len(outcomes) == 40 and all(o["ok"] for o in outcomes)
    for o in outcomes[::13]:
        i = o["issued"]
        shown = subprocess.run(["openssl", "x509", "-in", i["cert"], "-noout", "-serial",
                                "-fingerprint", "-sha256", "-subject", "-nameopt", "RFC2253",
                                "-ext", "subjectAltName"], capture_output=True, text=True,
                               check=True).stdout
        assert f"serial={i['serial']}" in shown
        assert f"Fingerprint={i['fingerprint_sha256']}" in shown
        assert f"subject={i['subject']}" in shown
        assert f"IP Address:10.0.{o['host'][1:]}.1, DNS:{o['host']}.lan" in shown
        assert (ca_dir / "issued" / f"{i['serial']}.pem").read_text() == \
            Path(i["cert"]).read_text()
        assert Path(i["key"]).stat().st_mode & 0o777 == 0o600
        assert Path(i["cert"]).stat().st_mode & 0o777 == 0o644


SELF_SIGNED = """
if [ "$1" = req ]; then
  # A broken build: drops -CA/-CAkey, so the "issued" certificate is self-signed.
  args=""; skip=0
  for a in "$@"; do
    if [ $skip = 1 ]; then skip=0; continue; fi
    case "$a" in -CA|-CAkey) skip=1; continue;; esac
    args="$args $a"
  done
  exec "$REAL" $args
fi
exec "$REAL" "$@"
"""


@needs_3
def test_a_certificate_that_does_not_verify_is_never_installed(ca_dir: Path, tmp_path: Path,
                                                                fake_openssl) -> None:
    fake_openssl(SELF_SIGNED)
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("a 10.0.0.1\nb 10.0.0.2\n")
    out = tmp_path / "out"
    out.mkdir()
    before = sorted(p.name for p in (ca_dir / "issued").iterdir())
    r = invoke("ca", "issue", "--from", str(hosts), "--out-dir", str(out), "--ca-dir",
               str(ca_dir), "--key-type", "ec", "--json")
    assert r.exit_code == 3, r.output
    data = json.loads(r.output[:r.output.rindex("}") + 1])
    assert all("openssl verify does not accept" in o["error"] for o in data["outcomes"])
    assert list(out.iterdir()) == []
    assert sorted(p.name for p in (ca_dir / "issued").iterdir()) == before


@needs_3
def test_structure_check_refuses_other_names(ca_dir: Path, tmp_path: Path) -> None:
    iss = authority.load(str(ca_dir), key_type="ec")
    cert = tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(tmp_path / "k.pem"),
                    "-out", str(cert), "-subj", "/CN=x", "-CA", str(iss.cert), "-CAkey",
                    str(iss.key), "-addext", "subjectAltName=IP:10.9.9.9", "-addext",
                    "basicConstraints=CA:FALSE"], check=True, capture_output=True)
    ca_subject = batchcheck.dernames.parse_certificate(
        batchcheck.pem_der(iss.cert.read_text())).subject_raw
    data = batchcheck.pem_der(cert.read_text())
    ok = [names_mod.Name("IP", "10.9.9.9")]
    batchcheck.check_structure(iss, ca_subject, data, ok)  # as asked: accepted
    with pytest.raises(batchcheck.HostFailed, match="its names are"):
        batchcheck.check_structure(iss, ca_subject, data, [names_mod.Name("IP", "10.9.9.8")])
    with pytest.raises(batchcheck.HostFailed, match="issuer is not the CA"):
        batchcheck.check_structure(iss, b"\x30\x00", data, ok)


@needs_3
def test_structure_check_applies_the_strength_floor(ca_dir: Path, tmp_path: Path) -> None:
    """A SHA-1 signature is refused on the batch path as on every other (x509/strength)."""
    iss = authority.load(str(ca_dir), key_type="ec")
    cert = tmp_path / "weak.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(tmp_path / "k.pem"),
                    "-out", str(cert), "-subj", "/CN=x", "-CA", str(iss.cert), "-CAkey",
                    str(iss.key), "-sha1", "-addext", "subjectAltName=IP:10.9.9.9", "-addext",
                    "basicConstraints=CA:FALSE"], check=True, capture_output=True)
    ca_subject = batchcheck.dernames.parse_certificate(
        batchcheck.pem_der(iss.cert.read_text())).subject_raw
    with pytest.raises(batchcheck.HostFailed, match="SHA1 is broken"):
        batchcheck.check_structure(iss, ca_subject, batchcheck.pem_der(cert.read_text()),
                                   [names_mod.Name("IP", "10.9.9.9")])
