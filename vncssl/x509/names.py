"""IP addresses, DNS names, subjectAltName strings and -subj escaping. Pure validation.

Everything that reaches `-subj`, `-addext` or a config file passes through here, so that no
input can add a subject attribute, a SAN entry, an argv element or a config line.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Iterable, List, Sequence, Tuple

from vncssl.errors import InvalidNameError, UsageError
from vncssl.x509 import idna

_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_IPV4ISH_RE = re.compile(r"[0-9.]+")


@dataclass(frozen=True)
class Name:
    kind: str  # "IP" or "DNS"
    value: str  # canonical form (compressed IPv6, lower-case punycode DNS)

    @property
    def san(self) -> str:
        return f"{self.kind}:{self.value}"


def parse_ip(text: str) -> str:
    raw = text.strip()
    if not raw:
        raise InvalidNameError("An empty IP address was given.", "Pass e.g. --ip 192.168.1.5.")
    if raw.startswith("[") and raw.endswith("]"):
        raw = raw[1:-1]
    if "%" in raw:
        raise InvalidNameError(
            f"IP address {text!r} has a zone id ({raw.split('%', 1)[1]!r}).",
            f"Zone ids belong to one machine's interface, not to a certificate: "
            f"use --ip {raw.split('%', 1)[0]}.",
        )
    if _IPV4ISH_RE.fullmatch(raw) and any(
        len(part) > 1 and part.startswith("0") for part in raw.split(".")
    ):
        # 010.0.0.1 is 10.0.0.1 to some parsers and 8.0.0.1 (octal) to others.
        raise InvalidNameError(
            f"IP address {text!r} has a leading zero, which is ambiguous (octal or decimal?).",
            "Write it without leading zeros, e.g. 10.0.0.1.",
        )
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        hint = "Use --dns for host names." if re.search(r"[a-zA-Z]", raw) and ":" not in raw \
            else "Give a dotted IPv4 address like 192.168.1.5 or an IPv6 address."
        raise InvalidNameError(f"{text!r} is not a valid IP address.", hint) from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        raise InvalidNameError(
            f"{text!r} is an IPv4-mapped IPv6 address.",
            f"Viewers connect to the IPv4 address: use --ip {ip.ipv4_mapped}.",
        )
    if ip.is_unspecified or ip.is_multicast:
        raise InvalidNameError(
            f"{text!r} is not an address a viewer can connect to "
            f"({'unspecified' if ip.is_unspecified else 'multicast'}).",
            "Use the address viewers type to reach the server, e.g. its LAN address.",
        )
    return str(ip)


def parse_dns(text: str) -> str:
    raw = text.strip()
    if not raw:
        raise InvalidNameError("An empty DNS name was given.", "Pass e.g. --dns vnc.example.com.")
    if raw.endswith(".") and not raw.endswith(".."):
        raw = raw[:-1]
    try:
        ipaddress.ip_address(raw.strip("[]"))
    except ValueError:
        pass
    else:
        raise InvalidNameError(f"{text!r} is an IP address, not a DNS name.", f"Use --ip {raw}.")
    wildcard = raw.startswith("*.")
    body = raw[2:] if wildcard else raw
    if "*" in body:
        raise InvalidNameError(
            f"DNS name {text!r}: a wildcard is allowed only as the whole first label (*.lan).",
            "Write it as *.example.lan, or list each name with --dns.",
        )
    try:
        # IDNA2008, as GnuTLS maps the name the viewer is given (faß -> xn--fa-hia), so the
        # certificate names the host the user types; Python's codec is IDNA2003 (fass).
        ascii_name = body if body.isascii() else idna.to_ascii(body)
    except (idna.IdnaError, UnicodeError) as exc:
        raise InvalidNameError(
            f"DNS name {text!r} cannot be converted to an international (IDNA2008) name"
            + (f": {exc}" if str(exc) else "") + ".",
            "Check the spelling, or give its punycode (xn--...) form.",
        ) from None
    ascii_name = ascii_name.lower()
    labels = ascii_name.split(".")
    for label in labels:
        if not _LABEL_RE.fullmatch(label):
            why = "an empty label (two dots in a row?)" if not label else (
                "a label longer than 63 characters" if len(label) > 63 else
                f"the label {label!r}: only letters, digits and inner hyphens are allowed")
            raise InvalidNameError(f"DNS name {text!r} has {why}.",
                                   "Use a host name like computer1.local.example.com.")
    if len(ascii_name) > 253:
        raise InvalidNameError(f"DNS name {text!r} is longer than 253 characters.", "")
    if labels[-1].isdigit():
        raise InvalidNameError(f"DNS name {text!r} ends in an all-numeric label.",
                               "If it is an IP address, use --ip.")
    if wildcard and len(labels) < 2:
        raise InvalidNameError(
            f"Wildcard {text!r} would cover a whole top-level domain.",
            "Use a wildcard under your own domain, e.g. *.lan.example.com.",
        )
    return ("*." if wildcard else "") + ascii_name


def looks_like_ip(text: str) -> bool:
    """What mkcert does with a bare name: digits and dots, or a colon, mean an IP address
    (so `192.168.1.500` is a bad IP, not a DNS name; DNS names have no colon)."""
    raw = text.strip()
    return ":" in raw or raw.startswith("[") or bool(_IPV4ISH_RE.fullmatch(raw))


def parse_name(text: str) -> Name:
    """A name given without --ip/--dns (an argument, a prompt): an IP or a DNS name, each
    validated exactly as --ip and --dns are."""
    if looks_like_ip(text):
        return Name("IP", parse_ip(text))
    return Name("DNS", parse_dns(text))


def parse_host(text: str, option: str = "--host") -> str:
    """The name or address a viewer connects to (no port): an IP address or a DNS name that
    could be in a certificate. Returned as typed (without brackets): the viewer compares
    that, not a canonical form."""
    raw = text.strip()
    if raw.startswith("[") and raw.endswith("]"):
        raw = raw[1:-1]
    if not raw:
        raise InvalidNameError(f"{option} is empty.", "Give the name or address viewers type.")
    try:
        if looks_like_ip(raw):
            parse_ip(raw)
        elif parse_dns(raw).startswith("*."):
            raise InvalidNameError(f"{text!r} is a wildcard, not a name a viewer connects to.",
                                   "Give the host name viewers type, e.g. vnc.example.lan.")
    except InvalidNameError as exc:
        raise InvalidNameError(f"{option}: {exc.message}", exc.fix) from None
    return raw


def collect(ips: Iterable[str], dns: Iterable[str], either: Iterable[str] = ()) -> List[Name]:
    """Validated names in SAN order (IPs first, as the guide), duplicates refused. `either`
    are names given without saying which kind (detected by parse_name)."""
    names: List[Name] = [Name("IP", parse_ip(i)) for i in ips]
    names += [Name("DNS", parse_dns(d)) for d in dns]
    detected = [parse_name(n) for n in either]
    names = ([n for n in names if n.kind == "IP"] + [n for n in detected if n.kind == "IP"]
             + [n for n in names if n.kind == "DNS"] + [n for n in detected if n.kind == "DNS"])
    seen = set()
    for name in names:
        if name in seen:
            raise InvalidNameError(f"{name.kind} {name.value} is given twice.",
                                   "List each name once.")
        seen.add(name)
    return names


def san_value(names: Sequence[Name]) -> str:
    """`IP:192.168.1.5,DNS:host`: the value after `subjectAltName=`."""
    return ",".join(n.san for n in names)


# -subj escaping: OpenSSL splits on unescaped '/' and treats an unescaped '+' as a new
# attribute of the same RDN (always, in 3.x); a backslash escapes the next character.
_SUBJ_SPECIAL = re.compile(r"([\\/+])")


def subj_escape(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise UsageError(f"Subject value {value!r} contains a control character (newline?).",
                         "Remove it.")
    if not value:
        raise UsageError("A subject value may not be empty.", "")
    return _SUBJ_SPECIAL.sub(r"\\\1", value)


def subject(rdns: Sequence[Tuple[str, str]]) -> str:
    """`/CN=value/O=...` with each value escaped."""
    parts = []
    for key, value in rdns:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9.-]*", key):
            raise UsageError(f"Subject attribute name {key!r} is not valid.", "")
        parts.append(f"/{key}={subj_escape(value)}")
    return "".join(parts)


def needs_utf8(subj: str) -> bool:
    return not subj.isascii()
