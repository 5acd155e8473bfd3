"""What the SMS and WhatsApp channel keeps between requests, on SQLite and PostgreSQL: the
messages taken in, opt-outs, the options offered, and how erasure and purging treat them."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.db import queries, text_messages
from bot.db.engine import make_sync_engine
from bot.db.models import OfferedOptions, OptOut, ReceivedMessage
from bot.db.retention import purge
from bot.pseudonyms import SMS, WHATSAPP, channel_sender_id, sender_key

SENDER = channel_sender_id(SMS, "+447700900123")  # as the channel hands it to Rasa
OTHER = channel_sender_id(WHATSAPP, "whatsapp:+447700900123")


async def _count(session_factory: sessionmaker, model: type) -> int:
    async with session_factory() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def _take_in(session_factory: sessionmaker, message_sid: str) -> bool:
    async with session_factory() as session, session.begin():
        return await text_messages.take_in(session, message_sid)


async def _take_in_alone(message_sid: str) -> bool:
    async with text_messages.sessions()() as session:
        return await text_messages.take_in(session, message_sid)


async def test_a_message_is_taken_in_once(session_factory: sessionmaker) -> None:
    assert await _take_in(session_factory, "SM1")
    assert not await _take_in(session_factory, "SM1")
    assert await _take_in(session_factory, "SM2")
    async with session_factory() as session:
        keys = set((await session.execute(select(ReceivedMessage.message_key))).scalars())
    assert keys == {sender_key("SM1"), sender_key("SM2")}  # the Twilio id itself is not kept


async def test_concurrent_deliveries_of_one_message_are_taken_in_once(
    session_factory: sessionmaker,
) -> None:
    taken = await asyncio.gather(*(_take_in(session_factory, "SM-race") for _ in range(10)))
    assert taken.count(True) == 1
    assert await _count(session_factory, ReceivedMessage) == 1


async def test_the_channels_sessions_commit_each_statement_at_once(
    app_engine: None, session_factory: sessionmaker
) -> None:
    """So that no transaction holds SQLite's lock across an await (text_messages.sessions)."""
    async with text_messages.sessions()() as session:
        assert await text_messages.take_in(session, "SM-autocommit")
        await text_messages.opt_out(session, SENDER)
        async with session_factory() as other:  # another connection sees both already
            assert await text_messages.is_opted_out(other, SENDER)
            assert not await text_messages.take_in(other, "SM-autocommit")
    taken = await asyncio.gather(*(_take_in_alone("SM-race-2") for _ in range(10)))
    assert taken.count(True) == 1


async def test_opting_out_and_back_in(session_factory: sessionmaker) -> None:
    async with session_factory() as session, session.begin():
        assert not await text_messages.is_opted_out(session, SENDER)
        await text_messages.opt_out(session, SENDER)
        await text_messages.opt_out(session, SENDER)  # a second STOP changes nothing
        assert await text_messages.is_opted_out(session, SENDER)
        assert not await text_messages.is_opted_out(session, OTHER)
    async with session_factory() as session:
        row = (await session.execute(select(OptOut))).scalar_one()
    assert row.sender_key == sender_key(SENDER)
    assert datetime.now(timezone.utc) - row.opted_out_at < timedelta(minutes=1)
    async with session_factory() as session, session.begin():
        assert await text_messages.opt_in(session, SENDER)
        assert not await text_messages.opt_in(session, SENDER)
        assert not await text_messages.is_opted_out(session, SENDER)


async def test_offered_options_are_remembered_replaced_and_forgotten(
    session_factory: sessionmaker,
) -> None:
    async with session_factory() as session, session.begin():
        assert await text_messages.offered_payloads(session, SENDER) == []
        await text_messages.remember_payloads(session, SENDER, ["/affirm", "/deny"])
        await text_messages.remember_payloads(session, OTHER, ["/menu"])
    async with session_factory() as session, session.begin():
        assert await text_messages.offered_payloads(session, SENDER) == ["/affirm", "/deny"]
        await text_messages.remember_payloads(session, SENDER, ['/inform{"part": "local"}'])
    async with session_factory() as session, session.begin():
        assert await text_messages.offered_payloads(session, SENDER) == ['/inform{"part": "local"}']
        await text_messages.remember_payloads(session, SENDER, [])
    async with session_factory() as session:
        assert await text_messages.offered_payloads(session, SENDER) == []
        assert await text_messages.offered_payloads(session, OTHER) == ["/menu"]


async def test_erasure_forgets_the_options_and_keeps_the_opt_out(
    session_factory: sessionmaker,
) -> None:
    async with session_factory() as session, session.begin():
        await queries.start_respondent(session, SENDER, "sms")
        await text_messages.remember_payloads(session, SENDER, ["/affirm"])
        await text_messages.remember_payloads(session, OTHER, ["/affirm"])
        await text_messages.opt_out(session, SENDER)
    async with session_factory() as session, session.begin():
        assert await queries.erase_respondent(session, SENDER)
    async with session_factory() as session:
        assert await text_messages.offered_payloads(session, SENDER) == []
        assert await text_messages.offered_payloads(session, OTHER) == ["/affirm"]
        assert await text_messages.is_opted_out(session, SENDER)


async def test_purge_forgets_old_options_and_message_ids_and_keeps_opt_outs(
    session_factory: sessionmaker, migrated_url: str
) -> None:
    now = datetime.now(timezone.utc)
    async with session_factory() as session, session.begin():
        await text_messages.remember_payloads(session, SENDER, ["/affirm"])
        await text_messages.remember_payloads(session, OTHER, ["/affirm"])
        await text_messages.take_in(session, "SM-old")
        await text_messages.take_in(session, "SM-new")
        await text_messages.opt_out(session, SENDER)
    engine = make_sync_engine(migrated_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.update(OfferedOptions)
                .where(OfferedOptions.sender_key == sender_key(SENDER))
                .values(offered_at=now - timedelta(days=800))
            )
            connection.execute(
                sa.update(ReceivedMessage)
                .where(ReceivedMessage.message_key == sender_key("SM-old"))
                .values(received_at=now - timedelta(days=3))
            )
            connection.execute(sa.update(OptOut).values(opted_out_at=now - timedelta(days=800)))
            purge(connection, 730)
    finally:
        engine.dispose()
    async with session_factory() as session:
        assert await text_messages.offered_payloads(session, SENDER) == []
        assert await text_messages.offered_payloads(session, OTHER) == ["/affirm"]
        keys = set((await session.execute(select(ReceivedMessage.message_key))).scalars())
        assert keys == {sender_key("SM-new")}
        assert await text_messages.is_opted_out(session, SENDER)
