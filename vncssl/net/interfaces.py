"""This machine's addresses, ranked for the question "which one do viewers type?"."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import List, Optional

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


def classify(ip_text: str, interface: str) -> Optional[Address]:
    try:
        ip = ipaddress.ip_address(ip_text.split("%", 1)[0])
    except ValueError:
        return None
    if ip.is_loopback or ip.is_unspecified or ip.is_multicast:
        return None
    if ip.is_link_local:
        return Address(str(ip), interface, ip.version, 90, "link-local", False)
    if _VIRTUAL_IFACE.match(interface):
        return Address(str(ip), interface, ip.version, 80, "virtual bridge/tunnel", False)
    if ip.version == 4 and ip in ipaddress.ip_network("100.64.0.0/10"):
        return Address(str(ip), interface, 4, 40, "VPN/overlay (CGNAT range)", True)
    if ip.is_private:
        if ip.version == 4:
            return Address(str(ip), interface, 4, 0, "private LAN", True)
        return Address(str(ip), interface, 6, 20, "private LAN (IPv6 ULA)", True)
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
