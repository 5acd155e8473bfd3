"""Switching between standard wording and Easy Read, at any point in the conversation.

Two steps, because Rasa renders an action's responses with the slots as they were before the
action ran: `action_use_easy_read` (or `action_use_standard_words`) only sets the `easy_read`
slot; `action_after_wording_change` then runs with the new value, so its messages, and the
form's next question, come out in the wording the resident asked for (domain.yml's
conditional response variations; bot/content/ for plan content). Stored answers use the
same codes in both modes.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import flow
from actions.base import ConsultationAction, introduce

EASY_READ_SLOT = "easy_read"


class ActionUseEasyRead(Action):
    """Turns Easy Read on (buttons, "easy read", "simpler please", "I don't understand")."""

    def name(self) -> str:
        return "action_use_easy_read"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return [SlotSet(EASY_READ_SLOT, True)]


class ActionUseStandardWords(Action):
    """Turns Easy Read off ("normal words", "standard version")."""

    def name(self) -> str:
        return "action_use_standard_words"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return [SlotSet(EASY_READ_SLOT, False)]


def easy_read_before_latest_message(events: list[dict[str, Any]]) -> bool:
    """Whether Easy Read was already on when the resident sent their latest message."""
    value = before_latest = False
    for event in events:
        if event.get("event") == "user":
            before_latest = value
        elif event.get("event") == "slot" and event.get("name") == EASY_READ_SLOT:
            value = event.get("value") is True
    return before_latest


class ActionAfterWordingChange(ConsultationAction):
    """Says which wording is in use now, then carries on in it: the introduction and the
    consent question again if the resident has not agreed yet, the same question if one is
    open (the form asks it again), or the menu."""

    needs_consent = False

    def name(self) -> str:
        return "action_after_wording_change"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        easy_now = tracker.get_slot(EASY_READ_SLOT) is True
        if not easy_now:
            dispatcher.utter_message(response="utter_standard_words_on")
        elif easy_read_before_latest_message(tracker.events):
            dispatcher.utter_message(response="utter_easy_read_already")
        else:
            dispatcher.utter_message(response="utter_easy_read_on")
        if tracker.get_slot("consent") is not True:
            return introduce(dispatcher)
        if tracker.active_loop.get("name"):
            return []  # the rule runs the form next, which asks its question again
        return flow.show_menu(dispatcher, tracker)
