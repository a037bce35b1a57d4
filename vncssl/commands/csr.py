"""`vncssl csr`: a private key and a certificate signing request for an external (public) CA.

The guide's other route: own a domain, name the LAN `local.example.com`, get a certificate for
`computer1.local.example.com` through a DNS-01 challenge. vncssl makes the key (0600) and the
CSR with `openssl req -new` (the SAN in a config section, which works on every openssl), and
hands the ACME client the CSR, so the key never leaves this machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

from vncssl.errors import OpensslFailed, UsageError
from vncssl.fs import atomic, targets, workdir, writes
from vncssl.notice import command
from vncssl.openssl import binary, keygen, runner
from vncssl.teach import recipe
from vncssl.x509 import names as names_mod
from vncssl.x509.extensions import REQ_SECTION, csr_config, subject_args
from vncssl.x509.names import Name


@dataclass
class Advice:
    code: str
    message: str


@dataclass
class CsrResult:
    csr: str
    key: str
    key_mode: Optional[str]
    names: List[str]
    subject: str
    key_type: str
    acme_commands: List[str]
    advice: List[Advice] = field(default_factory=list)


def acme_commands(csr: str, names: Sequence[Name]) -> List[str]:
    """Ready commands for the common ACME clients, each with the DNS-01 challenge."""
    dns = [n.value for n in names if n.kind == "DNS"]
    first = (dns[0] if dns else "vnc-server").replace("*", "wildcard")
    return [
        command("certbot", "certonly", "--manual", "--preferred-challenges", "dns", "--csr",
                csr, "--fullchain-path", f"{first}-fullchain.pem"),
        command("acme.sh", "--signcsr", "--csr", csr, "--dns", "dns_cf")
        + "    # dns_cf: your DNS provider's plugin",
        command("lego", "--email", "you@example.com", "--dns", "cloudflare", "--csr", csr,
                "run") + "    # --dns: your provider",
    ]


def make(dns: Sequence[str], ips: Sequence[str] = (), *, key: Optional[str] = None,
         out: Optional[str] = None, key_type: str = "rsa", openssl_path: Optional[str] = None,
         force: bool = False, timeout: Optional[float] = None, backup: bool = True
         ) -> CsrResult:
    names = names_mod.collect(ips, dns)
    if not any(n.kind == "DNS" for n in names):
        raise UsageError("A public CA needs a DNS name: it never certifies LAN IP addresses.",
                         "Pass --dns computer1.local.example.com (a name under a domain you "
                         "own), or use `vncssl ca` / `vncssl create` for IP addresses.")
    spec = recipe.parse_key_type(key_type)
    # NAME is the first DNS name, whatever else is given: the files say which certificate
    # they are for, and never take create's vnc-server-private.pem.
    first_dns = next(n.value for n in names if n.kind == "DNS")
    base = first_dns.replace("*", "wildcard")
    key_path = key or f"{base}-private.pem"
    csr_path = out or f"{base}.csr"
    key_t = targets.check_target(Path(key_path), "private key", force=force)
    csr_t = targets.check_target(Path(csr_path), "CSR", force=force)
    targets.check_distinct(key_t, csr_t)
    ossl, _ = binary.find(openssl_path, timeout=timeout)
    dns_names = [n for n in names if n.kind == "DNS"]
    subj = names_mod.subject([("CN", dns_names[0].value)])
    with workdir.private_workdir(key_t.path.parent) as work:
        key_tmp, csr_tmp, cfg = work / "key.pem", work / "req.csr", work / "csr.cnf"
        writes.precreate_private(key_tmp)
        writes.precreate_public(csr_tmp)
        writes.write_text(cfg, csr_config(names), 0o600)
        runner.run([ossl.path, "req", "-new", "-config", str(cfg), "-reqexts", REQ_SECTION,
                     *keygen.newkey(ossl, spec, work, timeout=timeout), "-nodes",
                     "-keyout", str(key_tmp), "-out",
                     str(csr_tmp), *subject_args(subj)], timeout=timeout, cwd=str(work),
                    what="openssl req -new")
        check = runner.run([ossl.path, "req", "-in", str(csr_tmp), "-noout", "-verify",
                             "-text"], timeout=timeout, what="openssl req -verify")
        for n in names:
            shown = f"IP Address:{n.value}" if n.kind == "IP" else f"DNS:{n.value}"
            if shown not in check.stdout:
                raise OpensslFailed(f"The CSR openssl made does not carry {n.san}.",
                                    "Try another openssl with --openssl.")
        atomic.install([(key_tmp, key_t), (csr_tmp, csr_t)], force=force,
                       backup=force and backup)
    csr_shown = os.path.relpath(csr_t.path) if not os.path.isabs(csr_path) else str(csr_t.path)
    return CsrResult(csr=str(csr_t.path), key=str(key_t.path),
                     key_mode=targets.mode_text(key_t.path),
                     names=[n.san for n in names], subject=subj, key_type=spec.text,
                     acme_commands=acme_commands(csr_shown, names), advice=advice(names))


def advice(names: Sequence[Name]) -> List[Advice]:
    dns = [n.value for n in names if n.kind == "DNS"]
    out = [
        Advice("ct-logs", "Public CAs publish every certificate in Certificate Transparency "
               f"logs: anyone can read {', '.join(dns)}. Don't name computers after secret "
               "projects."),
        Advice("naming", "The guide's scheme: if your public site is example.com, name the "
               "LAN local.example.com and this computer computer1.local.example.com; viewers "
               "then type that full name (not the IP)."),
        Advice("dns-01", "The computer is not reachable from the internet, so prove you own "
               "the name with a DNS-01 challenge: the ACME client asks you (or your DNS "
               "provider's API) to publish a TXT record _acme-challenge.<name>. See "
               "https://letsencrypt.org/docs/challenge-types/#dns-01-challenge"),
        Advice("after", "With the issued certificate (full chain): `vncssl check "
               "fullchain.pem --host NAME` judges it against the system trust store as the "
               "viewer would, and `vncssl tigervnc server --cert fullchain.pem --key KEY` "
               "configures the server."),
    ]
    if any(n.kind == "IP" for n in names):
        out.insert(0, Advice("ip-san", "Public CAs refuse IP addresses in a CSR (for LAN "
                             "addresses always): expect the request to be rejected; leave "
                             "out --ip."))
    if any(n.value.startswith("*.") for n in names):
        out.append(Advice("wildcard", "A wildcard needs a DNS-01 challenge too, and one key "
                          "then serves every computer: a leak exposes them all."))
    return out
