"""Moves shared by several actions: starting a part, the menu, carrying on, the receipt."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import progress
from actions.receipt import receipt_lines
from actions.storage import (
    StorageUnavailable,
    answers_held_in,
    answers_of,
    mark_completed,
    save_answers,
)
from bot import content
from bot.questions import ABOUT, PARTS, questions_for


def _say(dispatcher: CollectingDispatcher, statements: Any) -> None:
    for statement in statements:
        dispatcher.utter_message(text=statement.text)


def mode_of(slots: dict[str, Any]) -> str:
    """Standard wording or Easy Read, as the resident chose (the `easy_read` slot)."""
    return content.mode_for(slots.get("easy_read"))


def start_part(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    part: str,
    queue: list[str] | None = None,
) -> list[EventType]:
    """Explain a part of the plan, then hand over to its questions."""
    if part == ABOUT:
        dispatcher.utter_message(response="utter_about_intro")
    else:
        mode = mode_of(tracker.slots)
        part_content = content.parts(mode)[part]
        _say(dispatcher, part_content.explain)
        if part == "local":
            _say(dispatcher, content.consultation(mode).get("local_priorities_intro", ()))
        if part_content.more:
            dispatcher.utter_message(response="utter_tell_me_more_hint")
    events: list[EventType] = [SlotSet("current_part", part), SlotSet("next_step", "form")]
    if queue is not None:
        events.append(SlotSet("part_queue", queue))
    return events


def open_part(dispatcher: CollectingDispatcher, tracker: Tracker, part: str) -> list[EventType]:
    """Start the part the resident named; doing a part again replaces its answers."""
    slots = tracker.slots
    queue = [p for p in slots.get("part_queue") or [] if p != part]
    events = clear_part(part) if progress.is_answered(part, slots) else []
    return events + start_part(dispatcher, tracker, part, queue)


def clear_part(part: str) -> list[EventType]:
    """Empty a part's answers in the conversation, so its questions are asked again."""
    return [SlotSet(q.slot, None) for q in questions_for(part)]


def menu_buttons(slots: dict[str, Any]) -> list[dict[str, str]]:
    answered = set(progress.answered_parts(slots))
    titles = content.parts(mode_of(slots))
    buttons = []
    for part in PARTS:
        title = titles[part].title
        if part in answered:
            title += " (done)"
        buttons.append({"title": title, "payload": f'/choose_part{{"part": "{part}"}}'})
    every_part = "All of them" if mode_of(slots) == content.EASY_READ else "All of it"
    buttons.append({"title": every_part, "payload": "/choose_all"})
    buttons.append({"title": "Finish", "payload": "/finish"})
    return buttons


def show_menu(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    slots = tracker.slots
    if len(progress.answered_parts(slots)) == len(PARTS):
        dispatcher.utter_message(response="utter_menu_all_done", buttons=menu_buttons(slots))
    else:
        dispatcher.utter_message(response="utter_menu", buttons=menu_buttons(slots))
    return [SlotSet("next_step", "listen")]


def carry_on(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Go back to wherever the resident was: an unfinished part, the next queued part,
    or the menu."""
    slots = tracker.slots
    current = slots.get("current_part")
    if current and progress.unanswered(current, slots):
        return [SlotSet("next_step", "form")]
    queue = list(slots.get("part_queue") or [])
    while queue:
        part = queue.pop(0)
        if not progress.is_answered(part, slots):
            return start_part(dispatcher, tracker, part, queue)
    return show_menu(dispatcher, tracker) + [SlotSet("part_queue", [])]


async def send_receipt(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Finish: summarise the stored answers with the reference code, and say what's next."""
    try:
        # Answers kept in the chat while the database was unavailable are saved first.
        kept = answers_held_in(tracker, tracker.get_slot("unsaved_answers") or [])
        if kept:
            await save_answers(tracker, kept)
        await mark_completed(tracker)
        answers = await answers_of(tracker)
    except StorageUnavailable:
        dispatcher.utter_message(response="utter_could_not_save")
        return [SlotSet("next_step", "listen")]
    dispatcher.utter_message(response="utter_receipt_intro")
    for line in receipt_lines(answers, mode_of(tracker.slots)):
        dispatcher.utter_message(text=line)
    dispatcher.utter_message(response="utter_reference_code")
    dispatcher.utter_message(response="utter_what_happens_next")
    return [
        SlotSet("next_step", "listen"),
        SlotSet("current_part", None),
        SlotSet("unsaved_answers", []),
    ]
