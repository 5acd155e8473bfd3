"""Where a resident is in the consultation, worked out from the conversation's slots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.places.boroughs import BOROUGHS, CITY_OF_LONDON
from bot.questions import ABOUT, PARTS, Question, questions_for

Slots = Mapping[str, Any]


def questions_to_ask(part: str | None, slots: Slots) -> list[Question]:
    """The questions of `part` that apply to this resident, in order.

    Some questions depend on earlier answers: "what else?" only follows "something else",
    City of London residents get no local-priority question (the City has its own police),
    and "about you" does not ask for a borough already given.
    """
    if part is None:
        return []
    asked = []
    for question in questions_for(part):
        if question.id == "local.priorities" and slots.get("local_borough") == CITY_OF_LONDON:
            continue
        if question.id == "local.priorities_other" and "something_else" not in (
            slots.get("local_priorities") or []
        ):
            continue
        if question.id == "about.borough" and slots.get("local_borough") in BOROUGHS:
            continue
        asked.append(question)
    return asked


def unanswered(part: str | None, slots: Slots) -> list[Question]:
    """The questions of `part` still waiting for an answer."""
    return [q for q in questions_to_ask(part, slots) if slots.get(q.slot) is None]


def is_answered(part: str, slots: Slots) -> bool:
    """A part counts as answered once every question that applies has an answer (or a skip)."""
    return not unanswered(part, slots)


def answered_parts(slots: Slots) -> list[str]:
    return [part for part in PARTS if is_answered(part, slots)]


def started_parts(slots: Slots) -> list[str]:
    """Parts with at least one answer, so there is something to change."""
    return [
        part for part in PARTS if any(slots.get(q.slot) is not None for q in questions_for(part))
    ]


def about_answered(slots: Slots) -> bool:
    return is_answered(ABOUT, slots)


def has_any_answer(slots: Slots) -> bool:
    return any(
        slots.get(q.slot) is not None for part in PARTS + (ABOUT,) for q in questions_for(part)
    )


__all__ = [
    "about_answered",
    "answered_parts",
    "has_any_answer",
    "is_answered",
    "questions_to_ask",
    "started_parts",
    "unanswered",
]
