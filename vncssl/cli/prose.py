"""Output that fits an 80-column terminal without breaking what is meant for copying.

Prose wraps at word boundaries; a `command` quoted in prose goes on a line of its own, never
wrapped (a terminal that is too narrow folds it, but no newline is ever put inside it);
`label  value` rows move a value's note to the next line, and split a fingerprint only
between bytes."""

import re
from typing import List, Sequence, Tuple

from rich.console import Console

_FINGERPRINT = re.compile(r"(?:[0-9A-F]{2}:){15,}[0-9A-F]{2}")


def safe(text: str) -> str:
    """Outside text shown plainly (these lines are never markup): ui.clean's rule for
    control characters, the one copy of it."""
    from vncssl.cli.ui import clean

    return clean(text)


def print_prose(console: Console, text: str, *, indent: str = "", hang: str = "") -> None:
    """`text` with its backticked commands each on a line of their own (indented by `hang`
    under the prose, which starts with `indent`). Plain text: never markup."""
    parts = safe(text).split("`")
    if len(parts) % 2 == 0:  # an odd backtick: nothing to take apart
        parts = [text]
    prose: List[str] = []
    lead = indent
    for i, part in enumerate(parts):
        if i % 2 == 0:
            prose.append(part)
            continue
        # The words around a command, without the punctuation that joined them to it.
        _prose(console, lead, "".join(prose).lstrip(" ,.;)").rstrip(" ,:;("), hang)
        prose, lead = [], hang
        console.out(f"{hang}  {part}" if len(hang) + 2 + len(part) <= console.width else part,
                    highlight=False)
    rest = "".join(prose).strip()
    if len(parts) == 1 or rest.lstrip(" ,.;)"):
        _prose(console, lead, rest if len(parts) == 1 else rest.lstrip(" ,.;)"), hang)


def _prose(console: Console, lead: str, text: str, hang: str) -> None:
    from rich.text import Text

    if not text:
        return
    t = Text(lead + text)
    for line in t.wrap(console, max(20, console.width - len(hang)), overflow="fold"):
        console.out(line.plain if line.plain.startswith(lead) else hang + line.plain,
                    highlight=False)


def fit_rows(console: Console, pairs: Sequence[Tuple[str, str]]) -> None:
    """`  label  value` lines, labels in one column; what does not fit moves, never breaks."""
    width = max(len(label) for label, _ in pairs) if pairs else 0
    pad = " " * (width + 4)
    for label, value in pairs:
        value = safe(value)
        line = f"  {label:<{width}}  {value}"
        if len(line) <= console.width:
            console.out(line, highlight=False)
            continue
        main, sep, note = value.partition("  (")
        if _FINGERPRINT.fullmatch(main):
            for n, chunk in enumerate(_chunks(main, console.width - len(pad))):
                console.out(f"  {label:<{width}}  {chunk}" if n == 0 else pad + chunk,
                            highlight=False)
        else:
            console.out(f"  {label:<{width}}  {main}", highlight=False)
        if sep:
            console.out(pad + "(" + note, highlight=False)


def _chunks(fingerprint: str, room: int) -> List[str]:
    """Whole bytes per line (`AA:BB:` ...), as many as fit, at least 8."""
    octets = fingerprint.split(":")
    per_line = max(8, room // 3)  # "AB:" each, the trailing colon included
    return [":".join(octets[i:i + per_line]) + (":" if i + per_line < len(octets) else "")
            for i in range(0, len(octets), per_line)]
