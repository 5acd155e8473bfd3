"""Getting around: the menu, carrying on, going back, changing an answer, repeating."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import flow, progress
from actions.base import ConsultationAction
from bot import content
from bot.questions import BY_SLOT, PARTS


class ActionShowMenu(ConsultationAction):
    """Shows the parts of the plan the resident can talk about."""

    def name(self) -> str:
        return "action_show_menu"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return flow.show_menu(dispatcher, tracker)


class ActionResume(ConsultationAction):
    """Carries on where the resident left off."""

    def name(self) -> str:
        return "action_resume"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return flow.carry_on(dispatcher, tracker)


class ActionKeepAnswers(ConsultationAction):
    """Confirms nothing was deleted or cleared, then carries on."""

    def name(self) -> str:
        return "action_keep_answers"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_nothing_deleted")
        return flow.carry_on(dispatcher, tracker)


class ActionUnexpectedAnswer(ConsultationAction):
    """Handles an answer given when no question was waiting: opens the part it names
    ("keeping kids safe"), or says so and carries on."""

    def name(self) -> str:
        return "action_unexpected_answer"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        named = [p for p in tracker.get_latest_entity_values("part") if p in PARTS]
        if named:
            return flow.open_part(dispatcher, tracker, named[0])
        dispatcher.utter_message(response="utter_unexpected_answer")
        return flow.carry_on(dispatcher, tracker)


def _return_later_to(current: str | None, slots: dict[str, Any]) -> list[EventType]:
    """Queue the part the resident is leaving unfinished, so they come back to it."""
    queue = list(slots.get("part_queue") or [])
    if current in PARTS and progress.unanswered(current, slots) and current not in queue:
        return [SlotSet("part_queue", [current] + queue)]
    return []


class ActionGoBack(ConsultationAction):
    """Goes back to the last question answered, so the resident can answer it again."""

    def name(self) -> str:
        return "action_go_back"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        log = [slot for slot in tracker.get_slot("answered_log") or [] if slot in BY_SLOT]
        slots = tracker.slots
        while log and slots.get(log[-1]) is None:
            log.pop()  # answers already cleared, e.g. by changing a part
        if not log:
            dispatcher.utter_message(response="utter_nothing_to_go_back_to")
            return flow.carry_on(dispatcher, tracker)
        previous = BY_SLOT[log.pop()]
        dispatcher.utter_message(response="utter_going_back")
        current = slots.get("current_part")
        events = [] if previous.part == current else _return_later_to(current, slots)
        return events + [
            SlotSet(previous.slot, None),
            SlotSet("answered_log", log),
            SlotSet("current_part", previous.part),
            SlotSet("next_step", "form"),
        ]


class ActionChangeAnswer(ConsultationAction):
    """Lets the resident answer a part again; the new answers replace the old ones."""

    def name(self) -> str:
        return "action_change_answer"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        slots = tracker.slots
        started = progress.started_parts(slots)
        wanted = [p for p in tracker.get_latest_entity_values("part") if p in PARTS]
        if not started:
            dispatcher.utter_message(response="utter_nothing_to_change")
            return flow.show_menu(dispatcher, tracker)
        if not wanted:
            buttons = [
                {
                    "title": content.parts(flow.mode_of(slots))[p].title,
                    "payload": f'/change_answer{{"part": "{p}"}}',
                }
                for p in started
            ]
            dispatcher.utter_message(response="utter_which_part_to_change", buttons=buttons)
            return [SlotSet("next_step", "listen")]
        part = wanted[0]
        current = slots.get("current_part")
        events = [] if part == current else _return_later_to(current, slots)
        dispatcher.utter_message(response="utter_change_answer")
        return (
            events
            + flow.clear_part(part)
            + [
                SlotSet("current_part", part),
                SlotSet("next_step", "form"),
            ]
        )


class ActionRepeat(ConsultationAction):
    """Repeats what the assistant said last."""

    needs_consent = False
    clears_awaiting = False

    def name(self) -> str:
        return "action_repeat"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        last_turn = _bot_messages_before_latest_user_message(tracker.events)
        if not last_turn:
            dispatcher.utter_message(response="utter_nothing_to_repeat")
        for message in last_turn:
            dispatcher.utter_message(text=message.get("text"), buttons=message.get("buttons"))
        return []


def _bot_messages_before_latest_user_message(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bot messages between the previous user message and the latest one."""
    user_turns = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not user_turns:
        return []
    end = user_turns[-1]
    start = user_turns[-2] if len(user_turns) > 1 else -1
    messages = []
    for event in events[start + 1 : end]:
        if event.get("event") == "bot" and event.get("text"):
            data = event.get("data") or {}
            messages.append({"text": event["text"], "buttons": data.get("buttons")})
    return messages
