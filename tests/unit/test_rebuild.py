"""`consult rebuild`: answers rebuilt from the transcripts in Rasa's real tracker store."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.db import queries
from bot.db.rebuild import answers_in_slots, load_tracker_store, rebuild_answers
from bot.settings import PROJECT_ROOT

DOMAIN_PATH = PROJECT_ROOT / "domain.yml"


def conversation(sender: str, consent: bool | None, *slot_events: SlotSet) -> DialogueStateTracker:
    events = [
        ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet"}, input_channel="rest"),
        SlotSet("consent", consent),
        *slot_events,
    ]
    return DialogueStateTracker.from_events(sender, events)


async def stored(session: AsyncSession, sender: str) -> dict[str, tuple[str, str | None]]:
    respondent = await queries.get_respondent(session, sender)
    if respondent is None:
        return {}
    return {
        a.question_id: (a.value, a.free_text) for a in await queries.answers_of(session, respondent)
    }


def test_answers_in_slots_turns_slot_values_into_stored_answers() -> None:
    slots = {
        "knife_crime_agreement": "agree",
        "knife_crime_comment": "More patrols",
        "victims_comment": "skipped",
        "local_priorities": ["burglary", "robbery"],
        "local_borough": "hackney",
        "unrelated": "x",
        "children_agreement": None,
    }
    assert sorted(answers_in_slots(slots)) == sorted(
        [
            ("knife_crime.agreement", "agree", None),
            ("knife_crime.comment", "given", "More patrols"),
            ("victims.comment", "skipped", None),
            ("local.priorities", "burglary;robbery", None),
            ("local.borough", "hackney", None),
        ]
    )


async def test_rebuild_saves_consenting_residents_answers_and_is_idempotent(
    migrated_url: str, session_factory: sessionmaker
) -> None:
    store = load_tracker_store(migrated_url, DOMAIN_PATH)
    await store.save(
        conversation(
            "agreed",
            True,
            SlotSet("knife_crime_agreement", "neutral"),
            SlotSet("knife_crime_comment", "Knife arches at stations"),
            SlotSet("unsaved_answers", ["knife_crime_agreement", "knife_crime_comment"]),
        )
    )
    await store.save(conversation("declined", False, SlotSet("knife_crime_agreement", "agree")))
    # An answer given and then taken back ("start again") is not rebuilt.
    await store.save(
        conversation(
            "started_again",
            True,
            SlotSet("victims_agreement", "agree"),
            SlotSet("victims_agreement", None),
        )
    )
    expected = {
        "knife_crime.agreement": ("neutral", None),
        "knife_crime.comment": ("given", "Knife arches at stations"),
    }
    for _ in range(2):  # safe to rerun
        async with session_factory() as session, session.begin():
            rebuilt = await rebuild_answers(session, store)
        assert (rebuilt.conversations, rebuilt.respondents, rebuilt.answers) == (3, 2, 2)
        async with session_factory() as session:
            assert await stored(session, "agreed") == expected
            assert await stored(session, "declined") == {}
            assert await stored(session, "started_again") == {}
    store.engine.dispose()
