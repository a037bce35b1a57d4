"""A file of many certificates is read with a bounded number of openssl processes
(x509/chainread), and every fact equals what the old per-certificate `openssl x509 -text`
path gave (tests/reference_x509.py keeps that path, for this comparison only)."""

from __future__ import annotations

import base64
import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from tests.conftest import REAL_OPENSSL
from tests.reference_x509 import old_facts
from vncssl.openssl import binary
from vncssl.x509 import certinfo

OPENSSL = REAL_OPENSSL or "openssl"


def ossl(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([OPENSSL, *args], input=stdin, capture_output=True, check=True)


def make(tmp: Path, name: str, *extra: str, key: str = "ec", subj: str = "") -> str:
    """A real certificate made by openssl req; its PEM."""
    newkey = {"ec": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
              "p384": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
              "rsa": ["-newkey", "rsa:2048"], "ed25519": ["-newkey", "ed25519"],
              "pss": ["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048"]}[key]
    out = tmp / f"{name}.pem"
    ossl("req", "-x509", *newkey, "-nodes", "-keyout", str(tmp / f"{name}.key"), "-out",
         str(out), "-subj", subj or f"/CN={name}", "-utf8", *extra)
    return out.read_text()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> List[str]:
    """Certificates of every kind the rules see: key types, SANs, key usages, a CA, serials
    (zero, negative, 20 octets, leading 0x80), long lives (GeneralizedTime), UTF-8 names."""
    t = tmp_path_factory.mktemp("corpus")
    ext = ["-addext", "subjectAltName=IP:192.0.2.1,DNS:a.example,email:x@example.org",
           "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
           "-addext", "extendedKeyUsage=serverAuth,clientAuth"]
    return [
        make(t, "rsa", *ext, key="rsa"), make(t, "ec", *ext), make(t, "p384", key="p384"),
        make(t, "ed", key="ed25519"), make(t, "pss", key="pss", subj="/CN=pss/O=Ex"),
        make(t, "ca", "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
             subj="/C=DE/ST=Bayern/O=Ex CA+OU=Ops/CN=Root"),
        make(t, "zero", "-set_serial", "0"), make(t, "neg", "-set_serial", "-1234"),
        make(t, "big", "-set_serial", "0x" + "80" + "ab" * 19),
        make(t, "long", "-days", "12000", subj="/CN=long/O=\u00e9t\u00e9 \u20ac"),
        make(t, "md", "-sha512", "-days", "1", subj="/CN=#a, b;c/OU= x "),
    ]


def _asdict(f) -> Dict[str, object]:
    d = dataclasses.asdict(f)
    d.pop("der", None)
    return d


def _printed_name(pem: str, which: str) -> str:
    """openssl's own -nameopt RFC2253 line, unstripped (the old parser dropped a trailing
    escaped space, leaving a dangling backslash: the new path keeps it)."""
    out = ossl("x509", "-noout", f"-{which}", "-nameopt", "RFC2253", stdin=pem.encode())
    return out.stdout.decode().rstrip("\n").split("=", 1)[1].lstrip(" ")


def test_every_fact_of_a_chain_equals_the_old_per_certificate_path(corpus: List[str],
                                                                   tmp_path: Path) -> None:
    chain = tmp_path / "chain.pem"
    chain.write_text("".join(corpus))
    o = binary.find()[0]
    new = certinfo.read_chain(o, chain)
    assert len(new) == len(corpus)
    for pem, got in zip(corpus, new):
        want = _asdict(old_facts(OPENSSL, pem))
        have = _asdict(got)
        for name in ("subject", "issuer"):
            want[name] = _printed_name(pem, name)
        for d in (want, have):
            d.pop("days_left")
        assert have == want, [k for k in have if have[k] != want[k]]
    # The single-certificate paths spell the same facts as the chain path.
    for pem, got in zip(corpus, new):
        one = tmp_path / "one.pem"
        one.write_text(pem)
        assert _asdict(certinfo.read_cert(o, one)) == _asdict(got)
        der = tmp_path / "one.der"
        der.write_bytes(base64.b64decode("".join(pem.strip().splitlines()[1:-1])))
        (from_der,) = certinfo.read_chain(o, der)
        assert dict(_asdict(from_der), pem=pem) == _asdict(got)


def _counting_env(tmp_path: Path) -> Dict[str, str]:
    """A logging `openssl` first on PATH that execs the real one (benchmarks/run.py's)."""
    bindir = tmp_path / "wrapper-bin"
    bindir.mkdir()
    log = tmp_path / "openssl-calls.log"
    wrapper = bindir / "openssl"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\nexec "{OPENSSL}" "$@"\n')
    wrapper.chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
               VNCSSL_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("VNCSSL_OPENSSL", None)
    return env


def _vncssl(env: Dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vncssl", *argv], env=env, text=True,
                          capture_output=True, timeout=300, stdin=subprocess.DEVNULL)


def test_a_bundle_of_1000_certificates_starts_at_most_3_openssl(corpus: List[str],
                                                                 tmp_path: Path) -> None:
    self_signed = [corpus[i] for i in (0, 1, 3, 5)]
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("".join(self_signed[i % 4] for i in range(certinfo.MAX_CERTS)))
    env = _counting_env(tmp_path)
    log = tmp_path / "openssl-calls.log"
    _vncssl(env, "inspect", str(bundle))  # the `version -a` facts get cached
    runs = {"inspect": ["inspect", str(bundle)],
            "check": ["check", str(bundle), "--host", "192.0.2.1"],
            "expiry": ["expiry", str(bundle)],
            "ca bundle": ["ca", "bundle", str(bundle), "--out", str(tmp_path / "x509_ca.pem")]}
    for label, argv in runs.items():
        log.write_text("")
        r = _vncssl(env, *argv)
        assert r.returncode in (0, 1), (label, r.stdout, r.stderr)
        calls = log.read_text().split()
        assert 1 <= len(calls) <= 3, (label, calls)
    assert (tmp_path / "x509_ca.pem").read_text().count("BEGIN CERTIFICATE") == 4


def _damaged(pem: str) -> str:
    """Valid base64 of bytes that are no certificate (the outer SEQUENCE made a SET)."""
    der = bytearray(base64.b64decode("".join(pem.strip().splitlines()[1:-1])))
    der[0] = 0x31
    body = base64.encodebytes(bytes(der)).decode()
    return f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"


@pytest.mark.parametrize("position", [0, 3, 6])
def test_a_bad_block_in_a_chain_is_exit_2_naming_it(corpus: List[str], tmp_path: Path,
                                                    position: int) -> None:
    blocks = corpus[:7]
    blocks[position] = _damaged(blocks[position])
    chain = tmp_path / "chain.pem"
    chain.write_text("".join(blocks))
    out = tmp_path / "x509_ca.pem"
    env = dict(os.environ)
    for argv in (["inspect", str(chain)], ["ca", "bundle", str(chain), "--out", str(out)]):
        r = _vncssl(env, *argv)
        assert r.returncode == 2, r.stderr
        error = r.stderr.strip().splitlines()[0]
        assert f"certificate {position + 1} of 7 in {chain} is not a readable" in error, error
    assert not out.exists()


def test_a_certificate_only_python_refuses_is_named_too(corpus: List[str],
                                                         tmp_path: Path) -> None:
    # Damaged base64 never reaches openssl: vncssl cannot say which bytes it would judge.
    lines = corpus[1].strip().splitlines()
    lines[3] = lines[3][:10] + "!" + lines[3][11:]
    chain = tmp_path / "chain.pem"
    chain.write_text(corpus[0] + "\n".join(lines) + "\n")
    r = _vncssl(dict(os.environ), "inspect", str(chain))
    assert r.returncode == 2
    assert "certificate 2 of 2" in r.stderr and "base64" in r.stderr


def test_an_empty_x509ca_file_starts_no_openssl(tmp_path: Path) -> None:
    # A binary that cannot start: any process would be an error.
    gone = dataclasses.replace(binary.find()[0], path=str(tmp_path / "no-openssl"))
    assert certinfo.read_pems(gone, [], tmp_path / "empty.pem") == []
