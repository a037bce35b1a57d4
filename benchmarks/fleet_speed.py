"""Fleet figures as ratios, measured side by side (stdlib only; medians of --runs runs each,
the sides alternating run after run so drift hits them alike):

  ec     `vncssl ca issue --from` 200 hosts, EC P-256, --jobs N   vs  the same 200 bare
         `openssl req -x509 -CA ... -newkey ec` commands run N at a time (`xargs -P N`);
         ratio = throughput of vncssl / throughput of bare openssl    (target >= 0.8)
         beside it, the ceiling: benchmarks/floor_batch.py, the cheapest Typer CLI running
         the same 200 bare commands through subprocess N at a time, checking nothing: the
         most any Typer CLI issuing one openssl process per host reaches on the machine
  rsa    the same with RSA-2048                                       (target >= 0.95)
  probe  `vncssl probe --from` 20 real Xvnc servers on loopback       vs  the slowest of 20
         single `vncssl probe HOST::PORT` runs against them;
         ratio = fleet wall time / slowest single probe               (target <= 1.5)

N defaults to the number of CPUs (vncssl's own default for --jobs). Every vncssl run writes
into a fresh folder; every bare run too. `create` against the floor app is benchmarks/run.py.

    $ python benchmarks/fleet_speed.py                  # all three, 5 runs each
    $ python benchmarks/fleet_speed.py --only ec --runs 7 -n 200
    $ python benchmarks/fleet_speed.py --json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
VNCSSL = [sys.executable, "-m", "vncssl"]
TARGETS = {"ec": (">=", 0.8), "rsa": (">=", 0.95), "probe": ("<=", 1.5)}
LEAF_CNF = ("[req]\ndistinguished_name=dn\n[dn]\n[leaf]\nbasicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature{ku}\nextendedKeyUsage=serverAuth\n"
            "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n")


CPU: Dict[str, List[float]] = {}  # side -> user+sys seconds of its process tree, per run


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows: wall-clock figures only
        return 0.0
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(argv: List[str], side: str = "", **kw) -> float:
    """Wall seconds; the CPU seconds of the whole process tree go to CPU[side]: they barely
    move when other work shares the machine, wall-clock time does."""
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # noqa: S603
                   stderr=subprocess.PIPE, **kw)
    took = time.perf_counter() - start
    if side:
        CPU.setdefault(side, []).append(_children_cpu() - cpu)
    return took


def _env(root: Path) -> Dict[str, str]:
    """vncssl's environment: its CA in `root`, and bytecode as an installed package has it
    (pip compiles on install), kept out of the source tree. Some environments set
    PYTHONDONTWRITEBYTECODE, which would make every run compile vncssl's modules anew
    (~25 ms before the first openssl starts) where an installed vncssl never does."""
    env = dict(os.environ, VNCSSL_CA_DIR=str(root / "ca"),
               PYTHONPYCACHEPREFIX=str(root / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _ip(i: int) -> str:
    return f"127.0.{i // 250}.{i % 250 + 1}"


def issue_pair(kind: str, n: int, jobs: int, runs: int, root: Path
               ) -> Tuple[List[float], List[float], List[float]]:
    """vncssl, bare openssl and (EC only) the ceiling: benchmarks/floor_batch.py, the cheapest
    Typer CLI running the same bare commands through subprocess, checking nothing."""
    key = "ec" if kind == "ec" else "rsa:2048"
    env = _env(root)
    _run([*VNCSSL, "ca", "init", "--key-type", "ec"], env=env)
    hosts = root / "hosts.txt"
    hosts.write_text("".join(f"h{i} {_ip(i)}\n" for i in range(n)))
    cnf = root / "leaf.cnf"
    cnf.write_text(LEAF_CNF.format(ku="" if kind == "ec" else ",keyEncipherment"))
    newkey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1" if kind == "ec" else \
        "-newkey rsa:2048"
    ca = root / "ca"
    vncssl_t: List[float] = []
    bare_t: List[float] = []
    ceiling_t: List[float] = []
    for run in range(runs + 1):  # the first pair warms caches and is not counted
        out = root / f"v{run}"
        out.mkdir()
        bare = root / f"b{run}"
        bare.mkdir()
        cmds = root / f"cmds{run}.txt"
        cmds.write_text("".join(
            f"req -x509 {newkey} -nodes -days 365 -config {cnf} -extensions leaf "
            f"-CA {ca / 'ca.pem'} -CAkey {ca / 'ca-key.pem'} -keyout {bare}/k{i}.pem "
            f"-out {bare}/c{i}.pem -subj /CN={_ip(i)} -addext subjectAltName=IP:{_ip(i)}\n"
            for i in range(n)))
        sides = [("vncssl", lambda o=out, r=run: _run(
                    [*VNCSSL, "ca", "issue", "--from", str(hosts), "--out-dir", str(o),
                     "--key-type", key, "--jobs", str(jobs), "--json"],
                    f"{kind}-vncssl" if r else "", env=env)),
                 ("bare", lambda c=cmds, r=run: _run(
                    ["sh", "-c", f"xargs -P {jobs} -L 1 openssl < {c}"],
                    f"{kind}-bare" if r else ""))]
        if kind == "ec":
            sides.append(("ceiling", lambda c=cmds, r=run: _run(
                [sys.executable, str(HERE / "floor_batch.py"), str(c), "--jobs", str(jobs)],
                f"{kind}-ceiling" if r else "", env=env)))
        if run % 2:
            sides.reverse()
        for name, fn in sides:
            took = fn()
            if run:
                {"vncssl": vncssl_t, "bare": bare_t, "ceiling": ceiling_t}[name].append(took)
        assert len(list(out.glob("*-private.pem"))) == n, "vncssl did not issue every host"
        assert len(list(bare.glob("c*.pem"))) == n, "bare openssl did not make every cert"
        shutil.rmtree(out)
        shutil.rmtree(bare)
    return vncssl_t, bare_t, ceiling_t


def probe_pair(n: int, runs: int, root: Path) -> Tuple[List[float], List[float]]:
    sys.path.insert(0, str(HERE.parent))
    from tests import tigervnc_harness as h  # stdlib only; real Xvnc on loopback

    env = _env(root)
    _run([*VNCSSL, "ca", "init", "--key-type", "ec"], env=env)
    _run([*VNCSSL, "ca", "issue", "--ip", "127.0.0.1", "--key-type", "ec", "--cert",
          str(root / "s.pem"), "--key", str(root / "s-key.pem")], env=env)
    ca = str(root / "ca" / "ca.pem")
    fleet_t: List[float] = []
    single_t: List[float] = []
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(h.xvnc_server(root / "s.pem", root / "s-key.pem"))
                   for _ in range(n)]
        hosts = root / "hosts.txt"
        hosts.write_text("".join(f"vnc{i} 127.0.0.1::{s.port}\n" for i, s in
                                 enumerate(servers)))
        for run in range(runs + 1):
            fleet = _run([*VNCSSL, "probe", "--from", str(hosts), "--ca", ca, "--json"],
                         env=env)
            slowest = max(_run([*VNCSSL, "probe", f"127.0.0.1::{s.port}", "--ca", ca,
                                "--json"], env=env) for s in servers)
            if run:
                fleet_t.append(fleet)
                single_t.append(slowest)
    return fleet_t, single_t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", choices=list(TARGETS), default=list(TARGETS))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("-n", type=int, default=200, help="hosts for ec/rsa (default 200)")
    ap.add_argument("--servers", type=int, default=20, help="Xvnc servers for probe")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    ver = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()  # noqa: S603,S607
    print(f"{os.cpu_count()} CPUs, {ver}, jobs {args.jobs}, medians of {args.runs} runs")
    figures: Dict[str, dict] = {}
    for name in args.only:
        with tempfile.TemporaryDirectory(prefix=f"fleet-{name}-") as tmp:
            if name == "probe":
                a, b = probe_pair(args.servers, args.runs, Path(tmp))
                ratio = statistics.median(a) / statistics.median(b)
                what = (f"probe --from {args.servers} Xvnc {statistics.median(a):.2f} s / "
                        f"slowest single probe {statistics.median(b):.2f} s")
            else:
                a, b, c = issue_pair(name, args.n, args.jobs, args.runs, Path(tmp))
                ratio = statistics.median(b) / statistics.median(a)  # throughput ratio
                cpu = (statistics.median(CPU[f"{name}-bare"])
                       / statistics.median(CPU[f"{name}-vncssl"]))
                what = (f"ca issue --from {args.n} {name}: vncssl {statistics.median(a):.2f} s"
                        f" vs bare xargs -P{args.jobs} {statistics.median(b):.2f} s; CPU-time "
                        f"ratio {cpu:.2f}x")
                if c:  # the most any Typer CLI running one openssl per host reaches here
                    what += (f"; ceiling (floor_batch.py, no checks) {statistics.median(c):.2f}"
                             f" s = {statistics.median(b) / statistics.median(c):.2f}x")
        op, target = TARGETS[name]
        ok = ratio >= target if op == ">=" else ratio <= target
        figures[name] = {"ratio": round(ratio, 3), "target": f"{op} {target}", "met": ok,
                         "a": a, "b": b}
        print(f"  {name:6} {ratio:5.2f}x  (target {op} {target}: {'met' if ok else 'MISSED'})"
              f"  {what}", flush=True)
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0 if all(f["met"] for f in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
