"""Replies for Twilio: TwiML with one <Message> per text, each short enough to send.

Twilio takes the reply from the webhook's own response, so answering needs no outbound API
call. A message body may be at most 1,600 characters; longer texts (a receipt that repeats a
resident's long comments, say) are split where a reader would pause: between paragraphs,
then lines, then sentences, then words, and only as a last resort inside a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from twilio.twiml.messaging_response import MessagingResponse

MAX_MESSAGE_CHARS = 1600
# From the largest unit to the smallest: where to split, and what to join pieces with.
_BOUNDARIES = (
    (re.compile(r"\n\s*\n"), "\n\n"),  # paragraphs
    (re.compile(r"\s*\n\s*"), "\n"),  # lines
    (re.compile(r"(?<=[.!?])\s+"), " "),  # sentences
    (re.compile(r"\s+"), " "),  # words
)
# Characters XML 1.0 does not allow: Twilio could not read a reply holding one.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def length(text: str) -> int:
    """The length as Twilio counts it: in UTF-16 units, so an emoji counts two."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` units, cut between characters (for one very long word)."""
    pieces, current, used = [], "", 0
    for character in text:
        units = length(character)
        if current and used + units > limit:
            pieces.append(current)
            current, used = "", 0
        current, used = current + character, used + units
    return [*pieces, current] if current else pieces


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS, level: int = 0) -> list[str]:
    """The text as messages of at most `limit` units, split at the largest boundary that
    works; each message as full as it can be without splitting a smaller unit."""
    text = text.strip()
    if length(text) <= limit:
        return [text] if text else []
    if level == len(_BOUNDARIES):
        return _cut(text, limit)
    boundary, joiner = _BOUNDARIES[level]
    messages: list[str] = []
    current = ""
    for part in boundary.split(text):
        for piece in split_message(part, limit, level + 1):
            joined = f"{current}{joiner}{piece}" if current else piece
            if length(joined) <= limit:
                current = joined
            else:
                messages.append(current)
                current = piece
    return [*messages, current] if current else messages


def twiml(texts: Iterable[str]) -> str:
    """The TwiML reply sending each text (split if long); no texts gives an empty <Response/>,
    which tells Twilio to send nothing. The twilio library escapes the text for XML."""
    reply = MessagingResponse()
    for text in texts:
        for message in split_message(_NOT_XML.sub("", text)):
            reply.message(message)
    return str(reply)
