"""Tables that stay readable at any width: at their natural width when the terminal has room
(no cell ever wrapped or cut: paths, addresses and commands are meant for copying), else one
`field  value` line per cell, a blank line between records."""


from typing import Optional, Sequence

from rich.console import Console


def natural_width(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    return sum(widths) + 3 * len(widths) + 1  # Rich's box: "│ " + " │ " between + " │"


def print_table(console: Console, headers: Sequence[str], rows: Sequence[Sequence[str]],
                *, styles: Optional[Sequence[Optional[str]]] = None) -> None:
    """`rows` are plain text (never markup); `styles` one Rich style per column, or None."""
    from rich.table import Table

    from vncssl.cli.ui import clean, safe

    styles = list(styles or [None] * len(headers))
    if natural_width(headers, rows) <= console.width:
        table = Table(*headers)
        for col, style in zip(table.columns, styles):
            col.no_wrap = True
            col.style = style or ""
        for r in rows:
            table.add_row(*(safe(c) for c in r))
        console.print(table)
        return
    label = max(len(h) for h in headers if h) if any(headers) else 0
    for n, r in enumerate(rows):
        if n:
            console.out("")
        for h, cell in zip(headers, r):
            if cell:
                console.out(f"{(h or '-'):<{label}}  {clean(cell)}", highlight=False)
