"""Turning a resident's message into an answer to the question being asked.

Pure functions, no Rasa server needed: `interpret` takes the question and the parsed
message and says whether it is an answer (and which), a try that needs another go, or not
an answer at all (a command such as "help" or "stop", left to the dialogue rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from actions.typed_answers import (
    correction_of,
    is_sure_yes_no,
    read_agreement,
    sounds_like_a_no,
    unplaced_in_list,
)
from bot.places.boroughs import BOROUGHS
from bot.places.lookup import boroughs_for_district, boroughs_for_place
from bot.questions import (
    AGE_BAND_LABELS,
    AGREEMENT_VALUES,
    GIVEN,
    MAX_PRIORITIES,
    PREFER_NOT_TO_SAY,
    PRIORITY_LABELS,
    SKIPPED,
    Question,
    questions_for,
)
from bot.safeguarding.categories import is_urgent

# Intents that steer the conversation. When one of these arrives while a question is open,
# it acts as the command and is never stored as an answer.
COMMAND_INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thanks",
        "help",
        "what_is_this",
        "menu",
        "repeat",
        "go_back",
        "change_answer",
        "stop",
        "resume",
        "start_again",
        "delete_answers",
        "choose_part",
        "choose_all",
        "tell_me_more",
        "finish",
        "insult",  # answered with a calm boundary, never stored
        "easy_read",  # switches wording, then asks the same question again
        "standard_words",
        "hide_chat",  # "should I delete this chat?": answered, then the same question
    }
)
# While a free-text answer is open, only these act as commands: "tell me more about youth
# clubs" or "knife crime near schools" are comments, not requests for another part.
FREE_TEXT_COMMAND_INTENTS = COMMAND_INTENTS - {
    "tell_me_more",
    "choose_part",
    "choose_all",
    "greet",
    "resume",
}
# Questions that are never a comment, however long: "should I delete this chat in case he
# sees it?" needs its answer now.
ALWAYS_COMMAND_INTENTS = frozenset({"hide_chat"})
# Messages the classifier could not place; for a choice question they get the usual
# "sorry, I didn't understand" rather than a retry.
UNCLEAR_INTENTS = frozenset({"out_of_scope", "nlu_fallback", "other_language"})
# A free-text answer longer than this is a comment even if it reads like a command
# ("they should stop knife crime at its roots" is not "stop").
MAX_COMMAND_WORDS = 8
# ...and a short one still needs the classifier to be sure ("more officers I can talk to"
# is a comment, though its nearest intent is "tell me more").
MIN_COMMAND_CONFIDENCE = 0.7


@dataclass(frozen=True)
class ParsedMessage:
    """The parts of a resident's message that answering needs."""

    intent: str | None
    text: str
    entities: tuple[dict[str, Any], ...] = ()
    confidence: float = 1.0

    @classmethod
    def from_latest_message(cls, latest: dict[str, Any]) -> ParsedMessage:
        intent = latest.get("intent") or {}
        return cls(
            intent=intent.get("name"),
            text=(latest.get("text") or "").strip(),
            entities=tuple(latest.get("entities") or ()),
            confidence=float(intent.get("confidence") or 0.0),
        )

    def entity_values(self, entity: str) -> list[str]:
        values: list[str] = []
        for item in self.entities:
            value = item.get("value")
            if item.get("entity") == entity and isinstance(value, str) and value not in values:
                values.append(value)
        return values

    @property
    def is_kept_disclosure(self) -> bool:
        """A disclosure that is the resident's comment when typed at a comment question:
        anything but danger or a crisis now (bot.safeguarding.is_urgent)."""

        def first(entity: str) -> str:
            return next(iter(self.entity_values(entity)), "")

        return not is_urgent(
            first("safeguarding_category"),
            first("safeguarding_tier") or "clear",
            first("safeguarding_situation") or "current",
        )

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Answer:
    """An accepted answer: what goes in the slot and what is stored."""

    slot_value: Any
    value: str
    free_text: str | None = None
    # Typed with the answer ("I agree but we need more bobbies"): the part's comment.
    comment: str | None = None


@dataclass(frozen=True)
class Correction:
    """At a comment question, a change to the part's agreement answer ("actually no, make
    that disagree"): that answer changes, and the comment question stays open."""

    value: str


@dataclass(frozen=True)
class Confirm:
    """Typed words that only suggest an answer: ask "Did you mean ...?" before storing."""

    value: str


@dataclass(frozen=True)
class Retry:
    """Not a usable answer: say `response` (with any `buttons`) and ask again."""

    response: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    fill: dict[str, str] = field(default_factory=dict)  # the response's {variables}


def interpret(
    question: Question, message: ParsedMessage, to_confirm: str | None = None
) -> Answer | Retry | Confirm | Correction | None:
    """Read `message` as an answer to `question`. None means "not an answer".

    `to_confirm` is the answer the resident was just asked to confirm ("Did you mean
    'Disagree'?"), if any: a typed yes stores it."""
    if to_confirm is not None and not message.text.startswith("/"):
        if message.intent == "affirm" and not sounds_like_a_no(message.text):
            return Answer(to_confirm, to_confirm)
        if message.intent == "deny":  # "no" to "Did you mean 'Agree'?" is not Disagree
            return Retry("utter_choose_agreement")
    if message.intent == "skip":
        return Answer(SKIPPED, SKIPPED)
    if message.intent == "prefer_not_to_say":
        value = PREFER_NOT_TO_SAY if PREFER_NOT_TO_SAY in question.values else SKIPPED
        return Answer(value, value)
    if question.is_free_text and message.intent != "disclosure":
        # Before commands: "actually no, make that disagree" may read as "change my answer".
        corrected = correction_of(message.text)
        if corrected is not None and agreement_question_of(question) is not None:
            return Correction(corrected)
    if _is_command(question, message):
        return None
    reader = _READERS[question.kind]
    return reader(question, message)


def _is_command(question: Question, message: ParsedMessage) -> bool:
    if message.intent == "disclosure":
        # At a comment question, a past experience or a possible disclosure is the
        # resident's comment (kept, and answered with support). Anything else is answered by
        # action_safeguarding and never stored as an answer.
        return not (question.is_free_text and message.is_kept_disclosure)
    if question.is_free_text:
        if message.intent in ALWAYS_COMMAND_INTENTS:
            return message.confidence >= MIN_COMMAND_CONFIDENCE
        return (
            message.intent in FREE_TEXT_COMMAND_INTENTS
            and message.word_count <= MAX_COMMAND_WORDS
            and message.confidence >= MIN_COMMAND_CONFIDENCE
        )
    if message.intent in COMMAND_INTENTS:
        # A button is sure; typed words must be read as the command with some certainty, or
        # "depends" (read as "easy words" at 0.33) switches the wording instead of being
        # asked about. Unsure, they are read as an attempt at an answer.
        return message.text.startswith("/") or message.confidence >= MIN_COMMAND_CONFIDENCE
    return message.intent in UNCLEAR_INTENTS


def _agreement(question: Question, message: ParsedMessage) -> Answer | Retry | Confirm:
    intent = {"affirm": "agree", "deny": "disagree"}.get(message.intent or "", message.intent)
    guess = intent if intent in AGREEMENT_VALUES else None
    if message.text.startswith("/"):  # a button: what it says is sure
        return Answer(guess, guess) if guess else Retry("utter_choose_agreement")
    reading = read_agreement(message.text, guess, message.confidence)
    if reading.value is None:
        return Retry("utter_choose_agreement")
    if reading.sure:
        return Answer(reading.value, reading.value, comment=reading.reason)
    return Confirm(reading.value)


def _free_text(question: Question, message: ParsedMessage) -> Answer | Retry | None:
    text = message.text
    if message.intent == "deny" and message.word_count <= 3:
        return Answer(SKIPPED, SKIPPED)  # "no", "nothing to add"
    if not text or text.startswith("/") or (message.intent == "affirm" and message.word_count <= 2):
        return Retry("utter_type_your_comment")
    if text in question.values and text != GIVEN:
        return Answer(text, text)  # typed "skipped": the stored code, not words to keep
    return Answer(text, GIVEN, free_text=text)


def question_of_part(question: Question, kind: str) -> Question | None:
    """The question of `kind` in the part `question` belongs to, if it has one."""
    return next((q for q in questions_for(question.part) if q.kind == kind), None)


def agreement_question_of(question: Question) -> Question | None:
    """The agreement question of the part `question` belongs to, if it has one."""
    return question_of_part(question, "agreement")


def _borough(question: Question, message: ParsedMessage) -> Answer | Retry:
    if message.intent == "dont_know":
        return Answer(SKIPPED, SKIPPED)
    boroughs = [b for b in message.entity_values("borough") if b in BOROUGHS]
    if len(boroughs) == 1:
        return Answer(boroughs[0], boroughs[0])
    candidates = boroughs
    if not candidates:
        for district in message.entity_values("postcode_district"):
            candidates += [b for b in boroughs_for_district(district) if b not in candidates]
        for place in message.entity_values("ambiguous_place"):
            candidates += [b for b in boroughs_for_place(place) if b not in candidates]
    if len(candidates) == 1:
        return Answer(candidates[0], candidates[0])
    if candidates:
        return Retry("utter_pick_borough", buttons=_borough_buttons(candidates))
    return Retry("utter_borough_not_found")


def _borough_buttons(candidates: list[str]) -> list[dict[str, str]]:
    return [
        {"title": BOROUGHS[slug], "payload": f'/inform{{"borough": "{slug}"}}'}
        for slug in candidates
    ]


def _priorities(question: Question, message: ParsedMessage) -> Answer | Retry:
    chosen = [p for p in message.entity_values("priority") if p in PRIORITY_LABELS]
    if chosen and not message.text.startswith("/"):
        spans = [
            (int(e["start"]), int(e["end"]))
            for e in message.entities
            if e.get("entity") == "priority" and "start" in e and "end" in e
        ]
        unplaced = unplaced_in_list(message.text, spans) if spans else None
        if unplaced:  # never store part of a list and drop the rest ("drug dealing")
            return Retry("utter_priority_unplaced", fill={"unplaced": unplaced[:60]})
    if len(chosen) > MAX_PRIORITIES:
        return Retry("utter_too_many_priorities")
    if not chosen:
        return Retry("utter_priority_not_found")
    return Answer(chosen, ";".join(chosen))


_AGE_LIMITS = (  # (lowest age in band, band)
    (75, "75_plus"),
    (65, "65_74"),
    (55, "55_64"),
    (45, "45_54"),
    (35, "35_44"),
    (25, "25_34"),
    (18, "18_24"),
    (0, "under_18"),
)
_NUMBER = re.compile(r"\b(\d{1,3})\b")


def age_band_for(age: int) -> str:
    """The age band an age in years falls in."""
    return next(band for lowest, band in _AGE_LIMITS if age >= lowest)


def _age_band(question: Question, message: ParsedMessage) -> Answer | Retry:
    bands = [b for b in message.entity_values("age_band") if b in AGE_BAND_LABELS]
    if bands:
        return Answer(bands[0], bands[0])
    numbers = [int(n) for n in _NUMBER.findall(message.text)]
    bands_said = {age_band_for(n) for n in numbers if 5 <= n <= 120}
    if len(bands_said) == 1:  # "34", "I'm 34 next week"; not "between 40 and 50"
        band = bands_said.pop()
        return Answer(band, band)
    return Retry("utter_age_not_understood")


def _yes_no(question: Question, message: ParsedMessage) -> Answer | Retry:
    value = {"affirm": "yes", "deny": "no", "agree": "yes", "disagree": "no"}.get(
        message.intent or ""
    )
    if message.intent == "dont_know":
        value = SKIPPED
    if value and (message.text.startswith("/") or is_sure_yes_no(message.text, message.confidence)):
        return Answer(value, value)
    return Retry("utter_choose_an_option")


_READERS = {
    "agreement": _agreement,
    "free_text": _free_text,
    "borough": _borough,
    "priorities": _priorities,
    "age_band": _age_band,
    "yes_no": _yes_no,
}

__all__ = [
    "Answer",
    "Confirm",
    "Correction",
    "ParsedMessage",
    "Retry",
    "agreement_question_of",
    "interpret",
    "question_of_part",
    "age_band_for",
]
