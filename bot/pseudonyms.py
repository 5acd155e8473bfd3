"""Pseudonymous keys: keyed hashes (HMAC-SHA256) of sender ids and of what channels know.

Channels know residents by phone numbers or by secret browser session ids. We store only
keyed hashes of them, so our tables never hold the raw id, yet the same sender always maps to
the same respondent. Without the secret a key cannot be recomputed from a guessed phone
number; changing the secret cuts every existing respondent off from their answers, so keep it
stable.

Each channel's Rasa sender ids live in a namespace of their own, marked by a prefix
(`channel_sender_id`): "sms:", "wa:", "web:" for the keyed hash of a phone number or widget
session, "rest:" for what a REST client names. No client of one channel can name a
conversation of another: a REST client's "sms:abc..." becomes "rest:sms:abc...".
"""

from __future__ import annotations

import hashlib
import hmac

from bot.settings import get_settings

SMS, WHATSAPP, WIDGET, REST = "sms", "wa", "web", "rest"


def sender_key(sender_id: str, secret: str | None = None) -> str:
    """The 64-hex-character key for a sender id (with settings.sender_id_secret by default)."""
    if secret is None:
        secret = get_settings().sender_id_secret
    if not secret:
        raise ValueError("SENDER_ID_SECRET is empty: set it to a long random string")
    if not sender_id:
        raise ValueError("sender id is empty")
    return hmac.new(secret.encode(), sender_id.encode(), hashlib.sha256).hexdigest()


def channel_sender_id(namespace: str, private_id: str, secret: str | None = None) -> str:
    """The Rasa sender id of a conversation a channel knows by `private_id` (a phone number, a
    widget session id): the namespace, then the keyed hash, so neither Rasa's transcripts nor
    anyone reading them holds the private id."""
    return f"{namespace}:{sender_key(f'{namespace}:{private_id}', secret)}"
