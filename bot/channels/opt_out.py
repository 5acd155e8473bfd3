"""Opting out of text messages and back in, with the keywords phone networks and Twilio use.

A resident who texts one of STOP_WORDS gets no further replies, and their messages no longer
reach the assistant, until they text one of START_WORDS. Only the whole message counts (any
case, surrounding spaces ignored): "stop" opts out, "please stop asking" is an answer.
"""

from __future__ import annotations

from typing import Literal

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})

OPTED_IN_REPLY = (
    "You're opted back in, so I'll reply to your messages again. Say 'hello' to carry on, "
    "or STOP to stop."
)


def keyword(text: str) -> Literal["stop", "start"] | None:
    """Whether a message opts out ("stop"), opts back in ("start"), or neither (None)."""
    word = text.strip().upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None
