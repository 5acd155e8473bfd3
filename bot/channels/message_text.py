"""Tidying a resident's message before the assistant reads it, on every channel.

Invisible characters (zero-width spaces, byte-order marks, right-to-left and left-to-right
overrides) and control characters are removed: they change nothing a person reads, but can
hide words from the safeguarding rules or break the terminal of someone reading a log or an
export. Text is normalised to NFC so the same words always look the same to the NLU.

A message too long to read, or with no visible text left, gets a clear reply from the
channel itself and never reaches the dialogue: the conversation stays where it was
(`pass_to_assistant`, shared by the REST and website channels).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

logger = logging.getLogger(__name__)

# Longer than any comment we expect (about 800 words), and short enough for the NLU to read
# quickly. Longer views can still be sent by post.
MAX_MESSAGE_CHARS = 5000
# Zero-width characters, bidirectional marks and overrides, word joiner, byte-order mark.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

EMPTY_REPLY = "I didn't get any words in that message. Please type your answer, or say 'help'."
TOO_LONG_REPLY = (
    "Sorry, that message is too long for me. Please keep it to {limit:,} characters or "
    "fewer: yours had {length:,}. Nothing has changed, so you can send a shorter version."
)
SOMETHING_WENT_WRONG_REPLY = (
    "Sorry, something went wrong on my side and I couldn't take in your last message. "
    "Please send it again in a moment."
)


def clean(text: str) -> str:
    """The message as a person reads it: NFC, no invisible or control characters, trimmed."""
    text = _INVISIBLE.sub("", text)
    text = "".join(c if c in "\n\t" or unicodedata.category(c) != "Cc" else " " for c in text)
    # Last, so characters brought together by the removals are composed too.
    return unicodedata.normalize("NFC", text).strip()


def reply_to_raw(message: str) -> str | None:
    """The too-long reply for a message so long that tidying it would be wasted work (it
    would still be too long with every removable character gone), else None. Checked
    before `clean`, whose work grows with the message."""
    if len(message) > MAX_MESSAGE_CHARS * 4:
        return TOO_LONG_REPLY.format(limit=MAX_MESSAGE_CHARS, length=len(message))
    return None


def reply_instead(text: str) -> str | None:
    """The channel's own reply to a message the assistant should not read (after `clean`);
    None for a message it can read."""
    if not text:
        return EMPTY_REPLY
    if len(text) > MAX_MESSAGE_CHARS:
        return TOO_LONG_REPLY.format(limit=MAX_MESSAGE_CHARS, length=len(text))
    return None


async def pass_to_assistant(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    output: OutputChannel,
    sender_id: str,
    message: str,
    input_channel: str,
) -> None:
    """Tidy a message and pass it to the assistant, whose replies go to `output`.

    The channel answers itself when the message cannot be read, and when handling fails (a
    database fault, say), so the resident always hears something honest. Only the kind of
    fault is logged, never the message.
    """
    instead = reply_to_raw(message)
    text = clean(message) if instead is None else ""
    instead = instead or reply_instead(text)
    if instead is not None:
        await output.send_text_message(sender_id, instead)
        return
    try:
        await on_new_message(UserMessage(text, output, sender_id, input_channel=input_channel))
    except Exception as error:  # any fault: the resident must hear something honest
        logger.error("Could not handle a message: %s", type(error).__name__)
        await output.send_text_message(sender_id, SOMETHING_WENT_WRONG_REPLY)
