"""How fast, and how much, one conversation and one address may send, on every channel.

Three limits, checked before a message reaches the assistant (so a refused message costs
almost nothing, and changes nothing: the conversation stays where it was):

- **Per conversation** (`SENDER_RATE_LIMIT`, default 20 at once, then 30 a minute): nobody
  types or taps faster than that for long, so only a script is ever refused.
- **Per address** (`ADDRESS_RATE_LIMIT`, default 1,000 at once, then 6,000 a minute, i.e.
  100 a second): a school, an office or a mobile network puts many residents behind one
  address. 200 residents who each send a message every 5 seconds make 40 a second, well
  inside it; a flood from one address bigger than a server can take is refused at once
  rather than queued. Not applied to SMS and WhatsApp, which all arrive from Twilio's
  addresses.
- **Per conversation per day** (`DAILY_MESSAGE_CAP`, default 1,000 messages, UTC days): a
  bound on how large one conversation's transcript can grow in a day (each message stores
  a handful of events). The whole consultation takes about 40.

A refused message gets a plain reply saying what to do, and HTTP 429 with Retry-After where
the client reads status codes (the REST channel). Behind a reverse proxy, set Sanic's
SANIC_PROXIES_COUNT (or SANIC_REAL_IP_HEADER) so that the address is the client's, not the
proxy's (docs/threat-model.md).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from bot.rate_limits import DailyCounts, Rate, TokenBuckets, address_of

DEFAULT_SENDER_RATE = "30,20"
DEFAULT_ADDRESS_RATE = "6000,1000"
DEFAULT_DAILY_CAP = 1000

TOO_FAST_REPLY = (
    "You're sending messages faster than I can read them. Please wait {seconds} and send "
    "your last message again. Your answers so far are saved."
)
DAILY_CAP_REPLY = (
    "You've sent a lot of messages today, so I can't read any more until tomorrow. "
    "Your answers so far are saved, and you can carry on then."
)


@dataclass(frozen=True)
class Refusal:
    """Why a message was refused: the reply to send, and when to try again (seconds)."""

    reply: str
    retry_after: int
    daily: bool = False


def in_words(seconds: int) -> str:
    if seconds <= 1:
        return "a second"
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


class ChannelLimits:
    """The limits of one Rasa server process, shared by all its channels."""

    def __init__(self, sender: Rate, address: Rate, daily_cap: int) -> None:
        self.senders = TokenBuckets(sender)
        self.addresses = TokenBuckets(address)
        self.daily = DailyCounts(daily_cap)

    @classmethod
    def from_env(cls) -> ChannelLimits:
        sender = _rate("SENDER_RATE_LIMIT", DEFAULT_SENDER_RATE)
        address = _rate("ADDRESS_RATE_LIMIT", DEFAULT_ADDRESS_RATE)
        raw_cap = os.environ.get("DAILY_MESSAGE_CAP") or str(DEFAULT_DAILY_CAP)
        try:
            cap = int(raw_cap)
        except ValueError:
            raise ValueError(f"DAILY_MESSAGE_CAP must be a whole number, not {raw_cap!r}") from None
        return cls(sender, address, cap)

    def admit(
        self, sender_id: str, address: str | None = None, now: float | None = None
    ) -> Refusal | None:
        """None if this message may go on to the assistant, else why not.

        The address is checked first, so a flood from one address with a new sender id for
        every message is refused without filling the per-conversation tables. `now` is a
        time.monotonic() reading (given by tests that simulate time).
        """
        if address:
            wait = self.addresses.take(address_of(address), now)
            if wait:
                return self._too_fast(wait)
        wait = self.senders.take(sender_id, now)
        if wait:
            return self._too_fast(wait)
        if not self.daily.count(sender_id):
            return Refusal(DAILY_CAP_REPLY, retry_after=_seconds_to_midnight(), daily=True)
        return None

    @staticmethod
    def _too_fast(wait: float) -> Refusal:
        seconds = max(1, math.ceil(wait))
        return Refusal(TOO_FAST_REPLY.format(seconds=in_words(seconds)), retry_after=seconds)


def _rate(name: str, default: str) -> Rate:
    return Rate.parse(os.environ.get(name) or default, name)


def _seconds_to_midnight() -> int:
    now = datetime.now(timezone.utc)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()))


@lru_cache(maxsize=1)
def channel_limits() -> ChannelLimits:
    """This server's limits (one set, shared by every channel)."""
    return ChannelLimits.from_env()
