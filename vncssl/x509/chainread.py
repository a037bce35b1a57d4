"""Facts of the certificates of a file with a bounded number of openssl processes, however
many it holds (MAX_CERTS): the structure is read in Python (`derfacts`), and openssl answers
what only it may answer, once for the whole file:

1. `openssl crl2pkcs7 -nocrl -certfile COPY` parses every certificate (a block it cannot
   parse is bad input, and which one is found by halving: a few more calls, on bad input
   only);
2. `openssl dgst -sha256 -r` over one private copy of each certificate's DER gives the
   fingerprints (`openssl.digest`).
One certificate (the common case: create's read-back, a server's certificate) takes one
process: `openssl x509 -noout -fingerprint -sha256` parses it and hashes it.

openssl reads only private copies of the bytes vncssl itself parsed (re-encoded from the DER
it decoded), so both judge the same certificate. Every openssl build vncssl supports (1.0.2,
1.1.1, 3.x, LibreSSL) has both commands with these options."""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import os
import re
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from vncssl.errors import OpensslFailed, OpensslRunaway, OpensslTimeout, UsageError, VncsslError
from vncssl.openssl import binary, digest, runner
from vncssl.x509.certfacts import CertFacts
from vncssl.x509.der import DerError
from vncssl.x509.derfacts import facts_from_der

# OpenSSL 3's commands load the whole default trust store before anything else, though
# reading facts never uses it; pointing SSL_CERT_FILE at nothing skips that (openssl ignores a
# store that fails to load). Only for reading facts: never for verify or signing.
NO_TRUST_STORE = {"SSL_CERT_FILE": os.devnull}
_FIX = "Check that it is a PEM or DER X.509 certificate (or remove that block)."


def pem_block_der(block: str) -> bytes:
    """The DER inside one BEGIN/END CERTIFICATE block; ValueError when it is not base64."""
    lines = block.strip().splitlines()[1:-1]
    try:
        return base64.b64decode("".join("".join(lines).split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("its base64 is damaged") from None


def to_pem(data: bytes) -> str:
    body = base64.b64encode(data).decode("ascii")
    return ("-----BEGIN CERTIFICATE-----\n"
            + "".join(body[i:i + 64] + "\n" for i in range(0, len(body), 64))
            + "-----END CERTIFICATE-----\n")


def _which(source: str, index: int, count: int) -> str:
    return f"{source}" if count == 1 else f"certificate {index + 1} of {count} in {source}"


def read_blocks(ossl: binary.OpensslInfo, items: Sequence[Tuple[str, Optional[bytes]]],
                source: str, *, now: Optional[dt.datetime] = None,
                timeout: Optional[float] = None, user_file: bool = True,
                meanwhile: Optional[Callable[[], object]] = None,
                in_place: Optional[Path] = None, fingerprints: bool = True
                ) -> List[CertFacts]:
    """CertFacts of each (pem, der) item, in order: `pem` the block as the file holds it ("" for
    a DER file), `der` its bytes (None: decoded from `pem`). Two openssl processes in all (one
    for one certificate); meanwhile: the caller's work done while the first one runs;
    in_place: the one PEM item's file, in vncssl's own 0700 work folder: openssl reads it
    there instead of a copy.
    A certificate that cannot be read is bad input (exit 2) in a file the user named, and
    openssl's fault (OpensslFailed, exit 3) in one vncssl or openssl made (user_file=False).
    fingerprints=False: a caller that hashes many files' certificates at once later (`probe
    --from`) and has openssl parse this one anyway (`verify`): no openssl for one certificate,
    fingerprint_sha256 left empty."""

    def unreadable(index: int, why: str, stderr: str = "") -> VncsslError:
        message = f"{_which(source, index, count)} is not a readable certificate ({why})."
        if user_file:
            return UsageError(message, _FIX, details=stderr)
        return OpensslFailed(message, "The openssl binary is misbehaving: check `openssl "
                             "version -a`, or try another with --openssl.", stderr=stderr)

    count = len(items)
    if not count:
        return []  # an empty X509CA file: nothing for openssl to judge
    ders: List[bytes] = []
    for index, (pem, data) in enumerate(items):
        try:
            ders.append(pem_block_der(pem) if data is None else data)
        except ValueError as exc:
            raise unreadable(index, str(exc)) from None
    prints: Optional[List[str]] = None
    if count == 1 and not fingerprints:
        bad, stderr = None, ""
    elif count == 1:
        ok, stderr, prints = _fingerprint_one(ossl, ders[0], timeout, meanwhile, in_place)
        bad = None if ok else 0
    else:
        bad, stderr = _first_unparsable(ossl, ders, timeout, meanwhile)
    if bad is not None:
        raise unreadable(bad, "openssl could not parse it", stderr)
    facts: List[CertFacts] = []
    for index, (pem, data) in enumerate(zip((p for p, _ in items), ders)):
        try:
            facts.append(facts_from_der(data, pem, "", now))
        except DerError as exc:  # openssl took it, but it breaks a rule DER or RFC 5280 makes
            raise unreadable(index, str(exc)) from None
    if prints is None:
        prints = digest.sha256_fingerprints(ossl.path, ders, timeout=timeout) \
            if fingerprints else [""] * count
    for f, fingerprint in zip(facts, prints):
        f.fingerprint_sha256 = fingerprint
    return facts


def _judged(ossl: binary.OpensslInfo, argv: List[str], data: bytes, timeout: Optional[float],
            meanwhile: Optional[Callable[[], object]] = None,
            in_place: Optional[Path] = None) -> Tuple[bool, str, str]:
    """(parsed, stderr, stdout) of openssl reading a private copy of `data` ("COPY" in argv),
    or the file `in_place` itself. A hung or runaway openssl is not an answer (exit 3)."""
    from vncssl.fs import workdir, writes

    with contextlib.ExitStack() as stack:
        copy = in_place
        if copy is None:
            copy = stack.enter_context(workdir.scratch_dir()) / "certificates"
            writes.write_scratch(copy, data)
        try:
            r = runner.run([ossl.path, *[str(copy) if a == "COPY" else a for a in argv]],
                           timeout=timeout, what=f"openssl {argv[0]}", env=NO_TRUST_STORE,
                           meanwhile=meanwhile)
        except (OpensslTimeout, OpensslRunaway):
            raise
        except OpensslFailed as exc:
            return False, exc.stderr, ""
    return True, "", r.stdout


def _fingerprint_one(ossl: binary.OpensslInfo, data: bytes, timeout: Optional[float],
                     meanwhile: Optional[Callable[[], object]], in_place: Optional[Path]
                     ) -> Tuple[bool, str, Optional[List[str]]]:
    argv = ["x509", "-inform", "PEM" if in_place else "DER", "-in", "COPY", "-noout",
            "-fingerprint", "-sha256"]
    ok, stderr, out = _judged(ossl, argv, data, timeout, meanwhile, in_place)
    if not ok:
        return False, stderr, None
    # "sha256 Fingerprint=" (3.x), "SHA256 Fingerprint=" (1.x, LibreSSL).
    m = re.search(r"^sha256 Fingerprint=((?:[0-9A-F]{2}:){31}[0-9A-F]{2})\s*$", out,
                  re.M | re.I)
    if not m:
        raise OpensslFailed("openssl's output could not be read: it printed no SHA-256 "
                            "fingerprint.", "The openssl binary is misbehaving: check "
                            "`openssl version -a`, or try another with --openssl.",
                            argv=[ossl.path, *argv])
    return True, "", [m.group(1).upper()]


def _parses(ossl: binary.OpensslInfo, ders: Sequence[bytes], timeout: Optional[float],
            meanwhile: Optional[Callable[[], object]] = None) -> Tuple[bool, str]:
    """Does openssl parse every certificate? One process (crl2pkcs7 stops at the first it
    cannot parse, exit 1)."""
    ok, stderr, _ = _judged(ossl, ["crl2pkcs7", "-nocrl", "-certfile", "COPY", "-out",
                                   os.devnull], "".join(to_pem(d) for d in ders)
                            .encode("ascii"), timeout, meanwhile)
    return ok, stderr


def _first_unparsable(ossl: binary.OpensslInfo, ders: Sequence[bytes],
                      timeout: Optional[float], meanwhile: Optional[Callable[[], object]]
                      ) -> Tuple[Optional[int], str]:
    ok, stderr = _parses(ossl, ders, timeout, meanwhile)
    if ok:
        return None, ""
    good, bad = 0, len(ders)  # ders[:good] parse, ders[:bad] do not
    while bad - good > 1:
        mid = (good + bad) // 2
        if _parses(ossl, ders[:mid], timeout)[0]:
            good = mid
        else:
            bad = mid
    return bad - 1, stderr
