"""Database engines: one async engine per process for the action server, sync ones for tools.

DATABASE_URL may be written with a sync driver (sqlite:///..., postgresql://...): the async
engine swaps in aiosqlite/asyncpg and Alembic and the CLI swap in pysqlite/psycopg2.
PostgreSQL URLs may carry libpq `options`, e.g. `?options=-csearch_path%3Dconsult` to keep
our tables in their own schema; asyncpg does not read `options`, so we pass those settings on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

from bot.settings import get_settings

SQLITE_BUSY_TIMEOUT_MS = 5000

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg2"}

_engine: AsyncEngine | None = None
_sessionmaker: sessionmaker | None = None


def _backend(url: URL) -> str:
    backend = url.get_backend_name()
    if backend == "postgres":  # Heroku-style URLs; SQLAlchemy 1.4 dropped the alias
        return "postgresql"
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(
            f"unsupported database URL {url.render_as_string(hide_password=True)!r}: "
            "use sqlite:///path/to/file.db or postgresql://user@host/dbname"
        )
    return backend


def _with_driver(url: str, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    return parsed.set(drivername=drivers[_backend(parsed)])


def async_url(url: str) -> str:
    """The URL with an async driver: sqlite+aiosqlite or postgresql+asyncpg."""
    return _with_driver(url, _ASYNC_DRIVERS).render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The URL with a sync driver (sqlite, postgresql+psycopg2), for Alembic and the CLI."""
    return _with_driver(url, _SYNC_DRIVERS).render_as_string(hide_password=False)


def safe_url(url: str) -> str:
    """The URL for messages: password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL may itself hold a password; show nothing of it
        return "<unparseable DATABASE_URL>"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL or an in-memory SQLite database."""
    parsed = make_url(url)
    if _backend(parsed) != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _prepare_sqlite(engine: Engine, url: str) -> None:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        # busy_timeout first: the other pragmas may have to wait for the Rasa server's writes.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # WAL lets the Rasa server and the action server read while the other writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        # SQLite ignores ON DELETE CASCADE unless each connection asks for it.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _asyncpg_url_and_args(url: URL) -> tuple[URL, dict[str, Any]]:
    """Move libpq-only query parameters into what asyncpg understands."""
    query = dict(url.query)
    connect_args: dict[str, Any] = {}
    options = query.pop("options", None)
    if options:
        server_settings = {}
        tokens = str(options).split()
        while tokens:
            token = tokens.pop(0)
            if token == "-c" and tokens:
                token = tokens.pop(0)
            elif token.startswith("-c"):
                token = token[2:]
            elif token.startswith("--"):
                token = token[2:]
            name, sep, value = token.partition("=")
            if not sep:
                raise ValueError(f"cannot read the PostgreSQL options {options!r}")
            server_settings[name.replace("-", "_")] = value
        connect_args["server_settings"] = server_settings
    if "sslmode" in query:
        query["ssl"] = query.pop("sslmode")
    return url.set(query=query), connect_args


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """A new async engine for `url` (sync or async driver). Prefer get_engine() in app code."""
    parsed = make_url(async_url(url))
    if parsed.get_backend_name() == "postgresql":
        parsed, connect_args = _asyncpg_url_and_args(parsed)
        kwargs["connect_args"] = {**connect_args, **kwargs.get("connect_args", {})}
        # A restarted PostgreSQL leaves dead connections in the pool; check before use.
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(parsed, future=True, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite(engine.sync_engine, url)
    return engine


def make_sync_engine(url: str, **kwargs: Any) -> Engine:
    """A new sync engine for `url`, with the same SQLite pragmas (for Alembic and the CLI)."""
    engine = create_engine(sync_url(url), future=True, **kwargs)
    if engine.dialect.name == "sqlite":
        _prepare_sqlite(engine, url)
    return engine


def get_engine() -> AsyncEngine:
    """This process's async engine, created on first use from settings.database_url.

    asyncpg connections belong to the event loop that opened them: call dispose_engine()
    before that loop closes (tests do, in fixture teardown).
    """
    global _engine
    if _engine is None:
        _engine = make_engine(get_settings().database_url)
    return _engine


def get_sessionmaker() -> sessionmaker:
    """The factory for AsyncSessions on get_engine(). Callers own the transaction:

    async with get_sessionmaker()() as session, session.begin():
        ...  # commits on leaving the block, rolls back on an exception
    """
    global _sessionmaker
    if _sessionmaker is None:
        # expire_on_commit=False: reading an attribute after commit must not need I/O.
        _sessionmaker = sessionmaker(
            get_engine(), class_=AsyncSession, expire_on_commit=False, future=True
        )
    return _sessionmaker


async def dispose_engine() -> None:
    """Close this process's engine and forget it (for shutdown and tests)."""
    global _engine, _sessionmaker
    engine, _engine, _sessionmaker = _engine, None, None
    if engine is not None:
        await engine.dispose()
