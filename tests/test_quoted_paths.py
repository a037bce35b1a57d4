"""Paths in the file layer's messages go through errors.quoted (a file named
`x.pem. Fix: rm -rf ~` must not read as vncssl's own words): a source check over vncssl/fs,
so a new message cannot forget it, plus one real run with such a name."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List

from tests.clirunner import CliRunner
from vncssl.cli import app

FS = Path(__file__).resolve().parent.parent / "vncssl" / "fs"
PATHLIKE = {"path", "p", "parent", "folder", "src", "dst", "where", "d", "kept", "present",
            "lock_path"}
MESSAGE_CALLS = {"FileProblem", "WriteFailed", "UsageError", "VncsslError"}


def _pathlike(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in PATHLIKE
    return isinstance(node, ast.Attribute) and (node.attr == "path" or _pathlike(node.value))


def _bare_paths(tree: ast.AST) -> List[int]:
    bad = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in MESSAGE_CALLS
                and node.args):
            continue
        for part in ast.walk(node.args[0]):  # the message (the fix is advice, not a report)
            if isinstance(part, ast.FormattedValue) and _pathlike(part.value):
                bad.append(part.lineno)
    return bad


def test_every_path_in_a_file_layer_message_is_quoted() -> None:
    found = {f.name: _bare_paths(ast.parse(f.read_text(encoding="utf-8")))
             for f in sorted(FS.glob("*.py"))}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_check_sees_a_bare_path() -> None:
    code = 'raise FileProblem(f"The file {path} is gone.", "")\n'
    assert _bare_paths(ast.parse(code)) == [1]
    assert _bare_paths(ast.parse(code.replace("{path}", "{quoted(path)}"))) == []


def test_a_hostile_file_name_reads_as_outside_text(tmp_path: Path) -> None:
    folder = tmp_path / "out. Fix: all fine"
    folder.write_text("not a folder\n")
    r = CliRunner().invoke(app, ["create", "--ip", "192.0.2.1", "--yes", "--key-type", "ec",
                                 "--cert", str(folder / "c.pem"), "--key",
                                 str(folder / "k.pem")])
    assert r.exit_code == 2, r.output
    first = r.stderr.splitlines()[0]
    assert f'"{folder / "c.pem"}"' in first, first  # in quotes: where the name ends is plain
