"""Pseudonymous sender keys: a keyed hash (HMAC-SHA256) of the Rasa sender id.

Channels use phone numbers or long-lived browser ids as sender ids. We store only this key,
so our tables never hold the raw id, yet the same sender always maps to the same respondent.
Without the secret the key cannot be recomputed from a guessed phone number; changing the
secret cuts every existing respondent off from their answers, so keep it stable.
"""

from __future__ import annotations

import hashlib
import hmac

from bot.settings import get_settings


def sender_key(sender_id: str, secret: str | None = None) -> str:
    """The 64-hex-character key for a sender id (with settings.sender_id_secret by default)."""
    if secret is None:
        secret = get_settings().sender_id_secret
    if not secret:
        raise ValueError("SENDER_ID_SECRET is empty: set it to a long random string")
    if not sender_id:
        raise ValueError("sender id is empty")
    return hmac.new(secret.encode(), sender_id.encode(), hashlib.sha256).hexdigest()
