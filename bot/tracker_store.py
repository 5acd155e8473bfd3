"""Rasa's SQL tracker store, adapted for the consultation.

Two changes to the stock store:
- It really forgets a conversation when an action asks it to (the `forget_conversation`
  slot): after "delete my answers", after declining consent, and outside the consultation
  window. Deleting the rows from inside the action server would not work: Rasa saves the
  tracker after the action and, finding no rows, would write every event back.
- On SQLite it uses write-ahead logging and a busy timeout, because the action server
  writes answers to the same file at the same time.
- It adds an index on (sender_id, type_name, timestamp) to Rasa's `events` table. Rasa's
  own index is on sender_id alone, so finding a conversation's latest session start (on
  every message) and the staff console's summary of every conversation (first and last
  message, messages sent) read the table's rows; with this index they read the index only.
  With 4,400 conversations (1.2 million events, on SQLite), the staff console's list took
  1.15 s to build without it and 0.37 s with it.

And it reads and writes events the way Rasa's store does, but faster (the tracker store was
the largest share of the Rasa server's time under load, docs/performance.md): it loads only
the `data` column as plain rows instead of building an ORM object for every stored event,
counts stored events with one COUNT query, and inserts a turn's new events in one statement.
The same rows, in the same order, with the same columns.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

FORGET_SLOT = "forget_conversation"
SUMMARY_INDEX = "ix_events_sender_id_type_name_timestamp"


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class ConsultTrackerStore(SQLTrackerStore):
    """Transcripts in the shared database (table `events`), erasable on request."""

    def __init__(self, *args: Any, host: str | None = None, **kwargs: Any) -> None:
        if host and host.startswith("sqlite:///"):
            from pathlib import Path

            Path(host.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(*args, host=host, **kwargs)
        engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        if engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection for every session (NullPool), and
            # each new connection runs the pragmas: keep a few open instead. Sessions are
            # used one at a time per connection, so sharing them across threads is safe.
            engine.dispose()
            self.engine = sa.create_engine(
                engine.url,
                poolclass=sa.pool.QueuePool,
                pool_size=2,
                max_overflow=8,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", _tune_sqlite)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._ensure_summary_index()

    def _ensure_summary_index(self) -> None:
        """Create the index (module docstring) if it is missing: on a large table, once."""
        table = self.SQLEvent.__table__
        index = next((i for i in table.indexes if i.name == SUMMARY_INDEX), None)
        if index is None:
            index = sa.Index(SUMMARY_INDEX, table.c.sender_id, table.c.type_name, table.c.timestamp)
        try:
            index.create(self.engine, checkfirst=True)
        except sa.exc.DBAPIError:
            # Several Rasa servers starting together: another one has just created it.
            indexes = sa.inspect(self.engine).get_indexes(table.name)
            if SUMMARY_INDEX not in {i["name"] for i in indexes}:
                raise

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.get_slot(FORGET_SLOT):
            self.forget(tracker.sender_id)
            return
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = session.execute(
                sa.select(sa.func.count()).select_from(self._latest_session(tracker.sender_id))
            ).scalar_one()
            new = list(tracker.events)[stored:]
            if new:
                rows = [self._row(tracker.sender_id, event) for event in new]
                session.execute(sa.insert(self.SQLEvent.__table__), rows)
            session.commit()

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        events_table = self.SQLEvent.__table__
        if fetch_events_from_all_sessions:
            query = (
                sa.select(events_table.c.data)
                .where(events_table.c.sender_id == sender_id)
                .order_by(events_table.c.id)
            )
        else:
            latest = self._latest_session(sender_id)
            query = sa.select(latest.c.data).order_by(latest.c.id)
        with self.session_scope() as session:
            data = session.execute(query).scalars().all()
        if not self.domain or not data:
            return None
        events = [json.loads(item) for item in data]
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    def _latest_session(self, sender_id: str) -> Any:
        """This conversation's events since its latest SessionStarted (all if none), as a
        subquery with the `id` and `data` columns: Rasa's own filter (_event_query)."""
        events_table = self.SQLEvent.__table__
        session_start = (
            sa.select(sa.func.max(events_table.c.timestamp))
            .where(
                events_table.c.sender_id == sender_id,
                events_table.c.type_name == SessionStarted.type_name,
            )
            .scalar_subquery()
        )
        return (
            sa.select(events_table.c.id, events_table.c.data)
            .where(
                events_table.c.sender_id == sender_id,
                sa.or_(events_table.c.timestamp >= session_start, session_start.is_(None)),
            )
            .subquery()
        )

    @staticmethod
    def _row(sender_id: str, event: Any) -> dict[str, Any]:
        """The columns Rasa's SQLTrackerStore.save stores for an event."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def forget(self, sender_id: str) -> int:
        """Delete every stored event of a conversation; return how many were deleted."""
        with self.session_scope() as session:
            deleted = session.execute(
                sa.delete(self.SQLEvent).where(self.SQLEvent.sender_id == sender_id)
            ).rowcount
            session.commit()
        logger.info("Erased a conversation's transcript (%s events).", deleted)
        return deleted
