"""Deleting answers and starting again, both after asking."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import flow
from actions.base import ConsultationAction
from actions.storage import StorageUnavailable, delete_answers, erase_respondent
from bot.questions import ABOUT, PARTS


class ActionConfirmDelete(ConsultationAction):
    """Asks the resident to confirm they want their answers and this chat deleted."""

    needs_consent = False

    def name(self) -> str:
        return "action_confirm_delete"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_confirm_delete")
        return [SlotSet("awaiting", "delete"), SlotSet("next_step", "listen")]


class ActionDeleteAnswers(ConsultationAction):
    """Erases the resident's answers and this conversation."""

    needs_consent = False

    def name(self) -> str:
        return "action_delete_answers"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            await erase_respondent(tracker)
        except StorageUnavailable:
            dispatcher.utter_message(response="utter_could_not_save")
            return [SlotSet("next_step", "listen")]
        dispatcher.utter_message(response="utter_deleted")
        # Reset first, then flag: the tracker store erases the whole transcript.
        return [AllSlotsReset(), SlotSet("forget_conversation", True)]


class ActionConfirmRestart(ConsultationAction):
    """Asks the resident to confirm they want to clear their answers and start again."""

    def name(self) -> str:
        return "action_confirm_restart"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_confirm_restart")
        return [SlotSet("awaiting", "restart"), SlotSet("next_step", "listen")]


class ActionStartAgain(ConsultationAction):
    """Clears the resident's answers (keeping their consent) and shows the menu."""

    def name(self) -> str:
        return "action_start_again"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            await delete_answers(tracker)
        except StorageUnavailable:
            dispatcher.utter_message(response="utter_could_not_save")
            return [SlotSet("next_step", "listen")]
        dispatcher.utter_message(response="utter_restarted")
        events: list[EventType] = []
        for part in PARTS + (ABOUT,):
            events += flow.clear_part(part)
        events += [
            SlotSet("current_part", None),
            SlotSet("part_queue", []),
            SlotSet("answered_log", []),
        ]
        tracker.add_slots(events)
        return events + flow.show_menu(dispatcher, tracker)
