"""Safeguarding replies, as the action server runs them, against a real database: a
past experience at a comment question is kept and thanked; danger now pauses and asks
whether to keep it; a check-in offers the contacts and to carry on."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.consultation_form import ValidateConsultationForm
from actions.parts import SUPPORT_FLOOR, ActionAfterPart
from actions.safeguarding import (
    PART_CATEGORY,
    ActionDiscardComment,
    ActionKeepComment,
    ActionSafeguarding,
)
from bot.db import queries
from bot.db.engine import get_sessionmaker
from bot.safeguarding import CATEGORIES
from tests.unit.test_actions import (
    DOMAIN,
    consented,  # noqa: F401 (a fixture)
    responses,
    slot_events,
    stored_answers,
    tracker,
)

AT_COMMENT = {"requested_slot": "knife_crime_comment", "knife_crime_agreement": "agree"}


def disclosure(
    text: str,
    category: str,
    tier: str = "clear",
    situation: str = "current",
    speaker: str = "adult",
) -> dict[str, Any]:
    values = {
        "safeguarding_category": category,
        "safeguarding_tier": tier,
        "safeguarding_situation": situation,
        "safeguarding_speaker": speaker,
    }
    return {
        "text": text,
        "intent": {"name": "disclosure", "confidence": 1.0},
        "entities": [{"entity": k, "value": v} for k, v in values.items()],
    }


def with_user_event(state: Tracker, message: dict[str, Any]) -> Tracker:
    """The tracker as the action server sees it after the resident sent `message`."""
    event = {
        "event": "user",
        "timestamp": 1_765_000_000.5,
        "text": message["text"],
        "parse_data": message,
    }
    return Tracker(
        state.sender_id,
        state.slots,
        message,
        [*state.events, event],
        False,
        None,
        state.active_loop,
        "action_listen",
    )


async def flags(sender_id: str) -> list[tuple[str, str, str | None, str | None, float | None]]:
    async with get_sessionmaker()() as session:
        return [
            (f.category, f.tier, f.situation, f.question_id, f.message_timestamp)
            for f in await queries.flags_of(session, sender_id)
        ]


async def test_a_past_experience_at_a_comment_question_is_kept_thanked_and_flagged(
    consented: Tracker,  # noqa: F811
) -> None:
    text = "I was mugged at knifepoint two years ago and nobody called me back"
    state = with_user_event(tracker(AT_COMMENT), disclosure(text, "crime_report", situation="past"))
    dispatcher = CollectingDispatcher()
    events = await ValidateConsultationForm().run(dispatcher, state, DOMAIN)
    assert slot_events(events)["knife_crime_comment"] == text
    assert responses(dispatcher)[:2] == [
        "utter_safeguarding_thanks_kept",
        "utter_support_crime_report",
    ]
    assert await stored_answers("unit-test-resident") == {"knife_crime.comment": ("given", text)}
    assert await flags("unit-test-resident") == [
        ("crime_report", "clear", "past", "knife_crime.comment", 1_765_000_000.5)
    ]


async def test_a_possible_disclosure_at_a_comment_question_is_kept_with_a_check_in(
    consented: Tracker,  # noqa: F811
) -> None:
    text = "sometimes I wonder what the point of any of it is"
    state = with_user_event(tracker(AT_COMMENT), disclosure(text, "self_harm", tier="possible"))
    dispatcher = CollectingDispatcher()
    await ValidateConsultationForm().run(dispatcher, state, DOMAIN)
    assert responses(dispatcher)[:2] == ["utter_check_in", "utter_support_self_harm"]
    assert await stored_answers("unit-test-resident") == {"knife_crime.comment": ("given", text)}


async def test_danger_now_at_a_comment_question_is_not_stored_and_asks_to_keep_it(
    consented: Tracker,  # noqa: F811
) -> None:
    text = "he is outside my door right now with a knife"
    state = with_user_event(tracker(AT_COMMENT), disclosure(text, "immediate_danger"))
    form_events = await ValidateConsultationForm().run(CollectingDispatcher(), state, DOMAIN)
    assert "knife_crime_comment" not in slot_events(form_events)  # rejected: rules take over

    dispatcher = CollectingDispatcher()
    events = await ActionSafeguarding().run(dispatcher, state, DOMAIN)
    assert responses(dispatcher) == [
        "utter_safeguarding_immediate_danger",
        "utter_safeguarding_cannot_act",
        "utter_ask_keep_comment",
    ]
    assert slot_events(events) == {
        "awaiting": "keep_comment",
        "held_comment": "knife_crime_comment",
    }
    assert await stored_answers("unit-test-resident") == {}

    # "Yes, keep it": the words typed at the comment question become the comment.
    kept_state = with_user_event(
        tracker({**AT_COMMENT, "held_comment": "knife_crime_comment", "awaiting": "keep_comment"}),
        disclosure(text, "immediate_danger"),
    )
    dispatcher = CollectingDispatcher()
    events = await ActionKeepComment().run(dispatcher, kept_state, DOMAIN)
    assert responses(dispatcher) == ["utter_comment_kept", "utter_safeguarding_pause"]
    assert slot_events(events)["knife_crime_comment"] == text
    assert await stored_answers("unit-test-resident") == {"knife_crime.comment": ("given", text)}


async def test_not_keeping_a_disclosure_stores_nothing(consented: Tracker) -> None:  # noqa: F811
    dispatcher = CollectingDispatcher()
    events = await ActionDiscardComment().run(
        dispatcher, tracker({"held_comment": "knife_crime_comment"}), DOMAIN
    )
    assert responses(dispatcher) == ["utter_comment_not_kept", "utter_safeguarding_pause"]
    assert slot_events(events)["held_comment"] is None
    assert await stored_answers("unit-test-resident") == {}


async def test_danger_at_an_agreement_question_pauses_rather_than_asking_again(
    consented: Tracker,  # noqa: F811
) -> None:
    state = with_user_event(tracker(), disclosure("I want to end my life tonight", "self_harm"))
    dispatcher = CollectingDispatcher()
    await ActionSafeguarding().run(dispatcher, state, DOMAIN)
    assert responses(dispatcher) == [
        "utter_safeguarding_self_harm",
        "utter_safeguarding_cannot_act",
        "utter_safeguarding_pause",
    ]
    assert await flags("unit-test-resident") == [
        ("self_harm", "clear", "current", None, 1_765_000_000.5)
    ]


async def test_someone_safe_now_is_thanked_and_not_told_to_call_999(
    consented: Tracker,  # noqa: F811
) -> None:
    message = disclosure(
        "I left him three years ago, I'm safe now", "domestic_abuse", situation="past"
    )
    dispatcher = CollectingDispatcher()
    await ActionSafeguarding().run(dispatcher, with_user_event(tracker(), message), DOMAIN)
    assert responses(dispatcher) == [
        "utter_safeguarding_thanks",
        "utter_support_domestic_abuse",
        "utter_ask_carry_on",
    ]
    said = " ".join(v["text"] for v in DOMAIN["responses"]["utter_support_domestic_abuse"])
    assert "999" not in said


@pytest.mark.parametrize(
    "speaker, reply, support",
    [
        ("child", "utter_safeguarding_child_at_risk", "utter_support_child_at_risk"),
        ("adult", "utter_safeguarding_child_at_risk_adult", "utter_support_child_at_risk_adult"),
    ],
)
async def test_a_child_gets_childline_and_a_worried_adult_the_nspcc(
    consented: Tracker,  # noqa: F811
    speaker: str,
    reply: str,
    support: str,
) -> None:
    now = disclosure("the kid next door is left alone for days", "child_at_risk", speaker=speaker)
    dispatcher = CollectingDispatcher()
    await ActionSafeguarding().run(dispatcher, with_user_event(tracker(), now), DOMAIN)
    assert responses(dispatcher)[0] == reply
    past = disclosure(
        "my stepdad used to hit me", "child_at_risk", situation="past", speaker=speaker
    )
    dispatcher = CollectingDispatcher()
    await ActionSafeguarding().run(dispatcher, with_user_event(tracker(), past), DOMAIN)
    assert responses(dispatcher)[1] == support
    texts = " ".join(v["text"] for v in DOMAIN["responses"][support])
    assert ("0800 1111" in texts) == (speaker == "child")
    assert ("0808 800 5000" in texts) == (speaker == "adult")


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_has_a_full_reply_and_a_support_line(category: str) -> None:
    for name in (f"utter_safeguarding_{category}", f"utter_support_{category}"):
        variations = DOMAIN["responses"][name]
        assert len(variations) == 2 and variations[0]["condition"], name  # both wording modes


@pytest.mark.parametrize("part, floor", sorted(SUPPORT_FLOOR.items()))
async def test_the_thanks_for_a_comment_on_a_part_about_harm_says_where_to_get_support(
    consented: Tracker,  # noqa: F811
    part: str,
    floor: str,
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAfterPart().run(dispatcher, tracker({"current_part": part}), DOMAIN)
    assert responses(dispatcher)[:2] == ["utter_part_done", floor]
    texts = " ".join(v["text"] for v in DOMAIN["responses"][floor])
    assert any(number in texts for number in ("0800", "0808", "101", "report-it"))


async def test_no_support_line_after_a_part_that_is_not_about_harm(
    consented: Tracker,  # noqa: F811
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAfterPart().run(dispatcher, tracker({"current_part": "knife_crime"}), DOMAIN)
    assert not any(r.startswith("utter_support") for r in responses(dispatcher))


async def test_harm_still_going_on_told_as_a_comment_is_kept_with_the_full_contacts(
    consented: Tracker,  # noqa: F811
) -> None:
    text = "the flat next door deals drugs all night and the police never come, sort it out"
    state = with_user_event(tracker(AT_COMMENT), disclosure(text, "crime_report"))
    dispatcher = CollectingDispatcher()
    await ValidateConsultationForm().run(dispatcher, state, DOMAIN)
    assert responses(dispatcher)[:3] == [
        "utter_safeguarding_thanks_kept",
        "utter_safeguarding_crime_report",
        "utter_safeguarding_cannot_act",
    ]
    assert await stored_answers("unit-test-resident") == {"knife_crime.comment": ("given", text)}


@pytest.mark.parametrize(
    "category, situation, urgent",
    [
        ("immediate_danger", "current", True),
        ("self_harm", "current", True),
        ("child_at_risk", "current", True),
        ("self_harm", "past", False),
        ("domestic_abuse", "current", False),
        ("crime_report", "past", False),
    ],
)
def test_only_danger_or_a_crisis_now_is_kept_out_of_the_answers(
    category: str, situation: str, urgent: bool
) -> None:
    from actions.answers import ParsedMessage

    message = ParsedMessage.from_latest_message(disclosure("words", category, situation=situation))
    assert message.is_kept_disclosure is not urgent


async def test_a_second_likely_category_adds_its_contacts(consented: Tracker) -> None:  # noqa: F811
    message = disclosure(
        "my family say I must marry my cousin and my brother hit me", "forced_marriage"
    )
    message["entities"].append({"entity": "safeguarding_also", "value": "domestic_abuse"})
    dispatcher = CollectingDispatcher()
    await ActionSafeguarding().run(dispatcher, with_user_event(tracker(), message), DOMAIN)
    assert responses(dispatcher)[:3] == [
        "utter_safeguarding_forced_marriage",
        "utter_support_domestic_abuse",
        "utter_safeguarding_cannot_act",
    ]


def hinted(text: str, category: str) -> dict[str, Any]:
    """A comment neither reader took for a disclosure, with the NLU's weaker reading."""
    return {
        "text": text,
        "intent": {"name": "give_opinion", "confidence": 0.9},
        "entities": [{"entity": "safeguarding_hint", "value": category}],
    }


def at_comment_of(part: str) -> dict[str, Any]:
    return {"current_part": part, "requested_slot": f"{part}_comment", f"{part}_agreement": "agree"}


@pytest.mark.parametrize(
    ("part", "category"), sorted(PART_CATEGORY.items()), ids=sorted(PART_CATEGORY)
)
async def test_in_a_part_about_harm_a_weaker_reading_gets_a_check_in(
    consented: Tracker,  # noqa: F811
    part: str,
    category: str,
) -> None:
    text = "my partner gets very jealous"
    state = with_user_event(tracker(at_comment_of(part)), hinted(text, "hate_crime"))
    dispatcher = CollectingDispatcher()
    events = await ValidateConsultationForm().run(dispatcher, state, DOMAIN)
    assert slot_events(events)[f"{part}_comment"] == text  # kept as the comment
    # The part's own contacts, not the weak reading's category.
    assert responses(dispatcher)[:2] == ["utter_check_in", SUPPORT_FLOOR[part]]
    [(flagged, tier, situation, question_id, _)] = await flags("unit-test-resident")
    assert (flagged, tier, situation, question_id) == (
        category,
        "possible",
        "current",
        f"{part}.comment",
    )


async def test_elsewhere_the_weaker_reading_is_an_ordinary_comment(
    consented: Tracker,  # noqa: F811
) -> None:
    text = "my partner gets very jealous"
    state = with_user_event(tracker(AT_COMMENT), hinted(text, "domestic_abuse"))
    dispatcher = CollectingDispatcher()
    events = await ValidateConsultationForm().run(dispatcher, state, DOMAIN)
    assert slot_events(events)["knife_crime_comment"] == text
    assert not any(r.startswith(("utter_check_in", "utter_support")) for r in responses(dispatcher))
    assert await flags("unit-test-resident") == []


def test_the_nlu_passes_on_a_reading_too_weak_for_a_check_in_elsewhere() -> None:
    """A message the assessment does not take for a disclosure, yet the classifier reads at
    or above SENSITIVE_PART_HINT: the component adds only the hint."""
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.safeguarding import SafeguardingDetector
    from bot.safeguarding.assessment import assess, hint

    text = "my partner gets very jealous"
    assert assess(text) is None and hint(text) == "domestic_abuse"
    message = Message(data={"text": text})
    SafeguardingDetector(SafeguardingDetector.get_default_config()).process([message])
    entities = message.get("entities")
    assert [(e["entity"], e["value"]) for e in entities] == [
        ("safeguarding_hint", "domestic_abuse")
    ]
    assert (message.get("intent") or {}).get("name") != "disclosure"


def test_diets_own_disclosure_guess_needs_the_classifiers_support() -> None:
    """DIET sure of `disclosure` on an idiom the classifier all but rules out: no check-in,
    DIET's next intent instead (bot.safeguarding.assessment.DIET_CORROBORATION)."""
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.safeguarding import SafeguardingDetector
    from bot.safeguarding.assessment import DIET_CORROBORATION, read

    def diet_says_disclosure(text: str) -> Message:
        ranking = [
            {"name": "disclosure", "confidence": 0.95},
            {"name": "give_opinion", "confidence": 0.05},
        ]
        return Message(data={"text": text, "intent": dict(ranking[0]), "intent_ranking": ranking})

    detector = SafeguardingDetector(SafeguardingDetector.get_default_config())
    idiom = "my mum will kill me if I'm late again"
    found, reading = read(idiom)
    assert found is None and reading is not None and reading.p_disclosure < DIET_CORROBORATION
    [message] = detector.process([diet_says_disclosure(idiom)])
    assert message.get("intent")["name"] == "give_opinion"
    assert not message.get("entities")


def test_a_rule_outside_danger_and_self_harm_gives_way_to_a_sure_classifier() -> None:
    from bot.safeguarding.assessment import RULE_VETO, assess, classifier, detect

    idiom = "The council is robbing us blind with council tax and the police precept goes up."
    found = detect(idiom)
    assert found is not None and found.category == "crime_report"  # the rule fires...
    assert classifier().read(idiom).p_disclosure < RULE_VETO  # ...the classifier is sure...
    assert assess(idiom) is None  # ...and it is no disclosure.
    # Danger and self-harm never give way.
    assert assess("I want to kill myself") is not None
