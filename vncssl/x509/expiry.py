"""`vncssl expiry`: is renewal due? Made for cron and systemd timers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from vncssl.errors import UsageError
from vncssl.notice import renew_command
from vncssl.openssl import binary
from vncssl.x509 import certinfo

# `status`, and the exit code it gives (README "expiry"): every status but "ok" is exit 1.
STATUSES = {"ok": 0, "due": 1, "expired": 1, "not-yet-valid": 1}


@dataclass
class Expiry:
    cert: str
    not_before: str
    not_after: str
    days_left: int
    within: int
    due: bool  # expires within `within` days (or already has)
    expired: bool
    not_yet_valid: bool  # its validity starts in the future: the viewer refuses it today
    status: str  # one of STATUSES
    fix: str  # the command that helps, with this certificate's paths

    @property
    def exit_code(self) -> int:
        return STATUSES[self.status]


def expiry(ossl: binary.OpensslInfo, cert: Path, within: int = 30, *,
           now: Optional[dt.datetime] = None, timeout: Optional[float] = None) -> Expiry:
    """Like `openssl x509 -checkend within*86400`, with the dates said in words."""
    if within < 0:
        raise UsageError(f"--within {within}: must be 0 or more days.", "E.g. --within 30.")
    now = now or dt.datetime.now(dt.timezone.utc)
    c = certinfo.read_chain(ossl, cert, now=now, timeout=timeout)[0]
    due = c.not_after_dt <= now + dt.timedelta(days=within)
    expired = c.not_after_dt <= now
    early = c.not_before_dt > now
    status = "expired" if expired else "not-yet-valid" if early else "due" if due else "ok"
    fix = renew_command(cert) if status in ("due", "expired") else ""
    if early:
        # Renewing makes a certificate valid from now; often the clock is what is wrong.
        fix = ("Check this machine's clock (and the server's); or re-issue it valid from "
               f"now: `{renew_command(cert)}`.")
    return Expiry(str(cert), c.not_before, c.not_after, c.days_left, within, due, expired,
                  early, status, fix)
