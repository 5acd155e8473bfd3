"""Reviewed safeguarding messages as training examples (`consult safeguarding export-labelled`).

Only messages of residents who agreed to take part (a respondent row with `consented_at`)
and that a reviewer has labelled are written, redacted as reviewers see them, in the format
of bot/safeguarding/corpus/: `messages:` of `{text, label: disclosure|none, category}`.
Anything else is counted, by reason, never written. A conversation without consent is
not even read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Respondent, SafeguardingFlag
from bot.staff.redaction import redact
from bot.staff.safeguarding_review import message_at, sender_ids_of, turns_by_sender

# Why a flag's message was left out, in the order they are checked.
REASONS = {
    "no_consent": "the resident did not agree to take part",
    "not_reviewed": "not reviewed yet",
    "no_message": "the message is not in the transcript",
    "button": "a pressed button, not the resident's own words",
    "duplicate": "the same message as another flag",
}
HEADER = (
    "# Reviewed safeguarding messages from the consultation (consult safeguarding\n"
    "# export-labelled, {when}): residents who agreed to take part only, with personal data\n"
    "# hidden as the staff console hides it. Read every message before adding this file to\n"
    "# bot/safeguarding/corpus/: redaction is by patterns and can miss something.\n"
)


@dataclass
class LabelledMessages:
    messages: list[dict[str, str]] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)


async def labelled_messages(session: AsyncSession) -> LabelledMessages:
    """Each reviewed message of a consenting resident, oldest first, and what was left out."""
    consenting = set(
        (
            await session.execute(
                sa.select(Respondent.sender_key).where(Respondent.consented_at.is_not(None))
            )
        ).scalars()
    )
    flags = list(
        (
            await session.execute(
                sa.select(SafeguardingFlag).order_by(
                    SafeguardingFlag.flagged_at, SafeguardingFlag.id
                )
            )
        ).scalars()
    )
    result = LabelledMessages()
    usable = []
    for flag in flags:
        if flag.sender_key not in consenting:
            result.left_out["no_consent"] += 1
        elif flag.review_label is None:
            result.left_out["not_reviewed"] += 1
        else:
            usable.append(flag)
    senders = await sender_ids_of(session, {flag.sender_key for flag in usable})
    transcripts = await turns_by_sender(session, senders.values())
    # One message flagged twice (say, a check-in and then a reply) is one example: the
    # label given last stands.
    last_label: dict[tuple[str, float], tuple[datetime, int]] = {}
    for flag in usable:
        if flag.message_timestamp is not None:
            message = (flag.sender_key, flag.message_timestamp)
            labelled = (flag.reviewed_at or flag.flagged_at, flag.id)
            last_label[message] = max(last_label.get(message, labelled), labelled)
    for flag in usable:
        sender_id = senders.get(flag.sender_key)
        turns = transcripts.get(sender_id, []) if sender_id else []
        turn = message_at(turns, flag.message_timestamp)
        if turn is None:
            result.left_out["no_message"] += 1
        elif turn.pressed_button:
            result.left_out["button"] += 1
        elif last_label[(flag.sender_key, flag.message_timestamp)][1] != flag.id:
            result.left_out["duplicate"] += 1
        else:
            result.messages.append(_example(redact(turn.said), flag))
    return result


def _example(text: str, flag: SafeguardingFlag) -> dict[str, str]:
    if flag.review_label == "disclosure":
        return {"text": text, "label": "disclosure", "category": flag.category}
    return {"text": text, "label": "none"}


class _IndentedDumper(yaml.SafeDumper):
    """Indents list items under their key, as the corpus files are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def corpus_yaml(messages: list[dict[str, str]], when: str) -> str:
    body = yaml.dump(
        {"messages": messages},
        Dumper=_IndentedDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )
    return HEADER.format(when=when) + body


def describe_left_out(left_out: Counter[str]) -> str:
    """For the command's summary: counts only, by reason."""
    if not left_out:
        return "none left out"
    total = sum(left_out.values())
    parts = [f"{left_out[reason]} {REASONS[reason]}" for reason in REASONS if left_out[reason]]
    return f"{total} left out: " + "; ".join(parts)
