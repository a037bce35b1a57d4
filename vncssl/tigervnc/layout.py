"""Where each TigerVNC generation reads its files, by the rule the programs themselves apply.

1.14 and later: `$XDG_CONFIG_HOME/tigervnc` (only when the variable is an absolute path; a
relative one is ignored), else `~/.config/tigervnc` -- unless that folder does not exist and
`~/.vnc` does: then `~/.vnc` (the viewer logs "~/.vnc is deprecated"). The same rule picks
the state folder (`$XDG_STATE_HOME/tigervnc`, `~/.local/state/tigervnc`) that holds
`x509_known_hosts`, and 1.16's `vncserver` user folder (`config`, `passwd`). 1.11-1.13
always use `~/.vnc`. So a file written into a new-layout folder that does not exist yet
would silently move a working `~/.vnc` setup: vncssl writes where the program reads.

Debian/Ubuntu's `tigervncserver` wrapper (checked in Debian 11's and 13's packages,
/usr/share/perl5/TigerVNC/Config.pm): up to 1.13 it reads `~/.vnc/tigervnc.conf` (Perl;
`vnc.conf` and a `config` of key=value lines as fallbacks); from 1.14 `config.pl` in
`$XDG_CONFIG_HOME/tigervnc` or `~/.config/tigervnc`, and when that folder does not exist but
`~/.vnc` does, it *moves* `~/.vnc` there at its next start and renames `tigervnc.conf` to
`config.pl` -- so `~/.vnc/tigervnc.conf` is still the file to write in such a home.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional


@dataclass
class Dirs:
    config: str  # x509_ca.pem, x509_crl.pem, default.tigervnc; 1.16 vncserver's config, passwd
    state: str  # x509_known_hosts
    legacy: bool  # a 1.14+ program falls back to ~/.vnc in this home
    new_config: str  # the new-layout folder (whether or not it is used)
    both_exist: bool  # ~/.vnc and the new-layout folder both exist


def home(env: Mapping[str, str]) -> str:
    from vncssl.fs.home import home as user_home  # never a literal `~` when HOME is unset

    return env.get("HOME") or env.get("USERPROFILE") or str(user_home(env))


def _xdg(env: Mapping[str, str], var: str, default: str) -> str:
    """An XDG base folder as TigerVNC reads it: the variable only when absolute."""
    value = env.get(var) or ""
    return value if os.path.isabs(value) else os.path.join(home(env), default)


def dirs(modern: bool, env: Mapping[str, str]) -> Dirs:
    vnc = os.path.join(home(env), ".vnc")
    new_config = os.path.join(_xdg(env, "XDG_CONFIG_HOME", ".config"), "tigervnc")
    new_state = os.path.join(_xdg(env, "XDG_STATE_HOME", os.path.join(".local", "state")),
                             "tigervnc")
    both = os.path.isdir(vnc) and os.path.isdir(new_config) and not os.path.islink(vnc)
    if not modern:
        return Dirs(vnc, vnc, False, new_config, both)
    legacy = not os.path.isdir(new_config) and os.path.isdir(vnc)
    state_legacy = not os.path.isdir(new_state) and os.path.isdir(vnc)
    return Dirs(vnc if legacy else new_config, vnc if state_legacy else new_state, legacy,
                new_config, both)


def known_hosts(modern: bool, env: Mapping[str, str]) -> str:
    return os.path.join(dirs(modern, env).state, "x509_known_hosts")


def wrapper_config(modern: bool, env: Mapping[str, str]) -> str:
    """The Perl file Debian/Ubuntu's tigervncserver reads for this user (see above)."""
    d = dirs(modern, env)
    if not modern or d.legacy:
        return os.path.join(os.path.join(home(env), ".vnc"), "tigervnc.conf")
    return os.path.join(d.config, "config.pl")


def layout_note(modern: bool, env: Mapping[str, str], label: str) -> Optional[str]:
    """Which folder this TigerVNC reads when the choice is not obvious, else None."""
    d = dirs(modern, env)
    vnc = os.path.join(home(env), ".vnc")
    if d.both_exist:
        other = d.new_config if d.config == vnc else vnc
        return (f"Both {vnc} and {d.new_config} exist: TigerVNC {label} reads {d.config} "
                f"and ignores {other}.")
    if d.legacy:
        return (f"TigerVNC {label} keeps using {vnc} here because {d.new_config} does not "
                f"exist; vncssl writes into {vnc} too, so the working setup stays where it is.")
    if modern and env.get("XDG_CONFIG_HOME") and not os.path.isabs(env["XDG_CONFIG_HOME"]):
        return (f"XDG_CONFIG_HOME={env['XDG_CONFIG_HOME']} is not an absolute path, so "
                f"TigerVNC ignores it and reads {d.config}.")
    return None
