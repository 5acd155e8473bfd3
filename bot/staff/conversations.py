"""Conversations for staff: Rasa's `events` rows grouped by sender id, joined to our tables.

Our tables know a conversation only by its sender key (an HMAC of the sender id), so the
sender ids found in `events` are hashed here, in Python, to join them. Raw sender ids stay
inside this module: what leaves it is the sender key and a label (the respondent's
reference code, or the first 10 hex characters of the key).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from multidict import MultiMapping
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Answer,
    ConversationReview,
    ConversationTag,
    Respondent,
    SafeguardingFlag,
)
from bot.pseudonyms import sender_key
from bot.questions import BY_ID
from bot.staff.redaction import LABEL_TEXTS, NEEDED_FOR_LABEL, redact

EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("data", sa.Text),
)
STATUSES = {"unreviewed": "Not reviewed", "follow_up": "Needs follow-up", "reviewed": "Reviewed"}
SHORT_ID_LENGTH = 10
SEARCH_BATCH = 500  # conversations whose messages a search reads in one query


def short_id(key: str) -> str:
    return key[:SHORT_ID_LENGTH]


@dataclass
class Conversation:
    """One conversation as the list shows it (no raw sender id)."""

    key: str
    label: str
    reference_code: str | None
    channel: str
    started: datetime
    last_active: datetime
    resident_messages: int
    completed: bool
    parts: set[str] = field(default_factory=set)
    flags: list[str] = field(default_factory=list)
    status: str = "unreviewed"
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; every field comes from the page's query string."""

    date_from: date | None = None
    date_to: date | None = None
    channel: str = ""
    completion: str = ""  # "completed", "partial" or ""
    part: str = ""
    flagged: str = ""  # "yes", "no" or ""
    status: str = ""
    tag: str = ""
    search: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, query: MultiMapping[str]) -> Filters:
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(query.get(name, "").strip())
            except ValueError:
                return None

        def choice(name: str, allowed: Any) -> str:
            value = query.get(name, "").strip()
            return value if value in allowed else ""

        try:
            page = max(1, int(query.get("page", "1")))
        except ValueError:
            page = 1
        return cls(
            date_from=day("from"),
            date_to=day("to"),
            channel=query.get("channel", "").strip()[:32],
            completion=choice("completion", {"completed", "partial"}),
            part=query.get("part", "").strip()[:32],
            flagged=choice("flagged", {"yes", "no"}),
            status=choice("status", STATUSES),
            tag=query.get("tag", "").strip()[:40],
            search=query.get("q", "").strip()[:200],
            page=page,
        )

    def query(self, **changes: Any) -> dict[str, str]:
        """The query string for this filter (with `changes`), for links such as pages."""
        values = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "channel": self.channel,
            "completion": self.completion,
            "part": self.part,
            "flagged": self.flagged,
            "status": self.status,
            "tag": self.tag,
            "q": self.search,
            "page": str(self.page),
        }
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v and not (k == "page" and v == "1")}

    def describe(self) -> str:
        """For the audit log: which filters were used (the words searched for are recorded
        in an entry of their own)."""
        used = [k for k, v in self.query().items() if k != "page"]
        return "filters: " + (", ".join(sorted(used)) if used else "none")


async def events_table_exists(session: AsyncSession) -> bool:
    connection = await session.connection()
    return bool(await connection.run_sync(lambda c: sa.inspect(c).has_table("events")))


def _when(timestamp: float | None) -> datetime:
    return datetime.fromtimestamp(timestamp or 0, tz=timezone.utc)


async def all_conversations(
    session: AsyncSession, only_sender_id: str | None = None
) -> list[Conversation]:
    """Every conversation in the transcripts, newest (last active) first; or, with
    `only_sender_id`, just that one (reading only its rows)."""
    if not await events_table_exists(session):
        return []
    return await _summaries(session, only_sender_id)


async def _summaries(
    session: AsyncSession, only_sender_id: str | None = None
) -> list[Conversation]:
    """all_conversations, once the events table is known to exist."""

    def of_events(query: Any) -> Any:
        if only_sender_id is None:
            return query
        return query.where(EVENTS.c.sender_id == only_sender_id)

    only_key = sender_key(only_sender_id) if only_sender_id is not None else None

    def of_key(query: Any, column: Any) -> Any:
        return query if only_key is None else query.where(column == only_key)

    is_user = sa.case((EVENTS.c.type_name == "user", 1), else_=0)
    summary = await session.execute(
        of_events(
            sa.select(
                EVENTS.c.sender_id,
                sa.func.min(EVENTS.c.timestamp),
                sa.func.max(EVENTS.c.timestamp),
                sa.func.sum(is_user),
            )
        ).group_by(EVENTS.c.sender_id)
    )
    first_user = (
        of_events(sa.select(sa.func.min(EVENTS.c.id)).where(EVENTS.c.type_name == "user"))
        .group_by(EVENTS.c.sender_id)
        .scalar_subquery()
    )
    channels: dict[str, str] = {}
    for sender_id, data in await session.execute(
        sa.select(EVENTS.c.sender_id, EVENTS.c.data).where(EVENTS.c.id.in_(first_user))
    ):
        try:
            channels[sender_id] = str(json.loads(data).get("input_channel") or "")
        except (TypeError, ValueError, AttributeError):
            pass
    respondents = {
        r.sender_key: r
        for r in (
            await session.execute(of_key(sa.select(Respondent), Respondent.sender_key))
        ).scalars()
    }
    answers = sa.select(Answer.respondent_id, Answer.question_id)
    if only_key is not None:
        answers = answers.where(Answer.respondent_id.in_([r.id for r in respondents.values()]))
    parts: dict[int, set[str]] = {}
    for respondent_id, question_id in await session.execute(answers):
        question = BY_ID.get(question_id)
        if question is not None:
            parts.setdefault(respondent_id, set()).add(question.part)
    flags: dict[str, list[str]] = {}
    for key, category in await session.execute(
        of_key(
            sa.select(SafeguardingFlag.sender_key, SafeguardingFlag.category),
            SafeguardingFlag.sender_key,
        ).order_by(SafeguardingFlag.id)
    ):
        flags.setdefault(key, []).append(category)
    statuses = dict(
        (
            await session.execute(
                of_key(
                    sa.select(ConversationReview.sender_key, ConversationReview.status),
                    ConversationReview.sender_key,
                )
            )
        ).all()
    )
    tags: dict[str, list[str]] = {}
    for key, tag in await session.execute(
        of_key(
            sa.select(ConversationTag.sender_key, ConversationTag.tag), ConversationTag.sender_key
        ).order_by(ConversationTag.tag)
    ):
        tags.setdefault(key, []).append(tag)

    conversations = []
    for sender_id, first, last, user_messages in summary:
        key = sender_key(sender_id)
        respondent = respondents.get(key)
        conversations.append(
            Conversation(
                key=key,
                label=respondent.reference_code if respondent else short_id(key),
                reference_code=respondent.reference_code if respondent else None,
                channel=(respondent.channel if respondent else "") or channels.get(sender_id, ""),
                started=_when(first),
                last_active=_when(last),
                resident_messages=int(user_messages or 0),
                completed=bool(respondent and respondent.completed_at),
                parts=parts.get(respondent.id, set()) if respondent else set(),
                flags=flags.get(key, []),
                status=statuses.get(key, "unreviewed"),
                tags=tags.get(key, []),
            )
        )
    conversations.sort(key=lambda c: c.last_active, reverse=True)
    return conversations


def _like(term: str) -> str:
    """A LIKE pattern (escape "!") for text containing `term`."""
    escaped = term.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def _like_json(term: str) -> str:
    """A LIKE pattern for `term` as it appears inside JSON (a button's title)."""
    return _like(json.dumps(term)[1:-1])


def _message_columns(dialect: str) -> tuple[Any, Any]:
    """SQL for an event's text and its buttons (a JSON array), read from Rasa's JSON."""
    if dialect == "postgresql":
        data = sa.cast(EVENTS.c.data, postgresql.JSON)
        return data["text"].astext, sa.cast(data["data"]["buttons"], sa.Text)
    return (
        sa.func.json_extract(EVENTS.c.data, "$.text"),
        sa.func.json_extract(EVENTS.c.data, "$.data.buttons"),
    )


def _labels_in_reach(term: str) -> list[str]:
    """The labels of redaction that a match of `term` in redacted text could overlap
    ("phone number", "[name]", "number] please", "e")."""
    folded = term.casefold()
    if "[" in folded or "]" in folded:
        return list(LABEL_TEXTS)
    return [label for label in LABEL_TEXTS if folded in label.casefold()]


def _shown_words(text: str | None, buttons: str | None) -> str:
    """A message's words as its transcript turn shows them: its text and buttons' titles."""
    words = [text or ""]
    try:
        listed = json.loads(buttons) if buttons else []
    except ValueError:
        listed = []
    for button in listed if isinstance(listed, list) else []:
        if isinstance(button, dict):
            words.append(str(button.get("title", "")))
    return "\n".join(words)


async def keys_mentioning(session: AsyncSession, term: str, redacted: bool = True) -> set[str]:
    """Sender keys of conversations with a message (either side) containing `term`, in any
    case, in the words the transcript shows (the text and the buttons' titles, not Rasa's
    intents and entities): redacted, unless `redacted` is False (admins).

    A reviewer must not learn from a search what the transcript hides: searching for a
    phone number finds nothing, as the transcript shows "[phone number]" instead, and
    searching for "phone number" finds the label. The database picks the messages that
    could match: those containing the term as written (a match in redacted text outside
    the labels is one there too) and, for a term within reach of a label, those that
    could have been given that label; each is then redacted and looked at here.
    """
    connection = await session.connection()
    text, buttons = _message_columns(connection.dialect.name)
    could_match = [
        text.ilike(_like(term), escape="!"),
        sa.and_(EVENTS.c.type_name == "bot", buttons.ilike(_like_json(term), escape="!")),
    ]
    if redacted:
        needs = {need for label in _labels_in_reach(term) for need in NEEDED_FOR_LABEL[label]}
        could_match += [text.ilike(_like(need), escape="!") for need in sorted(needs)]
    candidate = sa.and_(EVENTS.c.type_name.in_(TRANSCRIPT_EVENTS), sa.or_(*could_match))
    message = sa.select(EVENTS.c.sender_id, text, buttons)
    folded = term.casefold()

    def shows_term(said: str | None, offered: str | None) -> bool:
        words = _shown_words(said, offered)
        return folded in (redact(words) if redacted else words).casefold()

    found: set[str] = set()
    unsure: set[str] = set()
    # Mostly a conversation's first candidate message shows the term: read only those...
    first = sa.select(sa.func.min(EVENTS.c.id)).where(candidate).group_by(EVENTS.c.sender_id)
    for sender_id, said, offered in await session.execute(message.where(EVENTS.c.id.in_(first))):
        (found if shows_term(said, offered) else unsure).add(sender_id)
    # ... then every candidate message of the others, some conversations at a time.
    waiting = sorted(unsure)
    for start in range(0, len(waiting), SEARCH_BATCH):
        batch = waiting[start : start + SEARCH_BATCH]
        for sender_id, said, offered in await session.execute(
            message.where(candidate, EVENTS.c.sender_id.in_(batch))
        ):
            if sender_id not in found and shows_term(said, offered):
                found.add(sender_id)
    return {sender_key(sender_id) for sender_id in found}


async def filtered(
    session: AsyncSession, filters: Filters, redacted: bool = True
) -> list[Conversation]:
    """The conversations the filters keep; the words searched for are looked for in the
    redacted messages unless `redacted` is False (admins)."""
    conversations = await all_conversations(session)
    matching = None
    if filters.search and conversations:
        matching = await keys_mentioning(session, filters.search, redacted)

    def keep(c: Conversation) -> bool:
        if filters.date_from and c.started.date() < filters.date_from:
            return False
        if filters.date_to and c.started.date() > filters.date_to:
            return False
        if filters.channel and c.channel != filters.channel:
            return False
        if filters.completion == "completed" and not c.completed:
            return False
        if filters.completion == "partial" and c.completed:
            return False
        if filters.part and filters.part not in c.parts:
            return False
        if filters.flagged == "yes" and not c.flags:
            return False
        if filters.flagged == "no" and c.flags:
            return False
        if filters.status and c.status != filters.status:
            return False
        if filters.tag and filters.tag not in c.tags:
            return False
        return matching is None or c.key in matching

    return [c for c in conversations if keep(c)]


async def find(session: AsyncSession, key: str) -> tuple[str, Conversation] | None:
    """The sender id and summary of the conversation with this sender key (None if gone)."""
    if not await events_table_exists(session):
        return None
    senders = await session.execute(sa.select(EVENTS.c.sender_id).distinct())
    sender_id = next((s for (s,) in senders if sender_key(s) == key), None)
    if sender_id is None:
        return None
    found = await _summaries(session, only_sender_id=sender_id)
    return (sender_id, found[0]) if found else None


@dataclass(frozen=True)
class Turn:
    """One message in a transcript."""

    speaker: str  # "resident" or "assistant"
    at: datetime
    said: str  # the words typed or sent; for a pressed button, its title
    buttons: tuple[str, ...] = ()  # the titles of the buttons the assistant offered
    pressed_button: bool = False

    @property
    def text(self) -> str:
        """The message as the staff transcript shows it, buttons included."""
        if self.pressed_button:
            return f"{self.said} (pressed a button)"
        if self.buttons:
            return (self.said + "\n" if self.said else "") + "Buttons: " + " | ".join(self.buttons)
        return self.said


TRANSCRIPT_EVENTS = ("user", "bot")


def turns_of(rows: Iterable[tuple[str, float | None, str | None]]) -> list[Turn]:
    """One conversation's turns from its `events` rows (type_name, timestamp, data), in order.

    A pressed button sends its payload (`/affirm`, `/inform{...}`): it is shown by the
    title of the button the assistant last offered with that payload.
    """
    turns = []
    offered: dict[str, str] = {}  # the last buttons' payloads and titles
    for type_name, timestamp, data in rows:
        try:
            event = json.loads(data or "{}")
        except (TypeError, ValueError):
            continue
        if not isinstance(event, dict):
            continue
        said = str(event.get("text") or "")
        if type_name == "bot":
            extra = event.get("data")
            listed = extra.get("buttons") if isinstance(extra, dict) else None
            buttons = [b for b in listed or [] if isinstance(b, dict)]
            if buttons:
                offered = {str(b.get("payload", "")): str(b.get("title", "")) for b in buttons}
                turns.append(Turn("assistant", _when(timestamp), said, tuple(offered.values())))
            elif said:
                turns.append(Turn("assistant", _when(timestamp), said))
        elif said in offered:
            turns.append(Turn("resident", _when(timestamp), offered[said], pressed_button=True))
        elif said:
            turns.append(Turn("resident", _when(timestamp), said))
    return turns


async def transcript(session: AsyncSession, sender_id: str) -> list[Turn]:
    """The conversation's messages, in order (what the resident typed or pressed, and what
    the assistant said, with button titles)."""
    rows = await session.execute(
        sa.select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
        .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name.in_(TRANSCRIPT_EVENTS))
        .order_by(EVENTS.c.id)
    )
    return turns_of(rows)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)
