"""Where each TigerVNC generation reads its files (tigervnc/layout.py), how the installed
version is found (tigervnc/detect.py), and the per-generation messages of check.

The folder rules were read in the programs themselves: the viewer's and vncserver's
(TigerVNC 1.14+ source; TIGERVNC-NOTES.md) and Debian's tigervncserver wrapper in the
bullseye (1.11) and trixie (1.15) trees (tests/matrix): see
test_debian_wrapper_reads_what_layout_says for the check against the real packages."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.tigervnc import detect, generations, layout

runner = CliRunner()


def env_for(home: Path, **extra: str) -> dict:
    return {"HOME": str(home), "PATH": os.environ.get("PATH", ""), **extra}


def test_modern_falls_back_to_dot_vnc_only_when_the_new_folder_is_missing(tmp_path: Path):
    env = env_for(tmp_path)
    assert layout.dirs(True, env).config == str(tmp_path / ".config/tigervnc")  # neither
    (tmp_path / ".vnc").mkdir()
    d = layout.dirs(True, env)
    assert d.legacy and d.config == str(tmp_path / ".vnc") and d.state == str(tmp_path / ".vnc")
    assert generations.locations(True, env).x509_ca == str(tmp_path / ".vnc/x509_ca.pem")
    assert generations.locations(True, env).server_config == str(tmp_path / ".vnc/config")
    note = layout.layout_note(True, env, "1.15")
    assert note is not None and "keeps using" in note
    (tmp_path / ".config/tigervnc").mkdir(parents=True)
    d = layout.dirs(True, env)
    assert not d.legacy and d.both_exist and d.config == str(tmp_path / ".config/tigervnc")
    note = layout.layout_note(True, env, "1.15")
    assert note is not None and "reads " + str(tmp_path / ".config/tigervnc") in note
    old = layout.layout_note(False, env, "1.12")
    assert old is not None and "reads " + str(tmp_path / ".vnc") in old


def test_relative_xdg_config_home_is_ignored_as_tigervnc_does(tmp_path: Path) -> None:
    env = env_for(tmp_path, XDG_CONFIG_HOME="relative/conf", XDG_STATE_HOME="st")
    d = layout.dirs(True, env)
    assert d.config == str(tmp_path / ".config/tigervnc")
    assert d.state == str(tmp_path / ".local/state/tigervnc")
    absolute = env_for(tmp_path, XDG_CONFIG_HOME=str(tmp_path / "xc"))
    assert layout.dirs(True, absolute).config == str(tmp_path / "xc/tigervnc")


def test_wrapper_config_follows_the_wrapper_that_migrates_dot_vnc(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert layout.wrapper_config(False, env) == str(tmp_path / ".vnc/tigervnc.conf")
    (tmp_path / ".vnc").mkdir()
    # 1.14+ wrapper with only ~/.vnc: it moves ~/.vnc and renames tigervnc.conf -> config.pl
    assert layout.wrapper_config(True, env) == str(tmp_path / ".vnc/tigervnc.conf")
    (tmp_path / ".config/tigervnc").mkdir(parents=True)
    assert layout.wrapper_config(True, env) == str(tmp_path / ".config/tigervnc/config.pl")


@pytest.mark.matrix
@pytest.mark.parametrize("suite,modern", [("bullseye", False), ("trixie", True)])
def test_debian_wrapper_reads_what_layout_says(suite: str, modern: bool) -> None:
    """The real Debian packages' Config.pm (in the matrix trees): the user folder and file
    names layout.py writes to."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "matrix"))
    import matrix  # type: ignore[import-not-found]

    if not (matrix.tree(suite) / matrix.STAMP).is_file():
        if matrix.ci_mode():
            pytest.fail(f"no {suite} tree (CI is set)")
        pytest.skip(f"no {suite} tree at {matrix.tree(suite)}")
    pm = (matrix.tree(suite) / "usr/share/perl5/TigerVNC/Config.pm").read_text()
    user_dir = re.search(r"vncUserDir\s*=>\s*(.*?),\n\s*vnc", pm, re.S)
    assert user_dir is not None
    if modern:
        assert "XDG_CONFIG_HOME" in user_dir.group(1) and "rindex" in user_dir.group(1)
        assert '"config.pl"' in pm and "vncLegacyDir" in pm and "mv($opts->{'vncLegacyDir'}" in pm
    else:
        assert '".vnc"' in user_dir.group(1) and '"tigervnc.conf"' in pm


def _fake(bindir: Path, name: str, out: str, where: str = "stdout") -> None:
    bindir.mkdir(exist_ok=True)
    redirect = "" if where == "stdout" else " >&2"
    p = bindir / name
    p.write_text(f"#!/bin/sh\nprintf '%s\\n' '{out}'{redirect}\nexit 0\n")
    p.chmod(0o755)


def test_detect_asks_every_program_and_falls_back_to_xvnc_help(tmp_path: Path) -> None:
    """Debian 13's Xvnc prints nothing for -version: -help (or the package) tells."""
    bindir = tmp_path / "bin"
    xvnc = bindir / "Xvnc"
    bindir.mkdir()
    xvnc.write_text("#!/bin/sh\n[ \"$1\" = -help ] && echo 'Xvnc TigerVNC 1.15.0 - built x' >&2\n"
                    "exit 0\n")
    xvnc.chmod(0o755)
    _fake(bindir, "vncviewer", "TigerVNC viewer v1.15.0", "stderr")
    env = {"PATH": str(bindir)}
    server = detect.detect("server", env)
    assert server.chosen is not None and server.chosen.version == "1.15.0"
    ours = [f for f in server.findings if f.program == str(xvnc)]
    assert ours and ours[0].source == "Xvnc -help"
    viewer = detect.detect("viewer", env)
    assert viewer.chosen is not None and viewer.chosen.source == "vncviewer -h"
    gen = generations.generation(None, env, programs=("vncviewer",))
    assert gen.version == (1, 15) and "vncviewer -h" in gen.reason


def test_detect_says_when_installed_programs_disagree(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    _fake(a, "vncviewer", "TigerVNC Viewer 64-bit v1.12.0", "stderr")
    _fake(b, "vncviewer", "TigerVNC viewer v1.16.2", "stderr")
    d = detect.detect("viewer", {"PATH": f"{a}{os.pathsep}{b}"})
    assert d.chosen is not None and d.chosen.version == "1.12.0" and d.disagree
    assert "1.16.2" in d.note() and "--tigervnc-version" in d.note()


def _cert(tmp_path: Path, *san: str) -> Path:
    r = runner.invoke(app, ["create", *san, "--yes", "--cert", str(tmp_path / "c.pem"),
                            "--key", str(tmp_path / "k.pem")])
    assert r.exit_code == 0, r.output
    return tmp_path / "c.pem"


@pytest.mark.parametrize("version,refused", [("1.15", True), ("1.16", False)])
def test_ipv6_literal_before_1_16_is_the_sni_refusal(tmp_path: Path, version: str,
                                                     refused: bool) -> None:
    cert = _cert(tmp_path, "--ip", "::1")
    r = runner.invoke(app, ["check", str(cert), "--host", "[::1]", "--json",
                            "--tigervnc-version", version], env={"HOME": str(tmp_path)})
    v = json.loads(r.stdout)
    codes = [p["code"] for p in v["problems"]]
    assert ("ipv6-literal-sni" in codes) == refused and r.exit_code == (1 if refused else 0)
    if refused:
        p = next(p for p in v["problems"] if p["code"] == "ipv6-literal-sni")
        assert "TigerVNC 1.15" in p["message"] and "DNS name" in p["fix"]


def test_check_tells_the_generation_and_its_way_of_stopping(tmp_path: Path) -> None:
    from vncssl.tigervnc import behaviour
    from vncssl.x509.problem import Problem

    cert = _cert(tmp_path, "--ip", "127.0.0.1")
    seen = {}
    for version in ("1.11", "1.13", "1.15"):
        r = runner.invoke(app, ["check", str(cert), "--host", "127.0.0.9", "--json",
                                "--tigervnc-version", version], env={"HOME": str(tmp_path)})
        v = json.loads(r.stdout)
        assert v["tigervnc"]["version"] == version
        assert v["tigervnc"]["source"] == f"--tigervnc-version {version}"
        seen[version] = v["tigervnc"]["notes"][0]
    assert "Hostname (127.0.0.9) does not match" in seen["1.11"]
    assert 'The specified hostname "127.0.0.9"' in seen["1.15"]
    assert "TigerVNC 1.13 (generation 1.13)" in seen["1.13"]
    expired = Problem("expired", "", "", "refuses")
    assert behaviour.stops(expired, (1, 13)) == "asks"
    assert behaviour.stops(Problem("not-yet-valid", "", "", "refuses"), (1, 13)) == "refuses"


def test_forget_without_an_exception_changes_nothing(tmp_path: Path) -> None:
    r = runner.invoke(app, ["tigervnc", "viewer", "--forget", "10.0.0.1"],
                      env={"HOME": str(tmp_path)})
    assert r.exit_code == 0 and "nothing changed" in r.stdout
    assert not (tmp_path / ".vnc").exists() and not (tmp_path / ".local").exists()


def test_forget_keeps_other_hosts_and_a_backup(tmp_path: Path) -> None:
    vnc = tmp_path / ".vnc"
    vnc.mkdir()
    known = vnc / "x509_known_hosts"
    known.write_text("|g0|10.0.0.1|*|0|AAAA\n|g0|10.0.0.2|*|0|BBBB\n")
    r = runner.invoke(app, ["tigervnc", "viewer", "--forget", "10.0.0.1:1", "--json"],
                      env={"HOME": str(tmp_path)})
    assert r.exit_code == 0, r.output
    assert known.read_text() == "|g0|10.0.0.2|*|0|BBBB\n"
    assert json.loads(r.stdout)["removed"] == [f"{known} (1)"]
    assert any(p.name.startswith("x509_known_hosts") and p != known for p in vnc.iterdir())
