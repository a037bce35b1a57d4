"""CertRequest -> the `openssl req -x509 ...` argv, and how to show it. Pure.

For the guide's case the argv is, flag for flag, the wiki's command:
  openssl req -x509 -newkey rsa -days 365 -nodes -config openssl.cnf
      -keyout vnc-server-private.pem -out vnc-server.pem
      -subj '/CN=192.168.1.5' -addext "subjectAltName=IP:192.168.1.5"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

from vncssl.errors import UsageError
from vncssl.x509 import names as names_mod

DEFAULT_CERT = "vnc-server.pem"
DEFAULT_KEY = "vnc-server-private.pem"
DEFAULT_DAYS = 365
MAX_DAYS = 36500  # beyond ~100 years notAfter leaves what every parser handles
SAN_SECTION = "vncssl_san"

_CURVES = {"p-256": "prime256v1", "p256": "prime256v1", "prime256v1": "prime256v1",
           "p-384": "secp384r1", "p384": "secp384r1", "secp384r1": "secp384r1",
           "p-521": "secp521r1", "p521": "secp521r1", "secp521r1": "secp521r1"}


@dataclass(frozen=True)
class KeySpec:
    algorithm: str  # "rsa", "ec", "ed25519"
    bits: Optional[int] = None  # RSA only; None = openssl's default (2048), as the guide
    curve: Optional[str] = None  # EC only, OpenSSL's name

    @property
    def text(self) -> str:
        if self.algorithm == "rsa":
            return f"rsa:{self.bits}" if self.bits else "rsa"
        if self.algorithm == "ec":
            return "ec" if self.curve in (None, "prime256v1") else f"ec:{self.curve}"
        return self.algorithm

    def newkey_args(self, ossl: Any = None, *, bits_always: bool = False,
                    paramfile: Optional[str] = None) -> List[str]:
        """`-newkey ...` for this build (`ossl`: an OpensslInfo; None = a current OpenSSL).
        bits_always: name the RSA bits (configs vncssl writes set no default_bits, and
        OpenSSL <= 1.0.2f then makes 512). paramfile: `ecparam -param_enc named_curve`
        output, for builds that cannot generate curve parameters with -newkey."""
        if self.algorithm == "rsa":
            return ["-newkey", f"rsa:{self.bits or 2048}" if bits_always else self.text]
        if self.algorithm == "ec":
            if paramfile is not None:
                return ["-newkey", f"ec:{paramfile}"]
            args = ["-newkey", "ec", "-pkeyopt", f"ec_paramgen_curve:{self.curve or 'prime256v1'}"]
            if ossl is not None and ossl.ec_needs_named_curve_option:
                # 1.0.2 / LibreSSL write explicit parameters otherwise: Xvnc cannot load them.
                args += ["-pkeyopt", "ec_param_enc:named_curve"]
            return args
        return ["-newkey", self.algorithm]

    @property
    def curve_name(self) -> str:
        return self.curve or "prime256v1"


def parse_key_type(text: str) -> KeySpec:
    t = text.strip().lower()
    if t == "rsa":
        return KeySpec("rsa")
    m = re.fullmatch(r"rsa:(\d+)", t)
    if m:
        bits = int(m.group(1))
        if bits < 2048 or bits > 16384:
            raise UsageError(f"--key-type {text}: RSA keys must be 2048 to 16384 bits.",
                             "Use rsa (2048, the guide's), rsa:3072 or rsa:4096.")
        return KeySpec("rsa", bits)
    if t in ("ec", "ecdsa"):
        return KeySpec("ec", curve="prime256v1")
    m = re.fullmatch(r"ec:(.+)", t)
    if m and m.group(1) in _CURVES:
        return KeySpec("ec", curve=_CURVES[m.group(1)])
    if t == "ed25519":
        return KeySpec("ed25519")
    raise UsageError(f"--key-type {text!r} is not one vncssl knows.",
                     "Use rsa (the guide's), rsa:BITS, ec (P-256), ec:P-384 or ed25519.")


def check_days(days: int) -> int:
    if days < 1 or days > MAX_DAYS:
        raise UsageError(f"--days {days}: must be between 1 and {MAX_DAYS}.",
                         "The guide uses 365 (renew yearly).")
    return days


@dataclass(frozen=True)
class CertRequest:
    names: Tuple[names_mod.Name, ...]
    days: int = DEFAULT_DAYS
    key_type: KeySpec = KeySpec("rsa")
    cert: str = DEFAULT_CERT
    key: str = DEFAULT_KEY
    config: str = "openssl.cnf"
    openssl: str = "openssl"
    subject: Optional[str] = None  # a full -subj; default /CN=<first name>
    use_addext: bool = True  # False: SAN goes into a config section (-extensions)
    newkey: Optional[Tuple[str, ...]] = None  # this build's -newkey args, when not the guide's

    @property
    def newkey_argv(self) -> List[str]:
        return list(self.newkey) if self.newkey else self.key_type.newkey_args()

    @property
    def subj(self) -> str:
        if self.subject:
            return self.subject
        return names_mod.subject([("CN", self.names[0].value)])

    @property
    def san(self) -> str:
        return names_mod.san_value(self.names)


def build_argv(req: CertRequest) -> List[str]:
    argv = [req.openssl, "req", "-x509", *req.newkey_argv, "-days", str(req.days),
            "-nodes", "-config", req.config, "-keyout", req.key, "-out", req.cert]
    if names_mod.needs_utf8(req.subj):
        argv.append("-utf8")
    argv += ["-subj", req.subj]
    if req.use_addext:
        argv += ["-addext", f"subjectAltName={req.san}"]
    else:
        argv += ["-extensions", SAN_SECTION]
    return argv


# --- showing the command -------------------------------------------------------------------

_POSIX_SAFE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


def posix_quote(arg: str, style: str = "auto") -> str:
    """Quote for sh. The guide writes -subj '...' and -addext "..."; keep that look."""
    if style == "single" or (style == "auto" and not _POSIX_SAFE.fullmatch(arg)):
        return "'" + arg.replace("'", "'\"'\"'") + "'"
    if style == "double":
        if re.search(r'[$`"\\!]', arg):
            return posix_quote(arg, "single")
        return f'"{arg}"'
    return arg


def quoting_styles(argv: Sequence[str]) -> List[str]:
    """Which arguments the guide quotes, and how: the value after -subj in single quotes,
    the value after -addext in double quotes, everything else only when needed."""
    styles = []
    for i, _ in enumerate(argv):
        before = argv[i - 1] if i else ""
        styles.append({"-subj": "single", "-addext": "double"}.get(before, "auto"))
    return styles


def render_posix(argv: Sequence[str]) -> str:
    return " ".join(posix_quote(a, s) for a, s in zip(argv, quoting_styles(argv)))
