"""Rate limits kept in this process's memory: token buckets and daily counts, bounded in size.

Used by every channel of the Rasa server (bot.channels.limits) and by the staff sign-in
(bot.staff.views_auth). Each key (a conversation, an address) has a bucket holding up to
`burst` tokens, refilled at `per_minute` tokens a minute; each request takes one, and a
request that finds the bucket empty is refused with the time until a token is back.

The counts live in memory, per process: nothing to set up, no query per message. With
several servers behind a balancer each keeps its own counts, so a client spread over N
servers gets up to N times the limit; that still bounds it. Memory is bounded: past
`max_keys` keys, the least recently used are forgotten (a forgotten key starts full, which
errs towards the resident).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timezone

MAX_KEYS = 100_000


def address_of(value: str) -> str:
    """The address as counted: an IPv6 address by its /64 network, which one household or
    office gets whole (so stepping through its addresses does not dodge a limit)."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return value.strip()
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True)
class Rate:
    """At most `burst` requests at once, then `per_minute` a minute. 0 per minute: no limit."""

    burst: int
    per_minute: float

    @property
    def unlimited(self) -> bool:
        return self.per_minute <= 0

    @classmethod
    def parse(cls, text: str, name: str) -> Rate:
        """ "30/min, burst 20" is written "30,20" (per minute, burst); "0" switches it off."""
        parts = [part.strip() for part in text.split(",")]
        try:
            per_minute = float(parts[0])
            burst = int(parts[1]) if len(parts) > 1 else max(1, math.ceil(per_minute))
        except (ValueError, IndexError):
            raise ValueError(
                f"{name} must be 'per minute,burst' (for example '30,20'), not {text!r}"
            ) from None
        if per_minute < 0 or burst < 1 or len(parts) > 2:
            raise ValueError(f"{name} must be 'per minute,burst' with burst 1 or more")
        return cls(burst, per_minute)


class TokenBuckets:
    """One token bucket per key (see the module docstring)."""

    def __init__(self, rate: Rate, max_keys: int = MAX_KEYS) -> None:
        self.rate = rate
        self.max_keys = max_keys
        # key -> (tokens, when they were counted); most recently used last.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """Take a token for `key`: 0.0 if there was one, else the seconds until there is."""
        if self.rate.unlimited:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, then = self._buckets.pop(key, (float(self.rate.burst), now))
        per_second = self.rate.per_minute / 60.0
        tokens = min(float(self.rate.burst), tokens + (now - then) * per_second)
        if tokens >= 1.0:
            wait, tokens = 0.0, tokens - 1.0
        else:
            wait = (1.0 - tokens) / per_second
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


class DailyCounts:
    """How many times each key was counted today (UTC), refused past `cap` (0: no cap)."""

    def __init__(self, cap: int, max_keys: int = MAX_KEYS) -> None:
        self.cap = cap
        self.max_keys = max_keys
        self._day: date | None = None
        self._counts: OrderedDict[str, int] = OrderedDict()

    def count(self, key: str, today: date | None = None) -> bool:
        """Count one for `key` today; False if it is past the cap (and then not counted)."""
        if self.cap <= 0:
            return True
        today = today or datetime.now(timezone.utc).date()
        if today != self._day:
            self._day, self._counts = today, OrderedDict()
        counted = self._counts.pop(key, 0)
        if counted >= self.cap:
            self._counts[key] = counted
            return False
        self._counts[key] = counted + 1
        while len(self._counts) > self.max_keys:
            self._counts.popitem(last=False)
        return True
