"""TigerVNC's security types: which carry a certificate (X509*), which are anonymous TLS,
and what to warn about in a list of them."""

from __future__ import annotations

from typing import List

from vncssl.errors import UsageError
from vncssl.notice import Notice

X509_TYPES = ("X509None", "X509Vnc", "X509Plain")


ANON_TLS_TYPES = ("TLSNone", "TLSVnc", "TLSPlain")


KNOWN_TYPES = ("None", "VncAuth", "Plain", *ANON_TLS_TYPES, *X509_TYPES,
               "RA2", "RA2ne", "RA2_256", "RA2ne_256", "DH", "MSLogonII")


def parse_security_types(value: str) -> List[str]:
    canon = {t.lower(): t for t in KNOWN_TYPES}
    out: List[str] = []
    for part in (p.strip() for p in (value or "").split(",")):
        if not part:
            continue
        if part.lower() not in canon:
            raise UsageError(f"Unknown security type {part!r}.",
                             "Use X509Vnc (certificate + VNC password), X509Plain "
                             "(certificate + user/password) or X509None.")
        if canon[part.lower()] not in out:
            out.append(canon[part.lower()])
    if not any(t in X509_TYPES for t in out):
        raise UsageError(
            f"--security-types {value!r} has no X509 type, so the server would never present "
            "the certificate (TigerVNC ignores X509Cert/X509Key then).",
            "Use X509Vnc, X509Plain or X509None (e.g. --security-types X509Vnc).")
    return out


def security_notices(types: List[str]) -> List[Notice]:
    weak = [t for t in types if t not in X509_TYPES]
    notes = []
    if weak:
        notes.append(Notice(
            "NON_X509_TYPES",
            f"The server also offers {', '.join(weak)}: a viewer may connect that way without "
            "checking the certificate (" + ("no encryption at all" if
                                            {"None", "VncAuth", "Plain"} & set(weak)
                                            else "anonymous TLS") + ").",
            "Offer only X509 types, as the guide says (uncheck None and Anonymous TLS)."))
    if "X509None" in types:
        notes.append(Notice("NO_AUTH", "X509None encrypts but asks no password: anyone who "
                            "can reach the port gets the desktop.",
                            "Prefer X509Vnc or X509Plain."))
    return notes
