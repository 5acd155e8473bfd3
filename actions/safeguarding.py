"""action_safeguarding: answers a disclosure of crime, abuse or danger, at any point.

It runs whatever the state: before consent, outside the consultation window and in the
middle of a question. It never stores the disclosure as an answer; it points to the right
help for the kind of disclosure, says plainly that this chat cannot report a crime or send
help, flags the conversation for staff (kind and time only), and offers to carry on.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.storage import StorageUnavailable, flag_conversation
from bot.safeguarding import CATEGORIES

logger = logging.getLogger(__name__)

# Each kind of disclosure (bot.safeguarding.CATEGORIES, in priority order, or "unspecified")
# has its own response, utter_safeguarding_<category>, with the contacts verified in the
# consultation brief (section 10).
UNSPECIFIED = "unspecified"


def category_of(tracker: Tracker) -> str:
    found = [c for c in tracker.get_latest_entity_values("safeguarding_category") if c]
    return next((c for c in CATEGORIES if c in found), UNSPECIFIED)


class ActionSafeguarding(Action):
    """Points a resident who discloses crime, abuse or danger to the right help."""

    def name(self) -> str:
        return "action_safeguarding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        category = category_of(tracker)
        dispatcher.utter_message(response=f"utter_safeguarding_{category}")
        dispatcher.utter_message(response="utter_safeguarding_cannot_act")
        try:
            await flag_conversation(tracker, category)
        except StorageUnavailable:
            # The resident has had the help they need; the flag is for staff, so only log.
            logger.error("A safeguarding flag could not be saved (category %s).", category)
        logger.info("Safeguarding reply sent (category %s).", category)
        return []
