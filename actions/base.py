"""The base class every consultation action shares: the window and consent checks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import get_settings

LONDON = ZoneInfo("Europe/London")


def consultation_is_open() -> bool:
    """Whether today, in London, falls inside the configured consultation window."""
    return get_settings().is_open_on(datetime.now(LONDON).date())


def closed_events(dispatcher: CollectingDispatcher) -> list[EventType]:
    """Say the consultation is closed, and keep nothing of this conversation."""
    dispatcher.utter_message(response="utter_consultation_closed")
    dispatcher.utter_message(response="utter_consultation_closed_next")
    return [SlotSet("forget_conversation", True), SlotSet("next_step", "listen")]


def ask_consent(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Introduce the consultation and ask for consent (briefly, if already introduced)."""
    if tracker.get_slot("awaiting") == "consent":
        dispatcher.utter_message(response="utter_need_consent_first")
        dispatcher.utter_message(response="utter_ask_consent")
        return [SlotSet("awaiting", "consent"), SlotSet("next_step", "listen")]
    return introduce(dispatcher)


def introduce(dispatcher: CollectingDispatcher) -> list[EventType]:
    """The introduction, the privacy notice and the consent question."""
    dispatcher.utter_message(response="utter_intro")
    dispatcher.utter_message(response="utter_how_it_works")
    dispatcher.utter_message(response="utter_privacy_notice")
    dispatcher.utter_message(response="utter_ask_consent")
    return [SlotSet("awaiting", "consent"), SlotSet("next_step", "listen")]


class ConsultationAction(Action, ABC):
    """An action that only runs while the consultation is open and, if it stores or shows
    answers, only after the resident has agreed to take part."""

    needs_consent = True
    # Most actions move the conversation on, so a pending yes/no question lapses.
    # Actions that only inform (tell me more, repeat) leave it open.
    clears_awaiting = True

    @abstractmethod
    def name(self) -> str:  # abstract, so rasa-sdk does not register the base class
        ...

    @abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """What the action does for a resident who may take part."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not consultation_is_open():
            return closed_events(dispatcher)
        if self.needs_consent and tracker.get_slot("consent") is not True:
            return ask_consent(dispatcher, tracker)
        events = await self.act(dispatcher, tracker, domain)
        # A yes or no only answers the question asked just before it.
        sets_awaiting = any(isinstance(e, dict) and e.get("name") == "awaiting" for e in events)
        if self.clears_awaiting and not sets_awaiting:
            events.append(SlotSet("awaiting", None))
        return events
