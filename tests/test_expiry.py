"""`vncssl expiry`: exit codes for cron/systemd, and the examples that use it."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests.clirunner import CliRunner
from tests.test_check import mk
from vncssl.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).parent.parent / "examples"


def test_valid_cert_is_exit_0_and_says_when(tmp_path: Path) -> None:
    cert = mk(tmp_path, "c", days="90", key="ec")
    r = runner.invoke(app, ["expiry", str(cert)])
    assert r.exit_code == 0 and "expires on" in r.stdout and "in 89 days" in r.stdout


def test_due_within_days_is_exit_1_like_checkend(tmp_path: Path) -> None:
    cert = mk(tmp_path, "c", days="20", key="ec")
    r = runner.invoke(app, ["expiry", str(cert)])
    assert r.exit_code == 1 and "Renewal due" in r.stdout
    assert runner.invoke(app, ["expiry", str(cert), "--within", "10"]).exit_code == 0
    for days, want in ((10, 0), (25, 1)):
        rc = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-checkend",
                             str(days * 86400)], capture_output=True).returncode
        assert rc == want  # the same answers as openssl's own -checkend
        assert runner.invoke(app, ["expiry", str(cert), "--within", str(days)]
                             ).exit_code == want


def test_expired_is_exit_1(tmp_path: Path) -> None:
    from tests import tigervnc_harness as h

    before, after = h.expired_window(ago_days=2)
    c = h.make_cert_with_dates(tmp_path, "old", not_before=before, not_after=after,
                               san="IP:10.0.0.1")
    r = runner.invoke(app, ["expiry", str(c.cert), "--json"])
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["expired"] is True and data["due"] is True and data["days_left"] < 0


def test_missing_or_invalid_file_is_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["expiry", str(tmp_path / "none.pem")]).exit_code == 2
    (tmp_path / "bad.pem").write_text("hello")
    assert runner.invoke(app, ["expiry", str(tmp_path / "bad.pem")]).exit_code == 2
    cert = mk(tmp_path, "c", key="ec")
    assert runner.invoke(app, ["expiry", str(cert), "--within", "-1"]).exit_code == 2


def _vncssl_on_path() -> dict:
    env = dict(os.environ)
    exe = shutil.which("vncssl") or str(Path(sys.executable).parent / "vncssl")
    env["PATH"] = f"{Path(exe).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _pipx_like_home(tmp_path: Path) -> dict:
    """A HOME whose ~/.local/bin/vncssl is the real one (as pipx installs it), and the bare
    PATH cron and systemd give: a bare `vncssl` is not found there."""
    exe = shutil.which("vncssl") or str(Path(sys.executable).parent / "vncssl")
    (tmp_path / ".local" / "bin").mkdir(parents=True)
    (tmp_path / ".local" / "bin" / "vncssl").symlink_to(exe)
    return dict(os.environ, HOME=str(tmp_path), PATH="/usr/bin:/bin")


def _vnc_dir(tmp_path: Path, days: str) -> Path:
    vnc = tmp_path / ".vnc"
    vnc.mkdir(exist_ok=True)
    mk(vnc, "vnc-server", days=days, key="ec")
    (vnc / "vnc-server.key").replace(vnc / "vnc-server-private.pem")
    return vnc


def test_cron_example_renews_only_when_due(tmp_path: Path) -> None:
    lines = [ln for ln in (EXAMPLES / "cron" / "vncssl-renew.cron").read_text().splitlines()
             if ln and not ln.startswith("#")]
    assignment = next(ln for ln in lines if ln.startswith("VNCSSL="))
    command = next(ln for ln in lines if not ln.startswith("VNCSSL=")).split(None, 5)[5]
    assert '"$VNCSSL" expiry' in command and '"$VNCSSL" renew' in command
    env = _pipx_like_home(tmp_path)
    # the crontab's own variable, pointed at this HOME's ~/.local/bin, as the comment says
    env["VNCSSL"] = assignment.split("=", 1)[1].replace("/home/me", str(tmp_path))
    vnc = _vnc_dir(tmp_path, "90")
    subprocess.run(["sh", "-c", command], env=env, check=True, capture_output=True)
    assert sorted(p.name for p in vnc.iterdir()) == ["vnc-server-private.pem", "vnc-server.pem"]
    _vnc_dir(tmp_path, "10")  # now due: the line must renew it
    out = subprocess.run(["sh", "-c", command], env=env, check=True, capture_output=True,
                         text=True).stdout
    assert "REPLACE" in out and len(list(vnc.glob("*.bak"))) == 2
    assert runner.invoke(app, ["expiry", str(vnc / "vnc-server.pem")]).exit_code == 0


def _unit_line(service: str, key: str, home: Path) -> str:
    line = next(ln for ln in service.splitlines() if ln.startswith(key + "="))
    return line.split("=", 1)[1].replace("%h", str(home))


def test_systemd_units_renew_only_when_due_with_absolute_paths(tmp_path: Path) -> None:
    service = (EXAMPLES / "systemd" / "vncssl-renew.service").read_text()
    timer = (EXAMPLES / "systemd" / "vncssl-renew.timer").read_text()
    assert "Type=oneshot" in service and "--yes" in service
    assert "OnCalendar=" in timer and "WantedBy=timers.target" in timer
    condition = _unit_line(service, "ExecCondition", tmp_path)
    start = _unit_line(service, "ExecStart", tmp_path)
    assert start.startswith(str(tmp_path / ".local/bin/vncssl"))  # absolute, as systemd needs
    assert condition.startswith("/bin/sh -c '! ") and "vncssl expiry" in condition
    env = _pipx_like_home(tmp_path)
    vnc = _vnc_dir(tmp_path, "90")
    cwd = _unit_line(service, "WorkingDirectory", tmp_path)
    assert cwd == str(vnc)

    def run(cmdline: str) -> int:  # systemd's splitting: shell-like words, no shell
        return subprocess.run(shlex.split(cmdline), env=env, cwd=cwd, capture_output=True
                              ).returncode

    assert run(condition) == 1  # valid for 90 days: systemd skips ExecStart
    _vnc_dir(tmp_path, "10")
    assert run(condition) == 0  # due: ExecStart runs ...
    assert run(start) == 0  # ... and renews
    assert runner.invoke(app, ["expiry", str(vnc / "vnc-server.pem")]).exit_code == 0


def test_not_yet_valid_is_exit_1_with_its_own_status(tmp_path: Path) -> None:
    from tests import tigervnc_harness as h

    before, after = h.not_yet_valid_window(in_days=3)
    c = h.make_cert_with_dates(tmp_path, "early", not_before=before, not_after=after,
                               san="IP:10.0.0.1")
    r = runner.invoke(app, ["expiry", str(c.cert), "--json"])
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["status"] == "not-yet-valid" and data["not_yet_valid"] is True
    assert data["exit_code"] == 1 and data["expired"] is False
    human = runner.invoke(app, ["expiry", str(c.cert)])
    assert human.exit_code == 1 and "NOT YET VALID" in human.stdout and "OK" not in human.stdout
    # the same answer as `check`: the viewer refuses it
    chk = runner.invoke(app, ["check", str(c.cert), "--host", "10.0.0.1", "--json"])
    assert chk.exit_code == 1 and "not-yet-valid" in chk.stdout


def test_statuses_are_documented_with_their_exit_codes() -> None:
    from vncssl.x509.expiry import STATUSES

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for status, code in STATUSES.items():
        assert f"| `{status}` | {code} |" in readme


def test_the_renew_advice_names_this_certificate_and_its_key(tmp_path: Path) -> None:
    d = tmp_path / "my certs"
    d.mkdir()
    cert = mk(d, "old", days="5", key="ec")
    (d / "old.key").rename(d / "old-private.pem")
    r = runner.invoke(app, ["expiry", str(cert), "--json"])
    assert r.exit_code == 1
    fix = json.loads(r.stdout)["fix"]
    assert fix == f"vncssl renew --cert '{cert}' --key '{d / 'old-private.pem'}'"
    # pasted into a shell, it renews exactly that pair
    env = _vncssl_on_path()
    subprocess.run(["sh", "-c", fix + " --yes"], env=env, check=True, capture_output=True)
    assert runner.invoke(app, ["expiry", str(cert)]).exit_code == 0
    assert not (d / "vnc-server.pem").exists() and not (tmp_path / "vnc-server.pem").exists()
