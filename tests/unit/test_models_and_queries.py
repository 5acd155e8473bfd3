"""The response tables and their queries, on SQLite and (with TEST_POSTGRES_URL) PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bot.db import engine as engine_module
from bot.db.engine import _asyncpg_url_and_args, async_url, sqlite_path, sync_url
from bot.db.models import Answer, Respondent
from bot.db.queries import (
    answers_of,
    delete_answers,
    erase_respondent,
    export_rows,
    get_respondent,
    mark_completed,
    record_consent,
    save_answer,
    start_respondent,
)
from bot.pseudonyms import sender_key
from bot.questions import BY_ID, QUESTIONS
from bot.references import ALPHABET, new_reference_code, normalise_reference_code
from bot.settings import get_settings
from tests.db_fixtures import TEST_SECRET

CODE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")
SENDER = "+447700900123"  # a sender id shaped like a phone number, as Twilio sends


async def _count(session_factory: sessionmaker, model: type) -> int:
    async with session_factory() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def _start(
    session_factory: sessionmaker, sender: str = SENDER, channel: str = "rest"
) -> Respondent:
    async with session_factory() as session, session.begin():
        return await start_respondent(session, sender, channel)


async def _save(
    session_factory: sessionmaker, sender: str, question: str, value: str, text_: str | None = None
) -> Answer:
    async with session_factory() as session, session.begin():
        respondent = await start_respondent(session, sender, "rest")
        return await save_answer(session, respondent, question, value, text_)


def _aware_utc(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


# --- respondents --------------------------------------------------------------------------


async def test_start_respondent_creates_once_and_is_idempotent(
    session_factory: sessionmaker,
) -> None:
    first = await _start(session_factory, channel="twilio")
    again = await _start(session_factory, channel="rest")

    assert again.id == first.id
    assert again.reference_code == first.reference_code
    assert again.channel == "twilio"  # the channel it started on
    assert CODE.match(first.reference_code)
    assert first.sender_key == sender_key(SENDER, TEST_SECRET)
    assert _aware_utc(first.started_at)
    assert first.consented_at is None and first.completed_at is None
    assert await _count(session_factory, Respondent) == 1
    async with session_factory() as session:
        assert (await get_respondent(session, SENDER)).id == first.id
        assert await get_respondent(session, "someone-else") is None


async def test_start_respondent_concurrent_calls_make_one_row(
    session_factory: sessionmaker,
) -> None:
    respondents = await asyncio.gather(*(_start(session_factory) for _ in range(20)))

    assert len({r.id for r in respondents}) == 1
    assert len({r.reference_code for r in respondents}) == 1
    assert await _count(session_factory, Respondent) == 1


async def test_concurrent_senders_get_distinct_reference_codes(
    session_factory: sessionmaker,
) -> None:
    respondents = await asyncio.gather(*(_start(session_factory, f"sender-{i}") for i in range(20)))

    assert len({r.id for r in respondents}) == 20
    assert len({r.reference_code for r in respondents}) == 20
    assert all(CODE.match(r.reference_code) for r in respondents)


async def test_reference_code_collision_retries_with_a_new_code(
    session_factory: sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = iter(["AAAA-AAAA", "AAAA-AAAA", "BBBB-BBBB"])
    monkeypatch.setattr("bot.db.queries.new_reference_code", lambda: next(codes))

    first = await _start(session_factory, "first")
    second = await _start(session_factory, "second")

    assert (first.reference_code, second.reference_code) == ("AAAA-AAAA", "BBBB-BBBB")


async def test_consent_keeps_first_time_and_completion_the_latest(
    session_factory: sessionmaker,
) -> None:
    async with session_factory() as session, session.begin():
        respondent = await start_respondent(session, SENDER, "rest")
        await record_consent(session, respondent)
        await mark_completed(session, respondent)
    consented, completed = respondent.consented_at, respondent.completed_at

    async with session_factory() as session, session.begin():
        respondent = await start_respondent(session, SENDER, "rest")
        await record_consent(session, respondent)
        await mark_completed(session, respondent)

    async with session_factory() as session:
        stored = await get_respondent(session, SENDER)
    assert stored.consented_at == consented
    assert stored.completed_at >= completed
    assert _aware_utc(stored.consented_at) and _aware_utc(stored.completed_at)


# --- answers ------------------------------------------------------------------------------


async def test_saving_the_same_answer_again_changes_nothing(session_factory: sessionmaker) -> None:
    first = await _save(session_factory, SENDER, "knife_crime.agreement", "agree")
    replay = await _save(session_factory, SENDER, "knife_crime.agreement", "agree")

    assert replay.id == first.id
    assert (replay.answered_at, replay.updated_at) == (first.answered_at, first.updated_at)
    assert await _count(session_factory, Answer) == 1


async def test_concurrent_replays_of_an_answer_make_one_row(
    session_factory: sessionmaker,
) -> None:
    await _start(session_factory)
    answers = await asyncio.gather(
        *(_save(session_factory, SENDER, "vawg.agreement", "disagree") for _ in range(20))
    )
    assert len({a.id for a in answers}) == 1
    assert await _count(session_factory, Answer) == 1


async def test_changing_an_answer_updates_it(session_factory: sessionmaker) -> None:
    first = await _save(session_factory, SENDER, "knife_crime.comment", "given", "More youth clubs")
    changed = await _save(session_factory, SENDER, "knife_crime.comment", "given", "Fewer, better")
    skipped = await _save(session_factory, SENDER, "knife_crime.comment", "skipped")

    assert changed.id == skipped.id == first.id
    assert changed.free_text == "Fewer, better"
    assert (skipped.value, skipped.free_text) == ("skipped", None)
    assert skipped.answered_at == first.answered_at
    assert first.updated_at < changed.updated_at <= skipped.updated_at
    assert all(_aware_utc(a.updated_at) and _aware_utc(a.answered_at) for a in (first, skipped))
    assert await _count(session_factory, Answer) == 1


@pytest.mark.parametrize(
    "question, value",
    [
        ("local.priorities", "burglary"),
        ("local.priorities", "burglary;anti_social_behaviour"),
        ("local.priorities", "not_applicable"),
        ("local.borough", "hackney"),
        ("about.age_band", "prefer_not_to_say"),
        ("about.victim_last_12_months", "no"),
    ],
)
async def test_codebook_values_are_accepted(
    session_factory: sessionmaker, question: str, value: str
) -> None:
    answer = await _save(session_factory, SENDER, question, value)
    assert (answer.question_id, answer.value, answer.free_text) == (question, value, None)


@pytest.mark.parametrize(
    "question, value, free_text, message",
    [
        ("knife_crime.favourite_colour", "agree", None, "unknown question id"),
        ("knife_crime.agreement", "yes", None, "not an allowed value"),
        ("knife_crime.agreement", "Agree", None, "not an allowed value"),
        ("local.borough", "narnia", None, "not an allowed value"),
        ("local.priorities", "burglary;robbery;vehicle_crime", None, "1 to 2"),
        ("local.priorities", "burglary;burglary", None, "1 to 2"),
        ("local.priorities", "burglary;shoplifting", None, "not an allowed value"),
        ("local.priorities", "skipped;burglary", None, "cannot be combined"),
        ("local.priorities", "", None, "not an allowed value"),
        ("knife_crime.comment", "given", None, "needs the resident's text"),
        ("knife_crime.comment", "given", "   ", "needs the resident's text"),
        ("knife_crime.comment", "skipped", "words", "only kept for free-text"),
        ("knife_crime.agreement", "agree", "words", "only kept for free-text"),
    ],
)
async def test_answers_outside_the_codebook_are_refused(
    session_factory: sessionmaker, question: str, value: str, free_text: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await _save(session_factory, SENDER, question, value, free_text)
    assert await _count(session_factory, Answer) == 0


async def test_answers_come_back_in_codebook_order(session_factory: sessionmaker) -> None:
    chosen = ["about.age_band", "local.borough", "neighbourhood.agreement", "children.comment"]
    for question in chosen:
        value = "given" if BY_ID[question].is_free_text else BY_ID[question].values[0]
        await _save(session_factory, SENDER, question, value, "text" if value == "given" else None)

    async with session_factory() as session:
        respondent = await get_respondent(session, SENDER)
        answers = await answers_of(session, respondent)

    order = [q.id for q in QUESTIONS]
    assert [a.question_id for a in answers] == sorted(chosen, key=order.index)


async def test_delete_some_or_all_answers(session_factory: sessionmaker) -> None:
    for question in ["hate.agreement", "vawg.agreement", "victims.agreement"]:
        await _save(session_factory, SENDER, question, "agree")

    async with session_factory() as session, session.begin():
        respondent = await get_respondent(session, SENDER)
        assert await delete_answers(session, respondent, ["hate.agreement"]) == 1
        assert [a.question_id for a in await answers_of(session, respondent)] == [
            "vawg.agreement",
            "victims.agreement",
        ]
        with pytest.raises(ValueError, match="unknown question ids"):
            await delete_answers(session, respondent, ["nope"])
        assert await delete_answers(session, respondent) == 2
        assert await answers_of(session, respondent) == []
    assert await _count(session_factory, Respondent) == 1


async def test_erase_respondent_removes_them_and_their_answers_only(
    session_factory: sessionmaker,
) -> None:
    for sender in (SENDER, "someone-else"):
        await _save(session_factory, sender, "hate.agreement", "agree")
        await _save(session_factory, sender, "hate.comment", "given", "Words")

    async with session_factory() as session, session.begin():
        assert await erase_respondent(session, SENDER) is True
    async with session_factory() as session, session.begin():
        assert await erase_respondent(session, SENDER) is False
        assert await get_respondent(session, SENDER) is None

    assert await _count(session_factory, Respondent) == 1
    assert await _count(session_factory, Answer) == 2


async def test_deleting_a_respondent_row_cascades_in_the_database(
    session_factory: sessionmaker,
) -> None:
    await _save(session_factory, SENDER, "hate.agreement", "agree")
    # Plain SQL, no ORM help: ON DELETE CASCADE (and SQLite's foreign_keys pragma) must do it.
    async with session_factory() as session, session.begin():
        await session.execute(text("DELETE FROM respondents"))
    assert await _count(session_factory, Answer) == 0


async def test_answers_need_an_existing_respondent(session_factory: sessionmaker) -> None:
    from sqlalchemy.exc import IntegrityError

    ghost = Respondent(id=999_999)
    with pytest.raises(IntegrityError):
        async with session_factory() as session, session.begin():
            await save_answer(session, ghost, "hate.agreement", "agree")


# --- export -------------------------------------------------------------------------------

TRICKY = 'He said "stop", then left,\nand =SUM(A1) — café 🚓'


async def test_export_rows(session_factory: sessionmaker) -> None:
    await _save(session_factory, "b", "about.age_band", "25_34")
    await _save(session_factory, "b", "hate.comment", "given", TRICKY)
    await _save(session_factory, "b", "local.priorities", "robbery;burglary")
    await _save(session_factory, "a", "hate.comment", "skipped")
    async with session_factory() as session:
        first = await get_respondent(session, "b")
        second = await get_respondent(session, "a")
        rows = list(await export_rows(session))

    assert [(r["respondent"], r["channel"], r["question"], r["answer"]) for r in rows] == [
        (first.reference_code, "rest", "hate.comment", TRICKY),
        (first.reference_code, "rest", "local.priorities", "robbery;burglary"),
        (first.reference_code, "rest", "about.age_band", "25_34"),
        (second.reference_code, "rest", "hate.comment", "skipped"),
    ]
    for row in rows:
        moment = datetime.fromisoformat(row["answered_at"])
        assert _aware_utc(moment)
        assert abs(datetime.now(timezone.utc) - moment) < timedelta(minutes=5)


# --- pseudonyms and reference codes -------------------------------------------------------


def test_sender_key_is_a_keyed_hash() -> None:
    key = sender_key(SENDER, "one secret")
    assert key == sender_key(SENDER, "one secret")
    assert key == hmac.new(b"one secret", SENDER.encode(), hashlib.sha256).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key != sender_key(SENDER, "another secret")
    assert key != sender_key(SENDER + "4", "one secret")
    assert key != hashlib.sha256(SENDER.encode()).hexdigest()  # keyed, not a plain hash
    with pytest.raises(ValueError):
        sender_key(SENDER, "")
    with pytest.raises(ValueError):
        sender_key("", "one secret")


def test_sender_key_uses_the_configured_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDER_ID_SECRET", "from-the-environment")
    get_settings.cache_clear()
    try:
        assert sender_key(SENDER) == sender_key(SENDER, "from-the-environment")
    finally:
        get_settings.cache_clear()


async def test_raw_sender_id_is_never_stored(
    session_factory: sessionmaker, database_url: str
) -> None:
    async with session_factory() as session, session.begin():
        respondent = await start_respondent(session, SENDER, "twilio")
        await record_consent(session, respondent)
        await save_answer(session, respondent, "hate.comment", "given", "No personal data here")
        key = respondent.sender_key

    async with session_factory() as session:
        for table in ("respondents", "answers"):
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            assert rows and not any(SENDER in str(value) for row in rows for value in row)
    assert key == sender_key(SENDER, TEST_SECRET)

    path = sqlite_path(database_url)
    if path is not None:  # on SQLite, not a byte of the raw id in the file or its WAL
        await session_factory.kw["bind"].dispose()
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert key.encode() in stored  # the scan does see what we stored
        assert SENDER.encode() not in stored
        assert SENDER.lstrip("+").encode() not in stored


def test_reference_codes() -> None:
    codes = {new_reference_code() for _ in range(10_000)}
    assert len(codes) == 10_000
    assert all(CODE.match(code) for code in codes)
    assert not set("01IO") & set("".join(codes))
    assert normalise_reference_code(" k7q4 9xz2 ") == "K7Q4-9XZ2"
    assert normalise_reference_code("K7Q4-9XZ2") == "K7Q4-9XZ2"
    assert normalise_reference_code("K7Q4-9XZO") is None
    assert normalise_reference_code("K7Q4") is None


async def test_reference_code_is_not_derived_from_the_sender(session_factory: sessionmaker) -> None:
    first = await _start(session_factory)
    async with session_factory() as session, session.begin():
        assert await erase_respondent(session, SENDER)
    again = await _start(session_factory)
    assert again.sender_key == first.sender_key
    assert again.reference_code != first.reference_code


# --- engine -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, async_form, sync_form",
    [
        (
            "sqlite:///var/consult.db",
            "sqlite+aiosqlite:///var/consult.db",
            "sqlite:///var/consult.db",
        ),
        ("sqlite+aiosqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        (
            "postgresql://u:p@db:5432/consult",
            "postgresql+asyncpg://u:p@db:5432/consult",
            "postgresql+psycopg2://u:p@db:5432/consult",
        ),
        (
            "postgres://u:p@db/consult",
            "postgresql+asyncpg://u:p@db/consult",
            "postgresql+psycopg2://u:p@db/consult",
        ),
        (
            "postgresql+asyncpg://u@db/consult",
            "postgresql+asyncpg://u@db/consult",
            "postgresql+psycopg2://u@db/consult",
        ),
    ],
)
def test_url_drivers(url: str, async_form: str, sync_form: str) -> None:
    assert async_url(url) == async_form
    assert sync_url(url) == sync_form


def test_unsupported_url_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        sync_url("mysql://u:secret@db/consult")


def test_postgres_options_become_asyncpg_server_settings() -> None:
    # asyncpg rejects libpq's `options`; the engine hands its -c settings over instead.
    url = (
        "postgresql://u@db/c?options=-csearch_path%3Dconsult%20-c%20work_mem%3D4MB&sslmode=require"
    )
    parsed, connect_args = _asyncpg_url_and_args(make_url(async_url(url)))
    assert dict(parsed.query) == {"ssl": "require"}
    assert connect_args == {"server_settings": {"search_path": "consult", "work_mem": "4MB"}}


def test_importing_creates_no_engine() -> None:
    code = (
        "import bot.db.engine as e, bot.db.queries, bot.db.models, bot.db.migrations;"
        "assert e._engine is None and e._sessionmaker is None"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_get_engine_is_lazy_shared_and_configured(app_engine, migrated_url: str) -> None:
    assert engine_module._engine is None
    engine = engine_module.get_engine()
    assert engine_module.get_engine() is engine
    assert engine_module.get_sessionmaker() is engine_module.get_sessionmaker()

    async with engine_module.get_sessionmaker()() as session, session.begin():
        respondent = await start_respondent(session, SENDER, "socketio")
    assert respondent.reference_code  # usable after commit without I/O

    if engine.dialect.name == "sqlite":
        assert Path(sqlite_path(migrated_url)).parent.name == "var"
        async with engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}")  # noqa: E731
            assert (await pragma("journal_mode")).scalar() == "wal"
            assert (await pragma("foreign_keys")).scalar() == 1
            assert (await pragma("busy_timeout")).scalar() == 5000
    else:  # the schema named in the URL's options is where our tables are
        async with engine.connect() as connection:
            schema = (await connection.execute(text("SELECT current_schema()"))).scalar()
        assert f"search_path%3D{schema}" in migrated_url

    await engine_module.dispose_engine()
    assert engine_module._engine is None
    assert engine_module.get_engine() is not engine
