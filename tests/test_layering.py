"""The package's shape cannot decay: arrows only point down, no import cycles, no Typer or
Rich below the CLI, and modules stay small. Read from the source (AST), nothing is imported.

The layers, lowest first (docs/architecture.md says the same in words):
errors/notice -> fs, net -> openssl -> x509 -> tigervnc -> teach -> ca -> commands -> cli
-> docgen/__main__.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "vncssl"

RANKS = {
    "vncssl": 0, "vncssl.errors": 0, "vncssl.notice": 0,
    "vncssl.fs": 1, "vncssl.net": 1,
    "vncssl.openssl": 2,
    "vncssl.x509": 3,
    "vncssl.tigervnc": 4,
    "vncssl.teach": 5,
    "vncssl.ca": 6,
    "vncssl.commands": 7,
    "vncssl.cli": 8,
    "vncssl.docgen": 9, "vncssl.__main__": 9,
}
MAX_LINES = 260  # "~250": a module past it has more than one job


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    """The layer a module belongs to: its subpackage, or the top-level module itself."""
    parts = module.split(".")
    candidate = ".".join(parts[:2])
    return candidate if candidate in RANKS else "vncssl"


def imports_of(path: Path) -> List[Tuple[int, str]]:
    """(line, module) for every vncssl import in the file, lazy ones inside functions and
    TYPE_CHECKING ones included: a type-only upward import is still an upward arrow."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rsplit(".", 1)[0]
    found: List[Tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("vncssl")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("vncssl"):
                continue
            # `from vncssl.x509 import names` imports the module vncssl.x509.names
            for alias in node.names:
                sub = f"{mod}.{alias.name}"
                found.append((node.lineno, sub if (PACKAGE.parent / sub.replace(".", "/")
                                                   ).with_suffix(".py").exists()
                              or (PACKAGE.parent / sub.replace(".", "/")).is_dir() else mod))
    return found


def all_modules() -> Dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_subpackage_has_a_known_layer_and_a_docstring() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        name = module_name(init)
        assert name in RANKS, f"{name} has no layer in RANKS (and docs/architecture.md)"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "May import" in doc, f"{init}: docstring must say what it may import"


def test_arrows_only_point_down() -> None:
    upward = []
    for name, path in all_modules().items():
        mine = layer_of(name)
        for line, target in imports_of(path):
            theirs = layer_of(target)
            if theirs != mine and RANKS[theirs] >= RANKS[mine]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {name} "
                              f"({mine}) imports {target} ({theirs})")
    assert not upward, "upward or sideways imports:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    modules = all_modules()
    # A module importing its own package's face (`from vncssl.cli import app`) is not an arrow
    # back: the CLI's __init__ imports its command modules to register them, in order.
    graph: Dict[str, Set[str]] = {
        name: {t for _, t in imports_of(path)
               if t in modules and t != name and not name.startswith(t + ".")}
        for name, path in modules.items()}
    cycles: List[List[str]] = []
    state: Dict[str, int] = {}
    stack: List[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_only_the_cli_knows_typer_and_rich() -> None:
    offenders = []
    for name, path in all_modules().items():
        if layer_of(name) in ("vncssl.cli", "vncssl.docgen", "vncssl.__main__"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(m.split(".")[0] in ("typer", "rich", "click") for m in mods):
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders, "domain code must not import typer/rich/click: " + ", ".join(offenders)


def test_modules_stay_small() -> None:
    big = {name: n for name, path in all_modules().items()
           if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines (split them by job): {big}"


@pytest.mark.parametrize("source,expected", [
    ("from vncssl.cli import ui\n", "upward"),
    ("from vncssl.x509 import names\n", None),
])
def test_the_rule_itself_catches_an_upward_import(tmp_path: Path, source: str,
                                                  expected: object) -> None:
    """The checker must be able to fail: an x509 module importing the CLI is caught."""
    probe = PACKAGE / "x509" / "_layering_probe.py"
    probe.write_text(source, encoding="utf-8")
    try:
        if expected:
            with pytest.raises(AssertionError, match="upward"):
                test_arrows_only_point_down()
        else:
            test_arrows_only_point_down()
    finally:
        probe.unlink()


def test_the_rule_itself_catches_a_cycle() -> None:
    a, b = PACKAGE / "x509" / "_cycle_a.py", PACKAGE / "x509" / "_cycle_b.py"
    a.write_text("from vncssl.x509 import _cycle_b\n", encoding="utf-8")
    b.write_text("from vncssl.x509 import _cycle_a\n", encoding="utf-8")
    try:
        with pytest.raises(AssertionError, match="_cycle_a"):
            test_no_import_cycles()
    finally:
        a.unlink()
        b.unlink()
