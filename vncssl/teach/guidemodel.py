"""The guide as data: a Guide is Steps, each with text and Commands, built from Facts about
this machine (`guide.gather`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple


@dataclass
class Command:
    label: str  # what it does, one line
    text: str  # exactly what to type
    shell: str  # posix, cmd, powershell, openssl-prompt
    run: Optional[str] = None  # how `vncssl guide` may run it after asking: ips|version|create|show
    argv: Optional[List[str]] = None  # for run == "version"/"show": a read-only openssl call


@dataclass
class Step:
    key: str
    title: str
    text: List[str]  # paragraphs
    points: List[str] = field(default_factory=list)  # bullets
    commands: List[Command] = field(default_factory=list)
    parts: List[Tuple[str, str]] = field(default_factory=list)  # (part, meaning) after commands


@dataclass
class Facts:
    os: str
    this_machine: bool  # the guide is for the OS vncssl runs on (its values are real)
    ip: str
    ip_source: str
    addresses: List[dict] = field(default_factory=list)  # {ip, interface, kind, usable}
    openssl: Optional[str] = None  # as typed in commands
    openssl_path: Optional[str] = None
    openssl_version: Optional[str] = None
    has_prompt: Optional[bool] = None
    config: str = "openssl.cnf"
    install: List[str] = field(default_factory=list)


@dataclass
class Guide:
    facts: Facts
    steps: List[Step]
