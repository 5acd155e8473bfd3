"""Saving to the shared response database from actions.

Wraps bot.db so that actions deal in trackers and questions, and so that a database fault
becomes one clear exception the actions can explain to the resident.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import queries
from bot.db.engine import get_sessionmaker
from bot.questions import BY_SLOT, Question

logger = logging.getLogger(__name__)


class StorageUnavailable(Exception):
    """The response database could not be reached or refused the write."""


@asynccontextmanager
async def _transaction(purpose: str) -> AsyncIterator[AsyncSession]:
    """One unit of work, committed on success; a database fault becomes StorageUnavailable."""
    try:
        async with get_sessionmaker()() as session, session.begin():
            yield session
    # asyncpg raises connection failures (refused, timed out) as they are, unwrapped.
    except (SQLAlchemyError, OSError, asyncio.TimeoutError) as error:
        # Log the kind of fault only: the exception text can carry the resident's words.
        logger.error("Could not %s: %s", purpose, type(error).__name__)
        raise StorageUnavailable from error


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


async def start_respondent(tracker: Tracker) -> str:
    """Record consent for this conversation's resident; return their reference code."""
    async with _transaction("record consent") as session:
        respondent = await queries.start_respondent(session, tracker.sender_id, _channel(tracker))
        await queries.record_consent(session, respondent)
        return respondent.reference_code


async def save_answer(
    tracker: Tracker, question: Question, value: str, free_text: str | None
) -> None:
    """Save (or update) one answer for this conversation's resident."""
    await save_answers(tracker, [(question, value, free_text)])


async def save_answers(tracker: Tracker, answers: list[tuple[Question, str, str | None]]) -> None:
    """Save (or update) answers for this conversation's resident, all or none."""
    ids = ", ".join(question.id for question, _, _ in answers)
    async with _transaction(f"save answers to {ids}") as session:
        respondent = await queries.start_respondent(session, tracker.sender_id, _channel(tracker))
        if respondent.consented_at is None:
            await queries.record_consent(session, respondent)
        for question, value, free_text in answers:
            await queries.save_answer(session, respondent, question.id, value, free_text)


def answers_held_in(tracker: Tracker, slots: list[str]) -> list[tuple[Question, str, str | None]]:
    """The answers these slots hold, as save_answers takes them (empty slots left out)."""
    held = []
    for slot in slots:
        question, slot_value = BY_SLOT[slot], tracker.get_slot(slot)
        if slot_value is not None:
            held.append((question, *question.stored_answer(slot_value)))
    return held


async def answers_of(tracker: Tracker) -> list[Any]:
    """This resident's stored answers, in codebook order (empty if none)."""
    async with _transaction("read answers") as session:
        respondent = await queries.get_respondent(session, tracker.sender_id)
        return [] if respondent is None else list(await queries.answers_of(session, respondent))


async def mark_completed(tracker: Tracker) -> None:
    async with _transaction("mark completed") as session:
        respondent = await queries.get_respondent(session, tracker.sender_id)
        if respondent is not None:
            await queries.mark_completed(session, respondent)


async def delete_answers(tracker: Tracker) -> None:
    """Delete every answer of this resident but keep their consent (for "start again")."""
    async with _transaction("delete answers") as session:
        respondent = await queries.get_respondent(session, tracker.sender_id)
        if respondent is not None:
            await queries.delete_answers(session, respondent)


async def erase_respondent(tracker: Tracker) -> None:
    """Erase this resident and all their answers (the transcript is erased by the tracker
    store)."""
    async with _transaction("erase a respondent") as session:
        await queries.erase_respondent(session, tracker.sender_id)


async def flag_conversation(
    tracker: Tracker,
    category: str,
    *,
    tier: str = "clear",
    situation: str | None = None,
    question_id: str | None = None,
) -> None:
    """Flag this conversation for staff: a safeguarding disclosure of this kind in the
    latest message, now."""
    timestamp = next(
        (e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "user"),
        None,
    )
    async with _transaction("flag a conversation") as session:
        await queries.flag_conversation(
            session,
            tracker.sender_id,
            category,
            tier=tier,
            situation=situation,
            question_id=question_id,
            message_timestamp=timestamp,
        )
