"""Choosing parts of the plan, moving between them, and finishing."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import flow, progress
from actions.base import ConsultationAction
from bot import content
from bot.questions import ABOUT, PARTS

# Parts about harm: the thanks for a comment always says where to get support, so a
# disclosure the detector missed still meets the right contacts (brief §10).
SUPPORT_FLOOR = {
    "children": "utter_support_floor_children",
    "vawg": "utter_support_domestic_abuse",
    "hate": "utter_support_hate_crime",
    "victims": "utter_support_crime_report",
}


class ActionChoosePart(ConsultationAction):
    """Explains the part of the plan the resident chose (or the first of "all of it") and
    starts its questions."""

    def name(self) -> str:
        return "action_choose_part"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        slots = tracker.slots
        if tracker.get_intent_of_latest_message() == "choose_all":
            queue = [p for p in PARTS if not progress.is_answered(p, slots)] or list(PARTS)
            part = queue.pop(0)
        else:
            parts = [p for p in tracker.get_latest_entity_values("part") if p in PARTS]
            if not parts:
                dispatcher.utter_message(response="utter_pick_a_part_first")
                return flow.show_menu(dispatcher, tracker)
            return flow.open_part(dispatcher, tracker, parts[0])
        return flow.start_part(dispatcher, tracker, part, queue)


class ActionAfterPart(ConsultationAction):
    """After a part's last question: on to the next part, the questions about the
    resident, the receipt, or the menu."""

    def name(self) -> str:
        return "action_after_part"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        slots = tracker.slots
        if slots.get("current_part") == ABOUT:
            return await flow.send_receipt(dispatcher, tracker)
        dispatcher.utter_message(response="utter_part_done")
        floor = SUPPORT_FLOOR.get(slots.get("current_part") or "")
        if floor:
            dispatcher.utter_message(response=floor)
        queue = list(slots.get("part_queue") or [])
        while queue:
            part = queue.pop(0)
            if not progress.is_answered(part, slots):
                return flow.start_part(dispatcher, tracker, part, queue)
        if len(progress.answered_parts(slots)) == len(PARTS) and not progress.about_answered(slots):
            return flow.start_part(dispatcher, tracker, ABOUT, [])
        return flow.show_menu(dispatcher, tracker) + [SlotSet("part_queue", [])]


class ActionFinish(ConsultationAction):
    """Finishes the consultation: the optional questions about the resident, then the receipt."""

    def name(self) -> str:
        return "action_finish"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not progress.about_answered(tracker.slots):
            return flow.start_part(dispatcher, tracker, ABOUT, [])
        return await flow.send_receipt(dispatcher, tracker)


class ActionTellMeMore(ConsultationAction):
    """Gives more detail on the part being discussed, and what happened after the consultation."""

    needs_consent = False
    clears_awaiting = False

    def name(self) -> str:
        return "action_tell_me_more"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        parts = [p for p in tracker.get_latest_entity_values("part") if p in PARTS]
        part = parts[0] if parts else tracker.get_slot("current_part")
        if part not in PARTS:
            dispatcher.utter_message(response="utter_pick_a_part_first")
            return []
        part_content = content.parts(flow.mode_of(tracker.slots))[part]
        statements = part_content.more + part_content.what_happened_next
        if not statements:
            dispatcher.utter_message(response="utter_no_more_detail")
        for statement in statements:
            dispatcher.utter_message(text=statement.text)
        return []
