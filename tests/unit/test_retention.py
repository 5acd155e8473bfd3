"""`consult purge`: conversations past retention go as a whole; recent ones stay."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.db import queries
from bot.db.engine import make_engine, make_sync_engine
from bot.settings import PROJECT_ROOT
from bot.stack import BIN
from bot.tracker_store import ConsultTrackerStore

DAY = 86400


def save_transcript(url: str, sender: str, days_ago: float) -> None:
    store = ConsultTrackerStore(domain=Domain.load(PROJECT_ROOT / "domain.yml"), host=url)
    at = time.time() - days_ago * DAY
    tracker = DialogueStateTracker.from_events(
        sender,
        [ActionExecuted("action_listen", timestamp=at), UserUttered("hello", timestamp=at + 1)],
    )
    asyncio.run(store.save(tracker))
    store.engine.dispose()


def add_respondent(url: str, sender: str, days_ago: float) -> None:
    async def add() -> None:
        from sqlalchemy.ext.asyncio import AsyncSession

        engine = make_engine(url)
        async with AsyncSession(engine) as session, session.begin():
            respondent = await queries.start_respondent(session, sender, "rest")
            await queries.record_consent(session, respondent)
            await queries.save_answer(session, respondent, "knife_crime.agreement", "agree")
            await queries.flag_conversation(session, sender, "crime_report")
            respondent.started_at = datetime.now(timezone.utc) - timedelta(days=days_ago)
        await engine.dispose()

    asyncio.run(add())


def counts(url: str) -> dict[str, int]:
    engine = make_sync_engine(url)
    with engine.connect() as connection:
        result = {
            table: connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            for table in ("events", "respondents", "answers", "safeguarding_flags")
        }
    engine.dispose()
    return result


def test_purge_deletes_old_conversations_whole_and_keeps_recent_ones(migrated_url: str) -> None:
    save_transcript(migrated_url, "old-resident", days_ago=800)
    add_respondent(migrated_url, "old-resident", days_ago=800)
    save_transcript(migrated_url, "recent-resident", days_ago=3)
    add_respondent(migrated_url, "recent-resident", days_ago=3)
    before = counts(migrated_url)

    result = subprocess.run(
        [str(BIN / "consult"), "purge", "--older-than", "730"],
        env={**os.environ, "DATABASE_URL": migrated_url},
        capture_output=True,
        text=True,
        check=True,
    )

    assert "Deleted 1 conversations, 1 respondents" in result.stdout
    after = counts(migrated_url)
    assert after == {
        "events": before["events"] // 2,
        "respondents": 1,
        "answers": 1,
        "safeguarding_flags": 1,
    }
