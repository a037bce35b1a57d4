"""Issue 12, cases 7-10 and 12: hostile files and input are bounded, numbers and paths the
OS rejects are one clear line, and no value can add a line to a config file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.clirunner import CliRunner
from tests.hostile import (
    cli_as_other_user,
    need_root,
    vncssl,
)
from vncssl.cli import app
from vncssl.x509 import certinfo

runner = CliRunner()
IP = "192.168.1.5"
MiB = 1024 * 1024


@pytest.fixture
def cert(tmp_path: Path) -> Path:
    r = runner.invoke(app, ["create", "--ip", IP, "--yes", "--key-type", "ec", "--cert",
                            str(tmp_path / "vnc-server.pem"), "--key",
                            str(tmp_path / "vnc-server-private.pem")])
    assert r.exit_code == 0, r.output
    return tmp_path / "vnc-server.pem"


def one_line_error(r) -> str:
    err = r.stderr if hasattr(r, "stderr") else r["stderr"]
    assert "Traceback" not in err
    first = [ln for ln in err.splitlines() if ln.startswith("Error:")]
    assert len(first) == 1, err
    return first[0]


# --- 7. unbounded and blocking reads --------------------------------------------------------

def _fifo(tmp_path: Path) -> Path:
    p = tmp_path / "fifo.pem"
    os.mkfifo(p)
    return p


@pytest.mark.parametrize("argv", [
    ["inspect", "{x}"], ["expiry", "{x}"], ["check", "{x}", "--host", IP],
    ["ca", "bundle", "{x}", "--out", "{d}/b.pem"],
    ["ca", "issue", "--from", "{x}", "--out-dir", "{d}"],
    ["create", "--ip", IP, "--yes", "--config", "{x}", "--cert", "{d}/c.pem", "--key",
     "{d}/k.pem"],
])
@pytest.mark.parametrize("what", ["fifo", "/dev/zero", "17MiB"])
def test_hostile_inputs_are_refused_not_read(tmp_path: Path, argv, what: str) -> None:
    if what == "fifo":
        x = _fifo(tmp_path)
    elif what == "17MiB":
        x = tmp_path / "big.pem"
        with open(x, "wb") as fh:
            fh.truncate(17 * MiB)
    else:
        x = Path("/dev/zero")
    args = [a.format(x=x, d=tmp_path) for a in argv]
    r = vncssl(*args, cwd=tmp_path, timeout=60)  # a hang fails here, not after minutes
    assert r.returncode == 2, r.stderr
    line = one_line_error(r)
    assert {"fifo": "FIFO", "/dev/zero": "device", "17MiB": "larger than 16 MiB"}[what] in line
    assert not (tmp_path / "c.pem").exists() and not (tmp_path / "b.pem").exists()


@pytest.mark.parametrize("what", ["fifo", "/dev/zero"])
def test_openssl_conf_that_is_not_a_file_is_refused(tmp_path: Path, cert: Path,
                                                    what: str) -> None:
    conf = str(_fifo(tmp_path)) if what == "fifo" else "/dev/zero"
    r = vncssl("inspect", str(cert), cwd=tmp_path, env={"OPENSSL_CONF": conf}, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "OPENSSL_CONF" in one_line_error(r)


def test_viewer_install_over_a_fifo_does_not_hang(tmp_path: Path, cert: Path) -> None:
    config = tmp_path / "xdg"
    (config / "tigervnc").mkdir(parents=True)
    os.mkfifo(config / "tigervnc" / "x509_ca.pem")
    r = vncssl("tigervnc", "viewer", "--install", "--cert", str(cert), "--tigervnc-version",
               "1.14", cwd=tmp_path, env={"XDG_CONFIG_HOME": str(config)}, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "FIFO" in one_line_error(r)


def test_openssl_printing_without_end_is_stopped(tmp_path: Path, cert: Path,
                                                 fake_openssl) -> None:
    fake_openssl("""
    case "$1" in
      x509) exec yes "output without end" ;;
      *) exec "$REAL" "$@" ;;
    esac
    """)
    r = runner.invoke(app, ["inspect", str(cert)])
    assert r.exit_code == 3, r.output
    assert "printed more than 16 MiB" in r.stderr


def test_input_cap_is_exact(tmp_path: Path) -> None:
    from vncssl.errors import UsageError
    from vncssl.fs import safeopen

    p = tmp_path / "f"
    p.write_bytes(b"x" * 1000)
    assert safeopen.open_regular(p, max_bytes=1000) == b"x" * 1000
    with pytest.raises(UsageError, match="larger than"):
        safeopen.open_regular(p, max_bytes=999)


# --- 8. linear PEM splitting, a cap, one openssl call where one is needed ------------------

class _Counting(str):
    """A text that counts the characters split_pem's searches look at."""

    scanned = 0

    def find(self, sub, start=0, end=None):  # type: ignore[override]
        found = str.find(self, sub, start, end)
        _Counting.scanned += ((found + len(sub)) if found >= 0 else len(self)) - start
        return found

    def rfind(self, sub, start=0, end=None):  # type: ignore[override]
        _Counting.scanned += (len(self) if end is None else end) - start
        return str.rfind(self, sub, start, end)


@pytest.mark.parametrize("text", [
    "-----BEGIN CERTIFICATE-----\n" * 40_000,  # 1.1 MB of BEGIN lines, no END
    ("-----BEGIN CERTIFICATE-----\n" * 1000 + "x\n-----END CERTIFICATE-----\n") * 40,
    "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n" * 999,
])
def test_pem_splitting_is_linear(text: str) -> None:
    """Counted, not timed: every search together looks at a bounded multiple of the text."""
    _Counting.scanned = 0
    certinfo.split_pem(_Counting(text))
    assert _Counting.scanned <= 3 * len(text)


def test_a_megabyte_of_begin_lines_is_split_at_once(tmp_path: Path) -> None:
    """The real thing, end to end (the old regex ran for minutes; the bound is a hang guard)."""
    f = tmp_path / "begins.pem"
    f.write_text("-----BEGIN CERTIFICATE-----\n" * 40_000)
    r = vncssl("inspect", str(f), cwd=tmp_path, timeout=60)
    assert r.returncode == 2, r.stderr
    one_line_error(r)


def test_too_many_certificates_are_refused(tmp_path: Path, cert: Path) -> None:
    pem = cert.read_text()
    big = tmp_path / "many.pem"
    big.write_text(pem * (certinfo.MAX_CERTS + 1))
    r = runner.invoke(app, ["inspect", str(big)])
    assert r.exit_code == 2 and f"more than {certinfo.MAX_CERTS} certificates" in r.stderr


def test_expiry_of_a_long_file_starts_one_openssl(tmp_path: Path, cert: Path,
                                                  fake_openssl) -> None:
    log = tmp_path / "calls"
    fake_openssl(f"""
    echo "$1" >> {log}
    exec "$REAL" "$@"
    """)
    many = tmp_path / "many.pem"
    many.write_text(cert.read_text() * 200)
    r = runner.invoke(app, ["expiry", str(many)])
    assert r.exit_code == 0, r.output
    assert log.read_text().split().count("x509") == 1


# --- 9. numbers out of range -----------------------------------------------------------------

@pytest.mark.parametrize("argv,env", [
    (["expiry", "{c}", "--timeout", "1e300"], {}),
    (["expiry", "{c}"], {"VNCSSL_TIMEOUT": "1e300"}),
    (["expiry", "{c}", "--within", "3000000"], {}),
    (["create", "--ip", IP, "--yes", "--timeout", "1e300"], {}),
    (["probe", "127.0.0.1::9", "--timeout", "1e300"], {}),
])
def test_numbers_out_of_range_are_usage_errors(tmp_path: Path, cert: Path, argv, env) -> None:
    r = vncssl(*[a.format(c=cert) for a in argv], cwd=tmp_path, env=env, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "OverflowError" not in r.stderr
    one_line_error(r)


# --- 10. paths the OS rejects -----------------------------------------------------------------

def test_a_name_too_long_is_one_line(tmp_path: Path) -> None:
    long_name = str(tmp_path / ("x" * 300 + ".pem"))
    for args in (["create", "--ip", IP, "--yes", "--cert", long_name],
                 ["inspect", long_name], ["ca", "init", "--dir", long_name]):
        r = runner.invoke(app, args)
        assert r.exit_code == 2, (args, r.output)
        assert "too long" in one_line_error(r)


def _warm(cert: Path, tmp_path: Path) -> None:
    """Import, as root, everything the commands below need (the child cannot read the
    interpreter's own folder once it is another user)."""
    d = tmp_path / "warm"
    d.mkdir()
    for args in (["create", "--ip", IP, "--yes", "--cert", str(d / "c.pem"), "--key",
                  str(d / "k.pem")], ["ca", "init", "--dir", str(d / "ca"), "--key-type", "ec"],
                 ["tigervnc", "viewer", "--cert", str(cert), "--install"], ["inspect", "--json",
                                                                           str(cert)]):
        runner.invoke(app, args, env={"XDG_CONFIG_HOME": str(d / "cfg")})
    import pwd  # noqa: F401 - the home folder look-up


def test_unreadable_parent_folder_is_one_line(shared_tmp: Path, cert: Path,
                                              tmp_path: Path) -> None:
    need_root()
    _warm(cert, tmp_path)
    closed = shared_tmp / "closed"
    closed.mkdir(mode=0o700)
    (shared_tmp / "work").mkdir(mode=0o777)
    (shared_tmp / "work").chmod(0o777)
    env = {"VNCSSL_CACHE_DIR": None, "HOME": str(shared_tmp / "work")}
    for args in (["create", "--ip", IP, "--yes", "--cert", str(closed / "c.pem"), "--key",
                  str(closed / "k.pem")],
                 ["ca", "init", "--dir", str(closed / "ca"), "--key-type", "ec"],
                 ["ca", "issue", "--ca-dir", str(closed / "ca"), "--ip", IP],
                 ["renew", "--cert", str(closed / "c.pem"), "--key", str(closed / "k.pem"),
                  "--yes"]):
        r = cli_as_other_user(args, cwd=shared_tmp / "work", env=env)
        assert r["exception"] is None, r
        assert r["exit_code"] in (2, 3), r
        one_line_error(r)


def test_home_of_another_user_and_no_home_at_all(shared_tmp: Path, cert: Path,
                                                 tmp_path: Path) -> None:
    """`sudo -u` keeps HOME=/root; a uid with no passwd entry and no HOME has no home."""
    need_root()
    _warm(cert, tmp_path)
    work = shared_tmp / "work"
    work.mkdir(mode=0o777)
    work.chmod(0o777)
    public = work / "vnc-server.pem"
    public.write_bytes(cert.read_bytes())
    public.chmod(0o644)
    for home in ("/root", None):
        env = {"HOME": home, "VNCSSL_CACHE_DIR": None, "VNCSSL_CA_DIR": None,
               "XDG_CONFIG_HOME": None, "XDG_DATA_HOME": None, "XDG_CACHE_HOME": None}
        for args in (["ca", "init", "--key-type", "ec"],
                     ["tigervnc", "viewer", "--install", "--cert", str(public)],
                     ["inspect", str(public)]):
            r = cli_as_other_user(args, cwd=work, env=env)
            assert r["exception"] is None, (args, home, r)
            if args[0] == "inspect":
                assert r["exit_code"] == 0, r  # no cache: still works
            else:
                assert r["exit_code"] in (2, 3), (args, home, r)
                one_line_error(r)
    assert sorted(os.listdir(work)) == ["vnc-server.pem"]  # no literal `~` folder


# --- 12. no control characters in any value that goes into a file -----------------------------

@pytest.mark.parametrize("fmt", ["config", "config-pl", "windows", "xvnc"])
def test_newline_in_a_path_never_adds_a_config_line(tmp_path: Path, fmt: str) -> None:
    cfg = tmp_path / "cfg"
    bad = "x\nsecuritytypes=None"
    args = ["tigervnc", "server", "--cert", bad, "--key", "k.pem", "--format", fmt]
    if fmt in ("config", "config-pl"):
        args.append("--write")
    r = vncssl(*args, "--tigervnc-version", "1.14", cwd=tmp_path,
               env={"XDG_CONFIG_HOME": str(cfg)})
    assert r.returncode == 2, r.stdout + r.stderr
    assert "control character" in one_line_error(r)
    assert not cfg.exists() or not any(p.is_file() for p in cfg.rglob("*"))
    assert "securitytypes=None" not in r.stdout


def test_control_characters_in_a_certificate_name_never_reach_the_viewer_config(
        tmp_path: Path, cert: Path) -> None:
    r = runner.invoke(app, ["tigervnc", "viewer", "--cert", str(cert), "--format", "config",
                            "--host", "h\nX509CA=/tmp/evil.pem"])
    assert r.exit_code == 2, r.output
    assert "\nX509CA=/tmp/evil.pem" not in r.stdout
    from vncssl.errors import UsageError
    from vncssl.tigervnc import settings

    with pytest.raises(UsageError, match="control character"):  # the rule itself, for any value
        settings.check_value("h\nX509CA=/tmp/evil.pem", "server name")


# --- 11. a weak result from a hostile or careless openssl.cnf ---------------------------------

@pytest.mark.parametrize("setting", ["default_bits", "default_md", "sha1", "keyUsage"])
@pytest.mark.parametrize("how", ["--config", "OPENSSL_CONF"])
def test_weak_config_result_is_refused_naming_the_setting(tmp_path: Path, setting: str,
                                                          how: str) -> None:
    req = {"default_bits": "default_bits = 1024\n", "default_md": "default_md = md5\n",
           "sha1": "default_md = sha1\n", "keyUsage": ""}[setting]
    ku = "keyUsage = keyCertSign\n" if setting == "keyUsage" else ""
    cfg = tmp_path / "hostile.cnf"
    cfg.write_text("[ req ]\n" + req + "distinguished_name = dn\nx509_extensions = v3\n"
                   "[ dn ]\n[ v3 ]\nbasicConstraints = critical,CA:true\n"
                   "subjectKeyIdentifier = hash\n" + ku)
    args = ["create", "--ip", IP, "--yes", "--cert", str(tmp_path / "c.pem"), "--key",
            str(tmp_path / "k.pem")]
    env = {}
    if how == "--config":
        args += ["--config", str(cfg)]
    else:
        env["OPENSSL_CONF"] = str(cfg)
    r = vncssl(*args, cwd=tmp_path, env=env)
    assert r.returncode == 3, r.stdout + r.stderr
    want = "default_md" if setting == "sha1" else setting
    assert f"`{want}`" in r.stderr and str(cfg) in r.stderr, r.stderr
    assert not (tmp_path / "c.pem").exists() and not (tmp_path / "k.pem").exists()


def test_floor_reads_what_openssl_made(tmp_path: Path, openssl_bin: str) -> None:
    """The floor on certificates the real openssl made, strong and weak."""
    import subprocess

    from vncssl.openssl import binary
    from vncssl.x509 import strength

    ossl, _ = binary.find(openssl_bin)
    out = {}
    for name, newkey, md in (("weak", "rsa:1024", "-sha1"), ("strong", "rsa:2048", "-sha256"),
                             ("ec", "ec", "-sha256")):
        extra = ["-pkeyopt", "ec_paramgen_curve:prime256v1"] if newkey == "ec" else []
        subprocess.run([openssl_bin, "req", "-x509", "-newkey", newkey, *extra, md, "-nodes",
                        "-subj", "/CN=x", "-keyout", str(tmp_path / f"{name}.key"), "-out",
                        str(tmp_path / f"{name}.pem"), "-days", "2"], check=True,
                       capture_output=True)
        out[name] = {s for _, s in strength.floor_problems(
            certinfo.read_cert(ossl, tmp_path / f"{name}.pem"))}
    assert out == {"weak": {"default_bits", "default_md"}, "strong": set(), "ec": set()}


def test_ca_issuance_refuses_a_weak_leaf(tmp_path: Path) -> None:
    from vncssl.ca import authority, issuance
    from vncssl.errors import OpensslFailed
    from vncssl.teach.recipe import KeySpec
    from vncssl.x509 import names

    d = tmp_path / "ca"
    assert runner.invoke(app, ["ca", "init", "--dir", str(d), "--key-type", "ec"]).exit_code == 0
    iss = authority.load(str(d))
    iss.spec = KeySpec("rsa", 1024)  # as a careless CA setting would ask
    with pytest.raises(OpensslFailed, match="too weak"):
        issuance.issue(iss, names.collect([IP], []), str(tmp_path / "s.pem"),
                       str(tmp_path / "s-key.pem"))
    assert not (tmp_path / "s.pem").exists() and not (tmp_path / "s-key.pem").exists()


def test_encrypted_ca_key_is_reported_as_encrypted(tmp_path: Path, openssl_bin: str) -> None:
    import subprocess

    d = tmp_path / "ca"
    assert runner.invoke(app, ["ca", "init", "--dir", str(d), "--key-type", "ec"]).exit_code == 0
    key = d / "ca-key.pem"
    subprocess.run([openssl_bin, "pkey", "-in", str(key), "-out", str(tmp_path / "enc.pem"),
                    "-aes256", "-passout", "pass:secret"], check=True, capture_output=True)
    os.replace(tmp_path / "enc.pem", key)
    key.chmod(0o600)
    r = runner.invoke(app, ["ca", "issue", "--ca-dir", str(d), "--ip", IP, "--cert",
                            str(tmp_path / "s.pem"), "--key", str(tmp_path / "k.pem")])
    assert r.exit_code == 2, r.output
    assert "is encrypted" in r.stderr and "does not belong" not in r.stderr


# --- the injection properties, for every value that goes into a TigerVNC file ---------------

_CONTROL = st.sampled_from([chr(c) for c in (*range(0x20), *range(0x7f, 0xa0))] + ["\u2028"])


@given(before=st.text(max_size=10), bad=_CONTROL, after=st.text(max_size=10))
def test_any_control_character_in_a_config_value_is_refused(before: str, bad: str,
                                                            after: str) -> None:
    from vncssl.errors import UsageError
    from vncssl.tigervnc import server

    for fmt in ("config", "config-pl", "windows", "xvnc"):
        with pytest.raises(UsageError, match="control character"):
            server.server_settings("/x/" + before + bad + after, "/x/k.pem", fmt=fmt,
                                   version="1.14", env={"HOME": "/nonexistent"})


@given(value=st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
                     min_size=1, max_size=30))
def test_an_accepted_value_is_one_config_line(value: str) -> None:
    from vncssl.errors import UsageError
    from vncssl.tigervnc import server

    try:
        s = server.server_settings("/x/" + value, "/x/k.pem", fmt="config", version="1.14",
                                   env={"HOME": "/nonexistent"})
    except UsageError:
        return  # refused is safe too
    assert len(s.text.splitlines()) == 3  # securitytypes, x509cert, x509key: nothing added
