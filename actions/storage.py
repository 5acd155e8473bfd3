"""Saving to the shared response database from actions.

Wraps bot.db so that actions deal in trackers and questions, and so that a database fault
becomes one clear exception the actions can explain to the resident.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError

from bot.db import queries
from bot.db.engine import get_sessionmaker
from bot.questions import Question

logger = logging.getLogger(__name__)


class StorageUnavailable(Exception):
    """The response database could not be reached or refused the write."""


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


async def start_respondent(tracker: Tracker) -> str:
    """Record consent for this conversation's resident; return their reference code."""
    try:
        async with get_sessionmaker()() as session, session.begin():
            respondent = await queries.start_respondent(
                session, tracker.sender_id, _channel(tracker)
            )
            await queries.record_consent(session, respondent)
            return respondent.reference_code
    except SQLAlchemyError as error:
        logger.error("Could not record consent: %s", type(error).__name__)
        raise StorageUnavailable from error


async def save_answer(
    tracker: Tracker, question: Question, value: str, free_text: str | None
) -> None:
    """Save (or update) one answer for this conversation's resident."""
    try:
        async with get_sessionmaker()() as session, session.begin():
            respondent = await queries.start_respondent(
                session, tracker.sender_id, _channel(tracker)
            )
            if respondent.consented_at is None:
                await queries.record_consent(session, respondent)
            await queries.save_answer(session, respondent, question.id, value, free_text)
    except SQLAlchemyError as error:
        # Log the kind of fault only: the exception text can carry the resident's words.
        logger.error("Could not save answer to %s: %s", question.id, type(error).__name__)
        raise StorageUnavailable from error


async def answers_of(tracker: Tracker) -> list[Any]:
    """This resident's stored answers, in codebook order (empty if none)."""
    try:
        async with get_sessionmaker()() as session:
            respondent = await queries.get_respondent(session, tracker.sender_id)
            if respondent is None:
                return []
            return list(await queries.answers_of(session, respondent))
    except SQLAlchemyError as error:
        logger.error("Could not read answers: %s", type(error).__name__)
        raise StorageUnavailable from error


async def mark_completed(tracker: Tracker) -> None:
    try:
        async with get_sessionmaker()() as session, session.begin():
            respondent = await queries.get_respondent(session, tracker.sender_id)
            if respondent is not None:
                await queries.mark_completed(session, respondent)
    except SQLAlchemyError as error:
        logger.error("Could not mark completed: %s", type(error).__name__)
        raise StorageUnavailable from error


async def delete_answers(tracker: Tracker) -> None:
    """Delete every answer of this resident but keep their consent (for "start again")."""
    try:
        async with get_sessionmaker()() as session, session.begin():
            respondent = await queries.get_respondent(session, tracker.sender_id)
            if respondent is not None:
                await queries.delete_answers(session, respondent)
    except SQLAlchemyError as error:
        logger.error("Could not delete answers: %s", type(error).__name__)
        raise StorageUnavailable from error


async def erase_respondent(tracker: Tracker) -> None:
    """Erase this resident and all their answers (the transcript is erased by the tracker store)."""
    try:
        async with get_sessionmaker()() as session, session.begin():
            await queries.erase_respondent(session, tracker.sender_id)
    except SQLAlchemyError as error:
        logger.error("Could not erase respondent: %s", type(error).__name__)
        raise StorageUnavailable from error
