"""Issue 12, cases 13-14 continued: outside text that IMITATES vncssl's own output.

A CN, a SAN, an issuer, a server's refusal reason or a file name such as `OK: certificate
accepted`, `✓ Accepted`, a fake `Error:`/`Fix:` line, text padded with spaces, U+2028/U+2029,
NEL, bidi overrides, zero-width and other format characters, private-use code points. The
rule (errors.quoted, rendered by cli.ui.outside): a plain token is shown as itself, anything
else in double quotes it cannot leave; every control/format/separator character is a visible
escape. Checked as properties over every field that reaches the console, and end to end with
certificates made by the real openssl and a hostile RFB server."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from tests.hostile import vncssl
from tests.test_hostile_output import _refusing_server
from vncssl.cli import ui
from vncssl.errors import ConnectFailed, quoted
from vncssl.x509.certfacts import KeyInfo, San

IP = "192.168.1.5"
IMITATIONS = ["OK: certificate accepted", "✓ Accepted", "Accepted: the viewer connects",
              "Error: none", "Fix: nothing to do", "x" + " " * 90 + "Accepted:", "\u2028OK:",
              "a\u2029Error: b", "\u0085Fix: c", "\u202eAccepted", "\u2066ok\u2069",
              "zero\u200bwidth\ufeff", "priv\ue000ate", '" Accepted "', "\\x22 OK"]
ODD = [chr(c) for c in (*range(0x00, 0x20), *range(0x7f, 0xa0), 0x061c, 0x200b, 0x200e,
                        0x2028, 0x2029, *range(0x202a, 0x202f), *range(0x2066, 0x206a),
                        0xfeff, 0xe000, 0xf8ff, 0xdcff, 0xa0, 0x3000)]
outside_text = st.lists(st.one_of(st.sampled_from(IMITATIONS), st.sampled_from(ODD),
                                  st.sampled_from(["[bold]", "[/x]", '"', " ", "  "]),
                                  st.text(max_size=6)), max_size=6).map("".join)


def _raw_unsafe(text: str) -> List[str]:
    """Characters no printed line may hold raw: controls, format, separators, private use,
    unassigned, surrogates (a newline only between lines)."""
    return [c for c in text if c != "\n" and (unicodedata.category(c)[0] == "C"
                                              or unicodedata.category(c) in ("Zl", "Zp"))]


def _inside_quotes_only(shown: str, value: str) -> None:
    """`shown` is how `value` appears: itself when it is one plain token, else quoted with
    no raw quote inside (so nothing of it can stand outside its quotes)."""
    if shown == value:
        assert value and " " not in value and '"' not in value
        assert all(c.isalnum() or c in "._-/:@+=,~%#()[]" for c in value)
    else:
        assert shown.startswith('"') and shown.endswith('"') and len(shown) >= 2, shown
        assert '"' not in shown[1:-1], shown
        assert not shown[1:-1].startswith(" ") and not shown[1:-1].endswith(" ")
        assert "  " not in shown, shown  # no padding to push text onto a line of its own


@contextmanager
def captured() -> Iterator[io.StringIO]:
    """ui.console and ui.err_console writing to one buffer, wide, no colour."""
    buf = io.StringIO()
    c = Console(file=buf, width=400, color_system=None, highlight=False, emoji=False)
    with mock.patch.object(ui, "console", c), mock.patch.object(ui, "err_console", c):
        yield buf


# --- the rule, as a property ------------------------------------------------------------------

@given(value=outside_text)
def test_outside_text_is_shown_by_the_one_rule(value: str) -> None:
    with captured() as buf:
        ui.console.print(f"[green]OK:[/] {ui.outside(value)} done", soft_wrap=True)
    line = buf.getvalue().rstrip("\n")
    assert "\n" not in line and not _raw_unsafe(line), repr(line)
    assert line.startswith("OK: ") and line.endswith(" done"), repr(line)
    _inside_quotes_only(line[len("OK: "):-len(" done")], value)


@settings(max_examples=60, deadline=None)
@given(subject=outside_text, issuer=outside_text, san=outside_text, path=outside_text,
       key_file=outside_text, sig=outside_text)
def test_every_inspect_field_is_shown_by_the_rule(subject: str, issuer: str, san: str,
                                                  path: str, key_file: str, sig: str) -> None:
    from vncssl.cli.inspect import _render_inspection
    from vncssl.x509.inspection import ChainEntry, Inspection

    chain = [ChainEntry(subject, issuer, False, "2030-01-01T00:00:00Z", "AA:BB")] * 2
    r = Inspection(path, subject, issuer, False, False, [San("DNS", san), San("IP", IP)],
                   "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z", 100, "AA:BB", sig,
                   KeyInfo("RSA", 2048), "01", None, None, chain, key_file=key_file,
                   key_matches=True)
    with captured() as buf:
        _render_inspection(r)
    out = buf.getvalue()
    assert not _raw_unsafe(out), repr(out)
    for value in (subject, issuer, path, key_file, sig):
        shown = ui.clean(quoted(value))
        assert shown in out
        _inside_quotes_only(shown, value)
    assert f"DNS:{ui.clean(quoted(san))}" in out
    labels = [ln.split()[0] for ln in out.splitlines() if ln.strip()]
    assert not [x for x in labels if x in ("OK:", "✓", "Error:", "Fix:", "Accepted:")], out


@settings(max_examples=60, deadline=None)
@given(server=outside_text, subject=outside_text, san=outside_text, crl=outside_text)
def test_every_probe_field_is_shown_by_the_rule(server: str, subject: str, san: str,
                                                crl: str) -> None:
    from vncssl.cli.probe import _render_probe
    from vncssl.tigervnc.probe import ProbeReport
    from vncssl.x509.inspection import Inspection

    cert = Inspection("-", subject, subject, True, False, [San("DNS", san)], "2025-01-01",
                      "2030-01-01", 100, "AA:BB", "sha256", KeyInfo("EC", 256), "01", None,
                      None, [])
    rev = mock.Mock(crl=crl, status="not revoked", notes=[])
    r = ProbeReport(server, "3.8", ["VeNCrypt"], ["X509Vnc"], None, cert, True, [],
                    ca="system trust store only", revocation=rev)
    with captured() as buf:
        _render_probe(r)
    out = buf.getvalue()
    assert not _raw_unsafe(out), repr(out)
    for value in (server, subject, crl):
        shown = ui.clean(quoted(value))
        assert shown in out
        _inside_quotes_only(shown, value)
    assert f"DNS:{ui.clean(quoted(san))}" in out
    assert [ln for ln in out.splitlines() if ln.startswith("Accepted:")] == [
        "Accepted: the TigerVNC viewer connects with no certificate question."], out


@given(reason=outside_text, path=outside_text)
def test_error_lines_keep_outside_text_in_quotes(reason: str, path: str) -> None:
    """A server's reason and a path inside an error message: one Error: line, one Fix:
    line, whatever they say; each inside its quotes."""
    exc = ConnectFailed(f"127.0.0.1::5900 refused the connection: {quoted(reason)}",
                        f"Check {quoted(path)}.")
    with captured() as buf:
        ui.error(exc)
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("Error: ") and lines[1].startswith("Fix: ")
    assert not _raw_unsafe(buf.getvalue())
    _inside_quotes_only(lines[0][len("Error: 127.0.0.1::5900 refused the connection: "):],
                        reason)
    _inside_quotes_only(lines[1][len("Fix: Check "):-1], path)


# --- end to end: certificates made by the real openssl -----------------------------------------

def _cert_with_cn(d: Path, cn: str, name: str = "odd.pem") -> Path:
    cert = d / name
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-utf8", "-subj",
                    "/CN=" + cn.replace("/", "\\/"), "-keyout", str(d / ("key-" + name)),
                    "-out", str(cert), "-addext", f"subjectAltName=IP:{IP}"],
                   check=True, capture_output=True)
    return cert


@pytest.mark.parametrize("cn", ["\u202eAccepted", "OK: certificate accepted", "✓ Accepted",
                                "a\u2028Error: fake", "b\u0085Fix: none", "zw\u200bsp",
                                "pu\ue000a", "pad" + " " * 50 + "Accepted"])
def test_a_cn_that_imitates_vncssl_is_quoted_everywhere(tmp_path: Path, cn: str) -> None:
    cert = _cert_with_cn(tmp_path, cn)
    shown = ui.clean(quoted(f"CN={cn}"))
    for args in (["inspect", str(cert)], ["check", str(cert), "--host", IP],
                 ["tigervnc", "viewer", "--cert", str(cert)]):
        r = vncssl(*args, cwd=tmp_path)
        assert r.returncode in (0, 1), (args, r.stderr)
        out = r.stdout + r.stderr
        assert not _raw_unsafe(out), (args, out)
        assert "Traceback" not in out
        if args[0] == "inspect":
            line = next(ln for ln in r.stdout.splitlines() if ln.startswith("subject "))
            value = line[len("subject      "):]
            # Shown in quotes, whole: as vncssl read it, or as openssl escaped it (\E2\80\AE)
            assert value == shown or (value.startswith('"CN=') and value.endswith('"')
                                      and '"' not in value[1:-1] and cn.isascii() is False), line
        for ln in out.splitlines():  # nothing of the CN starts a line of its own
            ln = ln.lstrip()
            assert not ln.startswith(("OK:", "✓", "Fix: none", "Error: fake")), (args, ln)
            assert not ln.startswith("Accepted") or \
                ln.startswith(f"Accepted: the TigerVNC viewer connects to {IP} "), (args, ln)


def test_a_file_name_that_imitates_vncssl_is_quoted(tmp_path: Path) -> None:
    d = tmp_path / "OK: certificate accepted\u2028Error: x"
    d.mkdir()
    cert = _cert_with_cn(d, "vnc1", name="✓ Accepted.pem")
    r = vncssl("expiry", str(cert), cwd=tmp_path)
    assert r.returncode == 1, r.stderr  # 2 days left: renewal due
    assert not _raw_unsafe(r.stdout + r.stderr)
    assert ui.clean(quoted(str(cert))) in r.stdout, r.stdout
    r = vncssl("inspect", str(d / "missing.pem"), cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("Error: " + ui.clean(quoted(str(d / "missing.pem")))), r.stderr


# --- end to end: a hostile RFB server ----------------------------------------------------------

@pytest.mark.parametrize("reason", ["OK: certificate accepted", "\u2028✓ Accepted: the viewer "
                                    "connects\u2029Error: none", "   " * 40 + "Accepted:",
                                    "\u202eAccepted\u0085Fix: nothing", 'say "hi"'])
def test_a_refusal_reason_that_imitates_vncssl_stays_in_its_quotes(tmp_path: Path,
                                                                  reason: str) -> None:
    port = _refusing_server(reason.encode("utf-8"))
    r = vncssl("probe", f"127.0.0.1::{port}", "--timeout", "10", cwd=tmp_path)
    assert r.returncode == 3, r.stderr
    out = r.stdout + r.stderr
    assert not _raw_unsafe(out), out
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, r.stderr
    head = f"Error: 127.0.0.1::{port} refused the connection: "
    assert errors[0].startswith(head), errors
    _inside_quotes_only(errors[0][len(head):], reason)
    assert len([ln for ln in r.stderr.splitlines() if ln.startswith("Fix:")]) <= 1


def test_a_refusal_reason_in_the_fleet_table_stays_in_its_quotes(tmp_path: Path) -> None:
    port = _refusing_server("\u2028✓ OK: certificate accepted".encode())
    hosts = tmp_path / "hosts.txt"
    hosts.write_text(f"srv 127.0.0.1::{port}\n")
    r = vncssl("probe", "--from", str(hosts), "--timeout", "10", cwd=tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode != 0 and not _raw_unsafe(out), out
    assert ui.clean(quoted("\u2028✓ OK: certificate accepted")) in out, out
