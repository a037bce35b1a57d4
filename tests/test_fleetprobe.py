"""The hosts file both `ca issue --from` and `probe --from` read (pure parsing)."""

from __future__ import annotations

import pytest

from vncssl.ca import fleet
from vncssl.errors import UsageError
from vncssl.tigervnc import fleetprobe

FILE = """# name   what viewers type
vnc1  192.168.1.21:1  vnc1.lan
vnc2  vnc2.lan::5902, 10.8.0.22
vnc3  fd00::5
vnc4.lan
"""


def test_one_file_for_issuing_and_probing() -> None:
    issued = {h.name: [n.san for n in h.names] for h in fleet.parse_hosts(FILE)}
    assert issued == {"vnc1": ["IP:192.168.1.21", "DNS:vnc1.lan"],
                      "vnc2": ["IP:10.8.0.22", "DNS:vnc2.lan"],
                      "vnc3": ["IP:fd00::5"], "vnc4.lan": ["DNS:vnc4.lan"]}
    probed = {t.name: t.address for t in fleetprobe.parse_targets(FILE)}
    # The first address, as the viewer takes it; a bare IPv6 address is one address.
    assert probed == {"vnc1": "192.168.1.21:1", "vnc2": "vnc2.lan::5902",
                      "vnc3": "[fd00::5]", "vnc4.lan": "vnc4.lan"}


@pytest.mark.parametrize("text, words", [
    ("", "lists no servers"),
    ("a 10.0.0.1\na 10.0.0.2\n", "already on line 1"),
    ("a 10.0.0.1:x\n", "line 1"),
])
def test_bad_hosts_files(text: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        fleetprobe.parse_targets(text)


def test_exit_code_precedence() -> None:
    def result(*verdicts: str) -> fleetprobe.FleetResult:
        return fleetprobe.FleetResult("t", 1, 0.0, [fleetprobe.HostResult(str(i), "s", v)
                                                    for i, v in enumerate(verdicts)])
    assert result("accepted", "accepted").exit_code == 0
    assert result("accepted", "problems").exit_code == 1
    assert result("problems", "unreachable").exit_code == 3
    assert result("accepted", "failed").exit_code == 3
