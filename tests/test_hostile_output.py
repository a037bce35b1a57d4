"""Issue 12, cases 13-15: outside text (paths, certificate fields, a server's words, file
names that are not UTF-8) is never interpreted: no Rich markup, no terminal control, and
--json stays valid UTF-8."""

from __future__ import annotations

import ast
import json
import os
import socket
import struct
import subprocess
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from tests.clirunner import CliRunner
from tests.hostile import vncssl
from vncssl.cli import app, ui

runner = CliRunner()
IP = "192.168.1.5"
CONTROLS = [chr(c) for c in (*range(0x00, 0x20), *range(0x7f, 0xa0))]
NASTY = ["[bold]", "[/x]", "[/]", "[link=file:///etc]", "\x1b]0;owned\x07", "\x1b[2J",
         "\x1b[31m", "\x9b2J", "\r", "\b", "\u202e", "\n"]
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.sampled_from(CONTROLS),
                                st.text(max_size=5)), max_size=8).map("".join)


def rendered(markup_text: str) -> str:
    c = Console(file=None, width=10_000, color_system=None, highlight=False, emoji=False)
    with c.capture() as cap:
        c.print(markup_text, soft_wrap=True, end="")
    return cap.get()


# --- the one helper, as a property ------------------------------------------------------------

@given(text=nasty_text)
def test_safe_text_prints_as_itself_with_no_control_character(text: str) -> None:
    shown = rendered(ui.safe(text))
    want = ui.clean(text)
    if want.endswith("\\"):  # a trailing backslash is shown as its escape (ui.safe)
        want = want[:-1] + "\\x5c"
    assert shown == want  # markup never acts: what prints is the cleaned text
    assert not any(ch in shown for ch in CONTROLS)
    assert "\u202e" not in shown


@given(value=st.text())
def test_json_is_valid_utf8_and_round_trips(value: str) -> None:
    text = ui.json_text({"v": value, "path": os.fsdecode(b"/tmp/\xff\xfe" + value.encode(
        "utf-8", "surrogateescape"))})
    raw = text.encode("utf-8")  # never raises: no lone surrogate left in the text
    back = json.loads(raw.decode("utf-8"))
    assert back["v"] == value


def test_every_printed_value_goes_through_the_helper() -> None:
    """The rule, checked on the source: in vncssl/cli, every value put into a Rich print,
    a table cell, a progress description, a Rule or a Panel is safe(...) or clean(...)
    (a number with a format spec, a counter, or len() are ours)."""
    ours = {"i", "n", "ok", "total", "table", "width", "style"}
    bad = []
    for path in sorted(Path("vncssl/cli").glob("*.py")):
        if path.name == "ui.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name not in ("print", "add_row", "update", "Rule", "Panel"):
                continue
            values = [] if name == "update" else list(node.args)  # update(task_id, ...)
            values += [k.value for k in node.keywords if k.arg == "description"]
            for v in values:
                bad += [f"{path}:{node.lineno}" for x in _unsafe(v, ours)]
    assert not bad, "outside text printed without ui.safe/ui.clean: " + ", ".join(bad)


def _unsafe(v: ast.AST, ours: set):
    def wrapped(e: ast.AST) -> bool:
        if isinstance(e, ast.Call):
            fn = e.func.attr if isinstance(e.func, ast.Attribute) else getattr(e.func, "id", "")
            return fn in ("safe", "clean", "outside", "len", "Rule", "Panel")
        if isinstance(e, ast.IfExp):
            return wrapped(e.body) and wrapped(e.orelse)
        if isinstance(e, ast.Subscript) and isinstance(e.value, ast.Name):
            return e.value.id.lstrip("_").isupper()  # a constant table of ours: _STYLE[...]
        return isinstance(e, ast.Constant) or (isinstance(e, ast.Name) and e.id in ours)

    if isinstance(v, ast.Starred) and isinstance(v.value, ast.GeneratorExp):
        v = v.value.elt  # add_row(*(safe(c) for c in row))
    if isinstance(v, ast.JoinedStr):
        for part in v.values:
            if isinstance(part, ast.FormattedValue) and part.format_spec is None \
                    and not wrapped(part.value):
                yield part
    elif isinstance(v, ast.BinOp):
        yield from _unsafe(v.left, ours)
        yield from _unsafe(v.right, ours)
    elif isinstance(v, ast.IfExp):
        yield from _unsafe(v.body, ours)
        yield from _unsafe(v.orelse, ours)
    elif not wrapped(v):
        yield v


# --- 13. markup in paths and certificate fields -------------------------------------------------

@pytest.mark.parametrize("folder", ["[bold]x[/bold]", "[/x]", "a[link=http://e]b"])
def test_markup_in_a_path_prints_as_itself(tmp_path: Path, folder: str) -> None:
    d = tmp_path / folder
    d.mkdir(parents=True)
    r = runner.invoke(app, ["create", "--ip", IP, "--yes", "--cert", str(d / "c.pem"),
                            "--key", str(d / "k.pem")])
    assert r.exit_code == 0, r.output
    assert str(d / "c.pem") in r.stdout  # the path the user can copy, exactly
    r = runner.invoke(app, ["expiry", str(d / "c.pem")])
    assert r.exit_code == 0 and str(d / "c.pem") in r.stdout
    r = runner.invoke(app, ["inspect", str(d / "missing.pem")])
    assert r.exit_code == 2 and str(d / "missing.pem") in r.stderr


def _cert_with_cn(tmp_path: Path, cn: str) -> Path:
    cert = tmp_path / "odd.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-utf8", "-subj",
                    "/CN=" + cn.replace("/", "\\/"), "-keyout", str(tmp_path / "odd-key.pem"),
                    "-out", str(cert),
                    "-addext", f"subjectAltName=IP:{IP}"], check=True, capture_output=True)
    return cert


@pytest.mark.parametrize("cn", ["[/x]evil", "[bold]fake[/bold]", "a\x1b[2Jb",
                                "x\x1b]0;title\x07y", "Accepted:\rno"])
def test_certificate_fields_never_act(tmp_path: Path, cn: str) -> None:
    cert = _cert_with_cn(tmp_path, cn)
    for args in (["inspect", str(cert)], ["check", str(cert), "--host", IP],
                 ["tigervnc", "viewer", "--cert", str(cert)]):
        r = vncssl(*args, cwd=tmp_path)
        assert r.returncode in (0, 1), (args, r.stderr)
        out = r.stdout + r.stderr
        assert "\x1b" not in out and "\r" not in out and "\x07" not in out, args
        assert "MarkupError" not in out and "Traceback" not in out
        if "[" in cn and cn.isprintable() and args[0] == "inspect":
            assert cn in out.replace("\\", "") or cn in out, args


# --- 14. terminal escapes from a server --------------------------------------------------------

def _refusing_server(reason: bytes):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve() -> None:
        conn, _ = srv.accept()
        with conn:
            conn.sendall(b"RFB 003.008\n")
            conn.recv(12)
            conn.sendall(b"\x00" + struct.pack(">I", len(reason)) + reason)
        srv.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1]


def test_a_servers_refusal_reason_never_reaches_the_terminal_raw(tmp_path: Path) -> None:
    reason = (b"\x1b]0;pwned\x07\x1b[2J\x1b[32mAccepted:[/] the viewer connects\x1b[0m"
              b"\r\n[bold]fake[/bold]\x9b2J")
    port = _refusing_server(reason)
    r = vncssl("probe", f"127.0.0.1::{port}", "--timeout", "10", cwd=tmp_path)
    assert r.returncode == 3, r.stderr
    out = r.stdout + r.stderr
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out and "\r" not in out
    assert "\\x1b]0;pwned" in out  # shown, as an escape, not acted on
    assert "[bold]fake[/bold]" in out
    assert len([ln for ln in r.stderr.splitlines() if ln.startswith("Error:")]) == 1


# --- 15. file names that are not UTF-8 ---------------------------------------------------------

def test_json_with_a_non_utf8_file_name_is_valid_utf8(tmp_path: Path) -> None:
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9-\xff.pem"
    key = os.fsencode(str(tmp_path)) + b"/k\xfe.pem"
    r = subprocess.run([*vncssl_argv(), "create", "--ip", IP, "--yes", "--json", "--cert",
                        os.fsdecode(raw), "--key", os.fsdecode(key)], capture_output=True,
                       cwd=tmp_path, check=False)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout.decode("utf-8"))  # strict: valid UTF-8, valid JSON
    assert os.fsencode(data["cert"]) == raw  # the documented \udcXX rule gives the bytes back
    assert "\\udcff" in r.stdout.decode("utf-8")
    r = subprocess.run([*vncssl_argv(), "create", "--ip", IP, "--yes", "--cert",
                        os.fsdecode(raw), "--key", os.fsdecode(key)], capture_output=True,
                       cwd=tmp_path, check=False)
    assert r.returncode == 2
    r.stdout.decode("utf-8")
    assert "\\xff" in r.stderr.decode("utf-8")  # the human form names the byte


def vncssl_argv():
    import sys

    return [sys.executable, "-m", "vncssl"]


def test_security_md_names_only_tests_that_exist() -> None:
    """SECURITY.md's threat model is true line by line: every test it cites exists."""
    import re

    cited = set(re.findall(r"`(test_\w+)`", Path("SECURITY.md").read_text()))
    defined = set()
    for f in Path("tests").glob("test_*.py"):
        defined |= set(re.findall(r"^def (test_\w+)", f.read_text(), re.M))
    assert len(cited) > 30
    assert cited <= defined, sorted(cited - defined)
