"""Ranking this machine's addresses: which one would viewers on the LAN type?"""

from __future__ import annotations

import pytest

from vncssl.net import interfaces


@pytest.mark.parametrize("ip,iface,kind,usable", [
    ("192.168.1.5", "eth0", "private LAN", True),
    ("10.0.0.7", "wlan0", "private LAN", True),
    ("172.17.0.1", "docker0", "virtual bridge/tunnel", False),
    ("192.168.122.1", "virbr0", "virtual bridge/tunnel", False),
    ("10.1.2.3", "veth1234", "virtual bridge/tunnel", False),
    ("100.101.102.103", "eth0", "VPN/overlay (CGNAT range)", True),
    ("fd00::5", "eth0", "private LAN (IPv6 ULA)", True),
    ("fe80::1%eth0", "eth0", "link-local", False),
    ("169.254.10.10", "eth0", "link-local", False),
    ("8.8.4.4", "eth0", "public", True),
])
def test_classify(ip: str, iface: str, kind: str, usable: bool) -> None:
    a = interfaces.classify(ip, iface)
    assert a is not None and a.kind == kind and a.usable is usable


@pytest.mark.parametrize("ip,kind,usable", [
    ("192.0.2.2", "documentation (RFC 5737)", True),
    ("198.51.100.7", "documentation (RFC 5737)", True),
    ("203.0.113.9", "documentation (RFC 5737)", True),
    ("198.18.0.1", "benchmarking (RFC 2544)", True),
    ("2001:db8::5", "documentation (RFC 3849)", True),
    ("100.64.0.1", "VPN/overlay (CGNAT range)", True),
    ("100.127.255.254", "VPN/overlay (CGNAT range)", True),
    ("169.254.1.1", "link-local", False),
    ("192.0.0.9", "IETF protocol (RFC 6890)", False),
    ("240.0.0.1", "reserved (RFC 1112)", False),
    ("255.255.255.255", "broadcast", False),
    ("64:ff9b::c000:201", "NAT64 translation (RFC 6052)", False),
    ("2002:c000:201::1", "6to4 tunnel", False),
    ("172.32.0.1", "public", True),  # just past 172.16.0.0/12
    ("100.128.0.1", "public", True),  # just past 100.64.0.0/10
])
def test_reserved_ranges_are_named_for_what_they_are(ip: str, kind: str, usable: bool) -> None:
    a = interfaces.classify(ip, "eth0")
    assert a is not None and (a.kind, a.usable) == (kind, usable)
    assert "private" not in a.kind


def test_documentation_addresses_rank_after_every_real_kind() -> None:
    doc = interfaces.classify("192.0.2.2", "eth0")
    for other in ("192.168.1.5", "8.8.8.8", "fd00::2", "2a00::1", "100.64.0.1"):
        a = interfaces.classify(other, "eth0")
        assert a is not None and doc is not None and a.rank < doc.rank


@pytest.mark.parametrize("ip", ["127.0.0.1", "::1", "0.0.0.0", "224.0.0.1", "not-an-ip"])
def test_never_offered(ip: str) -> None:
    assert interfaces.classify(ip, "lo") is None


def test_private_lan_ipv4_ranks_first(monkeypatch: pytest.MonkeyPatch) -> None:
    class Ip:
        def __init__(self, ip: object) -> None:
            self.ip = ip

    class Adapter:
        def __init__(self, name: str, ips: list) -> None:
            self.name = self.nice_name = name
            self.ips = [Ip(i) for i in ips]

    import ifaddr

    monkeypatch.setattr(ifaddr, "get_adapters", lambda: [
        Adapter("lo", ["127.0.0.1", ("::1", 0, 0)]),
        Adapter("docker0", ["172.17.0.1"]),
        Adapter("eth0", [("fe80::1", 0, 2), ("fd00::5", 0, 0), "8.8.4.4", "192.168.1.5"]),
    ])
    ranked = interfaces.ranked()
    assert [a.ip for a in ranked][:3] == ["192.168.1.5", "8.8.4.4", "fd00::5"]
    assert interfaces.best(ranked).ip == "192.168.1.5"
    assert {a.ip for a in ranked if not a.usable} == {"172.17.0.1", "fe80::1"}
