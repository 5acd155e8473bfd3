"""Every message the assistant can send, gathered from where each is written.

Used by the readability and tone checks (tests/unit/test_readability.py,
tests/unit/test_tone.py) and by `python -m bot.readability`, so that a message added anywhere
is checked without anyone remembering to list it:
- every variation of every response in domain.yml (Easy Read ones have the `easy_read` slot
  condition);
- plan content from bot/content/ in both modes;
- lines the actions build (the receipt);
- replies the channels send themselves (empty or unreadable messages, SMS opt-out, faults).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot import content
from bot.readability import EASY_READ, STANDARD, Message
from bot.settings import PROJECT_ROOT

DOMAIN = PROJECT_ROOT / "domain.yml"
EASY_READ_SLOT = "easy_read"
# What a template's placeholders are filled with when measured (the longest realistic value).
# Example values for the variables in responses, so their texts can be measured.
EXAMPLE_SLOT_VALUES = {
    "reference_code": "7KQ2-M9XD",
    "answer": "Neither agree nor disagree",
    "unplaced": "drug dealing",
}


@lru_cache(maxsize=1)
def domain_responses(path: Path = DOMAIN) -> dict[str, list[dict[str, Any]]]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["responses"]


def variation_mode(variation: dict[str, Any]) -> str:
    """EASY_READ for a variation conditioned on the easy_read slot being true."""
    for condition in variation.get("condition") or []:
        if condition.get("name") == EASY_READ_SLOT and condition.get("value") is True:
            return EASY_READ
    return STANDARD


def _domain_messages() -> Iterator[Message]:
    for name, variations in domain_responses().items():
        for index, variation in enumerate(variations):
            text = variation.get("text")
            if not text:
                continue
            label = f"domain.yml {name}[{index}]"
            if variation.get("channel"):
                label += f" ({variation['channel']})"
            yield Message(label, text.format(**EXAMPLE_SLOT_VALUES), variation_mode(variation))


def _content_messages() -> Iterator[Message]:
    for mode in (content.STANDARD, content.EASY_READ):
        for part in content.parts(mode).values():
            for section in ("explain", "more", "what_happened_next"):
                for index, statement in enumerate(getattr(part, section)):
                    where = f"parts.yml {part.id}.{mode}.{section}[{index}]"
                    yield Message(where, statement.text, mode)
        for key, statements in content.consultation(mode).items():
            for index, statement in enumerate(statements):
                yield Message(f"consultation.yml {mode}.{key}[{index}]", statement.text, mode)


def _receipt_messages() -> Iterator[Message]:
    # A typical line per part, built by the same code the receipt uses.
    from actions.receipt import receipt_lines
    from bot.questions import QUESTIONS, value_label

    class _Answer:
        def __init__(self, question_id: str, value: str, free_text: str | None = None):
            self.question_id, self.value, self.free_text = question_id, value, free_text

    # The longest label each question can show: the hardest receipt to read.
    def longest(question: Any) -> str:
        return max(question.values, key=lambda v: len(value_label(question, v)))

    sample = [
        _Answer(q.id, "given", "The police should be seen more often in my area.")
        if q.is_free_text
        else _Answer(q.id, longest(q))
        for q in QUESTIONS
    ]
    priorities = next(a for a in sample if a.question_id == "local.priorities")
    priorities.value = "violence_with_injury;theft_from_person"  # two of the longest
    for mode in (STANDARD, EASY_READ):
        for index, line in enumerate(receipt_lines(sample, mode)):
            yield Message(f"actions/receipt.py full receipt, message {index}", line, mode)
        yield Message("actions/receipt.py no answers", receipt_lines([], mode)[0], mode)


def _channel_messages() -> Iterator[Message]:
    # Channels answer these themselves, without the assistant, so they cannot follow the
    # resident's Easy Read choice: they are held to the Easy Read bars.
    from bot.channels import message_text, opt_out, twilio

    replies = {
        "bot/channels/message_text.py EMPTY_REPLY": message_text.EMPTY_REPLY,
        "bot/channels/message_text.py TOO_LONG_REPLY": message_text.TOO_LONG_REPLY.format(
            limit=message_text.MAX_MESSAGE_CHARS, length=12345
        ),
        "bot/channels/message_text.py SOMETHING_WENT_WRONG_REPLY": (
            message_text.SOMETHING_WENT_WRONG_REPLY
        ),
        "bot/channels/twilio.py MEDIA_ONLY_REPLY": twilio.MEDIA_ONLY_REPLY,
        "bot/channels/opt_out.py OPTED_IN_REPLY": opt_out.OPTED_IN_REPLY,
    }
    for origin, text in replies.items():
        yield Message(origin, text, EASY_READ)


def every_message() -> Iterator[Message]:
    yield from _domain_messages()
    yield from _content_messages()
    yield from _receipt_messages()
    yield from _channel_messages()
