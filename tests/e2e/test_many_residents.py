"""Fifty residents at once each complete a consultation: no errors, every answer stored once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.stack import Stack
from tests.e2e.exported import export
from tests.e2e.resident import Resident

RESIDENTS = 50


@pytest.fixture(params=["sqlite_stack", "postgres_stack"])
def stack(request: pytest.FixtureRequest) -> Stack:
    return request.getfixturevalue(request.param)


def take_part(webhook: str, number: int) -> tuple[str, str]:
    """One resident's whole consultation; returns their reference code and comment."""
    resident = Resident(webhook)
    comment = f"Comment number {number} about knife crime near schools"
    resident.say("hello")
    resident.click("Yes")
    resident.say("knife crime")
    resident.click("Agree")
    resident.say(comment)
    resident.say("I'm done")
    for _ in range(3):
        resident.say("skip")
    code = resident.reference_code()
    assert code, resident.texts
    return code, comment


def test_fifty_residents_at_once(stack: Stack) -> None:
    with ThreadPoolExecutor(max_workers=RESIDENTS) as pool:
        results = list(pool.map(lambda n: take_part(stack.rest_webhook, n), range(RESIDENTS)))
    rows = export(stack.env["DATABASE_URL"])
    for code, comment in results:
        mine = [(r["question"], r["answer"]) for r in rows if r["respondent"] == code]
        assert sorted(mine) == sorted(
            [
                ("knife_crime.agreement", "agree"),
                ("knife_crime.comment", comment),
                ("about.age_band", "skipped"),
                ("about.borough", "skipped"),
                ("about.victim_last_12_months", "skipped"),
            ]
        )
    assert len({code for code, _ in results}) == RESIDENTS
