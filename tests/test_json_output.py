"""--json output: the exact data, valid UTF-8, and nothing a terminal would act on or hide
when it is shown on one (C1 controls, bidi overrides, separators are \\u escapes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vncssl.cli.ui import json_text

HIDDEN = ["\u202e", "\u2028", "\u2029", "\u200b", "\u2066", "\ufeff", "\x9b", "\x85", "\x7f"]


@pytest.mark.parametrize("ch", HIDDEN)
def test_json_text_escapes_what_a_terminal_would_act_on(ch) -> None:
    data = {"cn": f"a{ch}b", "list": [ch]}
    text = json_text(data)
    assert ch not in text
    assert json.loads(text) == data


def test_a_file_name_with_bidi_and_c1_reaches_json_escaped_and_exact(tmp_path) -> None:
    name = "evil\u202egnp.\u2028next\u0085line.pem"
    cert, key = tmp_path / name, tmp_path / "k.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", "/CN=x", "-config", str(_cnf(tmp_path))],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL)
    r = subprocess.run([sys.executable, "-m", "vncssl", "inspect", str(cert), "--json"],
                       capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode("utf-8")  # valid UTF-8
    for ch in ("\u202e", "\u2028", "\x85"):
        assert ch not in out
    assert json.loads(out)["path"] == str(cert)  # the exact name, once decoded


def _cnf(tmp_path: Path) -> Path:
    path = tmp_path / "openssl.cnf"
    path.write_text("[req]\ndistinguished_name=dn\n[dn]\n")
    return path
