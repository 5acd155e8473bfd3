"""Database fixtures: every test gets an empty database of its own, on each backend.

`database_url` is parametrised over SQLite (a file in tmp_path) and PostgreSQL (a fresh schema
in TEST_POSTGRES_URL's database, chosen with `options=-csearch_path=...` and dropped after the
test; nothing outside it, such as the Rasa tracker store's `events` table, is touched).
Without TEST_POSTGRES_URL the PostgreSQL cases skip and say why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.db.engine import dispose_engine, make_engine, make_sync_engine
from bot.db.migrations import upgrade
from bot.settings import Settings, get_settings

__all__ = [
    "POSTGRES_ENV",
    "TEST_SECRET",
    "database_url",
    "sqlite_url",
    "db_settings",
    "migrated_url",
    "engine",
    "session_factory",
    "app_engine",
]

POSTGRES_ENV = "TEST_POSTGRES_URL"
TEST_SECRET = "test-secret-for-sender-keys"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _url_with_schema(base: str, schema: str) -> str:
    url = make_url(base)
    query = {**url.query, "options": f"-csearch_path={schema}"}
    rendered = url.set(query={}).render_as_string(hide_password=False)
    return rendered + "?" + "&".join(f"{k}={quote(str(v), safe='')}" for k, v in query.items())


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of this test's own (sync driver form, like DATABASE_URL)."""
    if request.param == "sqlite":
        # A var/ that does not exist yet: the engine must create it.
        yield f"sqlite:///{tmp_path / 'var' / 'consult.db'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(
            f"PostgreSQL not tested: set {POSTGRES_ENV}, "
            "e.g. postgresql://postgres@127.0.0.1:5432/test"
        )
    schema = f"test_consult_{uuid.uuid4().hex[:12]}"
    admin = make_sync_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield _url_with_schema(base, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite database file (not yet created) under tmp_path."""
    return f"sqlite:///{tmp_path / 'var' / 'consult.db'}"


@pytest.fixture
def db_settings(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Settings]:
    """Settings pointing at this test's database, with a known sender id secret."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SENDER_ID_SECRET", TEST_SECRET)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def migrated_url(db_settings: Settings) -> str:
    """This test's database, migrated to head."""
    upgrade(db_settings.database_url)
    return db_settings.database_url


@pytest_asyncio.fixture(loop_scope="function")
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on the migrated database, disposed in this test's own event loop."""
    engine = make_engine(migrated_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> sessionmaker:
    """Make sessions as the action server does; use `async with f() as s, s.begin():`."""
    return sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, future=True)


@pytest_asyncio.fixture(loop_scope="function")
async def app_engine(migrated_url: str) -> AsyncIterator[None]:
    """Let bot.db.engine.get_engine() create the process engine; dispose it afterwards."""
    await dispose_engine()
    yield
    await dispose_engine()
