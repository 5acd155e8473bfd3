"""New staff passwords: common ones, and ones containing the user name, are refused.

`consult staff add-user` is tested over its real command line in test_staff_cli.py.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.db.engine import get_sessionmaker
from bot.staff import passwords
from bot.staff.auth import add_user, set_password
from tests.staff_fixtures import PASSWORD, add_staff_user, sign_in

REFUSED_AS_COMMON = [
    "password1234",  # on the list as it is
    "qwertyuiop12",
    "1q2w3e4r5t6y",
    "Password2024!",  # a common one with digits and symbols added
    "!!Sunshine2024!!",
    "dragon12345678",
    "P a s s w o r d 1",
    "123456789012",  # "123456789" and three more digits
    "monkeymonkey",  # a common one repeated
    "football-football",
    "letmein!letmein!",
    "aaaaaaaaaaaa",
    "!!!!!!!!!!!!",
]
ACCEPTED = [
    PASSWORD,
    "a long pass phrase",
    "tangerine orbit quietly",
    "2024 was a good year for us",
    "ünïcode fröhlich straße",
]


def test_the_list_ships_in_the_package() -> None:
    common = passwords.common_passwords()
    assert len(common) >= 10_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common
    assert all(entry == entry.casefold().strip() for entry in common)


@pytest.mark.parametrize("password", REFUSED_AS_COMMON)
def test_common_passwords_are_refused(password: str) -> None:
    assert passwords.problem("bob", password) == passwords.TOO_COMMON


@pytest.mark.parametrize("password", ACCEPTED)
def test_long_uncommon_pass_phrases_are_accepted(password: str) -> None:
    assert passwords.problem("bob", password) is None


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("alice", "Alice in wonderland 1865"),
        ("alice", "my friend ALICE says hi"),
        ("alice.smith", "alicesmith rides again"),
        ("Jo Bloggs", "jobloggs is my password now"),
    ],
)
def test_passwords_containing_the_user_name_are_refused(name: str, password: str) -> None:
    assert passwords.problem(name, password) == passwords.HAS_NAME


def test_a_very_short_user_name_is_not_looked_for() -> None:
    assert passwords.problem("ed", "need a long phrase") is None


async def test_add_user_refuses_with_the_reason(staff_client: TestClient) -> None:
    async with get_sessionmaker()() as db, db.begin():
        with pytest.raises(ValueError, match="too common"):
            await add_user(db, "bob", "reviewer", "Password2024!")
        with pytest.raises(ValueError, match="must not contain the user name"):
            await add_user(db, "bob", "reviewer", "bob the builder 1999")
        with pytest.raises(ValueError, match="at least 12 characters"):
            await add_user(db, "bob", "reviewer", "tangerine")


async def test_a_changed_password_is_checked_and_ends_other_sessions(
    staff_client: TestClient,
) -> None:
    await add_staff_user("rita", "reviewer")
    await sign_in(staff_client, "rita")
    async with get_sessionmaker()() as db, db.begin():
        for bad in ("iloveyou1234", "rita's new pass phrase"):
            with pytest.raises(ValueError):
                await set_password(db, "rita", bad)
        with pytest.raises(ValueError, match="no user called 'nobody'"):
            await set_password(db, "nobody", "tangerine orbit quietly")
    # A refused change leaves the session and the old password as they were.
    assert (await staff_client.get("/staff/conversations", allow_redirects=False)).status == 200
    async with get_sessionmaker()() as db, db.begin():
        await set_password(db, "rita", "tangerine orbit quietly")
    response = await staff_client.get("/staff/conversations", allow_redirects=False)
    assert response.status == 302
    await sign_in(staff_client, "rita", "tangerine orbit quietly")
