"""`vncssl guide`: the wiki's steps with this machine's values; --print Markdown; --os;
never hangs without a terminal; the interactive walk runs a step's command when asked."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.clirunner import CliRunner
from vncssl.cli import app, ui
from vncssl.openssl import binary
from vncssl.openssl import runner as openssl_runner
from vncssl.teach import guide

runner = CliRunner()
STEPS = ["what", "choose", "ip", "install", "create", "check", "key", "server", "viewer",
         "trouble"]


def test_steps_follow_the_wiki_in_order():
    g = guide.build(guide.Facts("linux", False, "192.168.1.5", "the guide's example"))
    assert [s.key for s in g.steps] == STEPS
    text = " ".join(" ".join(s.text + s.points) for s in g.steps)
    for fact in ("Identity", "Privacy", "local.example.com", "DNS-01", "transparency",
                 "synced", "365 days", "never the key"):
        assert fact in text
    create = g.steps[STEPS.index("create")]
    assert create.commands[0].text == (
        "openssl req -x509 -newkey rsa -days 365 -nodes -config openssl.cnf -keyout "
        "vnc-server-private.pem -out vnc-server.pem -subj '/CN=192.168.1.5' -addext "
        '"subjectAltName=IP:192.168.1.5"')
    assert any(p == "-nodes" for p, _ in create.parts)


def test_windows_version_has_the_prompt_line_and_the_openssl3_fallback():
    g = guide.build(guide.Facts("windows", False, "10.0.0.7", "--ip"))
    create = g.steps[STEPS.index("create")]
    shells_used = [c.shell for c in create.commands]
    assert shells_used == ["openssl-prompt", "cmd", "powershell"]
    assert create.commands[0].text.startswith("req -x509 ")
    assert "-subj '/CN=10.0.0.7'" in create.commands[0].text
    assert '-subj "/CN=10.0.0.7"' in create.commands[1].text
    assert create.commands[2].text.startswith(".\\openssl.exe req")
    assert "TLS with X.509 certificates" in " ".join(g.steps[STEPS.index("server")].points)


def test_print_fills_in_this_machines_values(openssl_bin):
    r = runner.invoke(app, ["guide", "--print"])
    assert r.exit_code == 0, r.output
    info = binary.find()[0]
    assert r.stdout.startswith("# Secure your TigerVNC connection (")
    assert f"Found: {info.version_text}" in r.stdout
    for title in ("What is an X.509 certificate?", "Install OpenSSL",
                  "Use the certificate in the TigerVNC viewer"):
        assert title in r.stdout
    assert "What each part means:" in r.stdout
    assert "```sh\nopenssl req -x509 -newkey rsa -days 365 -nodes -config " in r.stdout


@pytest.mark.parametrize("os_name, marker", [("windows", "```text\nreq -x509"),
                                             ("macos", "brew install openssl@3"),
                                             ("linux", "sudo apt-get install openssl")])
def test_print_for_each_os(os_name, marker):
    r = runner.invoke(app, ["guide", "--print", "--os", os_name, "--ip", "192.168.1.5"])
    assert r.exit_code == 0, r.output
    assert marker in r.stdout
    assert "192.168.1.5" in r.stdout


def test_bad_os_and_bad_ip_are_usage_errors():
    r = runner.invoke(app, ["guide", "--print", "--os", "beos"])
    assert r.exit_code == 2 and "--os" in r.output
    r = runner.invoke(app, ["guide", "--print", "--ip", "999.1.1.1"])
    assert r.exit_code == 2


def test_without_a_terminal_it_prints_instead_of_waiting():
    proc = subprocess.run([sys.executable, "-m", "vncssl", "guide", "--os", "linux"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# Secure your TigerVNC connection (linux)")
    assert "Not a terminal" in proc.stderr


def test_interactive_walk_runs_create_when_asked(tmp_path, monkeypatch, openssl_bin):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ui, "stdin_is_tty", lambda: True)
    asked = []
    monkeypatch.setattr(ui, "confirm", lambda q, default=False: asked.append(q) or True)
    monkeypatch.setattr(ui, "ask", lambda q, default=None: "")
    r = runner.invoke(app, ["guide", "--ip", "127.0.0.1"])
    assert r.exit_code == 0, r.output
    assert "10/10" in r.stdout and "Created" in r.stdout
    assert len(asked) >= 3  # ips, version, create, show
    out = openssl_runner.run([openssl_bin, "x509", "-in", str(tmp_path / "vnc-server.pem"),
                              "-noout", "-ext", "subjectAltName"]).stdout
    assert "IP Address:127.0.0.1" in out
    assert (tmp_path / "vnc-server-private.pem").stat().st_mode & 0o077 == 0
    assert "IP Address:127.0.0.1" in r.stdout  # the "show" step ran openssl x509


def test_interactive_walk_can_quit_early(monkeypatch):
    monkeypatch.setattr(ui, "stdin_is_tty", lambda: True)
    monkeypatch.setattr(ui, "confirm", lambda q, default=False: False)
    monkeypatch.setattr(ui, "ask", lambda q, default=None: "q")
    r = runner.invoke(app, ["guide", "--os", "macos"])
    assert r.exit_code == 0, r.output
    assert "1/10" in r.stdout and "2/10" not in r.stdout


def test_a_second_walk_asks_before_replacing_and_never_says_pass_force(tmp_path, monkeypatch,
                                                                       openssl_bin):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ui, "stdin_is_tty", lambda: True)
    monkeypatch.setattr(ui, "ask", lambda q, default=None: "")
    monkeypatch.setattr(ui, "confirm", lambda q, default=False: True)
    assert runner.invoke(app, ["guide", "--ip", "127.0.0.1"]).exit_code == 0
    first = (tmp_path / "vnc-server.pem").read_bytes()
    asked = []
    monkeypatch.setattr(ui, "confirm", lambda q, default=False: asked.append(q) or
                        not q.startswith("vnc-server.pem and"))
    r = runner.invoke(app, ["guide", "--ip", "127.0.0.1"])
    assert r.exit_code == 0, r.output
    assert any("already exist. Replace them" in q for q in asked)
    assert "--force" not in r.output and "Nothing was changed." in r.output
    assert (tmp_path / "vnc-server.pem").read_bytes() == first
    monkeypatch.setattr(ui, "confirm", lambda q, default=False: True)
    r = runner.invoke(app, ["guide", "--ip", "127.0.0.1"])
    assert "Created" in r.stdout and list(tmp_path.glob("vnc-server-private.pem.*.bak"))


def test_every_command_the_walk_offers_on_this_machine_can_run(monkeypatch):
    from vncssl.teach.guide import build, gather

    g = build(gather(ip="127.0.0.1"))
    step = next(s for s in g.steps if s.key == "ip")
    assert all(c.run for c in step.commands)  # no command shown that the walk skips


def test_the_server_step_shows_this_machines_real_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["guide", "--print", "--ip", "127.0.0.1"])
    assert r.exit_code == 0
    assert f"x509cert={tmp_path / 'vnc-server.pem'}" in r.stdout and "/full/path/" not in r.stdout
    other = runner.invoke(app, ["guide", "--print", "--os", "macos", "--ip", "192.168.1.5"])
    assert other.exit_code == 0 and "x509cert=/full/path/vnc-server.pem" in other.stdout
