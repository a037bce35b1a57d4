"""What an openssl binary is (`version -a`: flavour, version, OPENSSLDIR, FIPS) and which
one to use (`find`: an explicit choice is used or refused, a discovered one that does not
work is passed over). Finding candidates is `locate`; the facts are cached by `infocache`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Callable, List, Optional, Tuple

from vncssl.errors import (
    NotOpenssl,
    OpensslFailed,
)
from vncssl.openssl import infocache, locate
from vncssl.openssl.locate import Located
from vncssl.openssl.runner import check_timeout, default_timeout, run

_VERSION_RE = re.compile(r"^(OpenSSL|LibreSSL)\s+(\d+)\.(\d+)\.(\d+)([a-z]*)", re.MULTILINE)


_DIR_RE = re.compile(r'^OPENSSLDIR:\s*"?(.*?)"?\s*$', re.MULTILINE)


@dataclass(frozen=True)
class OpensslInfo:
    """What one `openssl version -a` says about a binary."""

    path: str  # absolute path that is executed
    display: str  # how commands show it: "openssl" when found on PATH, else the path
    flavour: str  # "OpenSSL" or "LibreSSL"
    version: Tuple[int, int, int]
    letter: str  # "k" in 1.0.2k
    banner: str  # first line of `openssl version -a`
    openssldir: Optional[str]  # None when the build says N/A
    fips: bool

    @property
    def version_text(self) -> str:
        return "{} {}.{}.{}{}".format(self.flavour, *self.version, self.letter)

    @property
    def supports_addext(self) -> bool:
        # req -addext arrived in OpenSSL 1.1.1 and LibreSSL 3.1.
        if self.flavour == "LibreSSL":
            return self.version >= (3, 1, 0)
        return self.version >= (1, 1, 1)

    @property
    def supports_ed25519(self) -> bool:
        if self.flavour == "LibreSSL":
            return self.version >= (3, 7, 0)
        return self.version >= (1, 1, 1)

    @property
    def has_interactive_prompt(self) -> bool:
        # A double-clicked openssl.exe gave an `OpenSSL>` prompt up to 1.1.1; 3.x prints help.
        return self.flavour == "OpenSSL" and self.version < (3, 0, 0)

    # --- what old builds do differently (real 1.0.2f/u, LibreSSL 2.8.3/3.3.6; TIGERVNC-NOTES) --

    @property
    def _old_openssl(self) -> bool:
        return self.flavour == "OpenSSL" and self.version < (1, 1, 0)

    @property
    def compiled_rsa_bits(self) -> int:
        """`-newkey rsa` with no default_bits in the config: 512 up to OpenSSL 1.0.2f."""
        if self.flavour == "OpenSSL" and (self.version < (1, 0, 2) or (
                self.version == (1, 0, 2) and self.letter < "g")):
            return 512
        return 2048

    @property
    def ec_needs_named_curve_option(self) -> bool:
        """1.0.2 and LibreSSL write explicit curve parameters unless told
        `-pkeyopt ec_param_enc:named_curve`; GnuTLS (Xvnc) cannot load such a key."""
        return self._old_openssl or self.flavour == "LibreSSL"

    @property
    def ec_paramgen_with_newkey(self) -> bool:
        """LibreSSL before 3.1 refuses `-newkey ec -pkeyopt ec_paramgen_curve:...` ("parameter
        error"); `-newkey ec:PARAMFILE` works there."""
        return not (self.flavour == "LibreSSL" and self.version < (3, 1, 0))

    @property
    def verify_flags(self) -> Tuple[str, ...]:
        """The `verify` options vncssl relies on that this build has: 1.0.2 and LibreSSL lack
        -no_check_time and -auth_level; LibreSSL also -partial_chain."""
        flags: Tuple[str, ...] = ("-ignore_critical",)
        if self.flavour == "OpenSSL":
            flags = ("-partial_chain",) + flags
        if not (self._old_openssl or self.flavour == "LibreSSL"):
            flags += ("-no_check_time", "-auth_level", "0")
        return flags

    @property
    def x509_key_needs_new(self) -> bool:
        """`req -x509 -key KEY` reads a request from stdin on 1.0.2 and LibreSSL unless given
        -new (later builds imply it)."""
        return self._old_openssl or self.flavour == "LibreSSL"

    @property
    def random_serial_bits(self) -> int:
        """`req -x509` serials: 64 random bits on 1.0.2 and LibreSSL, 159 from 1.1.0."""
        return 64 if self._old_openssl or self.flavour == "LibreSSL" else 159

    @property
    def needs_distinguished_name(self) -> bool:
        # Before 3.0, req refuses a config whose [req] lacks distinguished_name, even with -subj.
        return self.flavour == "LibreSSL" or self.version < (3, 0, 0)


def parse_version(text: str, path: str, display: str) -> OpensslInfo:
    match = _VERSION_RE.search(text)
    if not match:
        first = text.strip().splitlines()[0] if text.strip() else "(nothing)"
        raise NotOpenssl(
            f"{display} does not look like OpenSSL or LibreSSL: `version -a` printed {first!r}.",
            "Point --openssl (or VNCSSL_OPENSSL) at a real openssl binary.",
        )
    flavour, major, minor, patch, letter = match.groups()
    dir_match = _DIR_RE.search(text)
    openssldir = dir_match.group(1).strip() if dir_match else None
    if openssldir in ("N/A", "", "n/a"):
        openssldir = None
    banner = text[match.start():].splitlines()[0].strip()
    return OpensslInfo(
        path=path,
        display=display,
        flavour=flavour,
        version=(int(major), int(minor), int(patch)),
        letter=letter,
        banner=banner,
        openssldir=openssldir,
        fips="fips" in banner.lower(),
    )


def identify(located: Located, *, timeout: Optional[float] = None, use_cache: bool = True
             ) -> OpensslInfo:
    """What the binary is, from `openssl version -a` (or infocache, for a file seen before)."""
    key = infocache.key(located.path) if use_cache else None
    entry = infocache.load(key) if key else None
    if entry:
        try:
            entry["version"] = tuple(entry["version"])
            # The cache holds facts about the file at located.path (its key is that file's
            # identity); which program runs is never taken from it.
            entry["path"] = located.path
            entry["display"] = located.display
            return OpensslInfo(**entry)
        except (TypeError, KeyError):
            pass  # an entry from another vncssl version: ask the binary again
    result = run([located.path, "version", "-a"], timeout=timeout, check=False,
                 what=f"{located.display} version -a")
    if result.returncode != 0 and not result.stdout.strip():
        raise OpensslFailed(
            f"{located.display} crashed or failed when asked its version "
            f"(exit status {result.returncode}).",
            "Reinstall openssl or point --openssl at a working binary.",
            argv=result.argv, returncode=result.returncode, stderr=result.stderr,
        )
    info = parse_version(result.stdout + "\n" + result.stderr, located.path, located.display)
    if key:
        infocache.store(key, asdict(info))
    return info


def find(explicit: Optional[str] = None, *, ask: Optional[Callable] = None,
         timeout: Optional[float] = None) -> Tuple[OpensslInfo, Located]:
    """The openssl to use and what it is. An explicit choice (--openssl, VNCSSL_OPENSSL) is
    used or refused, never replaced; a discovered candidate that turns out not to be a
    working OpenSSL/LibreSSL is passed over, with the reason kept for the user."""
    timeout = default_timeout() if timeout is None else check_timeout(timeout)
    chosen = locate.explicit_choice(explicit)
    if chosen is not None:
        return identify(chosen, timeout=timeout), chosen
    rejected: List[Tuple[str, str]] = []
    for located in locate.candidates(rejected):
        try:
            info = identify(located, timeout=timeout)
        except (NotOpenssl, OpensslFailed) as exc:  # not OpenSSL, crashed or hung: next
            rejected.append((located.path, exc.message))
            continue
        located.rejected = rejected
        return info, located
    if ask is not None:
        answer = ask(rejected)
        if answer:
            located = locate.from_path(answer, "the path you typed", source_label="prompt")
            located.rejected = rejected
            return identify(located, timeout=timeout), located
    raise locate.not_found(rejected)
