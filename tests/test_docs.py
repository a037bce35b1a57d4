"""Docs that cannot drift: every command has help with an Example, docs/cli.md is what
the --help texts say today, the README's command list and examples are real."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from vncssl import docgen

ROOT = Path(__file__).resolve().parent.parent
PATHS = docgen.command_paths()


def test_the_app_has_the_commands_everyone_relies_on():
    names = {" ".join(p) for p in PATHS}
    assert {"", "create", "ips", "guide"} <= names
    assert len(PATHS) >= 4


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "vncssl")
def test_every_command_has_help_with_an_example(path):
    text = docgen.help_text(path)
    usage, _, body = text.partition("\n")
    assert usage.strip().startswith("Usage: vncssl"), usage
    description = body.split("╭─", 1)[0].strip()
    assert description, f"vncssl {' '.join(path)} has no help text"
    assert re.search(r"Examples?:", description), f"vncssl {' '.join(path)}: no Example: block"
    assert re.search(r"^\s*\$ vncssl\b", description, re.MULTILINE), \
        f"vncssl {' '.join(path)}: the Example block has no `$ vncssl ...` line"


def test_docs_cli_md_is_current():
    current = docgen.DOC.read_text(encoding="utf-8") if docgen.DOC.exists() else ""
    drawn_by = docgen.generated_by(current)
    if drawn_by is not None and drawn_by != docgen.renderer():
        # Python 3.9 resolves an older Typer whose --help layout differs: the text can only
        # be compared where the Typer that drew it runs (the 3.10+ CI jobs).
        pytest.skip(f"docs/cli.md was drawn by {drawn_by}; this is {docgen.renderer()}")
    assert current == docgen.generate(), (
        f"docs/cli.md is stale: run `{docgen.REGENERATE}` and commit the result.")


def test_docgen_check_mode_reports_staleness(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "cli.md"
    stale.write_text("old\n")
    readme = tmp_path / "README.md"
    readme.write_text("# x\n<!-- section:reference -->\nold\n<!-- /section:reference -->\n"
                      "<!-- section:tour -->\nold\n<!-- /section:tour -->\n")
    monkeypatch.setattr(docgen, "DOC", stale)
    monkeypatch.setattr(docgen, "README", readme)
    assert docgen.main(["--check"]) == 1
    assert docgen.REGENERATE in capsys.readouterr().err
    assert docgen.main([]) == 0 and docgen.main(["--check"]) == 0


def test_generation_is_deterministic_whatever_the_terminal():
    import os

    code = "import sys, vncssl.docgen as d; sys.stdout.write(d.generate())"
    outs = []
    for extra in ({"COLUMNS": "40", "FORCE_COLOR": "1", "TERM": "xterm-256color"},
                  {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}):
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        env.update(extra)
        outs.append(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                   text=True, timeout=120, check=True).stdout)
    assert outs[0] == outs[1]
    assert "\x1b[" not in outs[0] and "## `vncssl create`" in outs[0]


def test_readme_links_the_reference_and_has_the_sections():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/cli.md" in readme
    for section in ("learn", "tour", "create", "platforms", "reference"):
        body = re.search(rf"<!-- section:{section} -->(.*?)<!-- /section:{section} -->",
                         readme, re.S)
        assert body and len(body.group(1).strip().splitlines()) > 2, section


def test_readme_reference_section_lists_every_command_and_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docgen.with_reference(readme) == readme, (
        f"README.md's reference section is stale: run `{docgen.REGENERATE}`.")
    for path in PATHS:
        if path:
            assert f"`vncssl {' '.join(path)}`" in readme


# --- examples/ -------------------------------------------------------------------------------

def test_example_selfsigned_sh_runs_with_a_loopback_ip(tmp_path, openssl_bin):
    env = dict(__import__("os").environ, VNCSSL=f"{sys.executable} -m vncssl")
    script = str(ROOT / "examples" / "selfsigned.sh")
    proc = subprocess.run(["sh", script, "127.0.0.1", str(tmp_path)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = subprocess.run([openssl_bin, "x509", "-in", str(tmp_path / "vnc-server.pem"),
                          "-noout", "-ext", "subjectAltName"], capture_output=True, text=True,
                         check=True).stdout
    assert "IP Address:127.0.0.1" in out
    assert (tmp_path / "vnc-server-private.pem").stat().st_mode & 0o077 == 0
    assert "vncviewer -X509CA vnc-server.pem 127.0.0.1" in proc.stdout
    again = subprocess.run(["sh", script, "127.0.0.1", str(tmp_path)], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert again.returncode == 2, "a second run must refuse to overwrite the pair"


def test_example_windows_walkthrough_uses_windows_safe_quoting():
    text = (ROOT / "examples" / "windows-walkthrough.ps1").read_text(encoding="utf-8")
    run_line = next(line for line in text.splitlines() if line.strip().startswith("& $OpenSSL req"))
    assert "-nodes" in run_line and "-newkey rsa" in run_line
    assert '-subj "/CN=$IP" -addext "subjectAltName=IP:$IP"' in text
    assert "icacls $Key /inheritance:r" in text
    assert text.count("(") == text.count(")") and text.count("{") == text.count("}")


# --- README sections that show real output ----------------------------------------------------

def _section(name: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(rf"<!-- section:{name} -->(.*?)<!-- /section:{name} -->", readme, re.S)
    assert m, name
    return m.group(1)


def _no_config(text: str) -> str:
    return re.sub(r"-config \S+", "-config CNF", text)  # the one machine-specific value


def test_readme_tour_and_learn_dry_runs_are_real_output():
    from tests.clirunner import CliRunner
    from vncssl.cli import app

    shown = _section("tour") + _section("learn")
    commands = re.findall(r"^\$ vncssl (create [^\n#]*--dry-run[^\n#]*)$", shown, re.M)
    assert len(commands) >= 3
    for command in commands:
        r = CliRunner().invoke(app, command.split())
        assert r.exit_code == 0, r.output
        first = r.stdout.splitlines()[0]
        assert _no_config(first) in _no_config(shown), f"README shows stale output for {command}"


def test_readme_create_section_documents_every_option():
    import typer

    from vncssl.cli import app

    group = typer.main.get_command(app)
    create = group.get_command(group.context_class(group), "create")
    section = _section("create")
    for param in create.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert f"`{opt}" in section, f"README's create section misses {opt}"


def test_readme_tour_is_a_fresh_real_run():
    from vncssl import tourgen

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = tourgen.run_tour()
    assert tourgen.is_current(readme, block), (
        f"README.md's tour is stale: run `{docgen.REGENERATE}`.")
    for command in tourgen.COMMANDS:
        assert f"$ {command}\n" in readme
    # the comparison sees a changed word (masking hides only dates, fingerprints, builds)
    assert not tourgen.is_current(readme.replace("Accepted:", "Acepted:"), block)
    assert not tourgen.is_current(readme.replace("(mode 0600", "(mode 0644"), block)


def test_docgen_help_changes_nothing(tmp_path):
    before = (ROOT / "README.md").read_bytes(), (ROOT / "docs" / "cli.md").read_bytes()
    r = subprocess.run([sys.executable, "-m", "vncssl.docgen", "--help"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("usage: python -m vncssl.docgen")
    bad = subprocess.run([sys.executable, "-m", "vncssl.docgen", "--chek"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "unknown argument '--chek'" in bad.stderr
    assert ((ROOT / "README.md").read_bytes(), (ROOT / "docs" / "cli.md").read_bytes()) == before


def test_readme_exit_code_table_matches_what_the_commands_do(tmp_path):
    import os
    import shlex

    from vncssl import errors

    section = _section("exit-codes")
    rows = re.findall(r"^\| (\d+) \| [^|]+ \|\s*([^|]*?)\s*\|$", section, re.M)
    codes = {int(code) for code, _ in rows}
    assert {errors.EXIT_OK, errors.EXIT_VERDICT, errors.EXIT_USAGE, errors.EXIT_FAILURE,
            130} == codes
    assert errors.EXIT_DECLINED == errors.EXIT_VERDICT  # "no" is documented under 1
    # the examples run where the README's tour leaves you: a fresh folder with the pair
    env = dict(os.environ, COLUMNS="100")
    subprocess.run([sys.executable, "-m", "vncssl", "create", "--ip", "192.168.1.5",
                    "--key-type", "ec"], cwd=tmp_path, env=env, check=True, capture_output=True,
                   stdin=subprocess.DEVNULL, timeout=120)
    ran = 0
    for code, examples in rows:
        for example in re.findall(r"`(vncssl [^`]+)`", examples):
            r = subprocess.run([sys.executable, "-m", "vncssl", *shlex.split(example)[1:]],
                               cwd=tmp_path, env=env, capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=120)
            assert r.returncode == int(code), f"{example}: exit {r.returncode}, README {code}"
            assert "Traceback" not in r.stderr
            ran += 1
    assert ran >= 6
