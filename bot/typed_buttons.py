"""Typing a button's title does what pressing the button does.

Residents often type what a button says instead of pressing it ("Local police priorities",
"Strongly agree", "Stop for now"), and on SMS and WhatsApp they may copy a listed option's
words rather than its number. The intent classifier reads those words afresh and can get
them wrong ("Local police priorities" once opened the part on the postcode lottery; "Hate"
once got the reply to abuse). The buttons last offered are in the tracker, so the Rasa
server, before it reads a message, checks whether the words are one of their titles; if so,
it reads the button's payload instead. The transcript keeps the words the resident typed.

Installed by bot.rasa_offline (wrapping Rasa's MessageProcessor.parse_message).
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Sequence
from typing import Any

# Titles are compared without case, punctuation or spacing: "don't know" is "Don't know".
_NOT_WORD = re.compile(r"[^\w]+")
_ASIDE = re.compile(r"\([^)]*\)")
# A title longer than this is not one a resident would type word for word.
MAX_TITLE_WORDS = 8


def _key(text: str) -> str:
    return _NOT_WORD.sub(" ", text.lower().replace("’", "'").replace("'", "")).strip()


def offered_buttons(events: Sequence[Any] | deque[Any]) -> list[dict[str, Any]]:
    """The buttons of the assistant's latest reply: the last offered since the resident's
    last message (Rasa events, newest last)."""
    buttons: list[dict[str, Any]] = []
    for event in reversed(events):  # newest first; stops at the resident's last message
        kind = getattr(event, "type_name", None)
        if kind == "user":
            break
        if kind == "bot":
            offered = (getattr(event, "data", None) or {}).get("buttons") or []
            if offered:
                buttons = offered
                break
    return buttons


def payload_for(text: str, buttons: list[dict[str, Any]]) -> str | None:
    """The payload of the button whose title `text` is, if it is one."""
    if not text or text.startswith("/") or len(text.split()) > MAX_TITLE_WORDS:
        return None
    typed = _key(text)
    if not typed:
        return None
    for button in buttons:
        title, payload = button.get("title"), button.get("payload")
        if not isinstance(title, str) or not isinstance(payload, str):
            continue
        # "Knife crime (done)" is still "knife crime" when typed.
        if typed in (_key(title), _key(_ASIDE.sub("", title))):
            return payload
    return None


def install() -> None:
    """Wrap MessageProcessor.parse_message (idempotent)."""
    from rasa.core.processor import MessageProcessor

    if getattr(MessageProcessor.parse_message, "_consult_typed_buttons", False):
        return
    MessageProcessor.parse_message = _reading_typed_titles(MessageProcessor.parse_message)  # type: ignore[method-assign]


def _reading_typed_titles(parse_message: Any) -> Any:
    from rasa.core.channels.channel import UserMessage

    @functools.wraps(parse_message)
    async def wrapped(
        self: Any, message: Any, tracker: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        payload = None
        if tracker is not None and isinstance(message.text, str):
            payload = payload_for(message.text, offered_buttons(tracker.events))
        if payload is None:
            return await parse_message(self, message, tracker, *args, **kwargs)
        pressed = UserMessage(
            text=payload,
            output_channel=message.output_channel,
            sender_id=message.sender_id,
            input_channel=message.input_channel,
            metadata=message.metadata,
        )
        parse_data = await parse_message(self, pressed, tracker, *args, **kwargs)
        parse_data["text"] = message.text  # what the resident typed, as they typed it
        return parse_data

    wrapped._consult_typed_buttons = True  # type: ignore[attr-defined]
    return wrapped


__all__ = ["install", "offered_buttons", "payload_for"]
