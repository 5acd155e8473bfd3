"""The staff app's typed keys, and what views find on each request."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.rate_limits import TokenBuckets
from bot.staff.settings import StaffSettings

STAFF_SETTINGS = web.AppKey("staff_settings", StaffSettings)
# Sign-in requests per address (bot.staff.throttle.sign_in_requests).
SIGN_IN_REQUESTS = web.AppKey("sign_in_requests", TokenBuckets)
# request[STAFF] is the signed-in member of staff (set by bot.staff.auth's middleware).
STAFF = "staff"

ROLES = ("reviewer", "admin")


@dataclass(frozen=True)
class Staff:
    """The signed-in member of staff, as views see them."""

    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
