"""Asking an agreement question, or checking a typed answer first.

Rasa's form asks for a slot with `action_ask_<slot>` when one exists. For the agreement
questions that action asks the question as usual (`utter_ask_<slot>`), except when the
resident's typed words only suggested an answer (actions/answers.py, `Confirm`): then it asks
"Did you mean 'Disagree'?" instead, with that answer first and the others after it, and
nothing is stored until the resident says which.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.questions import AGREEMENT_LABELS, QUESTIONS

# The answer a resident was asked to confirm, as "<slot>=<value>": a typed yes at that same
# question stores it; anything else clears it (actions/consultation_form.py).
TO_CONFIRM = "answer_to_confirm"


def answer_to_confirm(tracker: Tracker, slot: str) -> str | None:
    """The answer awaiting confirmation at the question in `slot`, if any."""
    asked, _, value = str(tracker.get_slot(TO_CONFIRM) or "").partition("=")
    return value if asked == slot and value in AGREEMENT_LABELS else None


def confirmation_buttons(value: str) -> list[dict[str, str]]:
    label = AGREEMENT_LABELS[value]
    others = [v for v in AGREEMENT_LABELS if v != value]
    return [{"title": f"Yes, {label}", "payload": f"/{value}"}] + [
        {"title": AGREEMENT_LABELS[v], "payload": f"/{v}"} for v in others
    ]


class AskAgreement(Action, ABC):
    """Asks one agreement question (`slot`), or checks a typed answer to it."""

    slot = ""

    @abstractmethod
    def name(self) -> str:  # abstract, so rasa-sdk registers only the actions below
        ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        value = answer_to_confirm(tracker, self.slot)
        if value is None:
            dispatcher.utter_message(response=f"utter_ask_{self.slot}")
        else:
            dispatcher.utter_message(
                response="utter_confirm_agreement",
                buttons=confirmation_buttons(value),
                answer=AGREEMENT_LABELS[value],
            )
        return []


# One action per agreement question, each listed in domain.yml's actions.
def _ask_action(slot: str) -> type[AskAgreement]:
    def name(self: AskAgreement) -> str:
        return f"action_ask_{slot}"

    return type(f"AskAgreement_{slot}", (AskAgreement,), {"slot": slot, "name": name})


ASK_ACTIONS = tuple(_ask_action(q.slot) for q in QUESTIONS if q.kind == "agreement")
