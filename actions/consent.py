"""Starting the conversation: greeting, consent, and welcome back."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import flow, progress
from actions.base import ConsultationAction, ask_consent
from actions.storage import StorageUnavailable, start_respondent
from actions.typed_answers import sounds_like_a_no, sounds_like_a_sure_no


class ActionGreet(ConsultationAction):
    """Introduces the consultation and asks for consent, or welcomes a resident back."""

    needs_consent = False

    def name(self) -> str:
        return "action_greet"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if tracker.get_slot("consent") is not True:
            return ask_consent(dispatcher, tracker)
        if progress.has_any_answer(tracker.slots):
            dispatcher.utter_message(response="utter_welcome_back")
            return [SlotSet("awaiting", "resume"), SlotSet("next_step", "listen")]
        return flow.show_menu(dispatcher, tracker)


class ActionRecordConsent(ConsultationAction):
    """Records that the resident agreed to take part, then shows the parts of the plan."""

    needs_consent = False

    def name(self) -> str:
        return "action_record_consent"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if sounds_like_a_no(tracker.latest_message.get("text") or ""):
            # Only a sure yes starts keeping answers: ask, with the two buttons.
            dispatcher.utter_message(response="utter_check_consent")
            return [SlotSet("awaiting", "consent"), SlotSet("next_step", "listen")]
        try:
            reference_code = await start_respondent(tracker)
        except StorageUnavailable:
            dispatcher.utter_message(response="utter_could_not_save")
            dispatcher.utter_message(response="utter_ask_consent")
            return [SlotSet("awaiting", "consent"), SlotSet("next_step", "listen")]
        events: list[EventType] = [
            SlotSet("consent", True),
            SlotSet("reference_code", reference_code),
        ]
        # show_menu reads consent from the tracker's slots, so update them first.
        tracker.add_slots(events)
        return events + flow.show_menu(dispatcher, tracker)


class ActionDeclineConsent(ConsultationAction):
    """Says goodbye to a resident who does not want their answers kept, and keeps nothing."""

    needs_consent = False

    def name(self) -> str:
        return "action_decline_consent"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not sounds_like_a_sure_no(tracker.latest_message.get("text") or ""):
            # "no problem", "is it anonymous?": not a sure no, so ask rather than end.
            dispatcher.utter_message(response="utter_check_consent")
            return [SlotSet("awaiting", "consent"), SlotSet("next_step", "listen")]
        dispatcher.utter_message(response="utter_no_consent")
        dispatcher.utter_message(response="utter_postal_address")
        # The tracker store erases the transcript when it sees this flag.
        return [SlotSet("forget_conversation", True), SlotSet("next_step", "listen")]
