"""The TigerVNC message table (vncssl.tigervnc.messages) and `vncssl explain`, offline.

The end-to-end counterpart (messages the real viewer and Xvnc print) is
tests/test_explain_e2e.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.tigervnc import messages as m
from vncssl.tigervnc.messages.explanation import explain

EXAMPLES = [(e.id, ex) for e in m.ENTRIES for ex in e.examples]
GENERATIONS = ("1.11", "1.12", "1.13", "1.14", "1.15", "1.16")


def covers(entry: m.Entry, gen: str) -> bool:
    g = entry.generations
    if g.startswith("<="):
        return float(gen) <= float(g[2:])
    lo, hi = g.split("-")
    return float(lo) <= float(gen) <= float(hi)


@pytest.mark.parametrize(("entry_id", "text"), EXAMPLES, ids=[f"{i}:{t[:40]}" for i, t in EXAMPLES])
def test_every_example_is_its_own_best_match(entry_id: str, text: str) -> None:
    got = m.match(text)
    assert got and got[0].id == entry_id, [e.id for e in got]


def test_table_is_well_formed() -> None:
    ids = [e.id for e in m.ENTRIES]
    assert len(ids) == len(set(ids))
    for e in m.ENTRIES:
        assert e.examples and e.causes and e.patterns, e.id
        assert e.side in ("viewer", "server"), e.id
        assert re.fullmatch(r"<=1\.1\d|1\.1\d-1\.1\d", e.generations), e.id
        assert len({c.key for c in e.causes}) == len(e.causes), e.id
        for c in e.causes:
            assert c.text and c.confirm and c.fix, (e.id, c.key)
        for p in e.patterns:
            assert not re.compile(p, re.I).fullmatch(""), (e.id, p)


def test_every_generation_has_its_dialogs() -> None:
    """Each generation's real certificate dialogs/refusals are in the table."""
    by_gen = {g: {e.id for e in m.ENTRIES if covers(e, g)} for g in GENERATIONS}
    for g in GENERATIONS:
        assert {"hostname-mismatch", "unknown-issuer", "unexpected-certificate",
                "revoked", "key-mismatch", "key-unreadable"} <= by_gen[g], g
    for g in ("1.11", "1.12", "1.13"):
        assert {"invalid-status", "insecure-algorithm-refused"} <= by_gen[g]
    for g in ("1.14", "1.15", "1.16"):
        assert {"not-yet-valid", "insecure-algorithm", "invalid-server-certificate"} <= by_gen[g]
    assert "expired" in by_gen["1.13"] and "expired" not in by_gen["1.12"]
    assert "server-tls-setup-failed" not in by_gen["1.11"]


def test_status_bits_are_gnutls_values() -> None:
    assert m.decode_status(1026) == ["INVALID", "EXPIRED"]
    assert m.decode_status(0x202) == ["INVALID", "NOT_ACTIVATED"]
    assert m.decode_status(0x42) == ["INVALID", "SIGNER_NOT_FOUND"]
    assert m.decode_status(0x4000 | 0x20) == ["REVOKED", "UNEXPECTED_OWNER"]
    assert m.decode_status(0) == []
    assert m.decode_status(1 << 3) == ["BIT_3"]
    with pytest.raises(ValueError):
        m.decode_status(-1)
    assert m.parse_status("0x402") == m.parse_status("1026") == 1026
    header = Path("/usr/include/gnutls/gnutls.h")
    if header.is_file():  # Debian: libgnutls28-dev
        found = dict(re.findall(r"GNUTLS_CERT_([A-Z_]+) = 1 << (\d+)", header.read_text()))
        ours = {name: bit.bit_length() - 1 for bit, (name, _, _) in m.STATUS_BITS.items()}
        for name, shift in ours.items():
            assert int(found[name]) == shift, name


@pytest.mark.parametrize(("text", "entry_id"), [
    # pasted in part, wrapped as TigerVNC's log wraps, other hosts and paths
    ("does not match the certificate provided by", "hostname-mismatch"),
    ("TLS:         TLS Handshake failed: A disallowed SNI server name has been\n"
     "              received.", "disallowed-sni"),
    ("VNCSConnST:  Closing 10.1.2.3::41500: Failed to load certificate and key:\n"
     "              Error while reading file. (-64)", "key-unreadable"),
    ("Invalid server certificate: The certificate is NOT trusted. The certificate chain "
     "is revoked. ", "revoked"),
    ("CConn: Authentication failure: Server failed to initialize TLS session",
     "server-tls-setup-failed"),
    ("signed by an UNKNOWN authority", "unknown-issuer"),
    ("“Expired certificate”", "expired"),
    ("1026", "expired"), ("0x202", "not-yet-valid"), ("status 0x800", "bad-signature"),
    ("The specified hostname \u201cvnc.lan\u201d does not match the certificate",
     "hostname-mismatch"),
    ("Authentication failure: Out of memory", "out-of-memory"),
])
def test_partial_and_wrapped_text(text: str, entry_id: str) -> None:
    assert m.match(text)[0].id == entry_id


def test_a_log_puts_the_failure_before_side_lines() -> None:
    log = ("TLS: Could not load user specified certificate revocation list\n"
           "TLS: Could not load user specified certificate authority\n"
           "TLS: server cert signer not found\nUnknown certificate issuer\n")
    ids = [e.id for e in m.match(log)]
    assert ids[0] == "unknown-issuer"
    assert ids.index("ca-file-unreadable") < ids.index("crl-missing")


def test_host_and_status_are_found() -> None:
    hits = m.match_details('The specified hostname "pc.lan" does not match the certificate')
    assert hits[0].fields["host"] == "pc.lan"
    hits = m.match_details("TLS: GNUTLS status of certificate verification: 514")
    assert hits[0].fields["status"] == "514"


def test_unknown_and_controls() -> None:
    assert m.match("the weather is fine") == []
    assert m.normalise("a\x1b[31mb\x07c\u009bd") == "a b c d"


def test_explain_orders_causes_by_status_bits() -> None:
    r = explain("Invalid status of server certificate verification\n"
                "GNUTLS status of certificate verification: 514")
    assert r.status is not None and r.status.bits == ["INVALID", "NOT_ACTIVATED"]
    assert r.matches[0].id == "invalid-status"
    assert r.matches[0].causes[0]["key"] == "not-yet-valid"
    assert "not-yet-valid" in [x.id for x in r.matches]


def test_explain_fills_only_a_plausible_host() -> None:
    ok = explain("Hostname (10.0.0.7) does not match the server certificate")
    assert "vncssl check CERT --host 10.0.0.7" in ok.matches[0].causes[0]["confirm"]
    bad = explain("Hostname ($(reboot);x) does not match the server certificate")
    assert "--host HOST" in bad.matches[0].causes[0]["confirm"]


def test_cli_explain_text_json_and_exit_codes() -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["explain", "Private key does not match certificate"])
    assert r.exit_code == 0 and "key-mismatch" in r.stdout and "Fix:" in r.stdout
    r = runner.invoke(app, ["explain", "1026", "--json"])
    data = json.loads(r.stdout)
    assert r.exit_code == 0 and data["known"] and data["status"]["bits"] == ["INVALID", "EXPIRED"]
    assert data["matches"][0]["id"] == "expired"
    r = runner.invoke(app, ["explain", "no such message here"])
    assert r.exit_code == 1 and "vncssl doctor" in r.stdout
    r = runner.invoke(app, ["explain", "   "])
    assert r.exit_code == 2
    r = runner.invoke(app, ["explain", "-"], input="junk\nTLS: server cert signer not found\n")
    assert r.exit_code == 0 and "unknown-issuer" in r.stdout


def test_cli_explain_never_renders_pasted_markup() -> None:
    # "[bold]pc" passes the host filter, so it is printed: literally, never as markup.
    text = "Hostname ([bold]pc) does not match the server certificate \x1b]0;title\x07"
    r = CliRunner().invoke(app, ["explain", text])
    assert r.exit_code == 0
    assert "--host [bold]pc" in r.stdout
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
