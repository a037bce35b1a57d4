"""SHA-256 fingerprints of many byte strings with ONE `openssl dgst -sha256 -r` (a chain of
1,000 certificates, a batch of issued ones): the hashing is openssl's, over private copies
in a scratch folder, so no file another user can swap is ever named to openssl."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence

from vncssl.errors import OpensslFailed
from vncssl.fs import workdir, writes
from vncssl.openssl import runner


def colon_hex(digest: str) -> str:
    """"ab01..." -> "AB:01:...", as `x509 -fingerprint` prints it."""
    return ":".join(re.findall("..", digest.upper()))


def sha256_fingerprints(openssl: str, blobs: Sequence[bytes], *,
                        timeout: Optional[float] = None) -> List[str]:
    """The fingerprint of each blob, in order (AB:CD:... form)."""
    if not blobs:
        return []
    with workdir.scratch_dir() as work:
        names = [f"{i}.der" for i in range(len(blobs))]
        for name, data in zip(names, blobs):
            writes.write_scratch(work / name, data)
        # Relative names (cwd=work): the command line stays short for 1,000 files.
        r = runner.run([openssl, "dgst", "-sha256", "-r", *names], timeout=timeout,
                       what="openssl dgst", cwd=str(work))
    found: Dict[str, str] = {}
    for line in r.stdout.splitlines():
        m = re.fullmatch(r"([0-9a-f]{64}) \*?(.+)", line.strip())
        if m:
            found[m.group(2)] = colon_hex(m.group(1))
    if any(name not in found for name in names):
        raise OpensslFailed("openssl dgst did not print every fingerprint.",
                            "Try another openssl with --openssl.", argv=r.argv)
    return [found[name] for name in names]
