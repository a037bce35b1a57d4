"""`vncssl doctor`, server side: the TigerVNC server's security types, its X509Cert and
X509Key (there, readable by the user it runs as, matching, unencrypted) and the
certificate (names this machine, not about to expire, usable keyUsage). Only reads."""

from __future__ import annotations

import os
import shlex
import socket
from pathlib import Path
from typing import Any, List, Optional

from vncssl.commands.doctor_checks import Check, error, fail, ok, skip
from vncssl.errors import VncsslError, quoted
from vncssl.tigervnc import security
from vncssl.tigervnc.servers import ServerSetup

S = "server"


def _q(path: str) -> str:
    return shlex.quote(path)


def _settings_fix(setup: ServerSetup, types: str = "X509Vnc") -> str:
    cert = setup.values.get("x509cert") or "vnc-server.pem"
    key = setup.values.get("x509key") or "vnc-server-private.pem"
    args = f"--cert {_q(cert)} --key {_q(key)} --security-types {types}"
    if setup.pid is not None:
        return (f"Restart {setup.origin.split(' ')[0]} with the arguments of "
                f"`vncssl tigervnc server --format xvnc {args}`")
    return f"vncssl tigervnc server {args} --write"


def check_types(setup: ServerSetup) -> List[Check]:
    value = setup.security_types
    given = "" if setup.values.get("securitytypes") else " (the default)"
    types = [t.strip() for t in value.split(",") if t.strip()]
    x509 = [t for t in types if t.lower() in (x.lower() for x in security.X509_TYPES)]
    if not x509:
        return [fail("security-types", S, "Security types include an X509 type",
                     f"SecurityTypes is {value}{given}: no X509 type, so the server never "
                     "presents its certificate (X509Cert/X509Key are ignored).",
                     _settings_fix(setup), "no-x509-type")]
    out = [ok("security-types", S, "Security types include an X509 type",
              f"SecurityTypes {value}{given}")]
    weak = [t for t in types if t not in x509]
    if weak:
        out.append(fail("weak-types", S, "No weaker security type is offered",
                        f"The server also offers {', '.join(weak)}: a viewer may connect that "
                        "way without checking the certificate.",
                        _settings_fix(setup, ",".join(x509)), "weak-types"))
    else:
        out.append(ok("weak-types", S, "No weaker security type is offered", ",".join(x509)))
    return out


def _file_checks(setup: ServerSetup, user: Any, kind: str, param: str) -> List[Check]:
    from vncssl.fs import access

    cid = "cert-file" if param == "x509cert" else "key-file"
    name = {"x509cert": "X509Cert", "x509key": "X509Key"}[param]
    title = f"{name} ({kind}) is set and readable by {user.name}"
    path = setup.values.get(param)
    if not path:
        return [fail(cid, S, title, f"No {name} is set: the server has no certificate to "
                     "present.", _settings_fix(setup), f"no-{cid}")]
    why = access.unreadable_reason(Path(path), user)
    if why is None:
        return [ok(cid, S, title, quoted(path))]
    if "does not exist" in why or "not a regular file" in why:
        return [fail(cid, S, title, why + ".", _settings_fix(setup), f"{cid}-missing")]
    if "cannot enter" in why:
        fix = (f"Move {_q(path)} into a folder {user.name} can enter (e.g. its own ~/.vnc), "
               f"then point {name} at it: vncssl tigervnc server --cert CERT --key KEY --write")
    elif param == "x509key":
        fix = f"chown {_q(user.name)} {_q(path)} && chmod 600 {_q(path)}"
    else:
        fix = f"chmod 644 {_q(path)}"
    return [fail(cid, S, title, why + " (the server fails with \"Error while reading file\" "
                 "/ \"Error loading X509 certificate or key\").", fix, f"{cid}-unreadable")]


def check_files(ossl: Any, setup: ServerSetup, user: Any, host: Optional[str],
                within: int, addresses: List[str], timeout: Optional[float]) -> List[Check]:
    from vncssl.x509 import certinfo
    from vncssl.x509.hostname import hostname_matches
    from vncssl.x509.problem import WARNING
    from vncssl.x509.verdict import _key_usage_problem, key_problems

    checks = _file_checks(setup, user, "certificate", "x509cert")
    checks += _file_checks(setup, user, "private key", "x509key")
    cert, key = setup.values.get("x509cert"), setup.values.get("x509key")
    if not cert:
        return checks
    if not os.access(cert, os.R_OK):
        return checks + [skip("cert", S, "The certificate itself", "not readable here: "
                              "run vncssl doctor as root or as the server's user")]
    try:
        leaf = certinfo.read_chain(ossl, Path(cert), timeout=timeout)[0]
    except VncsslError as exc:
        return checks + [fail("cert", S, "X509Cert is a PEM certificate", exc.message,
                              "vncssl inspect " + _q(cert), "not-pem")]
    if key and os.access(key, os.R_OK):
        try:
            probs = key_problems(ossl, leaf, Path(key), timeout=timeout)
        except VncsslError as exc:
            probs = []
            checks.append(fail("key-matches", S, "X509Key is the certificate's unencrypted "
                               "key", exc.message, "vncssl inspect " + _q(cert) + " --key "
                               + _q(key), "not-pem"))
        else:
            checks.append(fail("key-matches", S, "X509Key is the certificate's unencrypted "
                               "key", probs[0].message, probs[0].fix, probs[0].code) if probs
                          else ok("key-matches", S, "X509Key is the certificate's unencrypted "
                                  "key", "matches, no passphrase"))
    elif key:
        checks.append(error("key-matches", S, "X509Key is the certificate's unencrypted key",
                            f"{key} is not readable by vncssl here",
                            "Run vncssl doctor as root or as the server's user"))
    names = [host] if host else addresses + [socket.gethostname()]
    named = [n for n in names if n and hostname_matches(leaf, n)]
    listed = ", ".join(f"{s.type}:{s.value}" for s in leaf.san) or f"only {leaf.subject}"
    checks.append(ok("cert-names", S, "The certificate names this server", ", ".join(named))
                  if named else fail(
                      "cert-names", S, "The certificate names this server",
                      f"It lists {listed}, not {', '.join(n for n in names if n)}: viewers "
                      "that type those get \"Certificate hostname mismatch\".",
                      f"vncssl renew --cert {_q(cert)} --key {_q(key or 'KEY')} (keeps the "
                      f"names) or vncssl create --ip {names[0]} --force", "hostname-mismatch"))
    if leaf.days_left < 0:
        checks.append(fail("cert-expiry", S, f"The certificate is valid for more than {within} "
                           "days", f"It expired on {leaf.not_after}.", f"vncssl renew --cert "
                           f"{_q(cert)} --key {_q(key or 'KEY')}", "expired"))
    elif leaf.days_left <= within:
        checks.append(fail("cert-expiry", S, f"The certificate is valid for more than {within} "
                           "days", f"It expires on {leaf.not_after} ({leaf.days_left} days).",
                           f"vncssl renew --cert {_q(cert)} --key {_q(key or 'KEY')}",
                           "expires-soon"))
    else:
        checks.append(ok("cert-expiry", S, f"The certificate is valid for more than {within} "
                         "days", f"until {leaf.not_after}"))
    usage = _key_usage_problem(leaf)  # the verdict's rule (a warning: static RSA only)
    title = "The key may sign the handshake (keyUsage)"
    checks.append(fail("key-usage", S, title, usage[0].message, usage[0].fix, usage[0].code)
                  if usage and usage[0].stops != WARNING else
                  ok("key-usage", S, title, usage[0].message if usage else ""))
    return checks
