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

MAX_WITHIN = 36500  # days (100 years, as for --days)
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
    kind: str = "certificate"  # or "crl": not_after is then its next update

    @property
    def exit_code(self) -> int:
        return STATUSES[self.status]


def expiry(ossl: binary.OpensslInfo, cert: Path, within: Optional[int] = None, *,
           now: Optional[dt.datetime] = None, timeout: Optional[float] = None) -> Expiry:
    """Like `openssl x509 -checkend within*86400`, with the dates said in words. `within`
    defaults to 30 days for a certificate, 7 for a CRL (made for 30 days by `ca crl`)."""
    from vncssl.x509 import crl

    is_crl = crl.is_crl_file(cert)
    within = (7 if is_crl else 30) if within is None else within
    if within < 0 or within > MAX_WITHIN:
        # Past ~100 years `now + within` leaves the calendar (OverflowError): bad input.
        raise UsageError(f"--within {within}: must be between 0 and {MAX_WITHIN} days.",
                         "E.g. --within 30.")
    now = now or dt.datetime.now(dt.timezone.utc)
    if is_crl:
        return _crl_expiry(ossl, cert, within, now, timeout)
    c = certinfo.read_chain(ossl, cert, now=now, timeout=timeout, first_only=True)[0]
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


def _crl_expiry(ossl: binary.OpensslInfo, path: Path, within: int, now: dt.datetime,
                timeout: Optional[float]) -> Expiry:
    """A CRL runs out at its next update (one without a next update never does)."""
    from vncssl.x509 import crl

    f = crl.read_crl(ossl, path, timeout=timeout)
    if f.next_update is None:
        return Expiry(str(path), f.last_update, "", 36500, within, False, False, False, "ok",
                      "", "crl")
    nxt = dt.datetime.fromisoformat(f.next_update.replace("Z", "+00:00"))
    due, expired = nxt <= now + dt.timedelta(days=within), nxt <= now
    status = "expired" if expired else "due" if due else "ok"
    return Expiry(str(path), f.last_update, f.next_update,
                  int((nxt - now).total_seconds() // 86400), within, due, expired, False,
                  status, "vncssl ca crl" if due else "", "crl")
