"""`vncssl ca request`: on the server itself, a private key (0600 from its first byte) and a
certificate signing request for vncssl's private CA. IP names are allowed (unlike `csr`, which
is for public CAs). Only the request travels to the CA machine; the key never leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

from vncssl.errors import OpensslFailed, UsageError
from vncssl.fs import atomic, targets, workdir, writes
from vncssl.openssl import binary, keygen, runner
from vncssl.teach import recipe
from vncssl.x509 import certinfo, csrinfo
from vncssl.x509 import names as names_mod
from vncssl.x509.extensions import REQ_SECTION, csr_config, subject_args

DEFAULT_REQUEST = "vnc-server.csr"


@dataclass
class RequestResult:
    request: str
    key: str
    key_mode: Optional[str]
    key_made: bool  # False: --key named an existing key, which was only read
    names: List[str]
    key_type: str
    next_steps: List[str]


def make_request(ips: Sequence[str], dns: Sequence[str], *, key: Optional[str] = None,
                 out: Optional[str] = None, key_type: str = "rsa",
                 openssl_path: Optional[str] = None, force: bool = False,
                 timeout: Optional[float] = None) -> RequestResult:
    """Key + request. With `key` naming an existing file, that key is used and left alone."""
    names = names_mod.collect(ips, dns)
    if not names:
        raise UsageError("No names for the request.",
                         "Pass the addresses viewers type: --ip 192.168.1.5 and/or --dns NAME.")
    spec = recipe.parse_key_type(key_type)
    out_t = targets.check_target(Path(out or DEFAULT_REQUEST), "request", force=force)
    existing_key = key is not None and Path(key).exists()
    key_path = Path(key or recipe.DEFAULT_KEY)
    ossl, _ = binary.find(openssl_path, timeout=timeout)
    if existing_key:
        facts = certinfo.read_user_key(ossl, key_path, timeout=timeout)
        if facts.encrypted:
            raise UsageError(f"The key {key_path} is encrypted: the TigerVNC server cannot "
                             "read it.", f"Decrypt it first (openssl pkey -in {key_path} "
                             "-out plain.pem), or omit --key to make a new one.")
        key_t = None
    else:
        key_t = targets.check_target(key_path, "private key", force=force)
        targets.check_distinct(key_t, out_t)
    subj = names_mod.subject([("CN", names[0].value)])
    with workdir.private_workdir(out_t.path.parent) as work:
        csr_tmp, cfg = work / "req.csr", work / "req.cnf"
        writes.precreate_public(csr_tmp)
        writes.write_text(cfg, csr_config(names), 0o600)
        argv = [ossl.path, "req", "-new", "-config", str(cfg), "-reqexts", REQ_SECTION,
                "-out", str(csr_tmp), *subject_args(subj)]
        moves = [(csr_tmp, out_t)]
        if key_t is None:
            argv += ["-key", str(key_path.resolve()), "-passin", "pass:"]
        else:
            key_tmp = work / "key.pem"
            writes.precreate_private(key_tmp)
            argv += [*keygen.newkey(ossl, spec, work, timeout=timeout), "-nodes",
                     "-keyout", str(key_tmp)]
            moves.insert(0, (key_tmp, key_t))
        runner.run(argv, timeout=timeout, cwd=str(work), what="openssl req -new")
        _check(ossl, csr_tmp, names, timeout)
        atomic.install(moves, force=force, backup=force)
    shown = str(out_t.path)
    return RequestResult(
        request=shown, key=str(key_path.resolve()), key_mode=targets.mode_text(key_path),
        key_made=key_t is not None, names=[n.san for n in names],
        key_type=spec.text if key_t is not None else "(existing key)",
        next_steps=[
            f"Copy {shown} (the request, never the key) to the CA machine.",
            f"There: `vncssl ca sign {out_t.path.name} --out vnc-server.pem`",
            "Bring vnc-server.pem back here, next to the key, and configure the server: "
            f"`vncssl tigervnc server --cert vnc-server.pem --key {key_path}`",
        ])


def _check(ossl: binary.OpensslInfo, csr: Path, names: Sequence[names_mod.Name],
           timeout: Optional[float]) -> None:
    """The request openssl wrote verifies and asks for exactly these names."""
    facts = csrinfo.read_request(ossl, csr, timeout=timeout)
    asked = sorted((s.type, s.value) for s in facts.names)
    if asked != sorted((n.kind, n.value) for n in names):
        raise OpensslFailed(f"The request openssl made asks for {asked}, not the names "
                            "given. Nothing was written.", "Try another openssl with --openssl.")
