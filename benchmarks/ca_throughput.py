"""Issuance throughput: `vncssl ca issue --from` vs bare openssl vs mkcert (stdlib only).

  $ python benchmarks/ca_throughput.py            # 50 RSA-2048 certs each way
  $ python benchmarks/ca_throughput.py -n 20 --repeat 3

Three ways to get N CA-signed RSA-2048 server certificates for 127.0.0.x:
  vncssl   one `vncssl ca issue --from hosts.txt` run (parallel, verified, atomic installs);
  openssl  N bare `openssl req -x509 -CA ... -newkey rsa:2048` commands, one after another
           (the fastest one-liner a shell script would use; nothing verified);
  mkcert   N `mkcert -cert-file ... -key-file ... 127.0.0.x` runs (CAROOT in a temp dir).
Prints certificates/second for each (best of --repeat runs) and the ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CNF = "[req]\ndistinguished_name=dn\n[dn]\n[leaf]\nbasicConstraints=critical,CA:FALSE\n" \
      "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"


def _run(argv, **kw) -> None:
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # noqa: S603
                   stderr=subprocess.DEVNULL, **kw)


def bench_vncssl(n: int, work: Path) -> float:
    ca = work / "ca"
    env = dict(os.environ, VNCSSL_CA_DIR=str(ca))
    vncssl = [sys.executable, "-m", "vncssl"]
    _run([*vncssl, "ca", "init", "--key-type", "rsa:2048"], env=env)
    hosts = work / "hosts.txt"
    hosts.write_text("".join(f"h{i} 127.0.{i // 250}.{i % 250 + 1}\n" for i in range(n)))
    out = work / "out"
    out.mkdir()
    start = time.perf_counter()
    _run([*vncssl, "ca", "issue", "--from", str(hosts), "--out-dir", str(out),
          "--key-type", "rsa:2048"], env=env)
    took = time.perf_counter() - start
    assert len(list(out.glob("h*-private.pem"))) == n, "vncssl did not write every cert"
    return took


def bench_openssl(n: int, work: Path) -> float:
    cnf = work / "leaf.cnf"
    cnf.write_text(CNF)
    _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
          "-keyout", str(work / "ca-key.pem"), "-out", str(work / "ca.pem"),
          "-subj", "/CN=bench CA"])
    start = time.perf_counter()
    for i in range(n):
        ip = f"127.0.{i // 250}.{i % 250 + 1}"
        _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365",
              "-config", str(cnf), "-extensions", "leaf", "-CA", str(work / "ca.pem"),
              "-CAkey", str(work / "ca-key.pem"), "-keyout", str(work / f"k{i}.pem"),
              "-out", str(work / f"c{i}.pem"), "-subj", f"/CN={ip}",
              "-addext", f"subjectAltName=IP:{ip}"])
    return time.perf_counter() - start


def bench_mkcert(n: int, work: Path) -> float:
    env = dict(os.environ, CAROOT=str(work / "caroot"), TRUST_STORES="none")
    _run(["mkcert", "-cert-file", str(work / "warm.pem"), "-key-file", str(work / "wk.pem"),
          "127.0.0.1"], env=env)  # creates the CA outside the timing, as the others
    start = time.perf_counter()
    for i in range(n):
        ip = f"127.0.{i // 250}.{i % 250 + 1}"
        _run(["mkcert", "-cert-file", str(work / f"c{i}.pem"), "-key-file",
              str(work / f"k{i}.pem"), ip], env=env)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=50, help="certificates per run (default 50)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool; best is kept")
    args = ap.parse_args()
    tools = {"vncssl": bench_vncssl, "openssl": bench_openssl}
    if shutil.which("mkcert"):
        tools["mkcert"] = bench_mkcert
    print(f"{args.n} RSA-2048 certificates, {os.cpu_count()} CPUs, "
          f"{subprocess.run(['openssl', 'version'], capture_output=True, text=True).stdout.strip()}")  # noqa: S603,S607,E501
    rates = {}
    for name, fn in tools.items():
        best = None
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
                took = fn(args.n, Path(tmp))
            best = took if best is None else min(best, took)
        rates[name] = args.n / best
        print(f"  {name:8} {best:7.2f} s   {rates[name]:6.1f} certs/s")
    for other in ("openssl", "mkcert"):
        if other in rates:
            print(f"  vncssl / {other}: {rates['vncssl'] / rates[other]:.2f}x")


if __name__ == "__main__":
    main()
