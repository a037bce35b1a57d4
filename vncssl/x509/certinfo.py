"""Facts about a certificate, a chain and a key, read with the openssl binary: a file of any
number of certificates in a bounded number of processes (`chainread`: structure from the DER,
parsing and fingerprints by openssl, once per file); a key with one `openssl pkey`. The data
is `certfacts`."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence

from vncssl.errors import OpensslFailed, OpensslRunaway, OpensslTimeout, UsageError
from vncssl.notice import command
from vncssl.openssl import binary, runner
from vncssl.x509.certfacts import CertFacts, KeyFacts
from vncssl.x509.chainread import NO_TRUST_STORE, read_blocks

_BEGIN, _END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
MAX_CERTS = 1000  # per file: a system trust store holds ~150; documented in README "Limits"


def split_pem(text: str, source: str = "the file") -> List[str]:
    """The certificate blocks of a PEM text, in order. Linear in the text's length (each
    character is looked at a bounded number of times: 1 MB of BEGIN lines is no slower than
    1 MB of anything); more than MAX_CERTS blocks is bad input."""
    blocks: List[str] = []
    pos = 0
    while True:
        start = text.find(_BEGIN, pos)
        if start < 0:
            return blocks
        end = text.find(_END, start + len(_BEGIN))
        if end < 0:
            return blocks
        # A BEGIN line with no END before the next BEGIN starts nothing: take the last one.
        start = text.rfind(_BEGIN, start, end)
        blocks.append(text[start:end + len(_END)] + "\n")
        if len(blocks) > MAX_CERTS:
            raise UsageError(f"{source} holds more than {MAX_CERTS} certificates.",
                             "Give the server's certificate (or a bundle of the ones you need).")
        pos = end + len(_END)


def read_pem_file(path: Path, what: str = "certificate") -> str:
    """A file the user named, as text: a regular file (a FIFO or device is refused, never
    waited on), at most 16 MiB (safeopen.MAX_INPUT)."""
    from vncssl.fs.safeopen import read_text

    return read_text(path, what)


def read_cert(ossl: binary.OpensslInfo, path: Path, *, pem: Optional[str] = None,
              now: Optional[dt.datetime] = None, timeout: Optional[float] = None,
              meanwhile: Optional[Callable[[], object]] = None, own: bool = False
              ) -> CertFacts:
    """Facts of the first certificate in `path` (or of the PEM block given), a file vncssl or
    openssl made: one it cannot read is OpensslFailed (exit 3). A DER file is read too.
    One openssl process; meanwhile: work of the caller's done while it runs (runner.run).
    own: `path` is a PEM file in vncssl's own private work folder (what openssl just wrote):
    openssl reads it in place."""
    if pem is None:
        data = _open_certificate(path)
        blocks = split_pem(data.decode("utf-8", "replace"), str(path))
        item = (blocks[0], None) if blocks else ("", data)
    else:
        item = (pem, None)
    in_place = path if own and item[0] else None
    return read_blocks(ossl, [item], str(path), now=now, timeout=timeout, user_file=False,
                       meanwhile=meanwhile, in_place=in_place)[0]


def _open_certificate(path: Path) -> bytes:
    from vncssl.fs.safeopen import open_regular

    return open_regular(path, "certificate")  # bounded, never blocking, read once


def read_pems(ossl: binary.OpensslInfo, pems: Sequence[str], source: Path, *,
              now: Optional[dt.datetime] = None, timeout: Optional[float] = None,
              fingerprints: bool = True) -> List[CertFacts]:
    """Facts of PEM blocks (split_pem's) from `source`, in order: two openssl processes
    however many there are; a block openssl cannot parse is bad input naming it."""
    return read_blocks(ossl, [(p, None) for p in pems], str(source), now=now, timeout=timeout,
                       fingerprints=fingerprints)


def _run_with_input(argv: List[str], data: bytes, timeout: Optional[float],
                    what: str = "openssl x509",
                    meanwhile: Optional[Callable[[], object]] = None,
                    own: Optional[Path] = None) -> runner.Result:
    # stdin stays closed for every process we start; input goes through a private temp file,
    # unless it already is one of ours (`own`: in vncssl's 0700 work folder, just written).
    if own is not None:
        return runner.run([str(own) if a == "-" else a for a in argv], timeout=timeout,
                          what=what, env=NO_TRUST_STORE, meanwhile=meanwhile)
    from vncssl.fs import workdir, writes

    with workdir.scratch_dir() as work:
        name = str(work / "input")
        writes.write_scratch(work / "input", data)
        argv = [name if a == "-" else a for a in argv]
        return runner.run(argv, timeout=timeout, what=what, env=NO_TRUST_STORE,
                          meanwhile=meanwhile)


def key_is_encrypted(text: str) -> bool:
    return "BEGIN ENCRYPTED PRIVATE KEY" in text or "Proc-Type: 4,ENCRYPTED" in text


def read_key(ossl: binary.OpensslInfo, path: Path, *, timeout: Optional[float] = None,
             own: bool = False) -> KeyFacts:
    text = read_pem_file(path, "private key")
    if key_is_encrypted(text):
        return KeyFacts(True, None)
    # -passin pass: makes an unexpectedly encrypted key fail instead of asking. The key goes
    # through a private 0600 copy (the bytes read and checked above), never the user's path.
    result = _run_with_input([ossl.path, "pkey", "-in", "-", "-pubout", "-passin", "pass:"],
                             text.encode("utf-8"), timeout, "openssl pkey",
                             own=path if own else None)
    pub = re.search(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", result.stdout, re.S)
    return KeyFacts(False, pub.group(0) if pub else None)


def read_user_key(ossl: binary.OpensslInfo, path: Path, *, timeout: Optional[float] = None
                  ) -> KeyFacts:
    """read_key for a file the user named: one openssl cannot read is bad input (exit 2)."""
    with _unreadable_is_bad_input(path, "private key",
                                  "Give the PEM private key file, e.g. vnc-server-private.pem."):
        return read_key(ossl, path, timeout=timeout)


@contextlib.contextmanager
def _unreadable_is_bad_input(path: Path, what: str, fix: str) -> Iterator[None]:
    """openssl failing on a file the user named means the file is wrong (exit 2); a hung
    openssl stays a timeout (exit 3)."""
    try:
        yield
    except (OpensslTimeout, OpensslRunaway):
        raise
    except OpensslFailed as exc:
        raise UsageError(f"{path} is not a readable {what} (openssl could not parse it).", fix,
                         details=exc.stderr) from None


def same_public_key(a: Optional[str], b: Optional[str]) -> bool:
    if not a or not b:
        return False
    return "".join(a.split()) == "".join(b.split())


def _pem_kind(text: str) -> str:
    """What a PEM file with no certificate holds, by its first BEGIN line."""
    m = re.search(r"-----BEGIN ([A-Z0-9 ]+)-----", text)
    label = m.group(1) if m else ""
    if "CERTIFICATE REQUEST" in label:
        return "a certificate request (CSR)"
    if "PRIVATE KEY" in label:
        return "an encrypted private key" if "ENCRYPTED" in label else "a private key"
    if "PUBLIC KEY" in label:
        return "a public key"
    if label == "X509 CRL":
        return "a certificate revocation list (CRL)"
    return f"a PEM block of another kind ({label})" if label else "no certificate"


def read_chain(ossl: binary.OpensslInfo, path: Path, *, now: Optional[dt.datetime] = None,
               timeout: Optional[float] = None, first_only: bool = False,
               fingerprints: bool = True) -> List[CertFacts]:
    """Every certificate in a PEM file, in file order, or the one certificate of a DER file,
    with two openssl processes however many there are (`chainread`). A file with none is bad
    input (exit 2), not an openssl failure. `first_only`: just the first. `fingerprints`:
    see chainread.read_blocks."""
    from vncssl.fs.safeopen import open_regular

    data = open_regular(path, "certificate")
    text = data.decode("utf-8", "replace")
    blocks = split_pem(text, str(path))
    if not blocks and "-----BEGIN" in text:
        kind = _pem_kind(text)
        fix = "Give the certificate file (BEGIN CERTIFICATE), e.g. vnc-server.pem."
        if kind.endswith("(CSR)"):
            fix = ("A CA signs a CSR into a certificate: inspect that one (`"
                   + command("openssl", "req", "-in", path, "-noout", "-text")
                   + "` shows the request itself).")
        raise UsageError(f"{path} holds {kind}, not a certificate.", fix)
    if not blocks:  # a DER file: its one certificate
        return read_blocks(ossl, [("", data)], str(path), now=now, timeout=timeout,
                           fingerprints=fingerprints)
    return read_pems(ossl, blocks[:1] if first_only else blocks, path, now=now,
                     timeout=timeout, fingerprints=fingerprints)


def certificate_pems(ossl: binary.OpensslInfo, path: Path, *,
                     timeout: Optional[float] = None) -> List[str]:
    """The certificates of a file as PEM blocks, whatever the file's encoding: a DER file's
    one certificate is converted by openssl (TigerVNC reads only PEM in X509CA files)."""
    from vncssl.fs.safeopen import open_regular

    data = open_regular(path, "certificate")  # bounded, never blocking, read once
    text = data.decode("utf-8", "replace")
    blocks = split_pem(text, str(path))
    if blocks or "-----BEGIN" in text:
        return blocks
    with _unreadable_is_bad_input(path, "certificate",
                                  "Check that it is a PEM or DER X.509 certificate."):
        out = _run_with_input([ossl.path, "x509", "-inform", "DER", "-in", "-"], data,
                              timeout).stdout
    return split_pem(out)
