"""What the SMS and WhatsApp channel remembers between webhook requests (bot/channels/twilio.py).

Each text message is a separate request, so the channel keeps three things in the database:
which messages it has taken in (to answer a repeated delivery once), which conversations have
opted out, and the numbered options each conversation was last offered.

Like bot.db.queries, every function takes the session first, and conversations are named by
their Rasa sender id, of which only the keyed hash (bot.pseudonyms.sender_key) is stored.
Each function is one statement, so each is atomic on its own; the channel runs them in
`sessions()`, where every statement commits at once (see there why).
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.db.engine import get_engine
from bot.db.models import OfferedOptions, OptOut, ReceivedMessage, utcnow
from bot.db.queries import _insert  # the dialect's INSERT with ON CONFLICT, shared on purpose
from bot.pseudonyms import sender_key


def sessions() -> sessionmaker:
    """Sessions on this process's engine in which every statement commits at once.

    Why: the channel runs in the Rasa server, whose tracker store writes to SQLite
    synchronously, blocking the event loop while it waits for the database lock. An async
    transaction holding that lock across an `await` could then never reach its commit: both
    would wait until SQLite gave up ("database is locked") and a turn was lost. A statement
    that commits by itself holds the lock only inside the database driver's own thread.
    """
    # Cheap to make: it shares get_engine()'s connection pool.
    engine = get_engine().execution_options(isolation_level="AUTOCOMMIT")
    return sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, future=True)


async def take_in(session: AsyncSession, message_id: str) -> bool:
    """Record a message as received; False if it had been received before.

    Insert first and let the unique constraint decide: of two deliveries of one message, even
    concurrent ones, exactly one inserts the row (the other waits for that commit, then
    inserts nothing). So this must be committed before the message is handled.
    """
    insert = await _insert(session, ReceivedMessage)
    result = await session.execute(
        insert.values(
            message_key=sender_key(message_id), received_at=utcnow()
        ).on_conflict_do_nothing()
    )
    return bool(result.rowcount == 1)


async def opt_out(session: AsyncSession, sender_id: str) -> None:
    """Record that this conversation opted out (the first STOP's time stands)."""
    insert = await _insert(session, OptOut)
    await session.execute(
        insert.values(
            sender_key=sender_key(sender_id), opted_out_at=utcnow()
        ).on_conflict_do_nothing()
    )


async def opt_in(session: AsyncSession, sender_id: str) -> bool:
    """Remove this conversation's opt-out; False if it had none."""
    result = await session.execute(delete(OptOut).where(OptOut.sender_key == sender_key(sender_id)))
    return bool(result.rowcount)


async def is_opted_out(session: AsyncSession, sender_id: str) -> bool:
    result = await session.execute(
        select(OptOut.id).where(OptOut.sender_key == sender_key(sender_id))
    )
    return result.first() is not None


async def offered_payloads(session: AsyncSession, sender_id: str) -> list[str]:
    """The payloads of the options this conversation was last offered, in number order."""
    result = await session.execute(
        select(OfferedOptions.payloads).where(OfferedOptions.sender_key == sender_key(sender_id))
    )
    stored = result.scalar_one_or_none()
    return list(json.loads(stored)) if stored else []


async def remember_payloads(session: AsyncSession, sender_id: str, payloads: list[str]) -> None:
    """Remember the options just offered; none offered forgets the earlier ones, so that a
    number typed later is read as the resident's own words."""
    key = sender_key(sender_id)
    if not payloads:
        await session.execute(delete(OfferedOptions).where(OfferedOptions.sender_key == key))
        return
    insert = (await _insert(session, OfferedOptions)).values(
        sender_key=key, payloads=json.dumps(payloads), offered_at=utcnow()
    )
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[OfferedOptions.sender_key],
            set_={"payloads": insert.excluded.payloads, "offered_at": insert.excluded.offered_at},
        )
    )
