"""What each TigerVNC generation does, as vncssl says it, against the real viewers of the
matrix (host: 1.12, bullseye: 1.11, trixie: 1.15): the dialogs in their order, remembered
exceptions (x509_known_hosts, in the folder that generation uses) and `--forget`, and where
`viewer --install` puts X509CA in a home that has only ~/.vnc."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

import pytest

from tests import tigervnc_harness as h
from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.tigervnc import behaviour
from vncssl.x509.problem import Problem

pytestmark = pytest.mark.tigervnc


def _version(viewer: h.Install) -> str:
    return ".".join(map(str, viewer.viewer_version()[:2]))


def _env(home: Path) -> Dict[str, str]:
    # The harness gives the viewer exactly these (run_viewer): vncssl must see the same home.
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_STATE_HOME": str(home / ".local/state"),
            "XDG_DATA_HOME": str(home / ".local/share")}


def _check(cert: Path, host: str, ca: Path, version: str, home: Path) -> dict:
    r = CliRunner().invoke(app, ["check", str(cert), "--host", host, "--ca", str(ca), "--json",
                                 "--tigervnc-version", version], env=_env(home))
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


def test_dialogs_in_the_order_the_generation_opens_them(tmp_path: Path,
                                                        viewer: h.Install) -> None:
    """An expired certificate reached by a name it does not carry: 1.11/1.12 refuse outright,
    1.14+ ask "Unknown certificate issuer" first. check's `dialogs` is what the viewer asked
    when every question is answered Yes."""
    exp = h.make_cert_with_dates(tmp_path, "127.0.0.1", san="IP:127.0.0.1", name="expired",
                                 not_before=h.expired_window()[0],
                                 not_after=h.expired_window()[1])
    version = _version(viewer)
    home = tmp_path / "home"
    home.mkdir()
    for host in ("127.0.0.1", "127.0.0.2"):
        told = _check(exp.cert, host, exp.cert, version, home)
        with h.xvnc_server(exp.cert, exp.key, listen=("127.0.0.1", "127.0.0.2")) as srv:
            out = h.run_viewer(host, srv.port, x509ca=exp.cert, home=tmp_path / f"v-{host}",
                               answer="yes", server=srv, install=viewer)
        asked = told["tigervnc"]["dialogs"]
        assert out.prompts == asked, (out, told)
        assert (out.kind == "refused") == (told["viewer"] == "refuses"), (out, told)
        assert any(f"TigerVNC {version}" in n for n in told["tigervnc"]["notes"]), told


def test_a_remembered_exception_is_reported_and_forgotten(tmp_path: Path,
                                                          viewer: h.Install) -> None:
    """Answer Yes to "Unknown certificate issuer": the viewer stores the exception in its
    generation's known-hosts file and connects silently afterwards. check says so (that is
    exactly when the viewer will not warn); `--forget` removes it and the viewer asks again."""
    server = h.make_selfsigned(tmp_path / "s", "127.0.0.1", "IP:127.0.0.1")
    other = h.make_selfsigned(tmp_path / "o", "127.0.0.1", "IP:127.0.0.1")
    version = _version(viewer)
    home = tmp_path / "home"
    home.mkdir()
    with h.xvnc_server(server.cert, server.key) as srv:
        first = h.run_viewer("127.0.0.1", srv.port, x509ca=other.cert, home=home,
                             answer="yes", server=srv, install=viewer)
        assert first.prompts == ["Unknown certificate issuer"] and first.kind == "connected"
        told = _check(server.cert, "127.0.0.1", other.cert, version, home)
        codes = [p["code"] for p in told["problems"]]
        assert "remembered-exception" in codes and told["tigervnc"]["exception"] is True
        known = Path(told["tigervnc"]["known_hosts"])
        assert known.is_file() and "127.0.0.1" in known.read_text()
        modern = behaviour.generation(tuple(map(int, version.split("."))))
        assert (".local/state/tigervnc" in str(known)) == modern.xdg_layout
        again = h.run_viewer("127.0.0.1", srv.port, x509ca=other.cert, home=home, server=srv,
                             install=viewer)
        assert again.kind == "connected" and again.prompts == []  # silently, as reported
        r = CliRunner().invoke(app, ["tigervnc", "viewer", "--forget", "127.0.0.1"],
                               env=_env(home))
        assert r.exit_code == 0 and "Removed" in r.stdout, r.output
        assert "127.0.0.1" not in known.read_text()
        after = h.run_viewer("127.0.0.1", srv.port, x509ca=other.cert, home=home, server=srv,
                             install=viewer)
        assert after.prompts == ["Unknown certificate issuer"], after
    told = _check(server.cert, "127.0.0.1", other.cert, version, home)
    assert "remembered-exception" not in [p["code"] for p in told["problems"]]


def test_install_in_a_home_with_only_dot_vnc_keeps_that_setup(tmp_path: Path,
                                                              viewer: h.Install) -> None:
    """For every generation, `viewer --install` in a home that has only ~/.vnc writes
    ~/.vnc/x509_ca.pem and creates no ~/.config/tigervnc (a 1.14+ viewer would move there and
    stop trusting what ~/.vnc holds); the real viewer then connects with no -X509CA."""
    server = h.make_selfsigned(tmp_path / "s", "127.0.0.1", "IP:127.0.0.1")
    home = tmp_path / "home"
    (home / ".vnc").mkdir(parents=True)
    r = CliRunner().invoke(app, ["tigervnc", "viewer", "--cert", str(server.cert), "--install",
                                 "--tigervnc-version", _version(viewer), "--json"],
                           env=_env(home))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["installed"] == str(home / ".vnc" / "x509_ca.pem")
    assert not (home / ".config" / "tigervnc").exists()
    with h.xvnc_server(server.cert, server.key) as srv:
        out = h.run_viewer("127.0.0.1", srv.port, x509ca=None, home=home, server=srv,
                           install=viewer)
    assert out.kind == "connected", out


def test_descriptions_name_their_generation() -> None:
    expired = Problem("expired", "m", "f", "refuses")
    assert behaviour.describe(expired, (1, 12), "h") == (
        "TigerVNC 1.12 (generation 1.11-1.12) refuses this outright (no question to answer).")
    assert "1.13" in behaviour.describe(expired, (1, 13), "h")  # type: ignore[operator]
    assert behaviour.dialogs([expired], (1, 13)) == ["Expired certificate"]
    assert behaviour.dialogs([expired], (1, 15)) == ["Unknown certificate issuer",
                                                     "Expired certificate"]
    mismatch = Problem("hostname-mismatch", "m", "f", "asks")
    said = behaviour.describe(mismatch, (1, 14), "10.0.0.1")
    assert said is not None and 'The specified hostname "10.0.0.1"' in said
    assert behaviour.dialogs([mismatch, Problem("unknown-issuer", "", "")], (1, 13)) == [
        "Certificate hostname mismatch", "Unknown certificate issuer"]
