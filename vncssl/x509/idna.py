"""Host names to ASCII as GnuTLS 3.7+ maps them (gnutls_idna_map: libidn2, UTS #46
non-transitional processing, i.e. IDNA2008), not as Python's "idna" codec does (IDNA2003:
"straße" -> "strasse"; IDNA2008 keeps the ß: "xn--strae-oqa").

The subset implemented: UTS #46 mapping approximated by NFKC case folding with the four
deviation characters kept (ß, final sigma, ZWJ, ZWNJ), the ideographic full stops as dots,
NFC, then per label the IDNA2008 shape rules (letters, marks, digits and inner hyphens; no
leading mark; no "--" in positions 3-4 unless already punycode) and RFC 3492 punycode
(Python's codec). What it cannot vouch for (joiners, which need CONTEXTJ rules) is refused
rather than guessed.
"""

from __future__ import annotations

import unicodedata
from typing import Optional

_DEVIATIONS = frozenset("\u00df\u03c2")  # kept as they are by non-transitional processing
_JOINERS = frozenset("\u200c\u200d")
_DOTS = {"\u3002": ".", "\uff0e": ".", "\uff61": "."}


class IdnaError(ValueError):
    """The name cannot be mapped (the message says why)."""


def _map(name: str) -> str:
    out = []
    for ch in name:
        if ch in _DOTS:
            out.append(".")
        elif ch == "\u1e9e":  # capital sharp s: ß under non-transitional mapping
            out.append("\u00df")
        elif ch in _DEVIATIONS or ch.isascii():
            out.append(ch.lower())
        elif ch in _JOINERS:
            raise IdnaError("it contains a zero-width joiner, which IDNA2008 allows only in "
                            "a few scripts' contexts")
        else:
            out.append(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", ch)
                                             .casefold()))
    return unicodedata.normalize("NFC", "".join(out))


def _label(label: str) -> str:
    if label.isascii():
        return label
    if label[0] == "-" or label[-1] == "-":
        raise IdnaError(f"the label {label!r} starts or ends with a hyphen")
    if unicodedata.category(label[0]).startswith("M"):
        raise IdnaError(f"the label {label!r} starts with a combining mark")
    for ch in label:
        cat = unicodedata.category(ch)
        if not (cat[0] in "LM" or cat == "Nd" or ch == "-"):
            raise IdnaError(f"{ch!r} (U+{ord(ch):04X}) is not allowed in a host name")
    return "xn--" + label.encode("punycode").decode("ascii")


def to_ascii(name: str) -> str:
    """`name` in the ASCII form GnuTLS compares with a certificate; IdnaError if GnuTLS
    would not convert it either."""
    mapped = _map(name)
    return ".".join(_label(lbl) if lbl else lbl for lbl in mapped.split("."))


def to_ascii_or_none(name: str) -> Optional[str]:
    try:
        return to_ascii(name)
    except (IdnaError, UnicodeError):
        return None
