"""x509/verifybatch: the fleet's `openssl verify` requests share processes (group commit),
with the real openssl: requests that wait while a verify runs go into ONE next process; a
leaf the batch does not call OK gets None (the caller verifies it alone); outside
`batched()` the verdict verifies each leaf on its own."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import List, Optional

import pytest

from tests.clirunner import CliRunner
from vncssl.cli import app
from vncssl.openssl import binary
from vncssl.x509 import certinfo, verdict, verifybatch

runner = CliRunner()
SLOW = """
if [ "$1" = verify ]; then echo run >> "{log}"; touch "{started}"; sleep {pause}; fi
exec "$REAL" "$@"
"""


@pytest.fixture(scope="module")
def pems(tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("verifybatch")
    out = {}
    for ca in ("ca", "other"):
        r = runner.invoke(app, ["ca", "init", "--dir", str(d / ca), "--key-type", "ec"])
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["ca", "issue", "--ca-dir", str(d / ca), "--ip", "127.0.0.1",
                                "--key-type", "ec", "--cert", str(d / f"{ca}-leaf.pem"),
                                "--key", str(d / f"{ca}-leaf-key.pem")])
        assert r.exit_code == 0, r.output
        out[ca] = (d / ca / "ca.pem").read_text()
        out[f"{ca}-leaf"] = (d / f"{ca}-leaf.pem").read_text()
    return out


def _key(ossl: binary.OpensslInfo, anchors: str) -> verifybatch.Key:
    return ((ossl.path, "verify", *ossl.verify_flags), anchors, "")


def test_waiting_requests_share_the_next_process(pems: dict, fake_openssl,
                                                 tmp_path: Path) -> None:
    log, started = tmp_path / "verify.log", tmp_path / "started"
    fake_openssl(SLOW.format(log=log, started=started, pause="0.5"))
    ossl, _ = binary.find()
    leaves = [pems["ca-leaf"]] * 4 + [pems["other-leaf"]]
    results: List[Optional[bool]] = [None] * len(leaves)
    with verifybatch.batched(30.0) as b:
        b.limit = 1  # one verify at a time: whatever arrives meanwhile waits for the next

        def ask(i: int) -> None:
            results[i] = b.verify(_key(ossl, pems["ca"]), leaves[i])

        first = threading.Thread(target=ask, args=(0,))
        first.start()
        deadline = time.monotonic() + 20
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert started.exists(), "the first verify never ran"
        rest = [threading.Thread(target=ask, args=(i,)) for i in range(1, len(leaves))]
        for t in rest:
            t.start()
        for t in [first, *rest]:
            t.join(60)
    assert b.processes == 2 and len(log.read_text().splitlines()) == 2
    assert results == [True, True, True, True, None]  # another CA's leaf: not OK, no guess


def test_a_leaf_the_batch_refuses_is_verified_alone_with_openssls_reason(pems: dict,
                                                                         tmp_path: Path) -> None:
    ossl, _ = binary.find()
    path = tmp_path / "other-leaf.pem"
    path.write_text(pems["other-leaf"])
    leaf = certinfo.read_chain(ossl, path)[0]
    ca_path = tmp_path / "ca.pem"
    ca_path.write_text(pems["ca"])
    anchor = certinfo.read_chain(ossl, ca_path)[0]
    alone = verdict._openssl_verify(ossl, leaf, [], [anchor], 30.0)
    with verifybatch.batched(30.0) as b:
        batched = verdict._openssl_verify(ossl, leaf, [], [anchor], 30.0)
    assert b.processes == 1
    assert batched == alone and batched[0] is False and batched[1]  # openssl's own reason
    good = tmp_path / "ca-leaf.pem"
    good.write_text(pems["ca-leaf"])
    with verifybatch.batched(30.0) as b:
        assert verdict._openssl_verify(ossl, certinfo.read_chain(ossl, good)[0], [],
                                       [anchor], 30.0) == (True, "")
    assert b.processes == 1


def test_outside_a_batch_nothing_is_shared(pems: dict, tmp_path: Path) -> None:
    assert verifybatch.active() is None
    with verifybatch.batched(5.0):
        assert verifybatch.active() is not None
    assert verifybatch.active() is None
    path = tmp_path / "leaf.pem"
    path.write_text(pems["ca-leaf"])
    r = subprocess.run(["openssl", "verify", "-CAfile", "/dev/null", str(path)],  # noqa: S603,S607
                       capture_output=True, text=True)
    assert r.returncode != 0  # (the leaf needs its CA: the batch tests above are not vacuous)


HANG_ON_BATCH = """
case " $* " in *" leaf0.pem "*) sleep 30;; esac
exec "$REAL" "$@"
"""


def test_a_batch_that_cannot_finish_leaves_each_leaf_to_be_verified_alone(
        pems: dict, fake_openssl, tmp_path: Path) -> None:
    fake_openssl(HANG_ON_BATCH)
    ossl, _ = binary.find()
    path, ca_path = tmp_path / "leaf.pem", tmp_path / "ca.pem"
    path.write_text(pems["ca-leaf"])
    ca_path.write_text(pems["ca"])
    leaf, anchor = certinfo.read_chain(ossl, path)[0], certinfo.read_chain(ossl, ca_path)[0]
    start = time.monotonic()
    with verifybatch.batched(1.0) as b:  # the batch's openssl hangs past its 1 s timeout
        assert verdict._openssl_verify(ossl, leaf, [], [anchor], 10.0) == (True, "")
    assert b.processes == 1 and time.monotonic() - start < 10  # then verified alone: OK
