"""Every OpenSSL users actually have, simulated by fake `openssl` scripts first on PATH.

Each fake answers `version` with the real banner of that build and imitates what matters
about it (no -addext, [req] distinguished_name required, old output formats, CRLF line
ends, config-loading warnings), and hands the real work to this machine's openssl. Each
case must end in a working certificate, or in one clear error that says what to do.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Callable, Optional

import pytest

from tests import fake_builds
from tests.clirunner import CliRunner
from tests.conftest import REAL_OPENSSL
from vncssl.cli import app
from vncssl.errors import UsageError
from vncssl.openssl import binary, opensslcnf

runner = CliRunner()

# `version -a` texts as these builds print them (first lines; the rest does not matter).
BANNERS = {
    "1.0.2": ('OpenSSL 1.0.2u  20 Dec 2019', '"/usr/local/ssl"'),
    "1.1.0": ('OpenSSL 1.1.0l  10 Sep 2019', '"/usr/lib/ssl"'),
    "1.1.1": ('OpenSSL 1.1.1w  11 Sep 2023', '"/usr/lib/ssl"'),
    "1.1.1-fips": ('OpenSSL 1.1.1k  FIPS 25 Mar 2021', '"/etc/pki/tls"'),
    "3.0": ('OpenSSL 3.0.2 15 Mar 2022 (Library: OpenSSL 3.0.2 15 Mar 2022)', '"/usr/lib/ssl"'),
    "3.0-fips": ('OpenSSL 3.0.7 1 Nov 2022 (Library: OpenSSL 3.0.7 1 Nov 2022) FIPS',
                 '"/etc/pki/tls"'),
    "3.3": ('OpenSSL 3.3.2 3 Sep 2024 (Library: OpenSSL 3.3.2 3 Sep 2024)',
            '"/opt/homebrew/etc/openssl@3"'),
    "libressl-2.8": ("LibreSSL 2.8.3", '"/private/etc/ssl"'),
    "libressl-3.3": ("LibreSSL 3.3.6", '"/private/etc/ssl"'),
    "win-shining-light": ('OpenSSL 3.3.1 4 Jun 2024 (Library: OpenSSL 3.3.1 4 Jun 2024)',
                          '"C:\\Program Files\\Common Files\\SSL"'),
    "win-git": ('OpenSSL 3.1.2 1 Aug 2023 (Library: OpenSSL 3.1.2 1 Aug 2023)', '"/usr/ssl"'),
    "win-1.0.2": ('OpenSSL 1.0.2j  26 Sep 2016', '"/usr/local/ssl"'),
    "openssldir-na": ('OpenSSL 3.0.13 30 Jan 2024 (Library: OpenSSL 3.0.13 30 Jan 2024)',
                      "N/A"),
}

FAKE = r"""
BANNER='{banner}'
DIR='{dir}'
ADDEXT={addext}
NEEDS_DN={needs_dn}
OLD_FORMAT={old_format}
CRLF={crlf}
WARN="{warn}"
V3ALWAYS={v3always}
[ -n "$WARN" ] && echo "$WARN" >&2
if [ "$1" = version ]; then
  out=$(printf '%s\n' "$BANNER" "built on: reproducible build, date unspecified" \
        "platform: simulated" "OPENSSLDIR: $DIR")
  if [ "$CRLF" = 1 ]; then printf '%s\n' "$out" | sed 's/$/\r/'; else printf '%s\n' "$out"; fi
  exit 0
fi
if [ "$1" = req ]; then
  cfg=""; prev=""
  for a in "$@"; do
    if [ "$a" = -addext ] && [ "$ADDEXT" = 0 ]; then
      echo "unknown option -addext" >&2; echo "req [options] <infile >outfile" >&2; exit 1
    fi
    [ "$prev" = -config ] && cfg="$a"
    prev="$a"
  done
  if [ "$NEEDS_DN" = 1 ]; then
    if [ -z "$cfg" ] || ! grep -q '^[[:space:]]*distinguished_name' "$cfg"; then
      echo "unable to find 'distinguished_name' in config" >&2
      echo "problems making Certificate Request" >&2; exit 1
    fi
  fi
fi
if [ "$1" = x509 ] && [ "$OLD_FORMAT" = 1 ]; then
  # 1.x and LibreSSL: "SHA256 Fingerprint=", "subject= /CN=..."-style spacing.
  out=$("$REAL" "$@"); rc=$?
  printf '%s\n' "$out" | sed -e 's/^sha256 Fingerprint=/SHA256 Fingerprint=/' \
                             -e 's/^subject=/subject= /' -e 's/^issuer=/issuer= /'
  exit $rc
fi
exec "$REAL" "$@"
"""

# name -> (addext, needs distinguished_name, old output format, CRLF, warning on stderr)
VARIANTS = {
    "1.0.2": (0, 1, 1, 0, ""),
    "1.1.0": (0, 1, 1, 0, ""),
    "1.1.1": (1, 1, 1, 0, ""),
    "1.1.1-fips": (1, 1, 1, 0, ""),
    "3.0": (1, 0, 0, 0, ""),
    "3.0-fips": (1, 0, 0, 0, ""),
    "3.3": (1, 0, 0, 0, ""),
    "libressl-2.8": (0, 1, 1, 0, ""),
    "libressl-3.3": (1, 1, 1, 0, ""),
    "win-shining-light": (1, 0, 0, 1, ""),
    "win-git": (1, 0, 0, 1, ""),
    # The classic: every command warns that the compiled-in config is missing.
    "win-1.0.2": (0, 1, 1, 1, "WARNING: can't open config file: /usr/local/ssl/openssl.cnf"),
    "openssldir-na": (1, 0, 0, 0, ""),
}


def make_variant(fake_openssl: Callable[..., Path], name: str, **override: object) -> Path:
    banner, directory = BANNERS[name]
    addext, needs_dn, old_format, crlf, warn = VARIANTS[name]
    values = dict(banner=banner, dir=directory, addext=addext, needs_dn=needs_dn,
                  old_format=old_format, crlf=crlf, warn=warn, v3always=0)
    values.update(override)
    return fake_openssl(FAKE.format(**values))


def real(*argv: str) -> str:
    return subprocess.run(["openssl", *argv], capture_output=True, text=True,  # noqa: S603,S607
                          check=True).stdout


def assert_working_pair(cert: Path, key: Path, ip: str = "192.168.1.5",
                        dns: Optional[str] = "vnc.example.lan") -> None:
    text = real("x509", "-in", str(cert), "-noout", "-text")
    assert f"IP Address:{ip}" in text
    if dns:
        assert f"DNS:{dns}" in text
    assert "Version: 3" in text
    assert real("x509", "-in", str(cert), "-noout", "-pubkey") == \
        real("pkey", "-in", str(key), "-pubout")
    assert key.stat().st_mode & 0o777 == 0o600
    # The viewer's check: the cert verifies against itself for the IP it names.
    verify = subprocess.run(["openssl", "verify", "-CAfile", str(cert),  # noqa: S603,S607
                             "-verify_ip", ip, str(cert)], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def create(tmp_path: Path, *extra: str):
    cert, key = tmp_path / "out" / "vnc-server.pem", tmp_path / "out" / "vnc-server-private.pem"
    cert.parent.mkdir(exist_ok=True)
    result = runner.invoke(app, ["create", "--ip", "192.168.1.5", "--dns", "vnc.example.lan",
                                 "--cert", str(cert), "--key", str(key), "--yes", "--json",
                                 *extra])
    return result, cert, key


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_each_variant_makes_a_working_certificate(fake_openssl, tmp_path: Path,
                                                  variant: str) -> None:
    make_variant(fake_openssl, variant)
    result, cert, key = create(tmp_path)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected_version = BANNERS[variant][0].split()[1].rstrip("abcdefghijklmnopqrstuvwxyz")
    assert expected_version in data["openssl"]["version"]
    codes = [n["code"] for n in data["notices"]]
    assert ("no-addext" in codes) == (VARIANTS[variant][0] == 0)
    if VARIANTS[variant][0] == 0:
        assert "-extensions vncssl_san" in data["command"]
    else:
        assert "subjectAltName=IP:192.168.1.5,DNS:vnc.example.lan" in data["command"]
    assert_working_pair(cert, key)
    assert sorted(p.name for p in cert.parent.iterdir()) == [
        "vnc-server-private.pem", "vnc-server.pem"]


@pytest.mark.parametrize("banner,flavour,version,fips,openssldir", [
    ("OpenSSL 3.0.7 1 Nov 2022 (Library: OpenSSL 3.0.7 1 Nov 2022) FIPS\r\n"
     'OPENSSLDIR: "/etc/pki/tls"\r\n', "OpenSSL", (3, 0, 7), True, "/etc/pki/tls"),
    ('OpenSSL 1.1.1k  FIPS 25 Mar 2021\nOPENSSLDIR: "/etc/pki/tls"\n', "OpenSSL",
     (1, 1, 1), True, "/etc/pki/tls"),
    ("WARNING: can't open config file: /usr/local/ssl/openssl.cnf\r\n"
     'OpenSSL 1.0.2j  26 Sep 2016\r\nOPENSSLDIR: "/usr/local/ssl"\r\n', "OpenSSL",
     (1, 0, 2), False, "/usr/local/ssl"),
    ('OpenSSL 3.3.1 4 Jun 2024 (Library: OpenSSL 3.3.1 4 Jun 2024)\r\n'
     'OPENSSLDIR: "C:\\Program Files\\Common Files\\SSL"\r\n', "OpenSSL", (3, 3, 1), False,
     "C:\\Program Files\\Common Files\\SSL"),
    ("LibreSSL 2.8.3\nOPENSSLDIR: \"/private/etc/ssl\"\n", "LibreSSL", (2, 8, 3), False,
     "/private/etc/ssl"),
    ("OpenSSL 3.0.13 30 Jan 2024\nOPENSSLDIR: N/A\n", "OpenSSL", (3, 0, 13), False, None),
    ("OpenSSL 3.4.0-alpha1 3 Sep 2024\n", "OpenSSL", (3, 4, 0), False, None),
])
def test_banners_parse(banner: str, flavour: str, version, fips: bool,
                       openssldir: Optional[str]) -> None:
    info = binary.parse_version(banner, "/x/openssl", "openssl")
    assert (info.flavour, info.version, info.fips, info.openssldir) == (
        flavour, version, fips, openssldir)
    assert "\r" not in info.banner


def test_feature_table() -> None:
    def info(text: str) -> binary.OpensslInfo:
        return binary.parse_version(text, "/x", "x")

    assert not info("OpenSSL 1.0.2u").supports_addext
    assert not info("OpenSSL 1.1.0l").supports_addext
    assert info("OpenSSL 1.1.1w").supports_addext
    assert not info("LibreSSL 2.8.3").supports_addext
    assert info("LibreSSL 3.3.6").supports_addext
    assert info("OpenSSL 1.1.1w").needs_distinguished_name
    assert not info("OpenSSL 3.0.2").needs_distinguished_name
    assert info("LibreSSL 3.3.6").needs_distinguished_name
    assert not info("OpenSSL 1.0.2u").supports_ed25519


def test_old_openssl_refuses_ed25519_clearly(fake_openssl, tmp_path: Path) -> None:
    make_variant(fake_openssl, "1.0.2")
    result, cert, key = create(tmp_path, "--key-type", "ed25519")
    assert result.exit_code == 2
    assert "cannot make Ed25519 keys" in result.stderr and "--key-type rsa" in result.stderr
    assert not cert.exists() and not key.exists()


def test_openssldir_na_and_no_config_anywhere_uses_builtin(fake_openssl, tmp_path: Path,
                                                           monkeypatch) -> None:
    make_variant(fake_openssl, "openssldir-na")
    monkeypatch.setattr(opensslcnf, "well_known_paths", lambda *a, **k: [])
    result, cert, key = create(tmp_path)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["config"]["path"] is None
    assert "builtin-config" in [n["code"] for n in data["notices"]]
    assert_working_pair(cert, key)


def test_old_openssl_with_builtin_config(fake_openssl, tmp_path: Path, monkeypatch) -> None:
    """1.0.2 on Windows with no openssl.cnf anywhere: the minimal config + SAN section."""
    make_variant(fake_openssl, "win-1.0.2")
    monkeypatch.setattr(opensslcnf, "well_known_paths", lambda *a, **k: [])
    result, cert, key = create(tmp_path)
    assert result.exit_code == 0, result.output
    codes = [n["code"] for n in json.loads(result.stdout)["notices"]]
    assert "builtin-config" in codes and "no-addext" in codes
    assert_working_pair(cert, key)


def test_config_without_distinguished_name_is_skipped_for_old_openssl(
        fake_openssl, tmp_path: Path, monkeypatch) -> None:
    """OPENSSL_CONF names a 3.x-style config (no distinguished_name): fine for 3.x, fatal
    for 1.1.1; vncssl passes it over for the old build and says why."""
    conf = tmp_path / "three.cnf"
    conf.write_text("[ req ]\nx509_extensions = v3\n[ v3 ]\nbasicConstraints = CA:true\n")
    monkeypatch.setenv("OPENSSL_CONF", str(conf))
    make_variant(fake_openssl, "1.1.1")
    result, cert, key = create(tmp_path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["config"]["path"] != str(conf)
    assert_working_pair(cert, key)


def test_explicit_config_without_distinguished_name_is_one_clear_error(
        fake_openssl, tmp_path: Path) -> None:
    conf = tmp_path / "three.cnf"
    conf.write_text("[ req ]\nx509_extensions = v3\n[ v3 ]\nbasicConstraints = CA:true\n")
    make_variant(fake_openssl, "1.1.1")
    result, cert, key = create(tmp_path, "--config", str(conf))
    assert result.exit_code == 2
    assert "distinguished_name" in result.stderr and "--config" in result.stderr
    assert not cert.exists()


def test_config_that_fails_to_load_is_one_clear_error(fake_openssl, tmp_path: Path) -> None:
    """The classic Windows failure: openssl cannot open the config it was given."""
    fake = make_variant(fake_openssl, "win-1.0.2")
    body = fake.read_text().replace(
        'if [ "$1" = req ]; then',
        'if [ "$1" = req ]; then\n  echo "Can\'t open C:/OpenSSL/openssl.cnf for reading, '
        'No such file or directory" >&2; exit 1\nfi\nif false; then')
    fake.write_text(body)
    result, cert, key = create(tmp_path)
    assert result.exit_code == 3
    err = result.stderr
    assert "could not load its configuration file" in err and "--config" in err
    assert "Can't open C:/OpenSSL/openssl.cnf" in err  # openssl's own words are kept
    assert not cert.exists() and not key.exists()
    assert [p.name for p in cert.parent.iterdir()] == []


def test_broken_config_named_by_openssl_conf_is_one_clear_error(tmp_path: Path,
                                                                monkeypatch) -> None:
    """Real openssl, a config with a [req] section but a syntax error."""
    conf = tmp_path / "broken.cnf"
    conf.write_text("[ req ]\ndistinguished_name = dn\nx509_extensions = $ENV::NOPE_NOT_SET\n"
                    "[ dn ]\n")
    monkeypatch.setenv("OPENSSL_CONF", str(conf))
    result, cert, key = create(tmp_path)
    assert result.exit_code == 3, result.output
    assert "configuration file" in result.stderr
    assert not cert.exists() and not key.exists()


def test_fips_build_refusing_an_algorithm_is_one_clear_error(fake_openssl,
                                                            tmp_path: Path) -> None:
    fake = make_variant(fake_openssl, "3.0-fips")
    fake.write_text(fake.read_text().replace(
        'if [ "$1" = req ]; then',
        'case "$*" in *ed25519*) echo "req: Error setting up keygen context" >&2; '
        'echo "40C7:error:0308010C:digital envelope routines:inner_evp_generic_fetch:'
        'unsupported:crypto/evp/evp_fetch.c:349:Global default library context, '
        'Algorithm (ED25519 : 0), Properties (<null>)" >&2; exit 1;; esac\n'
        'if [ "$1" = req ]; then'))
    result, cert, key = create(tmp_path, "--key-type", "ed25519")
    assert result.exit_code == 3
    assert "does not support the requested key type" in result.stderr
    assert "--key-type rsa" in result.stderr
    assert not cert.exists()


def test_rewritten_fake_is_not_served_from_cache(fake_openssl, tmp_path: Path) -> None:
    """Same path, same size, rewritten within one clock tick: the cache must notice."""
    script = make_variant(fake_openssl, "1.1.1")
    assert binary.find()[0].version == (1, 1, 1)
    text = script.read_text().replace("OpenSSL 1.1.1w", "OpenSSL 3.3.1w")
    assert len(text) == len(script.read_text())
    stat = script.stat()
    script.write_text(text)
    import os

    os.utime(script, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime too
    assert binary.find()[0].version == (3, 3, 1)


def test_a_candidate_that_is_not_openssl_is_passed_over(fake_openssl, tmp_path: Path) -> None:
    """Something else called `openssl` first on PATH: vncssl says why it skipped it and uses
    the next candidate (here the real one, in a well-known place)."""
    fake_openssl('echo "usage: not-openssl"\nexit 0\n')
    info, located = binary.find()
    assert located.source == "well-known location"
    assert info.flavour in ("OpenSSL", "LibreSSL")
    assert any("does not look like OpenSSL" in why for _, why in located.rejected)


def test_an_explicit_binary_that_is_not_openssl_is_refused(fake_openssl) -> None:
    script = fake_openssl('echo "usage: not-openssl"\nexit 0\n')
    with pytest.raises(UsageError, match="does not look like OpenSSL"):
        binary.find(str(script))


def test_nothing_found_asks_on_a_terminal_and_checks_the_answer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openssl_bin: str) -> None:
    """No openssl on PATH or in the usual places: the `ask` hook (the terminal prompt) is
    shown why each place was passed over, and its answer must be a working openssl."""
    from vncssl.openssl import locate

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(locate, "well_known_locations", lambda *a, **k: [])
    seen = []
    info, located = binary.find(ask=lambda rejected: seen.append(rejected) or openssl_bin)
    assert located.source == "prompt" and info.flavour in ("OpenSSL", "LibreSSL")
    assert seen == [[("openssl on PATH", "not found")]]
    with pytest.raises(UsageError, match="not found"):
        binary.find(ask=lambda rejected: str(tmp_path / "typo" / "openssl"))


# --- old builds, modelled (tests/fake_builds.py), every command --------------------------

OLD_BUILDS = list(fake_builds.PROFILES)


@pytest.fixture
def old_build(request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> str:
    import os

    name = request.param
    bindir = tmp_path / f"fake-{name}" / "bin"
    fake_builds.install(bindir, name, REAL_OPENSSL)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    return name


def key_text(path: Path) -> str:
    return real("pkey", "-in", str(path), "-noout", "-text")


def assert_usable_key(cert: Path, key: Path) -> None:
    """What TigerVNC's server (GnuTLS) can load: a named curve; RSA of at least 2048 bits."""
    text, ktext = real("x509", "-in", str(cert), "-noout", "-text"), key_text(key)
    if "id-ecPublicKey" in text:
        assert "ASN1 OID: prime256v1" in text and "ASN1 OID: prime256v1" in ktext, ktext
        assert "Field Type" not in ktext
    else:
        bits = re.search(r"Public-Key: \((\d+) bit\)", text)
        assert bits and int(bits.group(1)) >= 2048, text


def ok(*argv: str) -> None:
    r = runner.invoke(app, list(argv))
    assert r.exit_code == 0, f"{argv}: {r.output}"


@pytest.mark.parametrize("old_build", OLD_BUILDS, indirect=True)
def test_every_command_makes_usable_keys_on_old_builds(old_build: str, tmp_path: Path) -> None:
    d = tmp_path
    for kt in ("rsa", "ec"):
        ok("create", "--ip", "127.0.0.1", "--key-type", kt, "--yes", "--cert",
           str(d / f"{kt}.pem"), "--key", str(d / f"{kt}-key.pem"))
        assert_usable_key(d / f"{kt}.pem", d / f"{kt}-key.pem")
        ok("check", str(d / f"{kt}.pem"), "--host", "127.0.0.1", "--key", str(d / f"{kt}-key.pem"))
        r = runner.invoke(app, ["check", str(d / f"{kt}.pem"), "--host", "127.0.0.2"])
        assert r.exit_code == 1, r.output  # a verdict, not "openssl failed" (exit 3)
    for kt in ("rsa", "ec"):
        ca = d / f"ca-{kt}"
        ok("ca", "init", "--dir", str(ca), "--name", f"Old {kt}", "--key-type", kt)
        assert_usable_key(ca / "ca.pem", ca / "ca-key.pem")
        ok("ca", "issue", "--ca-dir", str(ca), "--ip", "127.0.0.1", "--key-type", kt,
           "--cert", str(d / f"leaf-{kt}.pem"), "--key", str(d / f"leaf-{kt}-key.pem"))
        assert_usable_key(d / f"leaf-{kt}.pem", d / f"leaf-{kt}-key.pem")
        ok("check", str(d / f"leaf-{kt}.pem"), "--host", "127.0.0.1", "--ca", str(ca / "ca.pem"))
    hosts = d / "hosts.txt"
    hosts.write_text("one 127.0.0.51\ntwo 127.0.0.52\n")
    (d / "fleet").mkdir()
    ok("ca", "issue", "--ca-dir", str(d / "ca-ec"), "--from", str(hosts), "--out-dir",
       str(d / "fleet"), "--key-type", "ec")
    for name in ("one", "two"):
        assert_usable_key(d / "fleet" / f"{name}.pem", d / "fleet" / f"{name}-private.pem")
    for kt in ("rsa", "ec"):
        ok("csr", "--dns", "vnc.example.com", "--key-type", kt, "--out", str(d / f"{kt}.csr"),
           "--key", str(d / f"csr-{kt}.pem"))
        ktext = key_text(d / f"csr-{kt}.pem")
        assert ("ASN1 OID: prime256v1" in ktext) if kt == "ec" else ("2048 bit" in ktext)
    ok("renew", "--cert", str(d / "ec.pem"), "--key", str(d / "ec-key.pem"), "--yes")
    assert_usable_key(d / "ec.pem", d / "ec-key.pem")
    ok("renew", "--cert", str(d / "rsa.pem"), "--key", str(d / "rsa-key.pem"), "--yes",
       "--reuse-key")
    assert_usable_key(d / "rsa.pem", d / "rsa-key.pem")
    ok("inspect", str(d / "rsa.pem"), "--key", str(d / "rsa-key.pem"))


@pytest.mark.parametrize("old_build", OLD_BUILDS, indirect=True)
@pytest.mark.parametrize("kt", ["rsa", "ec"])
def test_the_shown_command_runs_as_shown(old_build: str, kt: str, tmp_path: Path) -> None:
    """create --dry-run's command, with the config text it shows saved under the name it
    names (and a first step it names), run by hand, makes the certificate it promises."""
    r = runner.invoke(app, ["create", "--ip", "192.168.1.5", "--key-type", kt, "--dry-run",
                            "--json"])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.stdout)
    work = tmp_path / "by-hand"
    work.mkdir()
    if "text" in plan["config"]:
        (work / plan["config"]["shown_as"]).write_text(plan["config"]["text"])
    firsts = [n["message"].split("Run this first: ", 1)[1] for n in plan["notices"]
              if "Run this first: " in n["message"]]
    for step in firsts:
        subprocess.run(shlex.split(step), cwd=work, check=True, capture_output=True)
    done = subprocess.run(plan["argv"], cwd=work, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    cert, key = work / "vnc-server.pem", work / "vnc-server-private.pem"
    assert "IP Address:192.168.1.5" in real("x509", "-in", str(cert), "-noout", "-text")
    assert_usable_key(cert, key)
    if old_build == "1.0.2u" and kt == "rsa":
        assert "-newkey rsa " in plan["command"]  # the guide's own, where it is right


@pytest.mark.parametrize("old_build", OLD_BUILDS, indirect=True)
def test_the_fake_has_the_real_builds_problems(old_build: str, tmp_path: Path) -> None:
    """What vncssl works around must happen with the fake, or the tests above prove nothing."""
    cfg = tmp_path / "dn.cnf"
    cfg.write_text("[req]\ndistinguished_name = dn\n[dn]\n")
    base = ["openssl", "req", "-x509", "-nodes", "-subj", "/CN=x", "-config", str(cfg)]
    ec = subprocess.run(base + ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                "-keyout", str(tmp_path / "k"), "-out", str(tmp_path / "c")],
                        capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if old_build == "libressl-2.8.3":
        assert ec.returncode != 0 and "parameter error" in ec.stderr
    else:
        assert ec.returncode == 0 and "Field Type: prime-field" in key_text(tmp_path / "k")
    rsa = subprocess.run(base + ["-newkey", "rsa", "-keyout", str(tmp_path / "r"),
                                 "-out", str(tmp_path / "rc")], capture_output=True,
                         stdin=subprocess.DEVNULL)
    assert rsa.returncode == 0
    bits = "512 bit" if old_build == "1.0.2f" else "2048 bit"
    assert bits in key_text(tmp_path / "r")
    again = subprocess.run(base + ["-key", str(tmp_path / "r"), "-out", str(tmp_path / "x")],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert again.returncode != 0 and "unable to load X509 request" in again.stderr
    v = subprocess.run(["openssl", "verify", "-no_check_time", "-CAfile", str(tmp_path / "rc"),
                        str(tmp_path / "rc")], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    assert v.returncode != 0 and "unknown option" in v.stderr
    info = binary.find()[0]
    assert info.compiled_rsa_bits == (512 if old_build == "1.0.2f" else 2048)
    assert info.ec_needs_named_curve_option and info.x509_key_needs_new
    assert info.ec_paramgen_with_newkey == (old_build != "libressl-2.8.3")
    assert "-no_check_time" not in info.verify_flags
    assert ("-partial_chain" in info.verify_flags) == old_build.startswith("1.0.2")
    assert info.random_serial_bits == 64


@pytest.mark.parametrize("old_build", ["1.0.2u"], indirect=True)
def test_renewing_an_explicit_parameter_ec_certificate(old_build: str, tmp_path: Path) -> None:
    """What an older vncssl (or the guide's command with -newkey ec) made on 1.0.2: renew
    recognises the curve (P-256) and makes a named-curve key; --reuse-key is refused with
    exactly what to do instead."""
    cfg = tmp_path / "dn.cnf"
    cfg.write_text("[req]\ndistinguished_name = dn\n")
    cert, key = tmp_path / "old.pem", tmp_path / "old-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-subj", "/CN=127.0.0.1", "-config",
                    str(cfg), "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-keyout", str(key), "-out", str(cert), "-extensions", "san"],
                   input=None, check=False, capture_output=True, stdin=subprocess.DEVNULL)
    if not cert.exists():  # -extensions needs the section: make it with one
        cfg.write_text("[req]\ndistinguished_name = dn\n[dn]\n[san]\n"
                       "subjectAltName = IP:127.0.0.1\n")
        subprocess.run(["openssl", "req", "-x509", "-nodes", "-subj", "/CN=127.0.0.1",
                        "-config", str(cfg), "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-keyout", str(key), "-out", str(cert),
                        "-extensions", "san"], check=True, capture_output=True,
                       stdin=subprocess.DEVNULL)
    assert "Field Type: prime-field" in key_text(key)
    r = runner.invoke(app, ["renew", "--cert", str(cert), "--key", str(key), "--yes",
                            "--reuse-key"])
    assert r.exit_code == 2 and "explicit curve parameters" in r.output, r.output
    assert "Renew without --reuse-key" in r.output and "P-256" in r.output
    r = runner.invoke(app, ["renew", "--cert", str(cert), "--key", str(key), "--yes", "--json"])
    assert r.exit_code == 0, r.output
    assert_usable_key(cert, key)
    assert any(n["code"] == "ec-explicit" for n in json.loads(r.stdout)["notices"])


@pytest.mark.parametrize("old_build", ["libressl-3.3.6"], indirect=True)
def test_libressl_shipped_config_makes_a_san_only_certificate(old_build: str,
                                                              tmp_path: Path) -> None:
    r = runner.invoke(app, ["create", "--ip", "127.0.0.1", "--yes", "--json", "--cert",
                            str(tmp_path / "c.pem"), "--key", str(tmp_path / "k.pem")])
    assert r.exit_code == 0, r.output
    assert any(n["code"] == "no-x509-extensions" for n in json.loads(r.stdout)["notices"])
    text = real("x509", "-in", str(tmp_path / "c.pem"), "-noout", "-text")
    assert "IP Address:127.0.0.1" in text and "CA:TRUE" not in text
    ok("check", str(tmp_path / "c.pem"), "--host", "127.0.0.1")
