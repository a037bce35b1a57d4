"""--explain: one line per part of the command, including the variants vncssl may produce."""

from __future__ import annotations

from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.openssl import binary
from vncssl.teach import recipe
from vncssl.teach.explain import explain_argv
from vncssl.x509 import names


def argv(**kw):
    return recipe.build_argv(recipe.CertRequest(names=(names.Name("IP", "192.168.1.5"),), **kw))


def parts(**kw):
    return dict(explain_argv(argv(**kw)))


def test_every_part_of_the_guides_command():
    got = explain_argv(argv())
    assert [p for p, _ in got] == [
        "openssl", "req -x509", "-newkey rsa", "-days 365", "-nodes", "-config openssl.cnf",
        "-keyout vnc-server-private.pem", "-out vnc-server.pem", "-subj '/CN=192.168.1.5'",
        '-addext "subjectAltName=IP:192.168.1.5"']
    d = dict(got)
    assert "self-signed" in d["req -x509"] and "request" in d["req -x509"]
    assert "2048" in d["-newkey rsa"]
    assert "365 days" in d["-days 365"]
    assert "unattended" in d["-nodes"]
    assert "never matches an IP address against the CN" in d[
        '-addext "subjectAltName=IP:192.168.1.5"']


def test_variants_rsa_bits_ec_old_openssl_utf8():
    assert "4096 bits" in parts(key_type=recipe.KeySpec("rsa", 4096))["-newkey rsa:4096"]
    ec = parts(key_type=recipe.parse_key_type("ec:P-384"))
    assert "elliptic" in ec["-newkey ec"]
    assert "secp384r1" in ec["-pkeyopt ec_paramgen_curve:secp384r1"]
    old = parts(use_addext=False)
    assert "without -addext" in old[f"-extensions {recipe.SAN_SECTION}"]
    utf = parts(subject=names.subject([("CN", "Büro")]))
    assert "UTF-8" in utf["-utf8"]


def test_info_names_the_version():
    info = binary.OpensslInfo("/usr/bin/openssl", "openssl", "OpenSSL", (3, 0, 13), "", "",
                               None, False)
    assert "OpenSSL 3.0.13" in dict(explain_argv(argv(), info))["openssl"]


def test_cli_dry_run_explain_prints_each_part():
    r = CliRunner().invoke(app, ["create", "--ip", "192.168.1.5", "--dry-run", "--explain"])
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.splitlines()[0].startswith("openssl req -x509 -newkey rsa -days 365 -nodes")
    for part in ("req -x509", "-newkey rsa", "-nodes", "-subj '/CN=192.168.1.5'",
                 "the [req] section"):
        assert part in out
