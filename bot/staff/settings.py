"""The staff console's configuration, from environment variables (see .env.example)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEVELOPMENT_SESSION_SECRET = "development-only-staff-session-secret"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class UnsafeConfiguration(ValueError):
    """A setting that must not be used where the console is reachable by others."""


def _flag(value: str | None) -> bool | None:
    if value is None or not value.strip():
        return None
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class StaffSettings:
    """Session secret and lifetime, cookie flags and sign-in throttling."""

    session_secret: str = DEVELOPMENT_SESSION_SECRET
    idle_minutes: int = 30
    # The Secure cookie flag: on whenever the console is served over HTTPS (a proxy).
    secure_cookies: bool = False
    # Sign-in throttling (bot/staff/throttle.py): failures counted over a sliding window.
    failure_window_minutes: int = 15
    # Failures of one user name from one address before each try has to wait.
    max_failures: int = 5
    # Failures from one address (any names) before it has to wait: high, because an office
    # of staff behind one NAT shares an address.
    max_failures_per_address: int = 100
    # Failures of one user name from every address after which addresses that have failed
    # wait from their first failure, and the others are slowed (never refused).
    max_failures_per_user: int = 50
    # The first wait; each further failure doubles it, up to the window.
    first_delay_seconds: float = 15.0
    besieged_pause_seconds: float = 1.0
    page_size: int = 25
    # Behind a reverse proxy every request comes from the proxy's address: then take the
    # client's address from the right-most X-Forwarded-For entry (the one the proxy added;
    # the entries left of it come from the client and could say anything).
    trust_forwarded_for: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> StaffSettings:
        production = environ.get("CONSULT_ENV", "").strip().lower() == "production"
        host = environ.get("WEB_HOST", "127.0.0.1").strip() or "127.0.0.1"
        secret = environ.get("STAFF_SESSION_SECRET", "").strip()
        if not secret:
            # Refused where anyone but this machine's user could reach the console, as
            # a known key would let anyone forge a signed-in session.
            if production or host not in LOOPBACK_HOSTS:
                raise UnsafeConfiguration(
                    "STAFF_SESSION_SECRET is not set: set it to a long random string "
                    "(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
            secret = DEVELOPMENT_SESSION_SECRET
        elif secret == DEVELOPMENT_SESSION_SECRET and (production or host not in LOOPBACK_HOSTS):
            raise UnsafeConfiguration("STAFF_SESSION_SECRET is the development value")
        if len(secret) < 32:
            raise UnsafeConfiguration(
                "STAFF_SESSION_SECRET is too short: use 32 characters or more"
            )
        secure = _flag(environ.get("STAFF_SECURE_COOKIES"))
        return cls(
            session_secret=secret,
            idle_minutes=int(environ.get("STAFF_IDLE_MINUTES", "30")),
            secure_cookies=production if secure is None else secure,
            max_failures=int(environ.get("STAFF_MAX_SIGN_IN_FAILURES", "5")),
            max_failures_per_address=int(
                environ.get("STAFF_MAX_SIGN_IN_FAILURES_PER_ADDRESS", "100")
            ),
            max_failures_per_user=int(environ.get("STAFF_MAX_SIGN_IN_FAILURES_PER_USER", "50")),
            failure_window_minutes=int(environ.get("STAFF_SIGN_IN_WINDOW_MINUTES", "15")),
            trust_forwarded_for=bool(_flag(environ.get("STAFF_TRUST_FORWARDED_FOR"))),
        )
