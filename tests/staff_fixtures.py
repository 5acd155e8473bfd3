"""Staff console fixtures: the website on this test's migrated database, accounts, sign-in."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.db.engine import dispose_engine, get_sessionmaker
from bot.staff.auth import add_user
from bot.staff.settings import StaffSettings
from bot.web.app import create_app
from bot.web.settings import WebSettings

__all__ = [
    "PASSWORD",
    "staff_settings",
    "staff_client",
    "add_staff_user",
    "csrf_from",
    "without_csrf_tokens",
    "sign_in",
    "reviewer",
    "admin",
    "save_conversation",
]

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def staff_settings() -> StaffSettings:
    return StaffSettings(session_secret="test-staff-session-secret-0123456789")


@pytest_asyncio.fixture(loop_scope="function")
async def staff_client(
    migrated_url: str, staff_settings: StaffSettings
) -> AsyncIterator[TestClient]:
    """The website (with /staff) on this test's migrated database."""
    await dispose_engine()
    app = create_app(WebSettings.from_env({}), staff_settings)
    async with TestClient(TestServer(app)) as client:
        yield client
    await dispose_engine()


async def add_staff_user(name: str, role: str, password: str = PASSWORD) -> None:
    async with get_sessionmaker()() as db, db.begin():
        await add_user(db, name, role, password)


def csrf_from(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def without_csrf_tokens(page: str) -> str:
    """The page with its random CSRF tokens blanked.

    A token is random text, so a check that a short secret such as "4QT" is
    not on the page would fail now and then on a token that happens to hold it.
    """
    return CSRF.sub('name="csrf_token" value=""', page)


async def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in; returns the page landed on (the conversations list)."""
    page = await (await client.get("/staff/sign-in")).text()
    response = await client.post(
        "/staff/sign-in",
        data={"name": name, "password": password, "csrf_token": csrf_from(page)},
    )
    assert response.status == 200, await response.text()
    assert str(response.url.path) == "/staff/conversations"
    return await response.text()


@pytest_asyncio.fixture(loop_scope="function")
async def reviewer(staff_client: TestClient) -> TestClient:
    """The client, signed in as a reviewer called "rita"."""
    await add_staff_user("rita", "reviewer")
    await sign_in(staff_client, "rita")
    return staff_client


@pytest_asyncio.fixture(loop_scope="function")
async def admin(staff_client: TestClient) -> TestClient:
    """The client, signed in as an admin called "ade"."""
    await add_staff_user("ade", "admin")
    await sign_in(staff_client, "ade")
    return staff_client


@functools.lru_cache(maxsize=1)
def _domain() -> Any:
    from rasa.shared.core.domain import Domain

    from bot.settings import PROJECT_ROOT

    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


async def save_conversation(
    url: str,
    sender: str,
    turns: list[tuple[str, str]],
    channel: str = "rest",
    start: float | None = None,
) -> None:
    """Store a transcript as the Rasa server does: `turns` are ("resident"|"assistant", text)."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import ConsultTrackerStore

    at = start if start is not None else time.time()
    events: list = [ActionExecuted("action_listen", timestamp=at)]
    for number, (who, text) in enumerate(turns, start=1):
        if who == "resident":
            events.append(
                UserUttered(text, {"name": "greet"}, input_channel=channel, timestamp=at + number)
            )
        else:
            events.append(BotUttered(text, timestamp=at + number))
    store = ConsultTrackerStore(domain=_domain(), host=url)
    try:
        await store.save(DialogueStateTracker.from_events(sender, events))
    finally:
        store.engine.dispose()
