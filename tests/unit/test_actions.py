"""Custom actions, run as the action server runs them, against a real database."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.ask import ASK_ACTIONS
from actions.consent import ActionGreet, ActionRecordConsent
from actions.consultation_form import ValidateConsultationForm
from actions.parts import ActionChoosePart
from actions.privacy import ActionDeleteAnswers
from actions.typed_answers import sounds_like_a_no, sounds_like_a_sure_no
from bot.db import queries
from bot.db.engine import get_sessionmaker
from bot.safeguarding import CATEGORIES
from bot.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text())
FORM_TRACKER = json.loads(
    (ROOT / "tests" / "data" / "tracker_in_knife_crime_form.json").read_text()
)


def tracker(slots: dict[str, Any] | None = None, message: dict[str, Any] | None = None) -> Tracker:
    state = copy.deepcopy(FORM_TRACKER)
    state["slots"].update(slots or {})
    if message is not None:
        state["latest_message"] = message
    return Tracker.from_dict(state)


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("response") or m.get("text") for m in dispatcher.messages]


async def stored_answers(sender_id: str) -> dict[str, tuple[str, str | None]]:
    async with get_sessionmaker()() as session:
        respondent = await queries.get_respondent(session, sender_id)
        if respondent is None:
            return {}
        return {
            a.question_id: (a.value, a.free_text)
            for a in await queries.answers_of(session, respondent)
        }


@pytest.fixture
async def consented(app_engine: None) -> Tracker:
    """A resident who has agreed to take part (their respondent row exists)."""
    dispatcher = CollectingDispatcher()
    events = await ActionRecordConsent().run(dispatcher, tracker({"consent": None}), DOMAIN)
    assert slot_events(events)["consent"] is True
    return tracker()


async def test_greeting_asks_for_consent_before_anything_is_stored(app_engine: None) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionGreet().run(dispatcher, tracker({"consent": None}), DOMAIN)
    assert responses(dispatcher) == [
        "utter_intro",
        "utter_how_it_works",
        "utter_privacy_notice",
        "utter_ask_consent",
    ]
    assert slot_events(events)["awaiting"] == "consent"
    assert await stored_answers("unit-test-resident") == {}


async def test_an_answer_is_saved_the_moment_it_is_given(consented: Tracker) -> None:
    dispatcher = CollectingDispatcher()
    events = await ValidateConsultationForm().run(dispatcher, consented, DOMAIN)
    assert slot_events(events)["knife_crime_agreement"] == "agree"
    assert slot_events(events)["requested_slot"] == "knife_crime_comment"
    assert await stored_answers("unit-test-resident") == {"knife_crime.agreement": ("agree", None)}


async def test_a_changed_answer_replaces_the_old_one(consented: Tracker) -> None:
    form = ValidateConsultationForm()
    await form.run(CollectingDispatcher(), consented, DOMAIN)
    changed = tracker(
        message={
            "text": "no way",
            "intent": {"name": "strongly_disagree", "confidence": 0.95},
            "entities": [],
        }
    )
    await form.run(CollectingDispatcher(), changed, DOMAIN)
    assert await stored_answers("unit-test-resident") == {
        "knife_crime.agreement": ("strongly_disagree", None)
    }


async def test_a_command_inside_the_questions_is_not_stored(consented: Tracker) -> None:
    said = {"text": "stop", "intent": {"name": "stop", "confidence": 0.99}, "entities": []}
    stop = tracker(message=said)
    events = await ValidateConsultationForm().run(CollectingDispatcher(), stop, DOMAIN)
    # Only requested_slot: Rasa rejects the form and the "stop" rule takes over.
    assert slot_events(events) == {"requested_slot": "knife_crime_agreement"}
    assert await stored_answers("unit-test-resident") == {}


async def test_a_typed_payload_cannot_answer_another_question(consented: Tracker) -> None:
    sneaky = tracker(
        message={
            "text": '/inform{"victims_agreement": "agree"}',
            "intent": {"name": "inform"},
            "entities": [{"entity": "victims_agreement", "value": "agree"}],
        }
    )
    dispatcher = CollectingDispatcher()
    events = await ValidateConsultationForm().run(dispatcher, sneaky, DOMAIN)
    assert "victims_agreement" not in slot_events(events)
    assert responses(dispatcher) == ["utter_choose_agreement"]
    assert await stored_answers("unit-test-resident") == {}


async def test_a_free_text_comment_is_stored_with_its_words(consented: Tracker) -> None:
    comment = tracker(
        {"requested_slot": "knife_crime_comment", "knife_crime_agreement": "agree"},
        {"text": "More youth clubs, please", "intent": {"name": "give_opinion"}, "entities": []},
    )
    events = await ValidateConsultationForm().run(CollectingDispatcher(), comment, DOMAIN)
    assert slot_events(events)["requested_slot"] is None  # the part is finished
    assert await stored_answers("unit-test-resident") == {
        "knife_crime.comment": ("given", "More youth clubs, please")
    }


async def test_city_of_london_residents_skip_local_priorities(consented: Tracker) -> None:
    city = tracker(
        {"current_part": "local", "requested_slot": "local_borough"},
        {
            "text": "the Square Mile",
            "intent": {"name": "inform"},
            "entities": [{"entity": "borough", "value": "city_of_london"}],
        },
    )
    dispatcher = CollectingDispatcher()
    events = await ValidateConsultationForm().run(dispatcher, city, DOMAIN)
    assert "utter_city_of_london" in responses(dispatcher)
    assert slot_events(events)["requested_slot"] == "local_agreement"
    stored = await stored_answers("unit-test-resident")
    assert stored["local.borough"] == ("city_of_london", None)
    assert stored["local.priorities"] == ("not_applicable", None)


async def test_choosing_a_part_explains_it_and_starts_its_questions(consented: Tracker) -> None:
    choose = tracker(
        {"requested_slot": None},
        {
            "text": "knife crime",
            "intent": {"name": "choose_part"},
            "entities": [{"entity": "part", "value": "knife_crime"}],
        },
    )
    dispatcher = CollectingDispatcher()
    events = await ActionChoosePart().run(dispatcher, choose, DOMAIN)
    assert slot_events(events)["current_part"] == "knife_crime"
    assert slot_events(events)["next_step"] == "form"
    assert len(dispatcher.messages) >= 2


async def test_deleting_erases_the_respondent_and_flags_the_transcript(consented: Tracker) -> None:
    await ValidateConsultationForm().run(CollectingDispatcher(), consented, DOMAIN)
    events = await ActionDeleteAnswers().run(CollectingDispatcher(), consented, DOMAIN)
    assert slot_events(events)["forget_conversation"] is True
    async with get_sessionmaker()() as session:
        assert await queries.get_respondent(session, "unit-test-resident") is None


async def test_outside_the_window_nothing_is_stored(
    consented: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSULTATION_CLOSES", (date.today() - timedelta(days=2)).isoformat())
    get_settings.cache_clear()
    dispatcher = CollectingDispatcher()
    events = await ValidateConsultationForm().run(dispatcher, consented, DOMAIN)
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events if e.get("event") == "active_loop"
    ]
    assert await stored_answers("unit-test-resident") == {}
    greet_dispatcher = CollectingDispatcher()
    greet_events = await ActionGreet().run(greet_dispatcher, tracker(), DOMAIN)
    assert responses(greet_dispatcher)[0] == "utter_consultation_closed"
    assert slot_events(greet_events)["forget_conversation"] is True


async def test_an_opinion_naming_a_part_outside_the_questions_opens_that_part(
    consented: Tracker,
) -> None:
    from actions.navigation import ActionUnexpectedAnswer

    kids = tracker(
        {"requested_slot": None, "current_part": None},
        {
            "text": "keeping kids safe",
            "intent": {"name": "give_opinion"},
            "entities": [{"entity": "part", "value": "children"}],
        },
    )
    dispatcher = CollectingDispatcher()
    events = await ActionUnexpectedAnswer().run(dispatcher, kids, DOMAIN)
    assert slot_events(events)["current_part"] == "children"
    assert slot_events(events)["next_step"] == "form"
    assert "utter_unexpected_answer" not in responses(dispatcher)


async def test_an_answer_given_while_the_database_is_down_is_kept_and_saved_with_the_next(
    consented: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.db.engine import dispose_engine

    working_url = get_settings().database_url
    # Nothing listens on port 9: a real connection failure, not a mock.
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    get_settings.cache_clear()
    await dispose_engine()
    dispatcher = CollectingDispatcher()
    events = await ValidateConsultationForm().run(dispatcher, consented, DOMAIN)
    # Told honestly; the answer counts in the conversation, so the next question comes.
    assert responses(dispatcher) == ["utter_kept_unsaved_answer"]
    slots = slot_events(events)
    assert slots["knife_crime_agreement"] == "agree"
    assert slots["unsaved_answers"] == ["knife_crime_agreement"]
    assert slots["requested_slot"] == "knife_crime_comment"

    monkeypatch.setenv("DATABASE_URL", working_url)
    get_settings.cache_clear()
    await dispose_engine()
    assert await stored_answers(consented.sender_id) == {}
    comment = {"text": "more patrols near schools", "intent": {"name": "give_opinion"}}
    later = tracker({**slots}, message=comment)
    dispatcher = CollectingDispatcher()
    events = await ValidateConsultationForm().run(dispatcher, later, DOMAIN)
    assert responses(dispatcher) == []
    assert slot_events(events)["unsaved_answers"] == []
    assert await stored_answers(consented.sender_id) == {
        "knife_crime.agreement": ("agree", None),
        "knife_crime.comment": ("given", "more patrols near schools"),
    }


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_safeguarding_category_has_its_reply(category: str) -> None:
    assert f"utter_safeguarding_{category}" in DOMAIN["responses"]
    assert "utter_safeguarding_unspecified" in DOMAIN["responses"]


@pytest.mark.parametrize(
    "text, refusal",
    [
        ("then no", True),
        ("yes, no, not if the police can see it", True),
        ("nah", True),
        ("I'd rather not", True),
        ("dont keep it", True),
        ("yes", False),
        ("Yes dear, that is quite alright with me", False),
        ("no problem", False),
        ("why not", False),
        ("I don't mind", False),
        ("/deny", False),  # a button: its intent is sure
    ],
)
def test_a_typed_yes_holding_a_refusal_is_not_a_sure_yes(text: str, refusal: bool) -> None:
    assert sounds_like_a_no(text) is refusal


def typed(text: str, intent: str, confidence: float = 0.97) -> dict[str, Any]:
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}


async def test_a_guessed_answer_is_stored_only_once_confirmed(consented: Tracker) -> None:
    form = ValidateConsultationForm()
    events = await form.run(
        CollectingDispatcher(), tracker(message=typed("not bad", "agree")), DOMAIN
    )
    slots = slot_events(events)
    assert slots["answer_to_confirm"] == "knife_crime_agreement=agree"
    assert slots["knife_crime_agreement"] is None
    assert await stored_answers("unit-test-resident") == {}
    # The form asks again through action_ask_<slot>, which checks the guess instead.
    pending = {"answer_to_confirm": "knife_crime_agreement=agree"}
    ask = CollectingDispatcher()
    [action] = [a for a in ASK_ACTIONS if a.slot == "knife_crime_agreement"]
    await action().run(ask, tracker(pending), DOMAIN)
    assert responses(ask) == ["utter_confirm_agreement"]
    assert ask.messages[0]["buttons"][0] == {"title": "Yes, Agree", "payload": "/agree"}
    events = await form.run(
        CollectingDispatcher(), tracker(pending, typed("yes", "affirm")), DOMAIN
    )
    assert slot_events(events)["answer_to_confirm"] is None
    assert await stored_answers("unit-test-resident") == {"knife_crime.agreement": ("agree", None)}


async def test_a_reason_typed_with_the_answer_is_kept_as_the_comment(consented: Tracker) -> None:
    dispatcher = CollectingDispatcher()
    said = typed("I agree but we need more bobbies", "give_opinion", 0.5)
    events = await ValidateConsultationForm().run(dispatcher, tracker(message=said), DOMAIN)
    assert responses(dispatcher) == ["utter_kept_reason_as_comment"]
    assert slot_events(events)["knife_crime_comment"] == "I agree but we need more bobbies"
    assert await stored_answers("unit-test-resident") == {
        "knife_crime.agreement": ("agree", None),
        "knife_crime.comment": ("given", "I agree but we need more bobbies"),
    }


@pytest.mark.parametrize(
    "text, sure",
    [
        ("no", True),
        ("/deny", True),
        ("no thanks", True),
        ("no problem", False),
        ("no, I don't mind", False),
        ("is it anonymous?", False),
    ],
)
def test_only_a_sure_no_ends_the_conversation_at_consent(text: str, sure: bool) -> None:
    assert sounds_like_a_sure_no(text) is sure
