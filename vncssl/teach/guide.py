"""The wiki's "Secure your connection" as data: steps with text and commands, filled with
this machine's values (its LAN addresses, its openssl, its openssl.cnf). Pure once the
facts are gathered; `gather` is the only part that looks at the machine, and it never fails
(a missing openssl is a fact the guide teaches about, not an error).
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import List, Optional

from vncssl.errors import VncsslError
from vncssl.teach import explain, recipe, shells
from vncssl.teach.guidemodel import Command, Facts, Guide, Step
from vncssl.x509 import names
from vncssl.x509.hostname import bracketed

OSES = ("linux", "windows", "macos")
EXAMPLE_IP = "192.168.1.5"  # the guide's own example
WIKI = "https://github.com/TigerVNC/tigervnc/wiki/Secure-your-connection"
DNS01 = "https://letsencrypt.org/docs/challenge-types/#dns-01-challenge"
WIN_DOWNLOAD = ("http://wiki.overbyte.eu/wiki/index.php/ICS_Download#Download_OpenSSL_Binaries"
                "_.28required_for_SSL-enabled_components.29")


def current_os(platform: str = sys.platform) -> str:
    if platform.startswith("win"):
        return "windows"
    return "macos" if platform == "darwin" else "linux"


def gather(os_name: Optional[str] = None, ip: Optional[str] = None) -> Facts:
    """This machine's values when the guide is for its own OS; the guide's examples otherwise."""
    from vncssl.net import interfaces
    from vncssl.openssl import binary, opensslcnf

    target = os_name or current_os()
    here = target == current_os()
    facts = Facts(target, here, names.parse_ip(ip) if ip else EXAMPLE_IP,
                  "--ip" if ip else "the guide's example", install=install_commands(target))
    if not here:
        return facts
    try:
        addresses = interfaces.ranked()
    except Exception:  # noqa: BLE001 - a guide without the address table still teaches
        addresses = []
    facts.addresses = [dict(ip=a.ip, interface=a.interface, kind=a.kind, usable=a.usable)
                       for a in addresses]
    best = interfaces.best(addresses)
    if best and not ip:
        facts.ip, facts.ip_source = best.ip, f"this machine's best LAN address, on {best.interface}"
    try:
        info, located = binary.find()
        facts.openssl, facts.openssl_path = located.display, info.path
        facts.openssl_version, facts.has_prompt = info.version_text, info.has_interactive_prompt
        choice = opensslcnf.choose(None, openssl_path=info.path, openssldir=info.openssldir,
                                   needs_dn=info.needs_distinguished_name)
        facts.config = choice.path or facts.config
    except VncsslError:
        pass
    return facts


def install_commands(os_name: str) -> List[str]:
    if os_name == "windows":
        return ["winget install ShiningLight.OpenSSL.Light",
                f"or the guide's zip: {WIN_DOWNLOAD} (the first \"Win-64\" .zip; unzip it)"]
    if os_name == "macos":
        return ["brew install openssl@3",
                "or macOS's own /usr/bin/openssl (LibreSSL): its -addext needs LibreSSL 3.1 "
                "or later; `openssl version` tells"]
    return ["sudo apt-get install openssl   # Debian, Ubuntu",
            "sudo dnf install openssl       # Fedora, RHEL, CentOS (older: yum install)"]


def _shell(f: Facts) -> str:
    return "openssl-prompt" if f.os == "windows" else "posix"


def create_argv(f: Facts) -> List[str]:
    req = recipe.CertRequest(names=(names.Name("IP", f.ip),), config=f.config,
                             openssl=f.openssl or "openssl")
    return recipe.build_argv(req)


def build(f: Facts) -> Guide:
    ip, argv = f.ip, create_argv(f)
    win = f.os == "windows"
    cert, key = recipe.DEFAULT_CERT, recipe.DEFAULT_KEY
    steps = [
        Step("what", "What is an X.509 certificate?", [
            "An X.509 certificate is the standard kind websites use; it also secures TigerVNC. "
            "It gives two security functions:"], [
            "Identity: it proves the computer you are viewing (the one with the TigerVNC "
            "server) is the one you meant.",
            "Privacy: it keeps what you and the remote computer exchange private."]),
        Step("choose", "External certificate authority or self-signed?", [
            "Own a domain name? An external CA can issue the certificate; otherwise (or if you "
            "prefer) make a self-signed one, which is what the rest of this guide does."], [
            "External CAs do not certify local IP addresses: name your network after your "
            "domain, e.g. local.example.com, and get a certificate for "
            "computer1.local.example.com.",
            f"computer1 is not on the public internet, so prove the name with a DNS-01 "
            f"challenge ({DNS01}); viewers then type computer1.local.example.com.",
            "Certificate transparency: CAs publish every certificate they issue. Don't name "
            "computers after secret projects."]),
        Step("ip", "Find the local IP address of the server", [
            f"Viewers type this address, so the certificate must name it. This guide uses {ip} "
            f"({f.ip_source})."],
            [f"{a['ip']}  {a['interface']}  {a['kind']}" + ("" if a["usable"] else "  (skip)")
             for a in f.addresses],
            [Command("list the addresses", " ".join(_ip_argv(f.os)), "cmd" if win else "posix",
                     run="addresses", argv=_ip_argv(f.os)),
             Command("or let vncssl rank them", "vncssl ips", _shell(f) if not win else "cmd",
                     run="ips")]),
        Step("install", "Install OpenSSL", [
            (f"Found: {f.openssl_version} ({f.openssl_path})." if f.openssl_version else
             "No openssl was found on this machine." if f.this_machine else
             "Install it if `openssl version` does not answer.")]
            + (["Windows can't use certificates from its own store or .pfx files: TigerVNC "
                "needs PEM files, which OpenSSL makes. Double-click openssl.exe in the unzipped "
                "folder (SmartScreen: More info > Run anyway)."] if win else []),
            list(f.install),
            [Command("check it", f"{f.openssl or 'openssl'} version", "cmd" if win else "posix",
                     run="version",
                     argv=[f.openssl_path, "version"] if f.openssl_path else None)]),
        _create_step(f, argv),
        Step("check", "Look at what you made", [
            "openssl can show the certificate's name, addresses and end date:"], [],
            [Command("show the certificate", shells.render(
                [f.openssl or "openssl", "x509", "-in", cert, "-noout", "-subject", "-ext",
                 "subjectAltName", "-enddate"], "cmd" if win else "posix", env={}).command,
                "cmd" if win else "posix", run="show",
                argv=[f.openssl_path or "openssl", "x509", "-in", cert, "-noout", "-subject",
                      "-ext", "subjectAltName", "-enddate"])]),
        Step("key", "Manage the key", [
            f"{key} is the private key: it stays on the server, private to it."], [
            "Never copy it to viewers; only the certificate travels.",
            "Keep it out of synced or backed-up folders (OneDrive, Dropbox...): move it.",
            "Lost it? Just make a new certificate and key.",
            "The certificate expires in 365 days: a year from now, make a new one "
            f"(`vncssl expiry {cert}` tells when)."],
            [] if win else [Command("keep the key private", f"chmod 600 {key}", "posix")]),
        _server_step(f, cert, key), _viewer_step(f, cert, ip),
        Step("trouble", "If a message appears or it does not connect", [
            "TigerVNC's messages are terse. vncssl says what one means, which causes are "
            "likely, and the command that confirms and fixes each; doctor checks both ends."],
            [], [Command("explain a message (pasted whole or in part)",
                         "vncssl explain \"Unknown certificate issuer\"",
                         "cmd" if win else "posix"),
                 Command("check this machine's server and viewer, and probe the server",
                         f"vncssl doctor {ip}", "cmd" if win else "posix")]),
    ]
    return Guide(f, steps)


def _create_step(f: Facts, argv: List[str]) -> Step:
    text = [f"Make the key and the self-signed certificate for {f.ip} in one command."]
    cmds = []
    if f.os == "windows":
        cmds.append(Command("at the OpenSSL> prompt of a double-clicked openssl.exe "
                            "(OpenSSL 1.x), type", shells.prompt_line(argv),
                            "openssl-prompt"))
        cmds.append(Command("OpenSSL 3 has no prompt: in a Command Prompt opened in that "
                            "folder, run", shells.cmd_line(["openssl", *argv[1:]]), "cmd",
                            run="create"))
        cmds.append(Command("or in PowerShell there",
                            shells.powershell_line([".\\openssl.exe", *argv[1:]]), "powershell"))
    else:
        cmds.append(Command("create", shells.render(argv, "posix", env={}).command, "posix",
                            run="create"))
        if f.os == "linux":
            text.append("On Ubuntu and related distros, openssl.cnf is /usr/lib/ssl/openssl.cnf.")
    return Step("create", "Create the self-signed certificate", text, [], cmds,
                explain.explain_argv(argv))


def _ip_argv(os_name: str) -> List[str]:
    if os_name == "windows":
        return ["ipconfig"]
    return ["ipconfig", "getifaddr", "en0"] if os_name == "macos" else ["hostname", "-I"]


def _server_step(f: Facts, cert: str, key: str) -> Step:
    if f.os == "windows":
        return Step("server", "Use the certificate on the TigerVNC server", [
            "Right-click the TigerVNC icon in the system tray, choose Options:"], [
            "Session encryption: choose TLS with X.509 certificates; uncheck None and "
            "Anonymous TLS.",
            f"Load X.509 Certificate: {cert}. Load X.509 Certificate key: {key}. Apply.",
            f"Copy {cert} (never the key) next to the TigerVNC viewer on each remote computer."])
    # This machine's guide knows where the files are (here); another's shows the shape.
    where = (lambda n: os.path.abspath(n)) if f.this_machine else (lambda n: f"/full/path/{n}")
    cert_a, key_a = where(cert), where(key)
    return Step("server", "Use the certificate on the TigerVNC server", [
        "Turn on an X509 security type (a certificate alone does nothing) and give the server "
        "both files, by their full paths, on the command line or in "
        "~/.config/tigervnc/config (~/.vnc/config before 1.14):"], [
        "securitytypes=x509vnc", f"x509cert={cert_a}", f"x509key={key_a}",
        f"Copy {cert} (never the key) to each viewer."],
        [Command("or start a server with them (Debian/Ubuntu: tigervncserver)",
                 shells.render(["vncserver", "-SecurityTypes", "X509Vnc", "-X509Cert", cert_a,
                                "-X509Key", key_a], "posix", env={}).command, "posix")])


def _viewer_step(f: Facts, cert: str, ip: str) -> Step:
    points = [
        "Read any error message carefully: clicking through it gives up what the certificate "
        "guarantees.",
        "If the server asks to accept connections (QueryConnect), accept within 10 seconds."]
    if f.os == "windows":
        points[:0] = [f"Options... > Security > Path to X509 CA certificate: {cert}, saved in the "
                      "viewer's folder (paths with spaces or quotes don't work there).",
                      f"Type {ip} as the server, the password, OK."]
    return Step("viewer", "Use the certificate in the TigerVNC viewer", [
        f"Tell the viewer to trust {cert} and connect to the address the certificate names."],
        points, [] if f.os == "windows" else [
            # IPv6 in brackets (TigerVNC reads a bare fd00::5 as host fd00, port 5), quoted
            # for the shell ([...] is a glob).
            Command("connect", f"vncviewer -X509CA {cert} {shlex.quote(bracketed(ip))}",
                    "posix")])
