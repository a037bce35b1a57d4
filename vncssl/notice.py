"""A warning or note attached to a result: a stable code for scripts, words for people."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Notice:
    code: str
    message: str
    fix: str = ""


def command(*argv: object) -> str:
    """A command to suggest in a message, POSIX-shell-quoted: every path it is about is in
    it, and one with spaces (`my certs/c d.pem`) stays one argument when pasted."""
    import shlex

    return " ".join(shlex.quote(str(a)) for a in argv)


def key_beside(cert: object) -> str:
    """The private key a suggested command should name for `cert`: the one `create`'s naming
    puts beside it (vnc-server.pem -> vnc-server-private.pem) when it exists, else the
    other usual spellings, else that first guess (the user checks it)."""
    from pathlib import Path

    c = Path(str(cert))
    stem = c.stem
    candidates = [c.with_name(f"{stem}-private.pem"), c.with_name(f"{stem}.key"),
                  c.with_name(f"{stem}-key.pem"), c.with_name(f"{stem}-private.key")]
    if stem == "vnc-server":
        candidates.insert(0, c.with_name("vnc-server-private.pem"))
    for k in candidates:
        if k.is_file():
            return str(k)
    return str(candidates[0])


def renew_command(cert: object) -> str:
    return command("vncssl", "renew", "--cert", cert, "--key", key_beside(cert))
