"""Read stored answers the way staff do (through `consult export --format csv`), and the
database behind a test stack."""

from __future__ import annotations

import csv
import io
import os
import subprocess

import sqlalchemy as sa

from bot.stack import BIN, Stack


def export(database_url: str) -> list[dict[str, str]]:
    result = subprocess.run(
        [str(BIN / "consult"), "export", "--format", "csv"],
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        capture_output=True,
        text=True,
    )
    return list(csv.DictReader(io.StringIO(result.stdout)))


def answers_of(database_url: str, reference_code: str) -> dict[str, str]:
    return {
        row["question"]: row["answer"]
        for row in export(database_url)
        if row["respondent"] == reference_code
    }


def transcript_length(database_url: str, sender_id: str) -> int:
    """How many events of this conversation Rasa's tracker store holds."""
    import sqlalchemy as sa

    from bot.db.engine import make_sync_engine

    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :sender"),
                {"sender": sender_id},
            ).scalar_one()
    finally:
        engine.dispose()


def stored_answers(database_url: str, sender_id: str) -> dict[str, tuple[str, str | None]]:
    """A resident's stored answers, {question id: (value, free text)}, by their sender id."""
    import asyncio

    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.db import queries
    from bot.db.engine import make_engine

    async def read() -> dict[str, tuple[str, str | None]]:
        engine = make_engine(database_url)
        try:
            async with AsyncSession(engine) as session:
                respondent = await queries.get_respondent(session, sender_id)
                if respondent is None:
                    return {}
                answers = await queries.answers_of(session, respondent)
                return {a.question_id: (a.value, a.free_text) for a in answers}
        finally:
            await engine.dispose()

    return asyncio.run(read())


def query(stack: Stack, sql: str, **params: str) -> list[tuple]:
    """Rows of `sql` (with `params`) on the stack's database."""
    from bot.db.engine import make_sync_engine

    engine = make_sync_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql), params)]
    finally:
        engine.dispose()
