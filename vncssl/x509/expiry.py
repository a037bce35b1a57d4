"""`vncssl expiry`: is renewal due? Made for cron and systemd timers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from vncssl.errors import UsageError
from vncssl.openssl import binary
from vncssl.x509 import certinfo

MAX_WITHIN = 36500  # days (100 years, as for --days)


@dataclass
class Expiry:
    cert: str
    not_after: str
    days_left: int
    within: int
    due: bool  # expires within `within` days (or already has): exit 1
    expired: bool


def expiry(ossl: binary.OpensslInfo, cert: Path, within: int = 30, *,
           now: Optional[dt.datetime] = None, timeout: Optional[float] = None) -> Expiry:
    """Like `openssl x509 -checkend within*86400`, with the dates said in words."""
    if within < 0 or within > MAX_WITHIN:
        # Past ~100 years `now + within` leaves the calendar (OverflowError): bad input.
        raise UsageError(f"--within {within}: must be between 0 and {MAX_WITHIN} days.",
                         "E.g. --within 30.")
    now = now or dt.datetime.now(dt.timezone.utc)
    c = certinfo.read_chain(ossl, cert, now=now, timeout=timeout,
                               first_only=True)[0]
    due = c.not_after_dt <= now + dt.timedelta(days=within)
    return Expiry(str(cert), c.not_after, c.days_left, within, due, c.not_after_dt <= now)
