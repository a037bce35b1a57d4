"""Dates as openssl prints them ("Nov 27 17:10:50 2026 GMT": `crl -lastupdate`, ...) <-> ISO 8601.
Certificates are read from their DER (`derfacts`), not from openssl's text."""

from __future__ import annotations

import datetime as dt

_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
                                       1)}


def _iso(openssl_date: str) -> dt.datetime:
    # openssl prints "Nov 27 17:10:50 2026 GMT" (C locale, day padded with a space). Parsed
    # by hand: strptime's first call costs ~2.5 ms (and its %b follows the locale).
    parts = openssl_date.split()
    try:
        month, day, clock, year, zone = parts
        hour, minute, second = clock.split(":")
        if zone not in ("GMT", "UTC"):
            raise ValueError
        return dt.datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute),
                           int(second), tzinfo=dt.timezone.utc)
    except (ValueError, KeyError):
        raise ValueError(f"it printed a date vncssl cannot read ({openssl_date!r})") from None


def _fmt(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")
