"""GnuTLS's LOW-profile thresholds for keys the viewer cannot be shown with Xvnc (DSA, small
EC curves, MD5) and the path rules on real certificates (issue 14, items 2-5), offline."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from vncssl.openssl import binary
from vncssl.x509 import certinfo, gnutlspath
from vncssl.x509.certfacts import CertFacts
from vncssl.x509.derkey import PublicKey


def _bare_cnf(folder: Path) -> str:
    """An empty config but for what OpenSSL 1.1.1's req insists on ([req] distinguished_name)."""
    cnf = folder / "bare.cnf"
    cnf.write_text("[req]\ndistinguished_name = dn\n[dn]\n")
    return str(cnf)


def _cert(tmp: Path, name: str, newkey: list[str], *, md: str = "-sha256") -> CertFacts:
    out = tmp / f"{name}.pem"
    subprocess.run(["openssl", "req", "-x509", *newkey, "-nodes", "-keyout",
                    str(tmp / f"{name}.key"), "-out", str(out), "-subj", f"/CN={name}",
                    md, "-days", "2", "-config", _bare_cnf(tmp)], check=True, capture_output=True)
    return certinfo.read_cert(binary.find()[0], out)


def _with_key(c: CertFacts, key: PublicKey) -> CertFacts:
    assert c.der is not None
    return replace(c, der=replace(c.der, key=key))


@pytest.mark.parametrize("kind, bits, ok", [
    ("RSA", 1023, False), ("RSA", 1024, True), ("RSA-PSS", 768, False), ("DSA", 1023, False),
    ("DSA", 1024, True), ("EC", 112, False), ("EC", 128, False), ("EC", 160, True),
    ("EC", 256, True), ("EC", None, False), ("ED25519", 256, True), ("ED448", 456, True)])
def test_low_profile_key_sizes(tmp_path: Path, kind: str, bits: int, ok: bool) -> None:
    base = _cert(tmp_path, "base", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
    assert gnutlspath.key_level_ok(_with_key(base, PublicKey("x", kind, bits))) is ok


def test_real_dsa_1024_and_md5(tmp_path: Path) -> None:
    subprocess.run(["openssl", "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt",
                    "dsa_paramgen_bits:1024", "-out", str(tmp_path / "dsa.param")],
                   check=True, capture_output=True)
    dsa = _cert(tmp_path, "dsa", ["-newkey", f"dsa:{tmp_path / 'dsa.param'}"])
    assert dsa.key.type == "DSA" and dsa.key.bits == 1024 and gnutlspath.key_level_ok(dsa)
    # MD5 is below the LOW profile's hash strength even for a cert trusted as itself.
    md5 = _cert(tmp_path, "md5", ["-newkey", "rsa:2048"], md="-md5")
    sha1 = _cert(tmp_path, "sha1", ["-newkey", "rsa:2048"], md="-sha1")
    now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)
    r = gnutlspath.verify([md5], [md5], now)
    assert r.status & gnutlspath.INSECURE_ALGORITHM
    assert gnutlspath.verify([sha1], [sha1], now).status == 0  # SHA-1 self: not checked


def test_exact_match_only_for_the_server_certificate(tmp_path: Path) -> None:
    a = _cert(tmp_path, "a", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
    now = dt.datetime.now(dt.timezone.utc)
    assert gnutlspath.verify([a], [a], now).trusted_at is a
    r = gnutlspath.verify([a], [], now)
    assert r.status & gnutlspath.SIGNER_NOT_FOUND and r.trusted_at is None
