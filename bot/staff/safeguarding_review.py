"""The safeguarding queue: every flagged message, with its text, and reviewers' labels.

A flag holds no message text. Its `message_timestamp` is Rasa's timestamp of the resident's
message, so the text is read from the transcript (the resident's turn at that moment) and
shown as transcripts are shown to reviewers: through bot.staff.redaction. Raw sender ids stay
in this module and bot.staff.conversations, as there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Respondent, SafeguardingFlag, utcnow
from bot.pseudonyms import sender_key
from bot.staff.conversations import (
    EVENTS,
    TRANSCRIPT_EVENTS,
    Turn,
    events_table_exists,
    short_id,
    turns_of,
)
from bot.staff.redaction import redact

LABELS = {"disclosure": "Disclosure", "not_disclosure": "Not a disclosure"}
TIERS = {"clear": "Clear (answered as a disclosure)", "possible": "Possible (checked in)"}
SITUATIONS = {"current": "Current", "past": "Past"}
# Both timestamps are the same Python float; the margin absorbs a backend's rounding only.
SAME_MESSAGE_SECONDS = 0.001


@dataclass(frozen=True)
class FlaggedMessage:
    """One row of the queue: a flag, its conversation's label and the message, redacted."""

    id: int
    key: str
    conversation: str  # the reference code, or the short id of the sender key
    has_transcript: bool
    flagged_at: datetime
    category: str
    tier: str
    situation: str | None
    question_id: str | None
    text: str | None  # redacted; None when the message is not in the transcript
    review_label: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None


async def sender_ids_of(session: AsyncSession, keys: Iterable[str]) -> dict[str, str]:
    """The sender id of each of these conversations that still has a transcript, by key."""
    wanted = set(keys)
    if not wanted or not await events_table_exists(session):
        return {}
    found = {}
    for (sender_id,) in await session.execute(sa.select(EVENTS.c.sender_id).distinct()):
        key = sender_key(sender_id)
        if key in wanted:
            found[key] = sender_id
    return found


async def turns_by_sender(
    session: AsyncSession, sender_ids: Iterable[str]
) -> dict[str, list[Turn]]:
    """Each conversation's transcript, as the staff transcript page reads it."""
    rows: dict[str, list[tuple[str, float | None, str | None]]] = {}
    wanted = sorted(set(sender_ids))
    if not wanted:
        return {}
    for sender_id, type_name, timestamp, data in await session.execute(
        sa.select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
        .where(EVENTS.c.sender_id.in_(wanted), EVENTS.c.type_name.in_(TRANSCRIPT_EVENTS))
        .order_by(EVENTS.c.id)
    ):
        rows.setdefault(sender_id, []).append((type_name, timestamp, data))
    return {sender_id: turns_of(events) for sender_id, events in rows.items()}


def message_at(turns: Iterable[Turn], timestamp: float | None) -> Turn | None:
    """The resident's message sent at `timestamp` (Rasa's event timestamp), if it is there."""
    if timestamp is None:
        return None
    closest = None
    for turn in turns:
        if turn.speaker != "resident":
            continue
        gap = abs(turn.at.timestamp() - timestamp)
        if gap <= SAME_MESSAGE_SECONDS and (closest is None or gap < closest[0]):
            closest = (gap, turn)
    return closest[1] if closest else None


async def conversation_label(session: AsyncSession, key: str) -> str:
    """As the conversations list names it: the reference code, or the short id."""
    code = (
        await session.execute(
            sa.select(Respondent.reference_code).where(Respondent.sender_key == key)
        )
    ).scalar_one_or_none()
    return code or short_id(key)


def _unreviewed(query: sa.sql.Select) -> sa.sql.Select:
    return query.where(SafeguardingFlag.review_label.is_(None))


async def count_flags(session: AsyncSession, unreviewed_only: bool = False) -> int:
    query = sa.select(sa.func.count(SafeguardingFlag.id))
    if unreviewed_only:
        query = _unreviewed(query)
    return int((await session.execute(query)).scalar_one())


async def queue(
    session: AsyncSession, unreviewed_only: bool = False, offset: int = 0, limit: int = 50
) -> list[FlaggedMessage]:
    """A page of flagged messages, newest first, each with its redacted text."""
    query = sa.select(SafeguardingFlag)
    if unreviewed_only:
        query = _unreviewed(query)
    flags = list(
        (
            await session.execute(
                query.order_by(SafeguardingFlag.flagged_at.desc(), SafeguardingFlag.id.desc())
                .offset(offset)
                .limit(limit)
            )
        ).scalars()
    )
    keys = {flag.sender_key for flag in flags}
    codes = dict(
        (
            await session.execute(
                sa.select(Respondent.sender_key, Respondent.reference_code).where(
                    Respondent.sender_key.in_(sorted(keys))
                )
            )
        ).all()
    )
    senders = await sender_ids_of(session, keys)
    transcripts = await turns_by_sender(session, senders.values())
    shown = []
    for flag in flags:
        sender_id = senders.get(flag.sender_key)
        turn = message_at(
            transcripts.get(sender_id, []) if sender_id else [], flag.message_timestamp
        )
        shown.append(
            FlaggedMessage(
                id=flag.id,
                key=flag.sender_key,
                conversation=codes.get(flag.sender_key) or short_id(flag.sender_key),
                has_transcript=sender_id is not None,
                flagged_at=flag.flagged_at,
                category=flag.category,
                tier=flag.tier,
                situation=flag.situation,
                question_id=flag.question_id,
                text=redact(turn.text) if turn is not None else None,
                review_label=flag.review_label,
                reviewed_by=flag.reviewed_by,
                reviewed_at=flag.reviewed_at,
            )
        )
    return shown


async def label_flag(
    session: AsyncSession, flag_id: int, label: str, by: str
) -> SafeguardingFlag | None:
    """Store a reviewer's label on the flag (a later label replaces it); None if no flag."""
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r}")
    flag = await session.get(SafeguardingFlag, flag_id)
    if flag is None:
        return None
    flag.review_label = label
    flag.reviewed_by = by[: SafeguardingFlag.reviewed_by.type.length]
    flag.reviewed_at = utcnow()
    await session.flush()
    return flag
