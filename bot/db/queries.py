"""Async queries on the response tables.

Every function takes the session first and leaves the transaction to the caller, which
commits once for the whole unit of work:

    async with get_sessionmaker()() as session, session.begin():
        respondent = await start_respondent(session, tracker.sender_id, channel)
        await save_answer(session, respondent, "knife_crime.agreement", "agree")

Writes use INSERT ... ON CONFLICT (SQLite >= 3.24 and PostgreSQL), so a replayed message or
two concurrent requests for the same sender can neither duplicate a row nor fail with a
unique violation, and no savepoint is needed (pysqlite's savepoints are unreliable).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timezone
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Answer,
    ConversationReview,
    ConversationTag,
    OfferedOptions,
    Respondent,
    SafeguardingFlag,
    utcnow,
)
from bot.pseudonyms import sender_key
from bot.questions import BY_ID, GIVEN, MAX_PRIORITIES, PRIORITY_LABELS, QUESTIONS
from bot.references import new_reference_code

REFERENCE_CODE_ATTEMPTS = 5
EXPORT_COLUMNS = ("respondent", "channel", "question", "answer", "answered_at")
_ORDER = {q.id: i for i, q in enumerate(QUESTIONS)}


async def _insert(session: AsyncSession, model: type) -> Any:
    """An INSERT for the session's dialect that supports ON CONFLICT."""
    dialect = (await session.connection()).dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"no upsert for {dialect}")


async def get_respondent(session: AsyncSession, sender_id: str) -> Respondent | None:
    """The respondent for a Rasa sender id, or None if they have not started."""
    result = await session.execute(
        select(Respondent).where(Respondent.sender_key == sender_key(sender_id))
    )
    return result.scalar_one_or_none()


async def start_respondent(session: AsyncSession, sender_id: str, channel: str) -> Respondent:
    """The respondent for a sender id, created with a fresh reference code if new.

    Idempotent and safe under concurrency: a racing insert of the same sender does nothing,
    and we read back the row that won. If the random reference code collides (about one in
    a trillion), nothing is inserted either and we try another code.
    """
    existing = await get_respondent(session, sender_id)
    if existing is not None:
        return existing
    key = sender_key(sender_id)
    channel = channel[: Respondent.channel.type.length]  # a connector's name, not data to keep
    insert = await _insert(session, Respondent)
    for _ in range(REFERENCE_CODE_ATTEMPTS):
        await session.execute(
            insert.values(
                reference_code=new_reference_code(),
                sender_key=key,
                channel=channel,
                started_at=utcnow(),
            ).on_conflict_do_nothing()
        )
        respondent = await get_respondent(session, sender_id)
        if respondent is not None:
            return respondent
    raise RuntimeError("could not find an unused reference code")


async def record_consent(session: AsyncSession, respondent: Respondent) -> None:
    """Note when the resident agreed to take part (the first time counts)."""
    if respondent.consented_at is None:
        respondent.consented_at = utcnow()
        await session.flush()


async def mark_completed(session: AsyncSession, respondent: Respondent) -> None:
    """Note when the resident finished (the latest time, if they come back and finish again)."""
    respondent.completed_at = utcnow()
    await session.flush()


def validate_answer(question_id: str, value: str, free_text: str | None = None) -> None:
    """Raise ValueError unless the codebook allows this answer."""
    question = BY_ID.get(question_id)
    if question is None:
        raise ValueError(f"unknown question id {question_id!r}")
    if question.kind == "priorities":
        codes = value.split(";") if isinstance(value, str) else [value]
        if not 1 <= len(codes) <= MAX_PRIORITIES or len(set(codes)) != len(codes):
            raise ValueError(
                f"{question_id} takes 1 to {MAX_PRIORITIES} different codes joined by ';', "
                f"not {value!r}"
            )
        for code in codes:
            if code not in question.values:
                raise ValueError(f"{code!r} is not an allowed value of {question_id}")
        if len(codes) > 1 and any(code not in PRIORITY_LABELS for code in codes):
            raise ValueError(f"{value!r}: skipped/not_applicable cannot be combined")
    elif value not in question.values:
        raise ValueError(
            f"{value!r} is not an allowed value of {question_id} "
            f"(allowed: {', '.join(question.values)})"
        )
    if question.is_free_text and value == GIVEN:
        if not (isinstance(free_text, str) and free_text.strip()):
            raise ValueError(f"{question_id}={GIVEN!r} needs the resident's text in free_text")
    elif free_text is not None:
        raise ValueError(
            f"free_text is only kept for free-text questions answered {GIVEN!r}, "
            f"not {question_id}={value!r}"
        )


async def save_answer(
    session: AsyncSession,
    respondent: Respondent,
    question_id: str,
    value: str,
    free_text: str | None = None,
) -> Answer:
    """Insert or update the respondent's answer to a question, after checking the codebook.

    Saving the same answer again changes nothing; a different answer replaces it, moving
    updated_at and keeping answered_at.
    """
    validate_answer(question_id, value, free_text)
    now = utcnow()
    insert = (await _insert(session, Answer)).values(
        respondent_id=respondent.id,
        question_id=question_id,
        value=value,
        free_text=free_text,
        answered_at=now,
        updated_at=now,
    )
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[Answer.respondent_id, Answer.question_id],
            set_={
                "value": insert.excluded.value,
                "free_text": insert.excluded.free_text,
                "updated_at": insert.excluded.updated_at,
            },
            where=(Answer.value.is_distinct_from(insert.excluded.value))
            | (Answer.free_text.is_distinct_from(insert.excluded.free_text)),
        )
    )
    result = await session.execute(
        select(Answer)
        .where(Answer.respondent_id == respondent.id, Answer.question_id == question_id)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one()


async def answers_of(session: AsyncSession, respondent: Respondent) -> list[Answer]:
    """The respondent's answers in codebook order."""
    result = await session.execute(
        select(Answer)
        .where(Answer.respondent_id == respondent.id)
        .execution_options(populate_existing=True)
    )
    return sorted(result.scalars(), key=lambda a: (_ORDER.get(a.question_id, len(_ORDER)), a.id))


async def delete_answers(
    session: AsyncSession, respondent: Respondent, question_ids: Iterable[str] | None = None
) -> int:
    """Delete all the respondent's answers, or only those to `question_ids`; returns how many."""
    statement = delete(Answer).where(Answer.respondent_id == respondent.id)
    if question_ids is not None:
        ids = list(question_ids)
        unknown = [q for q in ids if q not in BY_ID]
        if unknown:
            raise ValueError(f"unknown question ids {unknown!r}")
        statement = statement.where(Answer.question_id.in_(ids))
    result = await session.execute(statement.execution_options(synchronize_session="fetch"))
    return result.rowcount


async def flag_conversation(
    session: AsyncSession,
    sender_id: str,
    category: str,
    *,
    tier: str = "clear",
    situation: str | None = None,
    question_id: str | None = None,
    message_timestamp: float | None = None,
) -> None:
    """Record that this conversation had a safeguarding disclosure (no message text: the
    review queue reads it from the transcript by `message_timestamp`)."""
    session.add(
        SafeguardingFlag(
            sender_key=sender_key(sender_id),
            category=category,
            tier=tier,
            situation=situation,
            question_id=question_id,
            message_timestamp=message_timestamp,
        )
    )
    await session.flush()


async def flags_of(session: AsyncSession, sender_id: str) -> list[SafeguardingFlag]:
    result = await session.execute(
        select(SafeguardingFlag)
        .where(SafeguardingFlag.sender_key == sender_key(sender_id))
        .order_by(SafeguardingFlag.id)
    )
    return list(result.scalars())


async def erase_respondent(session: AsyncSession, sender_id: str) -> bool:
    """Remove a resident, all their answers, and the safeguarding flags, offered text options
    and staff's review and tags of their conversation; False if there was no respondent.

    A text conversation's opt-out stays (bot.db.text_messages): it is the resident's request
    not to be messaged, and an opted-out resident cannot ask for erasure by text anyway."""
    key = sender_key(sender_id)
    await session.execute(delete(SafeguardingFlag).where(SafeguardingFlag.sender_key == key))
    await session.execute(delete(OfferedOptions).where(OfferedOptions.sender_key == key))
    # Staff's review notes and tags go too: notes may quote the resident.
    await session.execute(delete(ConversationReview).where(ConversationReview.sender_key == key))
    await session.execute(delete(ConversationTag).where(ConversationTag.sender_key == key))
    respondent = await get_respondent(session, sender_id)
    if respondent is None:
        return False
    # Explicitly, not only by ON DELETE CASCADE: an erasure must not depend on a connection
    # having turned SQLite's foreign keys on.
    await delete_answers(session, respondent)
    await session.delete(respondent)
    await session.flush()
    return True


async def export_rows(session: AsyncSession) -> list[dict[str, str]]:
    """One dict per answer (keys EXPORT_COLUMNS), by respondent then codebook order.

    `answer` is the resident's text for free-text answers given, else the stored code(s);
    `answered_at` is ISO 8601 in UTC. Values are raw: CSV writers must defuse formulas.
    """
    result = await session.execute(
        select(
            Respondent.id,
            Respondent.reference_code,
            Respondent.channel,
            Answer.question_id,
            Answer.value,
            Answer.free_text,
            Answer.answered_at,
        )
        .join(Answer, Answer.respondent_id == Respondent.id)
        .order_by(Respondent.id, Answer.id)
    )
    rows = sorted(result.all(), key=lambda r: (r.id, _ORDER.get(r.question_id, len(_ORDER))))
    return [
        {
            "respondent": r.reference_code,
            "channel": r.channel,
            "question": r.question_id,
            "answer": r.free_text if r.value == GIVEN and r.free_text is not None else r.value,
            "answered_at": r.answered_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
        }
        for r in rows
    ]
