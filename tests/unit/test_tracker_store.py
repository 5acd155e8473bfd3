"""The tracker store stores and reads back exactly what Rasa's own SQL store does.

bot.tracker_store reads and writes events with plain SQL rows instead of ORM objects (for
speed); here both stores are run on the same database and must agree, event for event and
column for column, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import PROJECT_ROOT
from bot.tracker_store import ConsultTrackerStore

DOMAIN = Domain.load(PROJECT_ROOT / "domain.yml")
COLUMNS = "sender_id, type_name, timestamp, intent_name, action_name, data"


def turn(text: str, at: float) -> list:
    return [
        UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=at),
        ActionExecuted("action_greet", timestamp=at + 0.1),
        BotUttered("Hello", timestamp=at + 0.2),
        SlotSet("easy_read", True, timestamp=at + 0.3),
        ActionExecuted("action_listen", timestamp=at + 0.4),
    ]


def two_sessions() -> list:
    first = [ActionExecuted("action_session_start", timestamp=1.0), SessionStarted(timestamp=1.1)]
    second = [
        ActionExecuted("action_session_start", timestamp=50.0),
        SessionStarted(timestamp=50.1),
    ]
    return first + turn("hi", 2.0) + turn("hello again", 3.0) + second + turn("back", 51.0)


def rows(url: str, sender: str) -> list[tuple]:
    engine = sa.create_engine(url, future=True)
    with engine.connect() as connection:
        found = connection.execute(
            sa.text(f"SELECT {COLUMNS} FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        ).all()
    engine.dispose()
    return [tuple(row) for row in found]


def save_in_turns(store: SQLTrackerStore, sender: str, events: list) -> None:
    """Save as Rasa does: each turn, read the tracker back, add the turn's events, save."""
    for start in range(0, len(events), 5):
        tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, DOMAIN.slots)
        for event in events[start : start + 5]:
            tracker.update(event)
        asyncio.run(store.save(tracker))


def test_saving_and_reading_match_rasas_own_store(migrated_url: str) -> None:
    ours = ConsultTrackerStore(domain=DOMAIN, host=migrated_url)
    stock = SQLTrackerStore(domain=DOMAIN, host=migrated_url)
    events = two_sessions()
    save_in_turns(ours, "ours", events)
    save_in_turns(stock, "stock", events)

    ours_rows, stock_rows = rows(migrated_url, "ours"), rows(migrated_url, "stock")
    assert len(ours_rows) == len(events)  # each event stored once, not once per save
    assert [r[1:] for r in ours_rows] == [r[1:] for r in stock_rows]

    for sender in ("ours", "stock"):
        for reader in (ours, stock):
            latest = asyncio.run(reader.retrieve(sender))
            full = asyncio.run(reader.retrieve_full_tracker(sender))
            assert [e.as_dict() for e in latest.events] == [
                e.as_dict() for e in asyncio.run(stock.retrieve("stock")).events
            ]
            assert len(full.events) == len(events)
            assert latest.get_slot("easy_read") is True
    # Only the latest session is read by default, as Rasa does.
    assert len(asyncio.run(ours.retrieve("ours")).events) == 6  # SessionStarted and a turn
    assert asyncio.run(ours.retrieve("nobody")) is None
    ours.engine.dispose()
    stock.engine.dispose()


def test_the_summary_index_is_made_once_and_used(migrated_url: str) -> None:
    from bot.tracker_store import SUMMARY_INDEX

    first = ConsultTrackerStore(domain=DOMAIN, host=migrated_url)
    second = ConsultTrackerStore(domain=DOMAIN, host=migrated_url)  # finds it: no error
    try:
        indexes = sa.inspect(second.engine).get_indexes("events")
        assert {
            "name": SUMMARY_INDEX,
            "column_names": ["sender_id", "type_name", "timestamp"],
        }.items() <= next(i for i in indexes if i["name"] == SUMMARY_INDEX).items()
        assert [i["name"] for i in indexes].count(SUMMARY_INDEX) == 1
    finally:
        first.engine.dispose()
        second.engine.dispose()
