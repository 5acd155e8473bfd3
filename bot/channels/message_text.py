"""Tidying a resident's message before the assistant reads it, on every channel.

Invisible characters (zero-width spaces, byte-order marks, right-to-left and left-to-right
overrides) and control characters are removed: they change nothing a person reads, but can
hide words from the safeguarding rules or break the terminal of someone reading a log or an
export. Text is normalised to NFC so the same words always look the same to the NLU.

A message too long to read, or with no visible text left, gets a clear reply from the
channel itself and never reaches the dialogue: the conversation stays where it was.
"""

from __future__ import annotations

import re
import unicodedata

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


def reply_instead(text: str) -> str | None:
    """The channel's own reply to a message the assistant should not read (after `clean`);
    None for a message it can read."""
    if not text:
        return EMPTY_REPLY
    if len(text) > MAX_MESSAGE_CHARS:
        return TOO_LONG_REPLY.format(limit=MAX_MESSAGE_CHARS, length=len(text))
    return None
