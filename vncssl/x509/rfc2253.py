"""A subject as openssl prints it (`-nameopt RFC2253`) back into `-subj` form, so `renew`
can ask for exactly the old subject (pure)."""

from __future__ import annotations

from typing import Any, List

from vncssl.errors import UsageError
from vncssl.x509.names import subj_escape


def subj_from_rfc2253(dn: str) -> str:
    """openssl's `-nameopt RFC2253` subject back into `-subj` form (RDNs reversed, values
    unescaped then escaped for -subj; `\\C3\\A9` hex escapes are UTF-8 bytes)."""
    rdns: List[List[List[Any]]] = [[["", bytearray()]]]
    i, in_value = 0, False
    while i < len(dn):
        ch = dn[i]
        ava = rdns[-1][-1]
        if ch == "\\" and i + 1 < len(dn):
            nxt = dn[i + 1:i + 3]
            if len(nxt) == 2 and all(c in "0123456789abcdefABCDEF" for c in nxt):
                ava[1].append(int(nxt, 16))
                i += 3
                continue
            ava[1] += dn[i + 1].encode()
            i += 2
            continue
        if ch == "=" and not in_value:
            in_value = True
        elif ch in ",+" and in_value:
            if ch == "+":
                rdns[-1].append(["", bytearray()])  # multi-valued RDN
            else:
                rdns.append([["", bytearray()]])
            in_value = False
        elif in_value:
            if not ava[1] and ch == "#":
                raise UsageError(f"The subject {dn!r} has a value vncssl cannot copy (a "
                                 "binary dump).", "Make a new certificate with `vncssl create`.")
            ava[1] += ch.encode()
        else:
            ava[0] += ch
        i += 1
    parts = []
    for rdn in reversed(rdns):
        avas = []
        for key, value in rdn:
            if not key.replace(".", "").isalnum() or key[:1].isdigit():
                raise UsageError(f"The subject {dn!r} has an attribute ({key}) vncssl cannot "
                                 "copy.", "Make a new certificate with `vncssl create`.")
            avas.append(f"{key}={subj_escape(value.decode('utf-8', 'replace'))}")
        parts.append("+".join(avas))
    return "/" + "/".join(parts)
