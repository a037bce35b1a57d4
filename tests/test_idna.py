"""IDNA2008 as GnuTLS 3.7+ maps the typed host (issue 14, item 6); `create` and `check` use
the same mapping, and no hint suggests a `create` that `create` refuses."""

from __future__ import annotations

import pytest

from vncssl.errors import InvalidNameError
from vncssl.x509 import hostname, idna, names


@pytest.mark.parametrize("typed, ascii_form", [
    ("straße.test", "xn--strae-oqa.test"),  # IDNA2003 (Python's codec) says strasse.test
    ("STRASSE.test", "strasse.test"),
    ("Straße.Test", "xn--strae-oqa.test"),
    ("ẞ.lan", "xn--zca.lan"),  # capital sharp s -> ß, not "ss"
    ("bücher.lan", "xn--bcher-kva.lan"), ("ＶＮＣ．lan", "vnc.lan"),
    ("münchen。lan", "xn--mnchen-3ya.lan"), ("faß.de", "xn--fa-hia.de"),
])
def test_maps_as_idna2008(typed: str, ascii_form: str) -> None:
    assert idna.to_ascii(typed) == ascii_form


def test_final_sigma_is_kept() -> None:
    label = idna.to_ascii("λόγος.lan").split(".")[0]
    assert label.startswith("xn--")
    assert label[4:].encode().decode("punycode") == "λόγος"  # IDNA2003 makes it λόγοσ
    assert "λόγος".encode("idna") != label.encode()


@pytest.mark.parametrize("bad", ["a\u200db.lan", "-bü.lan", "\u0301a.lan", "bü☃.lan"])
def test_refuses_what_it_cannot_vouch_for(bad: str) -> None:
    with pytest.raises(idna.IdnaError):
        idna.to_ascii(bad)
    assert idna.to_ascii_or_none(bad) is None


def test_create_stores_the_idna2008_form() -> None:
    assert names.parse_dns("straße.lan") == "xn--strae-oqa.lan"
    assert names.parse_dns("*.straße.lan") == "*.xn--strae-oqa.lan"
    with pytest.raises(InvalidNameError, match="IDNA2008"):
        names.parse_dns("a\u200db.lan")


@pytest.mark.parametrize("host", ["straße.lan", "bücher.lan", "vnc.lan", "192.168.1.5",
                                  "fd00::5", "a\u200db.lan", "0.0.0.0", "x..y", "-a.lan",
                                  "010.0.0.1", "fe80::1%eth0", "ends.123"])
def test_hint_never_suggests_a_create_that_create_refuses(host: str) -> None:
    hint = hostname.create_hint(host)
    if hint.startswith("`vncssl create"):
        option, value = hint.split("`")[1].split()[2:4]
        parse = names.parse_ip if option == "--ip" else names.parse_dns
        stored = parse(value)  # create takes it
        assert stored == value or f"stored as {stored}" in hint
    else:
        assert "no certificate vncssl makes can name" in hint
        with pytest.raises(InvalidNameError):
            (names.parse_ip if hostname.host_ip(host) else names.parse_dns)(host)
