"""An admin erases a respondent by reference code: answers, flags, transcript, review, tags.

The audit log keeps that an erasure happened, by whom and when, but not whose: the
reference code is random, yet it is the key the resident holds to their conversation, so
after erasure it is personal data pointing at nothing. Earlier audit entries about the
conversation have their target replaced by "(erased)" for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import queries
from bot.db.models import Respondent, SafeguardingFlag
from bot.pseudonyms import sender_key
from bot.staff import audit, reviews
from bot.staff.conversations import EVENTS, events_table_exists, short_id


@dataclass(frozen=True)
class Erased:
    answers: int
    events: int


async def erase_by_reference(session: AsyncSession, reference_code: str) -> Erased | None:
    """Erase everything of the respondent with this code; None if there is none."""
    code = reference_code.strip().upper()
    respondent = (
        await session.execute(sa.select(Respondent).where(Respondent.reference_code == code))
    ).scalar_one_or_none()
    if respondent is None:
        return None
    key = respondent.sender_key
    sender_id = None
    if await events_table_exists(session):
        senders = await session.execute(sa.select(EVENTS.c.sender_id).distinct())
        sender_id = next((s for (s,) in senders if sender_key(s) == key), None)
    answers = len(await queries.answers_of(session, respondent))
    events = 0
    if sender_id is not None:
        # queries.erase_respondent also removes the flags and text options of the sender;
        # the transcript's rows go as ConsultTrackerStore.forget deletes them, but in this
        # transaction, so an erasure is all or nothing.
        await queries.erase_respondent(session, sender_id)
        events = (
            await session.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id == sender_id))
        ).rowcount
    else:  # the transcript is already gone (purged): remove what is keyed by the hash
        await session.execute(sa.delete(SafeguardingFlag).where(SafeguardingFlag.sender_key == key))
        await queries.delete_answers(session, respondent)
        await session.delete(respondent)
        await session.flush()
    await reviews.forget(session, key)
    await audit.forget_target(session, [code, short_id(key)])
    return Erased(answers=answers, events=events)
