"""Helpers for rule components that override the classifier's intent, as FallbackClassifier
does: the new intent goes first in the ranking, and the name appears in it once."""

from __future__ import annotations

from typing import Any

from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message


def ranking_without(message: Message, name: str) -> list[dict[str, Any]]:
    ranking = message.get(INTENT_RANKING_KEY) or []
    return [r for r in ranking if r.get(INTENT_NAME_KEY) != name]


def set_intent(message: Message, name: str) -> None:
    """Make `name` the message's intent, with full confidence."""
    intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = ranking_without(message, name)
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(intent), *ranking], add_to_output=True)


def drop_intent(message: Message, name: str) -> None:
    """An unsure guess of `name` gives way to the classifier's next-best intent."""
    ranking = ranking_without(message, name)
    fallback = {INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, dict(ranking[0]) if ranking else fallback, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


def intent_guess(message: Message) -> tuple[str | None, float]:
    """The classifier's intent and its confidence."""
    intent = message.get(INTENT) or {}
    return intent.get(INTENT_NAME_KEY), intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0
