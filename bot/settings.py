"""All configuration, read once from environment variables with safe defaults.

`.env.example` lists every variable with a comment. Nothing here is a secret in git:
secrets have development defaults that `Settings.is_safe_for_production` refuses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'consult.db'}"
DEVELOPMENT_SECRET = "development-only-secret-change-me"


def _date(name: str) -> date | None:
    raw = os.environ.get(name, "").strip()
    return date.fromisoformat(raw) if raw else None


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

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            sender_id_secret=os.environ.get("SENDER_ID_SECRET", DEVELOPMENT_SECRET),
            consultation_opens=_date("CONSULTATION_OPENS"),
            consultation_closes=_date("CONSULTATION_CLOSES"),
            twilio_auth_token=os.environ.get("TWILIO_AUTH_TOKEN", "").strip(),
            twilio_webhook_url=os.environ.get("TWILIO_WEBHOOK_URL", "").strip(),
        )

    def is_open_on(self, day: date) -> bool:
        """Whether the consultation takes answers on this day."""
        if self.consultation_opens and day < self.consultation_opens:
            return False
        if self.consultation_closes and day > self.consultation_closes:
            return False
        return True


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (cached: the environment does not change under us)."""
    return Settings.from_env()
