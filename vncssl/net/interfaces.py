"""This machine's addresses, ranked for the question "which one do viewers type?"."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

# Virtual bridges and tunnels that viewers on the LAN cannot reach.
_VIRTUAL_IFACE = re.compile(
    r"^(docker\d*|br-[0-9a-f]+|virbr\d*|veth.*|vmnet\d*|vboxnet\d*|lxc.*|lxdbr\d*|cni\d*|"
    r"flannel.*|cali.*|podman\d*|tun\d*|tap\d*|wg\d*|zt.*|tailscale\d*|utun\d*|awdl\d*|"
    r"llw\d*|anpi\d*|bridge\d*|kube.*|weave|vEthernet.*)", re.IGNORECASE)


@dataclass(frozen=True)
class Address:
    ip: str
    interface: str
    version: int
    rank: int  # lower is better
    kind: str  # "private LAN", "public", "VPN/overlay", "virtual bridge", ...
    usable: bool  # worth putting in a certificate for LAN viewers

    @property
    def recommended(self) -> bool:
        return self.rank == 0


# IANA's special-purpose registries (RFC 6890 and successors), by what a viewer can do with
# the address. Python's `is_private` lumps documentation, benchmarking and reserved ranges
# in with RFC 1918, so every range is named here. Order matters: first match wins.
# Documentation and benchmarking ranges are never routed on the Internet, but a lab that uses
# one reaches its machines there: offered, ranked last, and labelled for what they are.
# (network, kind, rank, usable)
_RANGES: Tuple[Tuple[str, str, int, bool], ...] = (
    ("10.0.0.0/8", "private LAN", 0, True),
    ("172.16.0.0/12", "private LAN", 0, True),
    ("192.168.0.0/16", "private LAN", 0, True),
    ("100.64.0.0/10", "VPN/overlay (CGNAT range)", 40, True),
    ("169.254.0.0/16", "link-local", 90, False),
    ("192.0.2.0/24", "documentation (RFC 5737)", 50, True),
    ("198.51.100.0/24", "documentation (RFC 5737)", 50, True),
    ("203.0.113.0/24", "documentation (RFC 5737)", 50, True),
    ("198.18.0.0/15", "benchmarking (RFC 2544)", 50, True),
    ("192.0.0.0/24", "IETF protocol (RFC 6890)", 95, False),
    ("192.88.99.0/24", "6to4 relay anycast (deprecated)", 95, False),
    ("255.255.255.255/32", "broadcast", 95, False),
    ("240.0.0.0/4", "reserved (RFC 1112)", 95, False),
    ("0.0.0.0/8", "\"this network\" (RFC 1122)", 95, False),
    ("fe80::/10", "link-local", 90, False),
    ("fc00::/7", "private LAN (IPv6 ULA)", 20, True),
    ("2001:db8::/32", "documentation (RFC 3849)", 50, True),
    ("3fff::/20", "documentation (RFC 9637)", 50, True),
    ("2001:2::/48", "benchmarking (RFC 5180)", 50, True),
    ("100::/64", "discard (RFC 6666)", 95, False),
    ("64:ff9b::/96", "NAT64 translation (RFC 6052)", 95, False),
    ("64:ff9b:1::/48", "NAT64 translation (RFC 8215)", 95, False),
    ("2001::/32", "Teredo tunnel", 80, False),
    ("2002::/16", "6to4 tunnel", 80, False),
    ("fec0::/10", "site-local (deprecated)", 95, False),
)
_NETWORKS = tuple((ipaddress.ip_network(net), kind, rank, usable)
                  for net, kind, rank, usable in _RANGES)


def classify(ip_text: str, interface: str) -> Optional[Address]:
    try:
        ip = ipaddress.ip_address(ip_text.split("%", 1)[0])
    except ValueError:
        return None
    if ip.is_loopback or ip.is_unspecified or ip.is_multicast:
        return None
    for net, kind, rank, usable in _NETWORKS:
        if ip.version == net.version and ip in net:
            if usable and _VIRTUAL_IFACE.match(interface):
                break
            return Address(str(ip), interface, ip.version, rank, kind, usable)
    if _VIRTUAL_IFACE.match(interface):
        return Address(str(ip), interface, ip.version, 80, "virtual bridge/tunnel", False)
    return Address(str(ip), interface, ip.version, 10 if ip.version == 4 else 30, "public", True)


def ranked() -> List[Address]:
    import ifaddr  # imported here: only `ips` and the default `create` path need it

    found = {}
    for adapter in ifaddr.get_adapters():
        label = adapter.nice_name or adapter.name
        for ip in adapter.ips:
            text = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            addr = classify(text, label)
            if addr and addr.ip not in found:
                found[addr.ip] = addr
    result = sorted(found.values(), key=lambda a: (a.rank, a.version, a.interface, a.ip))
    # rank 0 marks the recommendation; renumber so the first usable entry is it.
    out: List[Address] = []
    for i, entry in enumerate(result):
        out.append(Address(entry.ip, entry.interface, entry.version,
                           i if entry.usable else 100 + i, entry.kind, entry.usable))
    return out


def best(addresses: List[Address]) -> Optional[Address]:
    usable = [a for a in addresses if a.usable]
    return usable[0] if usable else None
