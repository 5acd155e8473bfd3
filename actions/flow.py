"""Moves shared by several actions: starting a part, the menu, carrying on, the receipt."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import progress
from actions.storage import (
    StorageUnavailable,
    answers_held_in,
    answers_of,
    mark_completed,
    save_answers,
)
from bot import content
from bot.questions import ABOUT, BY_ID, PARTS, questions_for, value_label


def _say(dispatcher: CollectingDispatcher, statements: Any) -> None:
    for statement in statements:
        dispatcher.utter_message(text=statement.text)


def start_part(
    dispatcher: CollectingDispatcher, part: str, queue: list[str] | None = None
) -> list[EventType]:
    """Explain a part of the plan, then hand over to its questions."""
    if part == ABOUT:
        dispatcher.utter_message(response="utter_about_intro")
    else:
        part_content = content.parts()[part]
        _say(dispatcher, part_content.explain)
        if part == "local":
            _say(dispatcher, content.consultation().get("local_priorities_intro", ()))
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
    return events + start_part(dispatcher, part, queue)


def clear_part(part: str) -> list[EventType]:
    """Empty a part's answers in the conversation, so its questions are asked again."""
    return [SlotSet(q.slot, None) for q in questions_for(part)]


def menu_buttons(slots: dict[str, Any]) -> list[dict[str, str]]:
    answered = set(progress.answered_parts(slots))
    buttons = []
    for part in PARTS:
        title = content.parts()[part].title
        if part in answered:
            title += " (done)"
        buttons.append({"title": title, "payload": f'/choose_part{{"part": "{part}"}}'})
    buttons.append({"title": "All of it", "payload": "/choose_all"})
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
            return start_part(dispatcher, part, queue)
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
    for line in receipt_lines(answers):
        dispatcher.utter_message(text=line)
    dispatcher.utter_message(response="utter_reference_code")
    dispatcher.utter_message(response="utter_what_happens_next")
    return [
        SlotSet("next_step", "listen"),
        SlotSet("current_part", None),
        SlotSet("unsaved_answers", []),
    ]


def receipt_lines(answers: list[Any]) -> list[str]:
    """One short message per part: its answers in plain words."""
    by_part: dict[str, list[str]] = {}
    for answer in answers:
        question = BY_ID[answer.question_id]
        if question.is_free_text and answer.free_text:
            shown = f"you said \u201c{answer.free_text}\u201d"
        elif question.kind == "priorities":
            shown = ", ".join(value_label(question, v) for v in answer.value.split(";"))
        else:
            shown = value_label(question, answer.value)
        by_part.setdefault(question.part, []).append(shown)
    lines = []
    for part in PARTS + (ABOUT,):
        if part in by_part:
            title = "About you" if part == ABOUT else content.parts()[part].title
            lines.append(f"{title}: " + "; ".join(by_part[part]) + ".")
    return lines or ["You did not answer any questions."]
