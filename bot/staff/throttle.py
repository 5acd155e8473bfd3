"""Slowing down password guessing without letting anyone lock a member of staff out.

Following OWASP's authentication guidance, there is no lock on a user name alone (anyone
could then keep any member of staff out by typing their name with wrong passwords).
Failed sign-ins are counted over a sliding window (15 minutes), under three keys:

- the user name *and* the client's address: after `max_failures` (5) failures, each further
  try waits longer after the last failure (15 s, 30 s, 1 min, 2 min, ... up to the window);
- the client's address, whatever the name: the same delays after
  `max_failures_per_address` (100) failures, against trying many names from one place.
  An office behind one NAT shares an address, so this is high: its staff would need 100
  wrong passwords between them within 15 minutes to reach it (successes are not counted);
- the user name from every address (`max_failures_per_user`, 50): a ceiling against
  guessing one account from many addresses. Past it, every try for that name is slowed by
  a short pause (1 s) before the password is checked, and an address that has already
  failed for it waits from its first failure (15 s, doubling). An address that has not
  failed is never refused, so the real member of staff always gets in.

Before any of that, sign-in requests from one address are limited whatever their outcome
(`SIGN_IN_REQUESTS`, in memory: `sign_in_requests`), so a flood of sign-in forms costs
almost nothing.

A success clears only its own (user name, address) failures: the other counts are evidence
of someone else's guessing. Keys are keyed hashes, so the table holds no name or address.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from aiohttp import web
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import SignInFailure, utcnow
from bot.rate_limits import Rate, TokenBuckets, address_of
from bot.staff.settings import StaffSettings

FORWARDED_FOR = "X-Forwarded-For"
# Sign-in requests from one address, right or wrong, before the form is even read: an
# office's staff all signing in at nine o'clock stay well inside it; a script does not.
SIGN_IN_REQUESTS = Rate(burst=30, per_minute=20)


@dataclass(frozen=True)
class Keys:
    """The three keys one sign-in attempt is counted under."""

    pair: str  # this user name from this address
    address: str  # this address, any user name
    user: str  # this user name, any address

    def all(self) -> tuple[str, str, str]:
        return (self.pair, self.address, self.user)


@dataclass(frozen=True)
class Verdict:
    """`wait`: refuse the attempt (HTTP 429) and say how long to wait. `pause`: check the
    password, but only after this many seconds (the account is being guessed elsewhere)."""

    wait: timedelta | None = None
    pause: float = 0.0


def client_address(request: web.Request, settings: StaffSettings) -> str:
    """The client's address. Behind a trusted reverse proxy (STAFF_TRUST_FORWARDED_FOR), the
    right-most X-Forwarded-For entry: the one the proxy itself added. Entries to its left
    were sent by the client and could say anything. Every X-Forwarded-For header is read,
    in order, as proxies that add their own header line (rather than appending to the
    client's) put it last."""
    if settings.trust_forwarded_for:
        entries = [
            entry.strip()
            for header in request.headers.getall(FORWARDED_FOR, [])
            for entry in header.split(",")
        ]
        if entries and entries[-1]:
            return address_of(entries[-1])
    return address_of(request.remote or "unknown")


def failure_keys(settings: StaffSettings, name: str, address: str) -> Keys:
    secret = settings.session_secret.encode()
    name = name.strip().lower()

    def key(value: str) -> str:
        return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()

    return Keys(
        pair=key(f"pair:{name}\n{address}"),
        address=key(f"address:{address}"),
        user=key(f"name:{name}"),
    )


def delay_after(failures: int, allowed: int, settings: StaffSettings) -> timedelta:
    """How long after the last failure the next try must wait: nothing before `allowed`
    failures, then the first delay, doubled with each further failure, up to the window."""
    if failures < allowed:
        return timedelta(0)
    window = timedelta(minutes=settings.failure_window_minutes)
    seconds = settings.first_delay_seconds * 2 ** min(failures - allowed, 30)
    return min(window, timedelta(seconds=seconds))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


async def check(session: AsyncSession, settings: StaffSettings, keys: Keys) -> Verdict:
    """Whether this attempt may go ahead now (and forget failures older than the window)."""
    now = utcnow()
    window = timedelta(minutes=settings.failure_window_minutes)
    await session.execute(delete(SignInFailure).where(SignInFailure.failed_at < now - window))
    counts = {
        key: (int(count), _aware(last))
        for key, count, last in await session.execute(
            select(
                SignInFailure.key, func.count(SignInFailure.id), func.max(SignInFailure.failed_at)
            )
            .where(SignInFailure.key.in_(keys.all()))
            .group_by(SignInFailure.key)
        )
    }
    none = (0, now)
    pair, pair_last = counts.get(keys.pair, none)
    address, address_last = counts.get(keys.address, none)
    user, _ = counts.get(keys.user, none)
    besieged = user >= settings.max_failures_per_user
    waits = [
        pair_last + delay_after(pair, 1 if besieged else settings.max_failures, settings) - now,
        address_last + delay_after(address, settings.max_failures_per_address, settings) - now,
    ]
    wait = max(waits)
    if wait > timedelta(0):
        return Verdict(wait=max(wait, timedelta(seconds=1)))
    return Verdict(pause=settings.besieged_pause_seconds if besieged else 0.0)


async def record_failure(session: AsyncSession, keys: Keys) -> None:
    now = utcnow()
    for key in keys.all():
        session.add(SignInFailure(key=key, failed_at=now))
    await session.flush()


async def record_success(session: AsyncSession, keys: Keys) -> None:
    await session.execute(delete(SignInFailure).where(SignInFailure.key == keys.pair))


def wait_seconds(wait: timedelta) -> int:
    """Whole seconds, rounded up (for Retry-After), so the advice is never too short."""
    return max(1, math.ceil(wait.total_seconds()))


def describe_wait(wait: timedelta) -> str:
    """'20 seconds', '3 minutes'."""
    seconds = wait_seconds(wait)
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def sign_in_requests() -> TokenBuckets:
    """A fresh per-address limit on sign-in requests, for one website process."""
    return TokenBuckets(SIGN_IN_REQUESTS)
