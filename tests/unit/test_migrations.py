"""Alembic migrations: one linear, numbered chain whose head matches the models."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.db.engine import make_sync_engine
from bot.db.migrations import (
    alembic_config,
    current_revision,
    head_revision,
    include_object,
    upgrade,
)
from bot.db.models import Base

OUR_TABLES = {"respondents", "answers", "alembic_version"}


def _diffs(url: str) -> list:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object, "compare_type": True}
            )
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_sync_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _create_rasa_events_table(url: str) -> None:
    """Stand in for the Rasa tracker store, which shares the database in production."""
    engine = make_sync_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, data TEXT)"))
            connection.execute(text("INSERT INTO events (id, data) VALUES (1, 'keep me')"))
    finally:
        engine.dispose()


def test_the_chain_has_one_head_and_is_numbered_in_order() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_heads() == [head_revision()]
    revisions = list(reversed(list(scripts.walk_revisions())))
    assert revisions[0].down_revision is None
    for number, revision in enumerate(revisions, start=1):
        assert revision.revision == f"{number:04d}"
        assert Path(revision.path).name.startswith(f"{number:04d}_")
        if number > 1:
            assert revision.down_revision == f"{number - 1:04d}"


def test_migrations_are_found_from_any_working_directory(tmp_path: Path) -> None:
    code = "from bot.db.migrations import head_revision; print(head_revision())"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == head_revision()


def test_upgrade_head_on_an_empty_database_matches_the_models(database_url: str) -> None:
    upgrade(database_url)

    assert OUR_TABLES <= _tables(database_url)
    engine = make_sync_engine(database_url)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
    engine.dispose()
    assert _diffs(database_url) == []


def test_upgrade_is_repeatable_and_downgrade_leaves_other_tables_alone(database_url: str) -> None:
    _create_rasa_events_table(database_url)

    upgrade(database_url)
    upgrade(database_url)
    assert _diffs(database_url) == []  # `events` is not ours: autogenerate must not drop it

    command.downgrade(alembic_config(database_url), "base")
    assert "respondents" not in _tables(database_url)
    upgrade(database_url)
    assert OUR_TABLES <= _tables(database_url)

    engine = make_sync_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT data FROM events")).scalar_one() == "keep me"
    engine.dispose()


def test_constraint_names_follow_the_naming_convention(database_url: str) -> None:
    upgrade(database_url)
    engine = make_sync_engine(database_url)
    inspector = inspect(engine)
    unique = {
        c["name"] for t in ("respondents", "answers") for c in inspector.get_unique_constraints(t)
    }
    foreign = {c["name"] for c in inspector.get_foreign_keys("answers")}
    engine.dispose()
    assert unique == {
        "uq_respondents_reference_code",
        "uq_respondents_sender_key",
        "uq_answers_respondent_id_question_id",
    }
    assert foreign == {"fk_answers_respondent_id_respondents"}
    assert all(re.fullmatch(r"[a-z0-9_]+", name) for name in unique | foreign)
