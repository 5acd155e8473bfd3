"""Rasa's SQL tracker store, adapted for the consultation.

Two changes to the stock store:
- It really forgets a conversation when an action asks it to (the `forget_conversation`
  slot): after "delete my answers", after declining consent, and outside the consultation
  window. Deleting the rows from inside the action server would not work: Rasa saves the
  tracker after the action and, finding no rows, would write every event back.
- On SQLite it uses write-ahead logging and a busy timeout, because the action server
  writes answers to the same file at the same time.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

FORGET_SLOT = "forget_conversation"


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
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _tune_sqlite)
            self.engine.dispose()  # reconnect so the pragmas apply to every connection

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.get_slot(FORGET_SLOT):
            self.forget(tracker.sender_id)
            return
        await super().save(tracker)

    def forget(self, sender_id: str) -> int:
        """Delete every stored event of a conversation; return how many were deleted."""
        with self.session_scope() as session:
            deleted = session.execute(
                sa.delete(self.SQLEvent).where(self.SQLEvent.sender_id == sender_id)
            ).rowcount
            session.commit()
        logger.info("Erased a conversation's transcript (%s events).", deleted)
        return deleted
