"""Sign-in throttling attacked over HTTP: the real app (behind a pretend reverse proxy, so
each request can come from another address) on this test's migrated database.

The test client is the proxy: with STAFF_TRUST_FORWARDED_FOR the client's address is the
right-most X-Forwarded-For entry, which the proxy adds. An attacker can write anything to
the left of it, or send X-Forwarded-For headers of their own before the proxy's.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from multidict import CIMultiDict
from sqlalchemy import select

from bot.db.engine import dispose_engine, get_sessionmaker
from bot.db.models import SignInFailure
from bot.staff import throttle
from bot.staff.settings import StaffSettings
from bot.web.app import create_app
from bot.web.settings import WebSettings
from tests.staff_fixtures import PASSWORD, add_staff_user, csrf_from

ATTACKER = "198.51.100.66"
ALICE_AT_HOME = "203.0.113.5"
OFFICE = "192.0.2.10"  # one NAT address for a whole office


@pytest.fixture
def staff_settings() -> StaffSettings:
    """This module's settings: behind a proxy, with a short pause under siege."""
    return StaffSettings(
        session_secret="test-staff-session-secret-0123456789",
        trust_forwarded_for=True,
        # Long, so that "not paused" can be told from a slow machine.
        besieged_pause_seconds=5.0,
    )


@asynccontextmanager
async def client_with(settings: StaffSettings) -> AsyncIterator[TestClient]:
    """The website with other throttling settings, on the same database."""
    await dispose_engine()
    async with TestClient(TestServer(create_app(WebSettings.from_env({}), settings))) as client:
        yield client
    await dispose_engine()


async def attempt(
    client: TestClient,
    name: str,
    password: str,
    address: str,
    forged: list[str] | None = None,
) -> ClientResponse:
    """One sign-in, as a fresh browser at `address`; `forged` are X-Forwarded-For headers
    the client sent itself, which the proxy passes on before its own."""
    client.session.cookie_jar.clear()
    token = csrf_from(await (await client.get("/staff/sign-in")).text())
    headers = CIMultiDict([("X-Forwarded-For", value) for value in forged or []])
    headers.add("X-Forwarded-For", address)
    return await client.post(
        "/staff/sign-in",
        data={"name": name, "password": password, "csrf_token": token},
        headers=headers,
        allow_redirects=False,
    )


async def signed_in(response: ClientResponse) -> bool:
    return response.status == 302 and response.headers["Location"] == "/staff/conversations"


async def age_failures(seconds: float) -> None:
    """As if `seconds` had passed since every failure so far."""
    async with get_sessionmaker()() as db, db.begin():
        for failure in (await db.execute(select(SignInFailure))).scalars():
            failure.failed_at -= timedelta(seconds=seconds)


async def test_failures_for_a_name_from_one_address_never_lock_the_user_out_elsewhere(
    staff_client: TestClient, staff_settings: StaffSettings
) -> None:
    await add_staff_user("alice", "reviewer")
    for _ in range(5):
        response = await attempt(staff_client, "alice", "wrong guess", ATTACKER)
        assert response.status == 401
    # The attacker's address is now limited, for every further try, right or wrong...
    for password in ["another guess"] * 20 + [PASSWORD]:
        response = await attempt(staff_client, "alice", password, ATTACKER)
        assert response.status == 429
        assert int(response.headers["Retry-After"]) > 0
        page = await response.text()
        assert "too many failed attempts to sign in from here" in page
        assert re.search(r"Wait 1?\d seconds? and try again", page)
    # ... while alice, at home, signs in straight away, with no pause.
    started = time.monotonic()
    assert await signed_in(await attempt(staff_client, "alice", PASSWORD, ALICE_AT_HOME))
    assert time.monotonic() - started < staff_settings.besieged_pause_seconds
    async with get_sessionmaker()() as db:
        keys = list((await db.execute(select(SignInFailure.key))).scalars())
    # Refused tries are not counted (no password was checked), and nothing is readable.
    assert len(keys) == 5 * 3
    assert not any("alice" in key or ATTACKER in key for key in keys)


async def test_each_further_failure_waits_longer(staff_client: TestClient) -> None:
    await add_staff_user("alice", "reviewer")
    for _ in range(5):
        await attempt(staff_client, "alice", "wrong guess", ATTACKER)
    for wait in (15, 30, 60, 120, 240):
        refused = await attempt(staff_client, "alice", "wrong guess", ATTACKER)
        assert refused.status == 429
        assert wait - 2 <= int(refused.headers["Retry-After"]) <= wait
        await age_failures(wait)
        assert (await attempt(staff_client, "alice", "wrong guess", ATTACKER)).status == 401
    refused = await attempt(staff_client, "alice", "wrong guess", ATTACKER)
    assert "Wait 8 minutes and try again" in await refused.text()
    # Failures are forgotten after the window (15 minutes); then the right password gets in.
    await age_failures(15 * 60)
    assert await signed_in(await attempt(staff_client, "alice", PASSWORD, ATTACKER))


async def test_a_forged_forwarded_for_cannot_dodge_the_per_address_limit(
    staff_client: TestClient,
) -> None:
    await add_staff_user("alice", "reviewer")
    for number in range(5):
        # nginx appends the proxy's entry to the client's own header...
        forged = [f"10.0.0.{number}, {ALICE_AT_HOME}"]
        response = await attempt(staff_client, "alice", "wrong guess", ATTACKER, forged)
        assert response.status == 401
    for forged in (
        [ALICE_AT_HOME],  # ... other proxies add a header line of their own, last
        [f"10.9.9.9, {ALICE_AT_HOME}", "10.8.8.8"],
        ["unknown"],
        [""],
    ):
        response = await attempt(staff_client, "alice", "wrong guess", ATTACKER, forged)
        assert response.status == 429, forged
    # The address the attacker wrote in the header was never counted against.
    assert await signed_in(await attempt(staff_client, "alice", PASSWORD, ALICE_AT_HOME))


def test_the_client_address_is_the_right_most_entry_the_proxy_added() -> None:
    trusting = StaffSettings(session_secret="x" * 32, trust_forwarded_for=True)
    direct = StaffSettings(session_secret="x" * 32)

    def address(settings: StaffSettings, *values: str) -> str:
        headers = CIMultiDict([("X-Forwarded-For", value) for value in values])
        return throttle.client_address(
            make_mocked_request("POST", "/staff/sign-in", headers=headers), settings
        )

    assert address(trusting, "192.0.2.1, 203.0.113.9") == "203.0.113.9"
    assert address(trusting, "192.0.2.1", "203.0.113.9") == "203.0.113.9"
    assert address(trusting, " 203.0.113.9 ") == "203.0.113.9"
    # Not behind a proxy: the header is the client's own, and ignored.
    assert address(direct, "203.0.113.9") != "203.0.113.9"
    # Every address of one IPv6 /64 (one household or office) counts as one.
    assert address(trusting, "2001:db8:1:2::1") == address(trusting, "2001:db8:1:2:ffff::7")
    assert address(trusting, "2001:db8:1:2::1") != address(trusting, "2001:db8:1:3::1")
    assert address(trusting, "::ffff:192.0.2.1") == "192.0.2.1"


async def test_many_names_from_one_address_are_limited_per_address(
    staff_settings: StaffSettings, migrated_url: str
) -> None:
    settings = replace(staff_settings, max_failures_per_address=8)
    async with client_with(settings) as client:
        await add_staff_user("alice", "reviewer")
        for number in range(8):  # one guess per name: no (name, address) limit is reached
            response = await attempt(client, f"user{number}", "wrong guess", ATTACKER)
            assert response.status == 401
        for name in ("user99", "alice"):
            assert (await attempt(client, name, "wrong guess", ATTACKER)).status == 429
        assert await signed_in(await attempt(client, "alice", PASSWORD, ALICE_AT_HOME))


async def test_an_office_behind_one_address_is_never_limited_in_normal_use(
    staff_client: TestClient, staff_settings: StaffSettings
) -> None:
    """With the default limits: a bad morning for an office of staff sharing one NAT address.
    Forty of them got their passwords wrong twice each in the last quarter of an hour (80
    failures, stored as the console stores them); then three more get theirs wrong four
    times each (one more and their own name would wait), and everyone signs in."""
    async with get_sessionmaker()() as db, db.begin():
        for number in range(40):
            keys = throttle.failure_keys(staff_settings, f"colleague{number}", OFFICE)
            for _ in range(2):
                await throttle.record_failure(db, keys)
    names = [f"staff{number}" for number in range(3)]
    for name in names:
        await add_staff_user(name, "reviewer")
    for name in names:
        for _ in range(4):
            assert (await attempt(staff_client, name, "mistyped", OFFICE)).status == 401
        assert await signed_in(await attempt(staff_client, name, PASSWORD, OFFICE)), name
    # 92 failures: still fine, and signing in again and again is never limited.
    for _ in range(2):
        for name in names:
            assert await signed_in(await attempt(staff_client, name, PASSWORD, OFFICE)), name


async def test_an_account_guessed_from_many_addresses_still_lets_its_owner_in(
    staff_settings: StaffSettings, migrated_url: str
) -> None:
    settings = replace(staff_settings, max_failures_per_user=6, besieged_pause_seconds=0.5)
    botnet = [f"198.51.100.{number}" for number in range(1, 8)]
    async with client_with(settings) as client:
        await add_staff_user("alice", "reviewer")
        for address in botnet[:6]:  # each address below its own limit
            assert (await attempt(client, "alice", "wrong guess", address)).status == 401
        # The ceiling is reached: an address that has failed now waits from its first
        # failure; one that has not is slowed, never refused.
        assert (await attempt(client, "alice", "wrong guess", botnet[0])).status == 429
        started = time.monotonic()
        assert (await attempt(client, "alice", "wrong guess", botnet[6])).status == 401
        assert time.monotonic() - started >= settings.besieged_pause_seconds
        assert (await attempt(client, "alice", "wrong guess", botnet[6])).status == 429
        # Alice at home, who has not failed, gets in (after the short pause).
        started = time.monotonic()
        assert await signed_in(await attempt(client, "alice", PASSWORD, ALICE_AT_HOME))
        assert time.monotonic() - started >= settings.besieged_pause_seconds
        # A typo of her own, at the office, costs her 15 seconds, not the account.
        assert (await attempt(client, "alice", "mistyped", OFFICE)).status == 401
        refused = await attempt(client, "alice", PASSWORD, OFFICE)
        assert refused.status == 429 and int(refused.headers["Retry-After"]) <= 15
        await age_failures(15)
        assert await signed_in(await attempt(client, "alice", PASSWORD, OFFICE))


def test_waits_are_described_rounded_up() -> None:
    assert throttle.describe_wait(timedelta(seconds=0.2)) == "1 second"
    assert throttle.describe_wait(timedelta(seconds=14.1)) == "15 seconds"
    assert throttle.describe_wait(timedelta(seconds=61)) == "2 minutes"
    assert throttle.wait_seconds(timedelta(seconds=29.5)) == 30


def test_the_limits_come_from_the_environment() -> None:
    settings = StaffSettings.from_env(
        {
            "STAFF_MAX_SIGN_IN_FAILURES": "4",
            "STAFF_MAX_SIGN_IN_FAILURES_PER_ADDRESS": "200",
            "STAFF_MAX_SIGN_IN_FAILURES_PER_USER": "60",
            "STAFF_TRUST_FORWARDED_FOR": "1",
        }
    )
    assert (settings.max_failures, settings.max_failures_per_address) == (4, 200)
    assert settings.max_failures_per_user == 60 and settings.trust_forwarded_for
    defaults = StaffSettings()
    # The per-address limit is what an office shares: far above one person's.
    assert defaults.max_failures_per_address >= 20 * defaults.max_failures
    assert defaults.max_failures < defaults.max_failures_per_user
