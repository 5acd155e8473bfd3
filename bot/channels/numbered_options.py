"""Buttons as numbered options, for channels that can only send text (SMS, WhatsApp).

The assistant offers buttons ("Strongly agree", "Agree", ...) whose payloads, such as
`/agree`, tell Rasa exactly what was chosen. A text message cannot carry buttons, so the
titles are listed with numbers, a reply of just a number picks that button's payload, and the
payload syntax is never shown to the resident. Any other reply is read as their own words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# "2", "2.", "2)" (surrounding spaces are trimmed before this is used).
_NUMBER = re.compile(r"(\d{1,3})\s*[.)]?")


def describe(titles: Sequence[str]) -> str:
    """How to pick each option, in plain words: one option per line, so titles that hold
    commas ("Yes, I'm happy") stay readable."""
    if len(titles) == 1:
        return f"Reply 1 for {titles[0]}."
    lines = [f"{number} for {title}" for number, title in enumerate(titles, start=1)]
    return "Reply with a number:\n" + "\n".join(lines)


def picked(reply: str, payloads: Sequence[str]) -> str | None:
    """The payload of the option a reply picks by number; None if it picks none (not a
    number, or no option with that number), so the reply is read as the resident's words."""
    match = _NUMBER.fullmatch(reply.strip())
    if match is None:
        return None
    number = int(match.group(1))
    return payloads[number - 1] if 1 <= number <= len(payloads) else None


def as_text(messages: Sequence[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Rasa's replies (CollectingOutputChannel messages) as texts to send, and the payloads of
    the options the texts offer, in number order.

    Only the last set of buttons in a turn is numbered: a reply of "2" can mean only one thing,
    and the last question asked is the one a resident answers. Anything but text and buttons
    (images, custom payloads) is left out: the assistant sends none.
    """
    with_buttons = [i for i, message in enumerate(messages) if message.get("buttons")]
    last = with_buttons[-1] if with_buttons else None
    texts: list[str] = []
    payloads: list[str] = []
    for index, message in enumerate(messages):
        text = str(message.get("text") or "").strip()
        if index == last:
            buttons = message["buttons"]
            payloads = [str(button["payload"]) for button in buttons]
            options = describe([str(button["title"]) for button in buttons])
            text = f"{text}\n\n{options}" if text else options
        if text:
            texts.append(text)
    return texts, payloads
