"""Retention: delete conversations whose last activity is older than the retention period.

A conversation goes as a whole: its transcript (Rasa's `events` rows), its respondent row
with every answer, its safeguarding flags, the text options it was last offered, and staff's
review (notes) and tags of it. Our
tables hold only a keyed hash of the sender id, so the transcript's sender ids are hashed to
find the matching rows.

Two text-message tables follow their own rules (docs/privacy.md): opt-outs stay until the
resident texts START, because deleting one would mean messaging someone who asked us not to;
received-message ids are needed only to spot a webhook delivered twice, so they go after
RECEIVED_MESSAGE_DAYS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.db.models import (
    Answer,
    ConversationReview,
    ConversationTag,
    OfferedOptions,
    ReceivedMessage,
    Respondent,
    SafeguardingFlag,
)
from bot.pseudonyms import sender_key

DEFAULT_RETENTION_DAYS = 730  # two years, as the privacy notice tells residents
RECEIVED_MESSAGE_DAYS = 2  # Twilio repeats a webhook within minutes, if at all
_EVENTS = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))
_CHUNK = 500  # keeps IN (...) lists within every database's parameter limit


@dataclass(frozen=True)
class Purged:
    conversations: int
    respondents: int
    flags: int


def _chunks(items: list) -> list[list]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def purge(connection: Connection, older_than_days: int) -> Purged:
    """Delete everything of conversations last active more than `older_than_days` ago."""
    cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
    stale_senders: list[str] = []
    active_keys: set[str] = set()
    if sa.inspect(connection).has_table("events"):
        last_seen = sa.func.max(_EVENTS.c.timestamp)
        for sender_id, last in connection.execute(
            sa.select(_EVENTS.c.sender_id, last_seen).group_by(_EVENTS.c.sender_id)
        ):
            if last is not None and last < cutoff.timestamp():
                stale_senders.append(sender_id)
            else:
                active_keys.add(sender_key(sender_id))
        for chunk in _chunks(stale_senders):
            connection.execute(sa.delete(_EVENTS).where(_EVENTS.c.sender_id.in_(chunk)))
    stale_keys = {sender_key(s) for s in stale_senders}
    # Respondents of stale conversations, and old ones whose transcript is already gone.
    old_respondents = connection.execute(
        sa.select(Respondent.id, Respondent.sender_key).where(
            sa.or_(
                Respondent.sender_key.in_(stale_keys) if stale_keys else sa.false(),
                Respondent.started_at < cutoff,
            )
        )
    ).all()
    respondent_ids = [rid for rid, key in old_respondents if key not in active_keys]
    for chunk in _chunks(respondent_ids):
        connection.execute(sa.delete(Answer).where(Answer.respondent_id.in_(chunk)))
        connection.execute(sa.delete(Respondent).where(Respondent.id.in_(chunk)))
    flags = connection.execute(
        sa.delete(SafeguardingFlag).where(
            sa.or_(
                SafeguardingFlag.sender_key.in_(stale_keys) if stale_keys else sa.false(),
                SafeguardingFlag.flagged_at < cutoff,
            )
        )
    ).rowcount
    # Staff's reviews and tags of a conversation go with it (notes may quote the resident);
    # those of conversations whose transcript is already gone, once past retention.
    for model, when in ((ConversationReview, ConversationReview.updated_at),
                        (ConversationTag, ConversationTag.tagged_at)):  # fmt: skip
        doomed = [
            row_id
            for row_id, key, at in connection.execute(sa.select(model.id, model.sender_key, when))
            if key in stale_keys or (at < cutoff and key not in active_keys)
        ]
        for chunk in _chunks(doomed):
            connection.execute(sa.delete(model).where(model.id.in_(chunk)))
    connection.execute(
        sa.delete(OfferedOptions).where(
            sa.or_(
                OfferedOptions.sender_key.in_(stale_keys) if stale_keys else sa.false(),
                OfferedOptions.offered_at < cutoff,
            )
        )
    )
    received_cutoff = max(
        cutoff, datetime.now(timezone.utc) - timedelta(days=RECEIVED_MESSAGE_DAYS)
    )
    connection.execute(
        sa.delete(ReceivedMessage).where(ReceivedMessage.received_at < received_cutoff)
    )
    return Purged(len(stale_senders), len(respondent_ids), flags)
