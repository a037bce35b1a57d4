"""The command builder: the guide's exact command, and every variant vncssl makes."""

from __future__ import annotations

import pytest

from vncssl.errors import UsageError
from vncssl.teach import recipe
from vncssl.x509 import names

GUIDE = (
    "openssl req -x509 -newkey rsa -days 365 -nodes -config /usr/lib/ssl/openssl.cnf "
    "-keyout vnc-server-private.pem -out vnc-server.pem -subj '/CN=192.168.1.5' "
    '-addext "subjectAltName=IP:192.168.1.5"'
)


def request(**kw) -> recipe.CertRequest:
    kw.setdefault("names", tuple(names.collect(["192.168.1.5"], [])))
    kw.setdefault("config", "/usr/lib/ssl/openssl.cnf")
    return recipe.CertRequest(**kw)


def test_guide_command_exactly() -> None:
    assert recipe.render_posix(recipe.build_argv(request())) == GUIDE


def test_guide_argv_is_flag_for_flag() -> None:
    assert recipe.build_argv(request()) == [
        "openssl", "req", "-x509", "-newkey", "rsa", "-days", "365", "-nodes",
        "-config", "/usr/lib/ssl/openssl.cnf", "-keyout", "vnc-server-private.pem",
        "-out", "vnc-server.pem", "-subj", "/CN=192.168.1.5",
        "-addext", "subjectAltName=IP:192.168.1.5"]


def test_san_lists_ips_then_dns_and_cn_is_first_ip() -> None:
    req = request(names=tuple(names.collect(["10.0.0.7", "fd00::7"], ["vnc.lan"])))
    argv = recipe.build_argv(req)
    assert argv[argv.index("-subj") + 1] == "/CN=10.0.0.7"
    assert argv[-1] == "subjectAltName=IP:10.0.0.7,IP:fd00::7,DNS:vnc.lan"


def test_without_addext_uses_config_section() -> None:
    argv = recipe.build_argv(request(use_addext=False))
    assert "-addext" not in argv
    assert argv[-2:] == ["-extensions", recipe.SAN_SECTION]


@pytest.mark.parametrize("text,args", [
    ("rsa", ["-newkey", "rsa"]),
    ("rsa:4096", ["-newkey", "rsa:4096"]),
    ("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]),
    ("ec:P-384", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1"]),
    ("ed25519", ["-newkey", "ed25519"]),
])
def test_key_types(text: str, args: list) -> None:
    assert recipe.parse_key_type(text).newkey_args() == args


@pytest.mark.parametrize("bad", ["rsa:1024", "rsa:99999", "dsa", "ec:P-999", ""])
def test_bad_key_types(bad: str) -> None:
    with pytest.raises(UsageError):
        recipe.parse_key_type(bad)


@pytest.mark.parametrize("days", [0, -1, 36501])
def test_bad_days(days: int) -> None:
    with pytest.raises(UsageError):
        recipe.check_days(days)


def test_paths_with_spaces_are_quoted_for_sh() -> None:
    cmd = recipe.render_posix(recipe.build_argv(request(cert="my certs/vnc.pem")))
    assert "-out 'my certs/vnc.pem'" in cmd
