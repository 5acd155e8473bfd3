"""End-to-end fixtures: the real model, action server, Rasa server and database.

The model is trained once (and only if its inputs changed, see bot.training); each stack
starts once per test session on free ports.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.stack import BIN, SCRIPTED_CONVERSATIONS, Stack, start_stack
from bot.training import ensure_model
from tests.e2e.texter import TWILIO_AUTH_TOKEN

HISTORICAL_WINDOW = Path(__file__).resolve().parents[2] / "deploy" / "historical-window.env"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def model() -> Path:
    return ensure_model()


def migrate(database_url: str) -> None:
    subprocess.run(
        [str(BIN / "consult"), "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
    )


def _stack(model: Path, database_url: str, log_path: Path, **env: str) -> Iterator[Stack]:
    migrate(database_url)
    env = {
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_WEBHOOK_URL": "",
        **SCRIPTED_CONVERSATIONS,
        **env,
    }
    with open(log_path, "w") as log:
        stack = start_stack(model, database_url, log=log, **env)
        stack.log_path = log_path
        try:
            yield stack
        finally:
            stack.stop()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'consult.db'}"


@pytest.fixture(scope="session")
def sqlite_stack(model: Path, sqlite_url: str, tmp_path_factory: pytest.TempPathFactory):
    yield from _stack(model, sqlite_url, tmp_path_factory.mktemp("logs") / "sqlite-stack.log")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        pytest.skip("TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    import sqlalchemy as sa

    name = f"consult_e2e_{secrets.token_hex(4)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(base).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_stack(model: Path, postgres_url: str, tmp_path_factory: pytest.TempPathFactory):
    yield from _stack(model, postgres_url, tmp_path_factory.mktemp("logs") / "pg-stack.log")


@pytest.fixture(scope="session")
def closed_window_stack(model: Path, tmp_path_factory: pytest.TempPathFactory):
    """The stack configured with the consultation's historical (long closed) window."""
    settings = dict(
        line.split("=", 1)
        for line in HISTORICAL_WINDOW.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    url = f"sqlite:///{tmp_path_factory.mktemp('closed') / 'consult.db'}"
    yield from _stack(model, url, tmp_path_factory.mktemp("logs") / "closed.log", **settings)
