"""Property-based tests of how any parsed message is read as an answer to any question.

`actions.answers.interpret` decides what is stored in the database, so whatever the
classifier and extractors say (any intent in the domain, none, or a stray name; any text;
any entities with any values; any confidence), it must return None, a `Retry` or an
`Answer`, and an `Answer` must be one the codebook accepts (`bot.db.queries.
validate_answer`) and must survive the round trip through its slot:
`question.stored_answer(answer.slot_value)` is what answering stored, which is what
re-saving an unsaved answer and `consult rebuild` rely on.

Messages are built the way the form action builds them, with
`ParsedMessage.from_latest_message` on a Rasa `latest_message` dict.

A button payload typed by hand ('/inform{"knife_crime_agreement": "agree"}') reaches the
form as intent `inform` with the payload as its text: it must never be kept as a
resident's comment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from actions.answers import Answer, Confirm, Correction, ParsedMessage, Retry, interpret
from bot.db.queries import validate_answer
from bot.places.boroughs import BOROUGHS
from bot.questions import (
    AGE_BAND_LABELS,
    AGREEMENT_VALUES,
    BY_ID,
    GIVEN,
    NOT_APPLICABLE,
    PREFER_NOT_TO_SAY,
    PRIORITY_LABELS,
    QUESTIONS,
    SKIPPED,
    Question,
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DOMAIN = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8")
)
DOMAIN_INTENTS: list[str] = DOMAIN["intents"]
DOMAIN_ENTITIES: list[str] = DOMAIN["entities"]
FREE_TEXT_QUESTIONS = [q for q in QUESTIONS if q.is_free_text]
# Words that are stored values themselves: a comment may consist of one of them.
STORED_WORDS = sorted(
    {v for q in QUESTIONS for v in q.values} | {SKIPPED, PREFER_NOT_TO_SAY, NOT_APPLICABLE, GIVEN}
)

ANY_CHAR = st.characters(exclude_categories=())
INTENTS = (
    st.sampled_from(DOMAIN_INTENTS)
    | st.sampled_from(["nlu_fallback", "", "INFORM", "skip "])
    | st.none()
    | st.text(max_size=15)
)
# Values the extractors really produce, near misses, and anything at all.
KNOWN_VALUES = sorted(
    {*BOROUGHS, *PRIORITY_LABELS, *AGE_BAND_LABELS, *AGREEMENT_VALUES, *STORED_WORDS}
    | {"SE1", "se1", "SW1A", "E14", "EC1", "W1", "ZZ99", "clapham", "Clapham", "the city"}
    | {"knife_crime", "vawg", "all", "Lambeth", " lambeth", "robbery;burglary"}
)
ENTITY_VALUES = (
    st.sampled_from(KNOWN_VALUES)
    | st.text(alphabet=ANY_CHAR, max_size=12)
    | st.none()
    | st.integers()
    | st.lists(st.sampled_from(KNOWN_VALUES), max_size=2)
)


@st.composite
def entity_dicts(draw: st.DrawFn) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "entity": draw(st.sampled_from(DOMAIN_ENTITIES) | st.text(max_size=10)),
        "value": draw(ENTITY_VALUES),
    }
    if draw(st.booleans()):
        start = draw(st.integers(min_value=0, max_value=50))
        entity |= {"start": start, "end": start + draw(st.integers(0, 20)), "extractor": "X"}
    return entity


TEXTS = (
    st.text(alphabet=ANY_CHAR, max_size=60)
    | st.sampled_from(STORED_WORDS)
    | st.sampled_from(["", " ", "no", "yes", "skip", "I'm 34", "age 200", "/", "/skip", "0"])
    | st.builds(
        lambda words: " ".join(words),
        st.lists(st.sampled_from([*KNOWN_VALUES, "no", "yes", "42", "\u200b"]), max_size=12),
    )
)
CONFIDENCES = st.floats(min_value=0.0, max_value=1.0) | st.none()


def latest_message(
    intent: str | None, text: str | None, entities: list[dict[str, Any]], confidence: Any
) -> dict[str, Any]:
    """A Rasa tracker's latest_message, as the form action reads it."""
    latest: dict[str, Any] = {"text": text, "entities": entities}
    if intent is not None:
        latest["intent"] = {"name": intent, "confidence": confidence}
    return latest


def parsed(
    intent: str | None, text: str, entities: list[dict[str, Any]], confidence: Any
) -> ParsedMessage:
    return ParsedMessage.from_latest_message(latest_message(intent, text, entities, confidence))


def check(result: Any, question: Question) -> None:
    assert result is None or isinstance(result, (Retry, Answer, Confirm, Correction))
    if isinstance(result, Correction):  # only at a comment question, to a value on the scale
        assert question.is_free_text and result.value in BY_ID[f"{question.part}.agreement"].values
    if isinstance(result, Confirm):  # a guess to confirm: a value the question can store
        assert question.kind == "agreement" and result.value in question.values
    if isinstance(result, Retry):
        assert isinstance(result.response, str) and result.response.startswith("utter_")
        for button in result.buttons:
            assert isinstance(button["title"], str) and isinstance(button["payload"], str)
    if isinstance(result, Answer):
        assert isinstance(result.value, str)
        validate_answer(question.id, result.value, result.free_text)


# --- every question, any message -----------------------------------------------------------


MESSAGE_ARGS = {
    "question": st.sampled_from(QUESTIONS),
    "intent": INTENTS,
    "text": TEXTS,
    "entities": st.lists(entity_dicts(), max_size=6),
    "confidence": CONFIDENCES,
}


@FUZZ
@given(**MESSAGE_ARGS)
@example(
    question=BY_ID["local.priorities"],
    intent="inform",
    text="",
    confidence=0.9,
    entities=[
        {"entity": "priority", "value": "robbery"},
        {"entity": "priority", "value": "burglary"},
    ],
)
def test_any_message_gives_none_a_retry_or_a_valid_answer(
    question: Question,
    intent: str | None,
    text: str,
    entities: list[dict[str, Any]],
    confidence: Any,
) -> None:
    check(interpret(question, parsed(intent, text, entities, confidence)), question)


@FUZZ
@given(**MESSAGE_ARGS)
def test_a_message_built_directly_gives_none_a_retry_or_a_valid_answer(
    question: Question,
    intent: str | None,
    text: str,
    entities: list[dict[str, Any]],
    confidence: Any,
) -> None:
    # As tests/unit/test_answers.py builds them; the form strips the text first.
    message = ParsedMessage(intent, text.strip(), tuple(entities), confidence or 0.0)
    check(interpret(question, message), question)


@FUZZ
@given(**MESSAGE_ARGS)
@example(
    question=BY_ID["victims.comment"],
    intent="give_opinion",
    text="skipped",
    entities=[],
    confidence=0.9,
)
@example(
    question=BY_ID["victims.comment"],
    intent="give_opinion",
    text="prefer_not_to_say",
    entities=[],
    confidence=0.9,
)
@example(
    question=BY_ID["victims.comment"],
    intent="give_opinion",
    text="given",
    entities=[],
    confidence=0.9,
)
def test_stored_answer_of_the_slot_value_is_what_was_stored(
    question: Question,
    intent: str | None,
    text: str,
    entities: list[dict[str, Any]],
    confidence: Any,
) -> None:
    result = interpret(question, parsed(intent, text, entities, confidence))
    if isinstance(result, Answer):
        assert question.stored_answer(result.slot_value) == (result.value, result.free_text)


# --- typed button payloads are not comments ----------------------------------------------


PAYLOAD_VALUES = st.sampled_from(KNOWN_VALUES) | st.text(max_size=10) | st.integers() | st.none()


@st.composite
def typed_payloads(draw: st.DrawFn) -> str:
    """'/intent{json}' as a resident might copy a button's payload into the text box."""
    name = draw(st.sampled_from(["inform", *DOMAIN_INTENTS]))
    slots = draw(
        st.dictionaries(
            st.sampled_from([q.slot for q in QUESTIONS] + DOMAIN_ENTITIES),
            PAYLOAD_VALUES,
            max_size=3,
        )
    )
    if not slots and draw(st.booleans()):
        return f"/{name}"
    return f"/{name}{json.dumps(slots, ensure_ascii=draw(st.booleans()))}"


@FUZZ
@given(
    question=st.sampled_from(FREE_TEXT_QUESTIONS),
    payload=typed_payloads(),
    padding=st.sampled_from(["", " ", "\n", "  \t"]),
    entities=st.lists(entity_dicts(), max_size=3),
    confidence=st.floats(min_value=0.0, max_value=1.0),
)
@example(
    question=BY_ID["knife_crime.comment"],
    payload='/inform{"knife_crime_agreement": "agree"}',
    padding="",
    entities=[],
    confidence=1.0,
)
def test_typed_payload_is_never_a_free_text_answer(
    question: Question,
    payload: str,
    padding: str,
    entities: list[dict[str, Any]],
    confidence: float,
) -> None:
    result = interpret(
        question, parsed("inform", padding + payload + padding, entities, confidence)
    )
    assert not isinstance(result, Answer), result
    assert result is None or isinstance(result, Retry)


def test_fuzz_inputs_cover_every_question_kind_and_domain_intent() -> None:
    # Guards the strategies above against a domain or codebook they no longer fit.
    assert {q.kind for q in QUESTIONS} == {
        "agreement",
        "free_text",
        "borough",
        "priorities",
        "age_band",
        "yes_no",
    }
    assert FREE_TEXT_QUESTIONS and "inform" in DOMAIN_INTENTS
