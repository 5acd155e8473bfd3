"""Alembic environment: migrates the URL or connection the caller gives, else DATABASE_URL."""

from __future__ import annotations

from typing import Any

from alembic import context

from bot.db.engine import make_sync_engine, sync_url
from bot.db.migrations import include_object
from bot.db.models import Base, UTCDateTime
from bot.settings import get_settings

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> Any:
    # Keep migrations free of app imports: UTCDateTime is a plain aware DateTime in the DB.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=Base.metadata,
        include_object=include_object,  # type: ignore[arg-type]
        render_item=render_item,
        compare_type=True,
        # SQLite cannot ALTER most things: autogenerate batch operations that copy the table.
        render_as_batch=True,
        **kwargs,
    )


def run_migrations_offline(url: str) -> None:
    configure(url=sync_url(url), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: Any) -> None:
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    url = config.attributes.get("url") or get_settings().database_url
    if context.is_offline_mode():
        run_migrations_offline(url)
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        run_online(connection)
        return
    engine = make_sync_engine(url)
    try:
        with engine.connect() as connection:
            run_online(connection)
            connection.commit()
    finally:
        engine.dispose()


main()
