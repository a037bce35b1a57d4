"""Proving, with openssl, that what `openssl req` wrote is what was asked for, before
anything is installed: the names, the lifetime, the key pair, the key's mode. A misbehaving
binary (garbage written, nothing written, a full disk) becomes one clear error."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from vncssl.errors import OpensslFailed, OpensslTimeout, WriteFailed
from vncssl.fs import targets, writes
from vncssl.openssl.binary import OpensslInfo
from vncssl.teach import recipe
from vncssl.x509 import certinfo, strength
from vncssl.x509.certfacts import CertFacts, KeyFacts


def verify(ossl: OpensslInfo, request: recipe.CertRequest, argv: Sequence[str], cert_tmp: Path,
           key_tmp: Path, *, timeout: Optional[float]) -> CertFacts:
    """Prove, with openssl, that what was written is what was asked for."""
    if cert_tmp.stat().st_size == 0 or key_tmp.stat().st_size == 0:
        _raise_if_disk_full(cert_tmp, key_tmp)
        raise OpensslFailed("openssl reported success but wrote no certificate or no key.",
                            "The openssl binary is misbehaving: try another with --openssl.",
                            argv=argv)
    # The key is read while openssl reads the certificate: two processes at once, not one
    # after the other (on two cores the read-back then costs one process, not two).
    keys: List[KeyFacts] = []

    def read_key() -> None:
        keys.append(_read_back(ossl, argv, timeout, functools.partial(certinfo.read_key,
                                                                      own=True),
                               key_tmp, "private key"))

    # Both files are in vncssl's own 0700 work folder: openssl reads them where they are.
    facts = _read_back(ossl, argv, timeout, functools.partial(certinfo.read_cert,
                                                              meanwhile=read_key, own=True),
                       cert_tmp, "certificate")
    want = sorted((n.kind, n.value) for n in request.names)
    got = sorted((s.type, s.value) for s in facts.san)
    problems = []
    if want != got:
        problems.append(f"its names are {got}, not the requested {want}")
    lifetime = (facts.not_after_dt - facts.not_before_dt).total_seconds()
    if abs(lifetime - request.days * 86400) > 120:
        problems.append(f"it is valid for {lifetime / 86400:.2f} days, not {request.days}")
    if not certinfo.same_public_key(facts.public_key_pem, keys[0].public_key_pem):
        problems.append("the private key does not match the certificate")
    if targets.is_posix() and targets.mode_of(key_tmp) != writes.KEY_MODE:
        problems.append(f"the key's mode is {oct(targets.mode_of(key_tmp) or 0)}, not 0600")
    if problems:
        raise OpensslFailed("The certificate openssl made is not what was asked for: "
                            + "; ".join(problems) + ". Nothing was written.",
                            "Report this with `openssl version -a`; try --openssl with "
                            "another build.", argv=argv)
    # What openssl made as asked can still be weak (the config chose it): judged before
    # anything is installed, with the viewer's own rules for every name.
    strength.judge_new(ossl, facts, cert_tmp, [n.value for n in request.names],
                       config=request.config, argv=argv, timeout=timeout)
    return facts


def _read_back(ossl: OpensslInfo, argv: Sequence[str], timeout: Optional[float],
               reader: Callable, path: Path, what: str):
    """Read what `openssl req` wrote; a misbehaving binary (garbage written or printed)
    becomes one clear error, never a traceback."""
    try:
        return reader(ossl, path, timeout=timeout)
    except OpensslTimeout:
        raise
    except OpensslFailed as exc:  # certinfo raises it for unreadable output too
        _raise_if_disk_full(path)
        raise OpensslFailed(
            f"openssl reported success, but the {what} it wrote cannot be read back "
            f"({str(exc).rstrip('.')}). Nothing was written.",
            "The openssl binary is misbehaving: try another with --openssl.",
            argv=exc.argv or argv, stderr=exc.stderr) from None


def _raise_if_disk_full(*written: Path) -> None:
    # openssl 3.0 exits 0 when its writes fail: an empty or cut-off file on a full disk.
    for path in written:
        if writes.disk_full(path.parent):
            from vncssl.fs import workdir

            folder = Path(workdir.shown([str(path.parent)])[0]).parent  # not /proc/self/fd
            raise WriteFailed(f"The disk holding {folder} is full: openssl could "
                              "not write the certificate and key. Nothing was written; "
                              "existing files are unchanged.",
                              "Free some space, or write elsewhere with --cert/--key.")
