"""validate_consultation_form: reads each answer, saves it at once, and picks the next question.

One form serves every part: its questions follow the `current_part` slot. Slots use custom
mappings, so nothing is filled unless this action accepts it as an answer to the question
being asked; typed payloads such as /inform{"knife_crime_agreement": "agree"} fill nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction

from actions import progress
from actions.answers import (
    Answer,
    Confirm,
    Correction,
    ParsedMessage,
    Retry,
    agreement_question_of,
    interpret,
    question_of_part,
)
from actions.ask import TO_CONFIRM, answer_to_confirm
from actions.base import consultation_is_open
from actions.safeguarding import acknowledge_kept_comment, check_in_on_hint, is_hinted
from actions.storage import StorageUnavailable, answers_held_in, save_answers
from bot.places.boroughs import CITY_OF_LONDON
from bot.questions import (
    AGREEMENT_LABELS,
    BY_ID,
    BY_SLOT,
    GIVEN,
    NOT_APPLICABLE,
    Question,
)

logger = logging.getLogger(__name__)


class ValidateConsultationForm(FormValidationAction):
    """Accepts, saves and moves on through the questions of the part being discussed."""

    def name(self) -> str:
        return "validate_consultation_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        part = tracker.get_slot("current_part")
        return [q.slot for q in progress.questions_to_ask(part, tracker.slots)]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not consultation_is_open() or tracker.get_slot("consent") is not True:
            # Stop the questions; the next action explains why.
            return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]
        events = await self._answer_events(dispatcher, tracker)
        tracker.add_slots(events)
        required = await self.required_slots([], dispatcher, tracker, domain)
        next_slot = next((slot for slot in required if tracker.get_slot(slot) is None), None)
        return events + [SlotSet(REQUESTED_SLOT, next_slot)]

    async def _answer_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        """Events for the answer in the latest message, if it answers the open question.

        No events means "not an answer" and makes Rasa hand the message to the dialogue
        rules (help, stop, go back...). A retry sets the slot to None, which keeps the
        question open and asks it again.
        """
        requested = tracker.get_slot(REQUESTED_SLOT)
        question = BY_SLOT.get(requested or "")
        if question is None or question.part != tracker.get_slot("current_part"):
            return []
        message = ParsedMessage.from_latest_message(tracker.latest_message or {})
        result = interpret(question, message, answer_to_confirm(tracker, question.slot))
        cleared = [SlotSet(TO_CONFIRM, None)] if tracker.get_slot(TO_CONFIRM) else []
        if result is None:
            return cleared
        if isinstance(result, Retry):
            dispatcher.utter_message(
                response=result.response, buttons=result.buttons or None, **result.fill
            )
            return [SlotSet(question.slot, None), *cleared]
        if isinstance(result, Correction):
            return cleared + await self._correct(dispatcher, tracker, question, result)
        if isinstance(result, Confirm):  # action_ask_<slot> asks "Did you mean ...?"
            return [
                SlotSet(question.slot, None),
                SlotSet(TO_CONFIRM, f"{question.slot}={result.value}"),
            ]
        if message.intent == "disclosure" and question.is_free_text:
            # An experience or a possible disclosure, kept as the comment (see _is_command).
            await acknowledge_kept_comment(dispatcher, tracker, question)
        elif question.is_free_text and is_hinted(tracker):
            # In a part about harm, a comment that may tell of the resident's own harm.
            await check_in_on_hint(dispatcher, tracker, question)
        if message.intent == "other_language":
            # A comment in another language is kept (staff can have it translated), and the
            # resident learns the assistant works in English and can write by post.
            dispatcher.utter_message(response="utter_english_only")
            dispatcher.utter_message(response="utter_postal_address")
        return cleared + await self._save(dispatcher, tracker, question.slot, result)

    async def _correct(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        question: Question,
        correction: Correction,
    ) -> list[EventType]:
        """Change the part's agreement answer; the comment question stays open."""
        agreement = agreement_question_of(question)
        assert agreement is not None  # interpret gives a Correction only where there is one
        answer = Answer(correction.value, correction.value)
        events = await self._save(dispatcher, tracker, agreement.slot, answer)
        dispatcher.utter_message(
            response="utter_answer_corrected", answer=AGREEMENT_LABELS[correction.value]
        )
        return [*events, SlotSet(question.slot, None)]

    async def _save(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, answer: Answer
    ) -> list[EventType]:
        """Save the answer, with any kept from earlier when the database was unavailable.

        If the database cannot be reached, the answer still counts in the conversation (its
        slot is set, so the questions move on), the resident is told honestly, and its slot
        goes on `unsaved_answers`: the next save tries again, and `consult rebuild` can
        recover it from the transcript.
        """
        question = BY_SLOT[slot]
        new_slots = {slot: answer.slot_value}
        to_save = [(question, answer.value, answer.free_text)]
        if question.id == "local.borough" and answer.value == CITY_OF_LONDON:
            # The City has its own police force: no local priorities to choose.
            dispatcher.utter_message(response="utter_city_of_london")
            new_slots["local_priorities"] = NOT_APPLICABLE
            to_save.append((BY_ID["local.priorities"], NOT_APPLICABLE, None))
        comment = question_of_part(question, "free_text") if answer.comment else None
        if comment is not None and tracker.get_slot(comment.slot) is None:
            # The reason typed with the answer is the part's comment: no need to ask for it.
            dispatcher.utter_message(response="utter_kept_reason_as_comment")
            new_slots[comment.slot] = answer.comment
            to_save.append((comment, GIVEN, answer.comment))
        kept = [s for s in tracker.get_slot("unsaved_answers") or [] if s not in new_slots]
        to_save += answers_held_in(tracker, kept)
        try:
            await save_answers(tracker, to_save)
            unsaved: list[str] = []
        except StorageUnavailable:
            dispatcher.utter_message(response="utter_kept_unsaved_answer")
            unsaved = [q.slot for q, _, _ in to_save]
        log = [s for s in tracker.get_slot("answered_log") or [] if s != slot]
        return [
            *(SlotSet(name, value) for name, value in new_slots.items()),
            SlotSet("unsaved_answers", unsaved),
            SlotSet("answered_log", log + [slot]),
        ]
