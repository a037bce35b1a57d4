"""One line per part of the openssl command: what it does and why the guide uses it. Pure."""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence, Tuple

from vncssl.teach import recipe

# Flags followed by one value; the explanation gets that value.
_WITH_VALUE = ("-newkey", "-pkeyopt", "-days", "-config", "-keyout", "-out", "-subj",
               "-addext", "-extensions", "-key", "-in", "-set_serial")


def _newkey(v: str, info) -> str:
    algo, _, bits = v.partition(":")
    if algo == "rsa":
        size = f"{bits} bits" if bits else "2048 bits, openssl's default"
        return f"make a new RSA private key ({size}) together with the certificate."
    if algo == "ec":
        return "make a new elliptic-curve (ECDSA) private key; the curve comes from -pkeyopt."
    if algo == "ed25519":
        return "make a new Ed25519 private key (small and fast; TigerVNC/GnuTLS accept it)."
    return f"make a new {algo} private key."


def _days(v: str, info) -> str:
    return (f"the certificate is valid for {v} days from now; after that the viewer refuses "
            "it, so make a new one before then (the guide: 365, renew every year).")


def _config(v: str, info) -> str:
    return (f"read openssl's settings from {v}: the [req] section (default key size, "
            "x509_extensions such as v3_ca). On Ubuntu/Debian it is /usr/lib/ssl/openssl.cnf.")


def _subj(v: str, info) -> str:
    return (f"the certificate's subject (its name): {v}. Given on the command line so openssl "
            "asks no questions. Only a label: TigerVNC checks the subjectAltName, not this.")


def _addext(v: str, info) -> str:
    if v.startswith("subjectAltName="):
        return (f"add the names viewers may type ({v.split('=', 1)[1]}). The IP must be here: "
                "TigerVNC (GnuTLS) never matches an IP address against the CN, only against "
                "an IP entry of the subjectAltName; a DNS name also needs its DNS entry.")
    return f"add the extension {v}."


_EXPLAIN: Dict[str, Callable[[str, object], str]] = {
    "-newkey": _newkey,
    "-pkeyopt": lambda v, i: f"key option {v}: the elliptic curve to use "
    "(prime256v1 = NIST P-256).",
    "-days": _days,
    "-config": _config,
    "-keyout": lambda v, i: f"write the new private key to {v}. Keep it private: never copy "
    "it to viewers, keep it out of synced folders (OneDrive, Dropbox...).",
    "-out": lambda v, i: f"write the certificate to {v}: it goes to the server (X509Cert) "
    "and, as X509CA, to every viewer.",
    "-subj": _subj,
    "-addext": _addext,
    "-extensions": lambda v, i: f"add the extensions of config section [{v}] (it holds the "
    "subjectAltName): the way to do it on an openssl without -addext (before 1.1.1).",
}

_SWITCHES: Dict[str, str] = {
    "-nodes": "do not encrypt the private key (\"no DES\"): the VNC server must read it "
    "unattended, with no one to type a passphrase.",
    "-noenc": "do not encrypt the private key: the VNC server must read it unattended.",
    "-utf8": "read the subject as UTF-8 (it has non-ASCII characters).",
    "-x509": "",  # explained together with `req`
}


def explain_argv(argv: Sequence[str], info=None) -> List[Tuple[str, str]]:
    """[(part as typed, meaning)] for an `openssl req -x509 ...` argv, in order."""
    out: List[Tuple[str, str]] = []
    rest = list(argv)
    if rest and rest[0] not in ("req",):
        version = f" ({info.version_text})" if info is not None else ""
        out.append((rest.pop(0), f"the OpenSSL program{version}; every step is done by it."))
    i = 0
    while i < len(rest):
        part = rest[i]
        if part == "req" and rest[i + 1:i + 2] == ["-x509"]:
            out.append(("req -x509", "make a self-signed certificate directly, instead of a "
                        "certificate request (CSR) for a certificate authority to sign."))
            i += 2
        elif part in _EXPLAIN and i + 1 < len(rest):
            value = rest[i + 1]
            shown = recipe.posix_quote(value, recipe.quoting_styles([part, value])[1])
            out.append((f"{part} {shown}", _EXPLAIN[part](value, info)))
            i += 2
        elif part in _SWITCHES:
            out.append((part, _SWITCHES[part] or "see above."))
            i += 1
        elif part in _WITH_VALUE and i + 1 < len(rest):
            out.append((f"{part} {recipe.posix_quote(rest[i + 1])}", "an openssl option."))
            i += 2
        else:
            out.append((recipe.posix_quote(part), "an openssl option."))
            i += 1
    return out
