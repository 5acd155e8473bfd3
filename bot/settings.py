"""All configuration, read once from environment variables with safe defaults.

`.env.example` lists every variable with a comment. Nothing here is a secret in git:
secrets have development defaults, and with CONSULT_ENV=production each process refuses to
start with a default, placeholder or short secret (`refuse_unsafe_secrets`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'consult.db'}"
DEVELOPMENT_SECRET = "development-only-secret-change-me"
MIN_SECRET_CHARS = 32
# Words that mark a value someone was meant to replace: the development defaults here and in
# bot.staff.settings, "CHANGE-ME" and the like in examples and manifests.
_PLACEHOLDER = re.compile(
    r"change.?me|changeit|development|placeholder|example|replace|secret|password|"
    r"your.?(token|key)|\.\.\.|<.*>",
    re.IGNORECASE,
)
HOW_TO_MAKE_A_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def _date(name: str) -> date | None:
    raw = os.environ.get(name, "").strip()
    return date.fromisoformat(raw) if raw else None


def secret_problem(name: str, value: str) -> str | None:
    """Why `value` must not be the secret `name` in production, or None if it may."""
    if not value:
        return f"{name} is not set"
    if _PLACEHOLDER.search(value):
        return f"{name} is a placeholder or development value"
    if len(value) < MIN_SECRET_CHARS:
        return f"{name} is too short ({len(value)} characters; use {MIN_SECRET_CHARS} or more)"
    # "aaaa...", "1234...": long enough, yet guessable.
    if len(set(value)) < 10:
        return f"{name} is not random (only {len(set(value))} different characters)"
    return None


@dataclass(frozen=True)
class Settings:
    """The assistant's configuration."""

    database_url: str
    # Keyed hash secret for pseudonymous sender ids (never store raw ids or phone numbers).
    sender_id_secret: str
    # The consultation window, inclusive. None means open at that end.
    consultation_opens: date | None
    consultation_closes: date | None
    # Twilio (SMS and WhatsApp, bot/channels/twilio.py): the auth token that signs every
    # webhook request (empty: every request is refused), and the webhook's public URL when a
    # proxy changes the URL the request arrives at (empty: the URL it arrived at).
    twilio_auth_token: str = ""
    twilio_webhook_url: str = ""
    # The Twilio account (AC + 32 hex digits) whose messages are taken; empty: any account
    # that signs with the auth token.
    twilio_account_sid: str = ""
    # The REST channel's bearer token (bot/channels/rest.py). Empty: the channel is open in
    # development and off in production.
    rest_token: str = ""
    # "production" refuses development secrets (refuse_unsafe_secrets).
    environment: str = ""
    # The staff console's cookie key (read by bot.staff.settings); here only to be checked.
    staff_session_secret: str = ""
    # Shared by the Rasa server (endpoints.yml sends it as a bearer token) and the action
    # server (bot.action_server refuses calls without it). `make run` and the tests make a
    # new random one at each start when it is unset (bot.stack).
    action_server_token: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            # Empty (as in .env.example) is unset: the development value, refused in production.
            sender_id_secret=os.environ.get("SENDER_ID_SECRET") or DEVELOPMENT_SECRET,
            consultation_opens=_date("CONSULTATION_OPENS"),
            consultation_closes=_date("CONSULTATION_CLOSES"),
            twilio_auth_token=os.environ.get("TWILIO_AUTH_TOKEN", "").strip(),
            twilio_webhook_url=os.environ.get("TWILIO_WEBHOOK_URL", "").strip(),
            twilio_account_sid=os.environ.get("TWILIO_ACCOUNT_SID", "").strip(),
            rest_token=os.environ.get("REST_TOKEN", "").strip(),
            environment=os.environ.get("CONSULT_ENV", "").strip().lower(),
            staff_session_secret=os.environ.get("STAFF_SESSION_SECRET", "").strip(),
            action_server_token=os.environ.get("ACTION_SERVER_TOKEN", "").strip(),
        )

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def is_open_on(self, day: date) -> bool:
        """Whether the consultation takes answers on this day."""
        if self.consultation_opens and day < self.consultation_opens:
            return False
        if self.consultation_closes and day > self.consultation_closes:
            return False
        return True

    def unsafe_secrets(self, staff_console: bool = False, action_server: bool = False) -> list[str]:
        """Why these secrets must not be used in production (empty: they may).

        Optional secrets are checked when set: the Twilio auth token (Twilio is on) and the
        REST token (the REST channel is on). The staff session secret only where the staff
        console runs (`staff_console`); the action server's token only where it is sent or
        checked (`action_server`: the Rasa and action servers).
        """
        secrets = {"SENDER_ID_SECRET": self.sender_id_secret}
        if self.twilio_auth_token:
            secrets["TWILIO_AUTH_TOKEN"] = self.twilio_auth_token
        if self.rest_token:
            secrets["REST_TOKEN"] = self.rest_token
        if staff_console:
            secrets["STAFF_SESSION_SECRET"] = self.staff_session_secret
        if action_server:
            secrets["ACTION_SERVER_TOKEN"] = self.action_server_token
        problems = [secret_problem(name, value) for name, value in secrets.items()]
        return [problem for problem in problems if problem]


class UnsafeSecrets(SystemExit):
    """A process refusing to start in production with secrets anyone could know."""


def refuse_unsafe_secrets(
    what: str, staff_console: bool = False, action_server: bool = False
) -> None:
    """Stop this process, naming each unsafe secret, if it is production and any is unsafe.

    Called as each server starts: the Rasa server (its channels), the action server, the
    website and `make run`. A secret from
    an example file or a default is public, and a sender id keyed with it can be recomputed
    from a phone number.
    """
    settings = get_settings()
    if not settings.is_production:
        return
    problems = settings.unsafe_secrets(staff_console, action_server)
    if problems:
        twilio = any(problem.startswith("TWILIO_AUTH_TOKEN ") for problem in problems)
        raise UnsafeSecrets(
            f"The {what} cannot start with CONSULT_ENV=production: {'; '.join(problems)}. "
            f"Set each to a long random value of its own, e.g. {HOW_TO_MAKE_A_SECRET}"
            + (" (the Twilio token: the account's auth token, from Twilio)." if twilio else ".")
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (cached: the environment does not change under us)."""
    return Settings.from_env()
