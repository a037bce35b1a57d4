"""Fake `openssl` programs that behave like real old builds no Debian ships (OpenSSL 1.0.2f and
1.0.2u, LibreSSL 2.8.3 and 3.3.6), as those builds were seen to behave when driven through
every vncssl command (TIGERVNC-NOTES.md, "Old OpenSSL and LibreSSL builds"):

- option sets: `req -addext` (1.1.1+, LibreSSL 3.1+); `verify -no_check_time -auth_level`
  (neither on 1.0.2 and LibreSSL), `verify -partial_chain` (not on LibreSSL). An option the
  build lacks is refused as the real one refuses it (usage, exit 1);
- EC parameter encoding: `-newkey ec -pkeyopt ec_paramgen_curve:C` writes *explicit*
  parameters (key and certificate) on 1.0.2 and LibreSSL 3.3 unless `-pkeyopt
  ec_param_enc:named_curve` is given; LibreSSL 2.8.3 refuses ec_paramgen_curve with -newkey
  ("parameter error") but takes `-newkey ec:PARAMFILE`;
- compiled-in defaults: `-newkey rsa` with a config without default_bits makes RSA-512 on
  1.0.2f (2048 on 1.0.2u and LibreSSL);
- `req -x509 -key K` without `-new` tries to read a request from stdin ("unable to load X509
  request") on all four;
- `[req] distinguished_name` is required in the config (all four);
- `version -a` prints the build's banner and OPENSSLDIR (LibreSSL's shipped openssl.cnf has
  no x509_extensions).
Everything else is handed to this machine's real openssl, so the outputs are real.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Dict

PROFILES: Dict[str, Dict[str, object]] = {
    "1.0.2f": {"banner": "OpenSSL 1.0.2f  28 Jan 2016", "addext": False, "explicit_ec": True,
               "paramgen": True, "rsa_bits": 512, "verify_missing": [
                   "-no_check_time", "-auth_level"]},
    "1.0.2u": {"banner": "OpenSSL 1.0.2u  20 Dec 2019", "addext": False, "explicit_ec": True,
               "paramgen": True, "rsa_bits": 2048, "verify_missing": [
                   "-no_check_time", "-auth_level"]},
    "libressl-2.8.3": {"banner": "LibreSSL 2.8.3", "addext": False, "explicit_ec": True,
                       "paramgen": False, "rsa_bits": 2048, "verify_missing": [
                           "-no_check_time", "-auth_level", "-partial_chain"]},
    "libressl-3.3.6": {"banner": "LibreSSL 3.3.6", "addext": True, "explicit_ec": True,
                       "paramgen": True, "rsa_bits": 2048, "verify_missing": [
                           "-no_check_time", "-auth_level", "-partial_chain"]},
}

# LibreSSL's shipped openssl.cnf (macOS /private/etc/ssl): a [req] without x509_extensions.
LIBRESSL_CNF = """\
[ req ]
default_bits = 2048
default_keyfile = privkey.pem
distinguished_name = req_distinguished_name
attributes = req_attributes

[ req_distinguished_name ]
countryName = Country Name (2 letter code)
commonName = Common Name (eg, fully qualified host name)
commonName_max = 64

[ req_attributes ]
challengePassword = A challenge password
"""
# 1.0.2's shipped openssl.cnf as far as req goes, without default_bits (1.0.2f then makes 512).
OLD_CNF = """\
[ req ]
distinguished_name = req_distinguished_name
x509_extensions = v3_ca

[ req_distinguished_name ]
commonName = Common Name

[ v3_ca ]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always,issuer
basicConstraints = critical,CA:true
"""

_SCRIPT = r'''
import json, os, subprocess, sys
P = json.loads(__PROFILE__)
REAL, DIR = __REAL__, __DIR__
a = sys.argv[1:]

def real(argv):
    os.execv(REAL, [REAL] + argv)

def die(*lines):
    sys.stderr.write("".join(l + "\n" for l in lines)); sys.exit(1)

def value(flag):
    return a[a.index(flag) + 1] if flag in a and a.index(flag) + 1 < len(a) else None

if not a:
    real(a)
if a[0] == "version":
    print(P["banner"])
    if "-a" in a:
        print("built on: date not available\nplatform: simulated\nOPENSSLDIR: \"%s\"" % DIR)
    sys.exit(0)
if a[0] == "verify":
    for opt in P["verify_missing"]:
        if opt in a:
            die("verify: unknown option %s" % opt, "usage: verify [-verbose] [-CApath path] "
                "[-CAfile file] [-purpose purpose] [-crl_check] [-engine e] cert1 cert2 ...")
    real(a)
if a[0] == "req":
    if "-addext" in a and not P["addext"]:
        die("unknown option -addext", "req [options] <infile >outfile")
    cfg = value("-config") or os.path.join(DIR, "openssl.cnf")
    text = open(cfg).read() if os.path.isfile(cfg) else ""
    if "distinguished_name" not in text:
        die("unable to find 'distinguished_name' in config", "problems making Certificate Request")
    if "-x509" in a and "-key" in a and "-new" not in a and "-in" not in a:
        die("unable to load X509 request", "140735:error:0906D06C:PEM routines:PEM_read_bio:"
            "no start line:pem_lib.c:701:Expecting: CERTIFICATE REQUEST")
    if "-newkey" in a:
        i = a.index("-newkey")
        kind = a[i + 1]
        opts = [a[j + 1] for j in range(len(a) - 1) if a[j] == "-pkeyopt"]
        if kind == "rsa" and "default_bits" not in text:
            a[i + 1] = "rsa:%d" % P["rsa_bits"]
        if kind == "ec" and any(o.startswith("ec_paramgen_curve:") for o in opts):
            if not P["paramgen"]:
                die("parameter error", "problems making Certificate Request")
            named = "ec_param_enc:named_curve" in opts
            if P["explicit_ec"] and not named:
                # What the real build writes: the same key with explicit curve parameters.
                keyout = value("-keyout")
                curve = [o.split(":", 1)[1] for o in opts if o.startswith("ec_paramgen_curve:")][0]
                subprocess.run([REAL, "genpkey", "-algorithm", "EC", "-pkeyopt",
                                "ec_paramgen_curve:" + curve, "-pkeyopt", "ec_param_enc:explicit",
                                "-out", keyout], check=True, stdin=subprocess.DEVNULL)
                rest, j = [], 0
                while j < len(a):
                    if a[j] in ("-newkey", "-pkeyopt", "-keyout"):
                        j += 2
                        continue
                    rest.append(a[j]); j += 1
                a = rest + ["-key", keyout]
    real(a)
real(a)
'''


def install(bindir: Path, name: str, real_openssl: str) -> Path:
    """Write the fake for build `name` as bindir/openssl (its OPENSSLDIR beside it)."""
    profile = PROFILES[name]
    bindir.mkdir(parents=True, exist_ok=True)
    ssl_dir = bindir.parent / f"ssl-{name}"
    ssl_dir.mkdir(exist_ok=True)
    (ssl_dir / "openssl.cnf").write_text(
        LIBRESSL_CNF if name.startswith("libressl") else OLD_CNF)
    script = bindir / "openssl"
    body = (_SCRIPT.replace("__PROFILE__", repr(json.dumps(profile)))
            .replace("__REAL__", repr(real_openssl)).replace("__DIR__", repr(str(ssl_dir))))
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script
