"""A fleet's `openssl verify` calls in few processes: group commit.

`probe --from` judges every server on its own thread, and each verdict asks openssl to
verify one leaf against the same X509CA. Inside `batched()`, such a request waits while up
to RUNNING verify processes are busy; whoever starts the next process takes every waiting
request with the same flags, anchors and intermediates, and names all their leaves on one
`openssl verify` command line. A 20-server fleet then costs a handful of verify processes,
not 20 (each openssl start is ~4 ms of CPU on the two cores the handshakes need too).

Only "PATH: OK" is taken from a batch: a leaf the batch does not call OK gets None, and the
caller verifies it alone, exactly as without a batch (openssl's error text, the dates rule
of builds without -no_check_time); so does every leaf of a batch that could not run (a
timeout): what one server sends never decides another's verdict. Outside `batched()`,
nothing here is used.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from vncssl.openssl import runner

RUNNING = 2  # verify processes at once: the machine's two cores

Key = Tuple[Tuple[str, ...], str, str]  # (argv up to the files, anchors' PEM, untrusted PEM)


class _Request:
    def __init__(self, leaf_pem: str) -> None:
        self.leaf_pem = leaf_pem
        self.ok: Optional[bool] = None
        self.error: Optional[BaseException] = None
        self.done = threading.Event()


class Batcher:
    def __init__(self, timeout: Optional[float], running: int = RUNNING) -> None:
        self.timeout, self.limit = timeout, running
        self.lock = threading.Lock()
        self.pending: Dict[Key, List[_Request]] = {}
        self.running = 0
        self.processes = 0  # how many verify processes the batch ran (tests, benchmarks)

    def verify(self, key: Key, leaf_pem: str) -> Optional[bool]:
        """True: openssl verified this leaf with these anchors and flags. None: the batch
        cannot say (verify it alone)."""
        req = _Request(leaf_pem)
        with self.lock:
            self.pending.setdefault(key, []).append(req)
            lead = self.running < self.limit
            if lead:
                self.running += 1
        if lead:
            self._drain()
        req.done.wait()
        if req.error is not None:
            raise req.error
        return req.ok

    def _drain(self) -> None:
        while True:
            with self.lock:
                if not self.pending:
                    self.running -= 1
                    return
                key = next(iter(self.pending))
                batch = self.pending.pop(key)
            try:
                oks = self._run(key, [r.leaf_pem for r in batch])
            except Exception:  # noqa: BLE001 - e.g. a timeout: each leaf is verified alone,
                oks = [False] * len(batch)  # so one server's certificate fails no other's
            except BaseException as exc:  # Ctrl-C, SIGTERM: each waiter gets it, and so do we
                for r in batch:
                    r.error = exc
                    r.done.set()
                with self.lock:
                    self.running -= 1
                raise
            for r, ok in zip(batch, oks):
                r.ok = True if ok else None
                r.done.set()

    def _run(self, key: Key, leaves: Sequence[str]) -> List[bool]:
        from vncssl.fs import workdir, writes

        with workdir.scratch_dir("vncssl-verify-") as work:
            cmd = argv_in(work, key)
            names = [f"leaf{i}.pem" for i in range(len(leaves))]
            for name, pem in zip(names, leaves):
                writes.write_scratch(work / name, pem.encode("utf-8"))
            # Relative leaf names (cwd=work): "leafN.pem: OK" is matched exactly.
            self.processes += 1
            r = runner.run([*cmd, *names], timeout=self.timeout, check=False, cwd=str(work),
                           what="openssl verify")
        ok = verified(r.stdout)
        return [name in ok for name in names]


def key_for(ossl: Any, extra: Sequence[str], anchors: Sequence[Any],
            untrusted: Sequence[Any]) -> Key:
    """What a verify call depends on besides its leaf (CertFacts lists: their PEM)."""
    return ((ossl.path, "verify", *ossl.verify_flags, *extra),
            "".join(c.pem for c in anchors), "".join(c.pem for c in untrusted))


def argv_in(work: Path, key: Key) -> List[str]:
    """The verify command up to its leaf files, the anchors and intermediates written into
    the scratch folder `work` (no -CAfile without anchors: the system store then)."""
    from vncssl.fs import writes

    argv, anchors, untrusted = key
    cmd = list(argv)
    for flag, pem, name in (("-CAfile", anchors, "ca.pem"),
                            ("-untrusted", untrusted, "untrusted.pem")):
        if pem:
            writes.write_scratch(work / name, pem.encode("utf-8"))
            cmd += [flag, str(work / name)]
    return cmd


def verified(stdout: str) -> Set[str]:
    """The files `openssl verify FILE...` called OK ("FILE: OK", one line each)."""
    return {line[:-len(": OK")] for line in stdout.splitlines() if line.endswith(": OK")}


_ACTIVE: Optional[Batcher] = None


def active() -> Optional[Batcher]:
    return _ACTIVE


@contextlib.contextmanager
def batched(timeout: Optional[float]) -> Iterator[Batcher]:
    """Within it, verdict's verify calls from any thread go through one Batcher."""
    global _ACTIVE
    saved, _ACTIVE = _ACTIVE, Batcher(timeout)
    try:
        yield _ACTIVE
    finally:
        _ACTIVE = saved
