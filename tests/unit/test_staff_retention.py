"""Staff's reviews, notes and tags go with their conversation: delete my answers and purge."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from bot.db import queries
from bot.db.engine import make_sync_engine
from bot.db.models import ConversationReview, ConversationTag
from bot.db.retention import purge
from bot.pseudonyms import sender_key
from bot.staff import reviews
from tests.staff_fixtures import save_conversation


async def review_and_tag(factory: sessionmaker, sender: str) -> None:
    async with factory() as db, db.begin():
        await reviews.save_review(db, sender_key(sender), "rita", "follow_up", "Jane rang")
        await reviews.add_tag(db, sender_key(sender), "quote", "rita")


async def keys_with_reviews(factory: sessionmaker) -> set[str]:
    async with factory() as db:
        a = set((await db.execute(sa.select(ConversationReview.sender_key))).scalars())
        b = set((await db.execute(sa.select(ConversationTag.sender_key))).scalars())
    return a | b


async def test_delete_my_answers_takes_the_review_and_tags(session_factory: sessionmaker) -> None:
    for sender in ("leaving", "staying"):
        async with session_factory() as db, db.begin():
            await queries.start_respondent(db, sender, "rest")
        await review_and_tag(session_factory, sender)
    async with session_factory() as db, db.begin():
        assert await queries.erase_respondent(db, "leaving")
    assert await keys_with_reviews(session_factory) == {sender_key("staying")}


async def test_purge_takes_reviews_of_old_conversations(
    migrated_url: str, session_factory: sessionmaker
) -> None:
    await save_conversation(
        migrated_url, "old", [("resident", "hi")], start=time.time() - 800 * 86400
    )
    await save_conversation(migrated_url, "new", [("resident", "hi")])
    for sender in ("old", "new"):
        await review_and_tag(session_factory, sender)
    engine = make_sync_engine(migrated_url)
    try:
        with engine.begin() as connection:
            purged = purge(connection, 730)
    finally:
        engine.dispose()
    assert purged.conversations == 1
    assert await keys_with_reviews(session_factory) == {sender_key("new")}
