"""Whether a certificate and a private key belong together, as openssl itself says: the
public key the certificate carries is the one openssl derives from the key file."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _openssl(*argv: str) -> str:
    return subprocess.run(["openssl", *argv], capture_output=True, text=True,  # noqa: S603,S607
                          check=True).stdout


def pair_matches(cert: Path, key: Path) -> bool:
    return _openssl("x509", "-in", str(cert), "-noout", "-pubkey") == \
        _openssl("pkey", "-in", str(key), "-pubout")
