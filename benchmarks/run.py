"""Reproduce vncssl's performance figures side by side, as ratios (stdlib only).

What is compared (each pair alternates A,B / B,A run after run, so drift hits both sides;
the ratio is median(A) / median(B); every run writes into a fresh temporary folder, because
`create` refuses to overwrite, and uses a private, pre-warmed `openssl version -a` cache):

  version   `vncssl --version`                          vs the floor app's `--version`
  ec        `vncssl create --ip 127.0.0.1 --key-type ec --yes`
                                                        vs the floor app's no-op `create`
  rsa       `vncssl create --ip 127.0.0.1 --yes`        vs the floor's no-op create followed
            by the guide's bare `openssl req` (the exact argv `vncssl create --dry-run --json`
            prints): what any Typer CLI wrapping the guide's command costs at least (RSA key
            generation is heavy-tailed, hence more runs)
  rsa-bare  `vncssl create` (RSA)                       vs that bare req alone (context)
  ec-bare   `vncssl create --key-type ec`               vs its bare `openssl req` (context)
  cache     `create --key-type ec` with a cold cache    vs the same with a warm one
  count     how many openssl processes one `create` starts, cold and warm cache (a logging
            `openssl` wrapper first on PATH that execs the real one)
  chain     `vncssl inspect` of a 150-certificate bundle vs `inspect` of one certificate
            (a file's certificates are read with two openssl processes however many it holds)

The floor (benchmarks/floor_app.py) is a Typer app with the same options doing nothing, plus
`import rich.console`: the start-up cost that no Typer CLI can go below. Both apps run with
this interpreter (`python -m vncssl` against `python benchmarks/floor_app.py`), with bytecode
caching on (as after `pip install`; in a private PYTHONPYCACHEPREFIX). Each figure also shows
the CPU-time ratio (user + sys of the process tree), which stays put when other work shares
the machine while wall-clock medians drift.

    $ python benchmarks/run.py                    # everything (~2-3 minutes on 2 cores)
    $ python benchmarks/run.py --only version ec --runs 15
    $ python benchmarks/run.py --importtime       # top -X importtime offenders
    $ python benchmarks/run.py --json             # machine-readable figures

benchmarks/ca_throughput.py (the `ca issue --from` 50-host comparison) is separate.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

try:
    import resource
except ImportError:  # Windows: wall-clock figures only
    resource = None  # type: ignore[assignment]

HERE = Path(__file__).resolve().parent
FLOOR = [sys.executable, str(HERE / "floor_app.py")]
VNCSSL = [sys.executable, "-m", "vncssl"]
CREATE_ARGS = ["create", "--ip", "127.0.0.1", "--yes"]
TARGETS = {"version": 1.1, "ec": 1.3, "rsa": 1.15}
MAX_OPENSSL = 3


def _children_cpu() -> float:
    if resource is None:
        return 0.0
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Bench:
    """Runs commands; keeps wall-clock seconds and, beside them, the CPU seconds (user + sys
    of the process and everything it waited for, e.g. openssl): CPU time barely moves when
    other work shares the machine, wall-clock time does."""

    def __init__(self, root: Path, env: Dict[str, str]) -> None:
        self.root, self.env = root, env
        self.cpu: Dict[int, float] = {}

    def fresh_dir(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="run-", dir=self.root))

    def once(self, argv: Sequence, env: Optional[Dict[str, str]] = None) -> float:
        """Seconds for one run in a fresh folder; the folder is removed outside the timing.
        argv may also be a list of argvs, run one after another as one timed unit."""
        cwd = self.fresh_dir()
        commands = argv if isinstance(argv[0], list) else [argv]
        cpu0 = _children_cpu()
        start = time.perf_counter()
        for command in commands:
            proc = subprocess.run(list(command), cwd=cwd, env=env or self.env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
            if proc.returncode != 0:
                sys.exit(f"benchmark command failed ({proc.returncode}): {' '.join(command)}\n"
                         + proc.stderr.decode(errors="replace"))
        elapsed = time.perf_counter() - start
        self.last_cpu = _children_cpu() - cpu0
        shutil.rmtree(cwd)
        return elapsed

    def paired(self, a: Sequence, b: Sequence, runs: int, warmup: int = 3,
               env_a: Optional[Dict[str, str]] = None, env_b: Optional[Dict[str, str]] = None
               ) -> Tuple[List[float], List[float]]:
        for _ in range(warmup):
            self.once(a, env_a)
            self.once(b, env_b)
        ta: List[float] = []
        tb: List[float] = []
        self.cpu_a: List[float] = []
        self.cpu_b: List[float] = []
        for i in range(runs):
            for side in ("ab" if i % 2 == 0 else "ba"):
                if side == "a":
                    ta.append(self.once(a, env_a))
                    self.cpu_a.append(self.last_cpu)
                else:
                    tb.append(self.once(b, env_b))
                    self.cpu_b.append(self.last_cpu)
        return ta, tb


def summary(name: str, label_a: str, label_b: str, bench: Bench, ta: List[float],
            tb: List[float], target: Optional[float]) -> dict:
    ma, mb = statistics.median(ta), statistics.median(tb)
    ratio = ma / mb
    per_pair = statistics.median(x / y for x, y in zip(ta, tb))
    ca, cb = statistics.median(bench.cpu_a), statistics.median(bench.cpu_b)
    cpu_ratio = ca / cb if cb else float("nan")
    verdict = "" if target is None else ("  ok" if ratio <= target else "  OVER TARGET")
    print(f"{name:8} {label_a} / {label_b}: {ratio:.2f}x"
          + (f" (target <= {target}x)" if target else "") + verdict)
    print(f"{'':8} wall medians {ma * 1000:.0f} / {mb * 1000:.0f} ms, per-pair median "
          f"{per_pair:.2f}x; CPU medians {ca * 1000:.0f} / {cb * 1000:.0f} ms = "
          f"{cpu_ratio:.2f}x; n={len(ta)}", flush=True)
    return {"name": name, "a": label_a, "b": label_b, "ratio": round(ratio, 3),
            "per_pair_ratio": round(per_pair, 3), "cpu_ratio": round(cpu_ratio, 3),
            "median_a_ms": round(ma * 1000, 1), "median_b_ms": round(mb * 1000, 1),
            "cpu_a_ms": round(ca * 1000, 1), "cpu_b_ms": round(cb * 1000, 1),
            "runs": len(ta), "target": target,
            "ok": None if target is None else ratio <= target}


def guide_argv(env: Dict[str, str], root: Path, extra: Sequence[str] = ()) -> List[str]:
    """The bare guide command exactly as vncssl would run it (its openssl, its config)."""
    out = subprocess.run(VNCSSL + CREATE_ARGS + [*extra, "--dry-run", "--json"], env=env,
                         cwd=root,
                         stdin=subprocess.DEVNULL, capture_output=True, check=True)
    data = json.loads(out.stdout)
    return [data["openssl"]["path"]] + data["argv"][1:]


def chain_argvs(env: Dict[str, str], root: Path) -> Tuple[List[str], List[str]]:
    """`inspect` of a bundle of 150 certificates, and of one of them."""
    one, key = root / "one.pem", root / "one-key.pem"
    subprocess.run(VNCSSL + CREATE_ARGS + ["--key-type", "ec", "--cert", str(one), "--key",
                                           str(key)], env=env, stdin=subprocess.DEVNULL,
                   capture_output=True, check=True)
    bundle = root / "bundle-150.pem"
    bundle.write_text(one.read_text() * 150)
    return VNCSSL + ["inspect", str(bundle)], VNCSSL + ["inspect", str(one)]


def count_openssl(env: Dict[str, str], root: Path, real: str) -> dict:
    """Processes per `create`, via a logging wrapper named `openssl` first on PATH."""
    bindir = root / "wrapper-bin"
    bindir.mkdir()
    log = root / "openssl-calls.log"
    wrapper = bindir / "openssl"
    wrapper.write_text('#!/bin/sh\nprintf "%s\\n" "$*" >> "' + str(log) + '"\n'
                       f'exec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    wenv = dict(env, PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}",
                VNCSSL_CACHE_DIR=str(root / "count-cache"))
    wenv.pop("VNCSSL_OPENSSL", None)
    result = {}
    bench = Bench(root, wenv)
    for label in ("cold", "warm"):
        log.write_text("")
        bench.once(VNCSSL + CREATE_ARGS + ["--key-type", "ec"])
        calls = [line.split(" ")[0] for line in log.read_text().splitlines()]  # subcommands
        result[label] = calls
        # `version -a` runs once per openssl binary (then cached), so the target is the warm one.
        ok = "" if label == "cold" else ("  ok" if len(calls) <= MAX_OPENSSL else "  OVER TARGET")
        print(f"count    {label} cache: {len(calls)} openssl processes per create "
              f"({', '.join(calls)})" + (f" (target <= {MAX_OPENSSL})" if ok else "") + ok,
              flush=True)
    return result


def _importtime(argv: Sequence[str], env: Dict[str, str], root: Path
                ) -> Dict[str, Tuple[int, int, str]]:
    cwd = Bench(root, env).fresh_dir()
    proc = subprocess.run([sys.executable, "-X", "importtime", *argv], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True)
    rows = {}
    for line in proc.stderr.decode(errors="replace").splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = line[len("import time:"):].split("|", 2)
        rows[name.strip()] = (int(self_us), int(cumulative), name.rstrip())
    return rows


def importtime(argv_tail: Sequence[str], env: Dict[str, str], root: Path, top: int = 12
               ) -> List[Tuple[int, int, str]]:
    """-X importtime of vncssl, minus every module the floor app imports too."""
    ours = _importtime(["-m", "vncssl", *argv_tail], env, root)
    floor = _importtime([FLOOR[1], *argv_tail], env, root)
    extra = [v for k, v in ours.items() if k not in floor]
    total = sum(r[0] for r in ours.values())
    print(f"-X importtime vncssl {' '.join(argv_tail)}: {len(ours)} modules, "
          f"{total / 1000:.0f} ms of imports; {len(extra)} modules beyond the floor's, "
          f"{sum(r[0] for r in extra) / 1000:.1f} ms; top cumulative of those:")
    for self_us, cumulative, name in sorted(extra, key=lambda r: -r[1])[:top]:
        print(f"  {cumulative / 1000:7.1f} ms  (self {self_us / 1000:5.1f})  {name}")
    return extra


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    every = ["version", "ec", "rsa", "cache", "count", "chain"]
    ap.add_argument("--only", nargs="+", choices=every, default=every)
    ap.add_argument("--runs", type=int, default=20, help="paired runs (>= 15)")
    ap.add_argument("--rsa-runs", type=int, default=60, help="paired RSA runs (>= 60)")
    ap.add_argument("--importtime", action="store_true", help="show import-time offenders")
    ap.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = ap.parse_args(argv)
    if args.runs < 15 or args.rsa_runs < 60:
        print("note: fewer runs than the targets are defined with (15, RSA 60): noisy figures")

    with tempfile.TemporaryDirectory(prefix="vncssl-bench-") as tmp:
        root = Path(tmp)
        # Bytecode as an installed package has it (pip compiles on install), kept out of the
        # source tree; some environments set PYTHONDONTWRITEBYTECODE, which would make every
        # run recompile vncssl (~10 ms) but not the site-packages the floor uses.
        env = dict(os.environ, VNCSSL_CACHE_DIR=str(root / "cache"), COLUMNS="100",
                   PYTHONPYCACHEPREFIX=str(root / "pycache"))
        for name in ("VNCSSL_NO_CACHE", "VNCSSL_OPENSSL", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        bench = Bench(root, env)
        ec_args = CREATE_ARGS + ["--key-type", "ec"]
        bench.once(VNCSSL + ec_args)  # warms the `openssl version -a` cache
        print(f"python {sys.version.split()[0]} ({sys.executable}), {os.cpu_count()} CPUs; "
              "ratios of medians, paired alternating runs\n", flush=True)
        results: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count(),
                         "figures": []}
        if args.importtime:
            importtime(["--version"], env, root)
            importtime(ec_args, env, root)
            print()
        figs = results["figures"]
        if "version" in args.only:
            ta, tb = bench.paired(VNCSSL + ["--version"], FLOOR + ["--version"], args.runs)
            figs.append(summary("version", "vncssl --version", "floor --version", bench, ta, tb,
                                TARGETS["version"]))
        if "ec" in args.only:
            ta, tb = bench.paired(VNCSSL + ec_args, FLOOR + ec_args, args.runs)
            figs.append(summary("ec", "vncssl create --key-type ec", "floor no-op create",
                                bench, ta, tb, TARGETS["ec"]))
        if "rsa" in args.only or "count" in args.only:
            guide = guide_argv(env, root)
        if "rsa" in args.only:
            # What any Typer CLI would cost here: the floor app's no-op, then the bare command.
            ta, tb = bench.paired(VNCSSL + CREATE_ARGS, [FLOOR + ec_args, guide], args.rsa_runs)
            figs.append(summary("rsa", "vncssl create (RSA)", "floor no-op + bare guide req",
                                bench, ta, tb, TARGETS["rsa"]))
            ta, tb = bench.paired(VNCSSL + CREATE_ARGS, guide, args.rsa_runs)
            figs.append(summary("rsa-bare", "vncssl create (RSA)", "bare guide openssl req",
                                bench, ta, tb, None))
            ec_guide = guide_argv(env, root, ["--key-type", "ec"])
            ta, tb = bench.paired(VNCSSL + ec_args, ec_guide, args.runs)
            figs.append(summary("ec-bare", "vncssl create --key-type ec", "bare EC openssl req",
                                bench, ta, tb, None))
        if "cache" in args.only:
            cold = dict(env, VNCSSL_NO_CACHE="1")
            ta, tb = bench.paired(VNCSSL + ec_args, VNCSSL + ec_args, args.runs,
                                  env_a=cold, env_b=env)
            figs.append(summary("cache", "create ec, cold cache", "warm cache", bench, ta, tb,
                                None))
        if "chain" in args.only:
            ta, tb = bench.paired(*chain_argvs(env, root), args.runs)
            figs.append(summary("chain", "inspect 150-cert bundle", "inspect one certificate",
                                bench, ta, tb, None))
        if "count" in args.only and os.name == "posix":  # the wrapper is a shell script
            results["openssl_calls"] = count_openssl(env, root, guide[0])
        if args.json:
            print(json.dumps(results, indent=2))
        over = [f["name"] for f in figs if f["ok"] is False]
        return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
