"""Rebuild answers from the transcripts: `consult rebuild`.

Every answer a resident gives is also in their conversation's transcript, as the slot the
action server set (the tracker store keeps it even when the answers table could not be
written: see actions/consultation_form.py). So after a database fault, or to check that the
answers table is complete, the answers can be rebuilt from the transcripts. Rebuilding is
idempotent: it upserts each conversation's current answers, so running it twice, or over
answers already saved, changes nothing. It never deletes: an answer the resident removed
("start again") is no longer in their slots and so is not rebuilt, and an erased
conversation has no transcript left.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import queries
from bot.questions import QUESTIONS

CONSENT_SLOT = "consent"


@dataclass(frozen=True)
class Rebuilt:
    conversations: int  # transcripts read
    respondents: int  # of those, residents who agreed to take part
    answers: int  # answers upserted


def answers_in_slots(slots: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(question id, value, free_text) for every answered question in a conversation's slots."""
    return [
        (question.id, *question.stored_answer(slots[question.slot]))
        for question in QUESTIONS
        if slots.get(question.slot) is not None
    ]


def load_tracker_store(database_url: str, domain_path: Path) -> Any:
    """The assistant's own tracker store, reading the transcripts in `database_url`."""
    from rasa.shared.core.domain import Domain

    from bot.tracker_store import ConsultTrackerStore

    return ConsultTrackerStore(domain=Domain.load(str(domain_path)), host=database_url)


async def rebuild_answers(session: AsyncSession, tracker_store: Any) -> Rebuilt:
    """Upsert every consenting resident's answers as their transcript holds them."""
    conversations = respondents = answers = 0
    for sender_id in await tracker_store.keys():
        tracker = await tracker_store.retrieve(sender_id)
        if tracker is None:
            continue
        conversations += 1
        slots = tracker.current_slot_values()
        if slots.get(CONSENT_SLOT) is not True:
            continue
        channel = tracker.get_latest_input_channel() or "unknown"
        respondent = await queries.start_respondent(session, sender_id, channel)
        if respondent.consented_at is None:
            await queries.record_consent(session, respondent)
        respondents += 1
        for question_id, value, free_text in answers_in_slots(slots):
            await queries.save_answer(session, respondent, question_id, value, free_text)
            answers += 1
    return Rebuilt(conversations, respondents, answers)
