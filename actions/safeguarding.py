"""Answering a disclosure of crime, abuse or danger, at any point of the conversation.

What the resident hears depends on what the message is (bot.nlu.safeguarding puts the
reading in the message's entities):

- Danger, a crisis or a report now (tier "clear", situation "current"): the category's
  full reply, that this chat cannot act, and a pause: "When you're ready, we can carry on"
  with [Carry on] [Stop for now]. Nothing is stored as an answer; if it was typed at a
  comment question, the resident is asked whether to keep it as their comment.
- A past experience, or a possible disclosure (a check-in): warmth, the most relevant
  contacts, and "Would you like to carry on?". In the parts about harm (`PART_CATEGORY`), a
  comment the NLU reads as possibly personal at a lower threshold gets the check-in too
  (`check_in_on_hint`).

At a comment question, every disclosure but danger or a crisis now
(bot.safeguarding.is_urgent) is the resident's comment: validate_consultation_form keeps it
and calls `acknowledge_kept_comment` (thanks and the right support; for harm that is still
going on, the full contacts), and the questions go on.

Every disclosure flags the conversation for staff (kind, tier and time; no text).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ConsultationAction
from actions.parts import SUPPORT_FLOOR
from actions.storage import StorageUnavailable, flag_conversation, save_answers
from bot.questions import BY_SLOT, GIVEN, Question
from bot.safeguarding import CATEGORIES, CLEAR_TIER, POSSIBLE_TIER

logger = logging.getLogger(__name__)

UNSPECIFIED = "unspecified"
CURRENT, PAST = "current", "past"
CHILD = "child"
FORM = "consultation_form"
# The parts about harm (those whose thanks always carries a support line), where a weaker
# reading gets a check-in (check_in_on_hint), flagged under the part's own category.
PART_CATEGORY = {
    "children": "child_at_risk",
    "vawg": "domestic_abuse",
    "hate": "hate_crime",
    "victims": "crime_report",
}


@dataclass(frozen=True)
class Disclosure:
    """How the NLU read the latest message (bot.nlu.safeguarding's entities)."""

    category: str
    tier: str
    situation: str
    speaker: str
    also: str | None = None  # a second category nearly as likely

    @property
    def needs_full_reply(self) -> bool:
        return self.tier == CLEAR_TIER and self.situation == CURRENT

    @property
    def is_experience(self) -> bool:
        return self.tier == CLEAR_TIER and self.situation == PAST

    def reply(self) -> str:
        """The full reply for danger, a crisis or a report now."""
        if self.category == "child_at_risk" and self.speaker != CHILD:
            return "utter_safeguarding_child_at_risk_adult"  # Childline is for children
        return f"utter_safeguarding_{self.category}"

    def support_line(self, category: str | None = None) -> str:
        """One calm line of the most relevant contacts, with no "call 999 now"."""
        category = category or self.category
        if category == "child_at_risk" and self.speaker != CHILD:
            return "utter_support_child_at_risk_adult"
        return f"utter_support_{category}"

    def more_support(self) -> list[str]:
        """The second category's line, when there is one and it adds other contacts."""
        if not self.also or self.also == self.category:
            return []
        return [self.support_line(self.also)]


def disclosure_of(tracker: Tracker) -> Disclosure:
    def value(entity: str, allowed: tuple[str, ...], default: str) -> str:
        found = [v for v in tracker.get_latest_entity_values(entity) if v in allowed]
        return found[0] if found else default

    found = [c for c in tracker.get_latest_entity_values("safeguarding_category") if c]
    return Disclosure(
        category=next((c for c in CATEGORIES if c in found), UNSPECIFIED),
        tier=value("safeguarding_tier", (CLEAR_TIER, POSSIBLE_TIER), CLEAR_TIER),
        situation=value("safeguarding_situation", (CURRENT, PAST), CURRENT),
        speaker=value("safeguarding_speaker", (CHILD, "adult"), "adult"),
        also=value("safeguarding_also", CATEGORIES, "") or None,
    )


def comment_question(tracker: Tracker) -> Question | None:
    """The comment question being asked, if the questions are open at one."""
    if (tracker.active_loop or {}).get("name") != FORM:
        return None
    question = BY_SLOT.get(tracker.get_slot("requested_slot") or "")
    if question is None or not question.is_free_text:
        return None
    if question.part != tracker.get_slot("current_part"):
        return None
    return question


def is_hinted(tracker: Tracker) -> bool:
    """Whether the latest message, in a part about harm, carries the NLU's weaker reading
    (`safeguarding_hint`: below the check-in threshold elsewhere,
    bot.safeguarding.assessment.SENSITIVE_PART_HINT)."""
    if tracker.get_slot("current_part") not in PART_CATEGORY:
        return False
    return any(tracker.get_latest_entity_values("safeguarding_hint"))


async def check_in_on_hint(
    dispatcher: CollectingDispatcher, tracker: Tracker, question: Question
) -> None:
    """A comment in a part about harm that may tell of the resident's own harm: kept, with a
    check-in and the part's own support line (at so weak a reading the part is a surer
    guide to the right contacts than the category), and flagged as possible."""
    part = str(tracker.get_slot("current_part"))
    _say(dispatcher, "utter_check_in", SUPPORT_FLOOR[part])
    disclosure = Disclosure(PART_CATEGORY[part], POSSIBLE_TIER, CURRENT, "adult")
    await _flag(tracker, disclosure, question.id)


async def acknowledge_kept_comment(
    dispatcher: CollectingDispatcher, tracker: Tracker, question: Question
) -> None:
    """A comment that tells of harm was kept: warmth, the right support, and a flag."""
    disclosure = disclosure_of(tracker)
    if disclosure.tier == POSSIBLE_TIER:
        _say(dispatcher, "utter_check_in", disclosure.support_line(), *disclosure.more_support())
    elif disclosure.is_experience:
        _say(
            dispatcher,
            "utter_safeguarding_thanks_kept",
            disclosure.support_line(),
            *disclosure.more_support(),
        )
    else:  # going on now, told as their view: the full contacts, and that this chat can't act
        _say(
            dispatcher,
            "utter_safeguarding_thanks_kept",
            disclosure.reply(),
            *disclosure.more_support(),
            "utter_safeguarding_cannot_act",
        )
    await _flag(tracker, disclosure, question.id)


def _say(dispatcher: CollectingDispatcher, *responses: str) -> None:
    for response in responses:
        dispatcher.utter_message(response=response)


async def _flag(tracker: Tracker, disclosure: Disclosure, question_id: str | None) -> None:
    try:
        await flag_conversation(
            tracker,
            disclosure.category,
            tier=disclosure.tier,
            situation=disclosure.situation,
            question_id=question_id,
        )
    except StorageUnavailable:
        # The resident has had the help they need; the flag is for staff, so only log.
        logger.error("A safeguarding flag could not be saved (category %s).", disclosure.category)
    logger.info(
        "Safeguarding reply sent (category %s, %s, %s).",
        disclosure.category,
        disclosure.tier,
        disclosure.situation,
    )


class ActionSafeguarding(Action):
    """Points a resident who discloses crime, abuse or danger to the right help."""

    def name(self) -> str:
        return "action_safeguarding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        disclosure = disclosure_of(tracker)
        events: list[EventType] = []
        if disclosure.needs_full_reply:
            _say(
                dispatcher,
                disclosure.reply(),
                *disclosure.more_support(),
                "utter_safeguarding_cannot_act",
            )
            question = comment_question(tracker)
            if question is not None and tracker.get_slot("consent") is True:
                dispatcher.utter_message(response="utter_ask_keep_comment")
                events = [
                    SlotSet("awaiting", "keep_comment"),
                    SlotSet("held_comment", question.slot),
                ]
            else:
                dispatcher.utter_message(response="utter_safeguarding_pause")
                events = [SlotSet("awaiting", None)]
        else:
            opening = "utter_safeguarding_thanks" if disclosure.is_experience else "utter_check_in"
            _say(
                dispatcher,
                opening,
                disclosure.support_line(),
                *disclosure.more_support(),
                "utter_ask_carry_on",
            )
            events = [SlotSet("awaiting", None)]
        await _flag(tracker, disclosure, None)
        return events


def _latest_disclosure_text(tracker: Tracker) -> str | None:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent == "disclosure":
                return (event.get("text") or "").strip() or None
    return None


class ActionKeepComment(ConsultationAction):
    """The resident asked to keep the disclosure they typed at a comment question."""

    def name(self) -> str:
        return "action_keep_comment"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        question = BY_SLOT.get(tracker.get_slot("held_comment") or "")
        text = _latest_disclosure_text(tracker)
        events: list[EventType] = [SlotSet("held_comment", None)]
        if question is None or text is None:
            dispatcher.utter_message(response="utter_comment_not_kept")
        else:
            try:
                await save_answers(tracker, [(question, GIVEN, text)])
            except StorageUnavailable:
                dispatcher.utter_message(response="utter_could_not_save")
            else:
                dispatcher.utter_message(response="utter_comment_kept")
                log = [s for s in tracker.get_slot("answered_log") or [] if s != question.slot]
                events += [
                    SlotSet(question.slot, text),
                    SlotSet("answered_log", log + [question.slot]),
                ]
        dispatcher.utter_message(response="utter_safeguarding_pause")
        return events + [SlotSet("next_step", "listen")]


class ActionDiscardComment(ConsultationAction):
    """The resident asked not to keep the disclosure they typed at a comment question."""

    def name(self) -> str:
        return "action_discard_comment"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_comment_not_kept")
        dispatcher.utter_message(response="utter_safeguarding_pause")
        return [SlotSet("held_comment", None), SlotSet("next_step", "listen")]
