"""A verdict (x509/verdict.py states TigerVNC 1.12's way of stopping) told for the viewer
generation really in use: --tigervnc-version, else the installed viewer (detect.py); plus
what only that generation's files and habits decide -- a remembered exception in its
x509_known_hosts (the viewer then does not warn at all), and the IPv6-literal SNI refusal of
viewers before 1.16. `check` and `probe` call `apply`.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional, Tuple

from vncssl.tigervnc import behaviour, generations, knownhosts
from vncssl.x509.hostname import host_ip
from vncssl.x509.problem import HANDSHAKE, WARNING, Problem, blocking, outcome


@dataclass
class ViewerView:
    """The viewer this verdict is about (the `tigervnc` object of check/probe --json)."""

    version: Optional[str]  # "1.15"; None when no viewer was found and none was given
    generation: str  # "1.14-1.15" (behaviour.py's ranges)
    source: str  # how the version was learnt
    dialogs: List[str] = field(default_factory=list)  # in order, when every one is answered Yes
    notes: List[str] = field(default_factory=list)  # generation-specific sentences
    known_hosts: str = ""  # the file this generation remembers exceptions in
    exception: bool = False  # that file has an exception for this host


def viewer_version(version: Optional[str], env: Mapping[str, str] = os.environ
                   ) -> Tuple[Optional[Tuple[int, int]], str, bool]:
    """(major.minor or None, how it was learnt, modern layout)."""
    gen = generations.generation(version, env, programs=("vncviewer",))
    return gen.version, gen.reason, gen.modern


def apply(ossl: Any, verdict: Any, leaf_pem: Optional[str], *,
          version: Optional[str] = None, env: Mapping[str, str] = os.environ,
          timeout: Optional[float] = None) -> Tuple[Any, ViewerView]:
    """(the verdict with this generation's stops, the view). `leaf_pem`: the server
    certificate, to compare with a remembered exception (None: not compared)."""
    v, source, modern = viewer_version(version, env)
    assumed = v or (1, 12)  # verdict.py's own rules
    problems = behaviour.restate(verdict.problems, assumed)
    host = verdict.host
    view = ViewerView(f"{v[0]}.{v[1]}" if v else None,
                      behaviour.generation(assumed).label,
                      source if v else f"{source}; judged as TigerVNC 1.12")
    ip = host_ip(host)
    if ip is not None and ip.version == 6 and behaviour.generation(assumed).ipv6_literal_sni:
        problems.append(Problem(
            "ipv6-literal-sni",
            f"{behaviour.name(assumed)} sends the typed IPv6 address {host} as the TLS server "
            "name (SNI); Xvnc (GnuTLS) refuses the handshake (\"A disallowed SNI server name "
            "has been received\"), whatever the certificate. TigerVNC 1.16 sends no SNI for "
            "an address.",
            "Connect by a DNS name that resolves to this address (put it in the certificate "
            "too: `vncssl create --dns NAME`), or use TigerVNC 1.16 or later.", HANDSHAKE))
    for p in problems:
        said = behaviour.describe(p, assumed, host, problems)
        if said and said not in view.notes:
            view.notes.append(said)
    view.dialogs = behaviour.dialogs(problems, assumed) if outcome(problems) != HANDSHAKE else []
    view.known_hosts = generations.locations(modern, env).known_hosts
    entry = knownhosts.lookup(view.known_hosts, host)
    if entry is not None:
        view.exception = True
        same = leaf_pem is not None and knownhosts.same_key(ossl, entry, leaf_pem,
                                                            timeout=timeout)
        problems.append(Problem(
            "remembered-exception",
            f"{view.known_hosts} holds an exception for {host} (someone answered Yes to a "
            "certificate question): "
            + ("TigerVNC will NOT warn for this server's key, whatever is wrong with the "
               "certificate." if same else
               "for another key, so TigerVNC opens \"Unexpected server certificate\" instead.")
            + (" From 1.14 a hostname mismatch is remembered too."
               if behaviour.generation(assumed).remembers_mismatch else ""),
            f"Remove it: `vncssl tigervnc viewer --forget {host}`.", WARNING))
    accepted = not blocking(problems)
    return dataclasses.replace(verdict, problems=problems, accepted=accepted,
                               viewer=outcome(problems)), view
