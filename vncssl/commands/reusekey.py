"""`vncssl renew --reuse-key`: create's openssl run with `-key OLD` in place of `-newkey`,
verified and installed by create's own pieces. The old key is copied into the private work
folder (never moved), so a failure leaves the old pair exactly as it was."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import List, Optional

from vncssl.commands import create, readback
from vncssl.fs import atomic, safeopen, workdir, writes
from vncssl.openssl import runner
from vncssl.teach import recipe


def argv(p: create.Plan, key_tmp: Path, cert_tmp: Path, config: str,
                program: Optional[str] = None) -> List[str]:
    """create's argv with `-key OLD` for `-newkey ...` and no -keyout."""
    run_req = dataclasses.replace(p.request, openssl=program or p.openssl.path,
                                  key=str(key_tmp), cert=str(cert_tmp), config=config)
    argv = recipe.build_argv(run_req)
    newkey = p.request.newkey_argv
    start = argv.index(newkey[0])
    # 1.0.2 and LibreSSL: `req -x509 -key` without -new waits for a request on stdin.
    argv[start:start + len(newkey)] = (["-new"] if p.openssl.x509_key_needs_new else []) + [
        "-key", str(key_tmp)]
    k = argv.index("-keyout")
    del argv[k:k + 2]
    return argv


def execute(p: create.Plan) -> create.CreateResult:
    cert_dir, key_dir = p.cert.path.parent, p.key.path.parent
    key_bytes = safeopen.open_regular(p.key.path, "private key", follow=False)
    with contextlib.ExitStack() as stack:
        key_work = stack.enter_context(workdir.private_workdir(key_dir))
        cert_work = key_work if cert_dir == key_dir else stack.enter_context(
            workdir.private_workdir(cert_dir))
        key_tmp, cert_tmp = key_work / "key.pem", cert_work / "cert.pem"
        writes.write_private(key_tmp, key_bytes)
        writes.precreate_public(cert_tmp)
        config_path = create.config_for_run(p, key_work)
        runner.run(argv(p, key_tmp, cert_tmp, config_path), timeout=p.timeout,
                    cwd=str(key_work), what="openssl req")
        facts = readback.verify(p.openssl, p.request, p.argv, cert_tmp, key_tmp,
                                timeout=p.timeout)
        backups = atomic.install([(key_tmp, p.key), (cert_tmp, p.cert)], force=True,
                                backup=True)
    return dataclasses.replace(create.result_of(p, facts, [str(p.key.path), str(p.cert.path)]),
                               backups=[str(b) for b in backups])
