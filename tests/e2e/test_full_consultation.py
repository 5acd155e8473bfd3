"""A whole consultation over the REST channel, then every stored answer checked.

The script is tests/e2e/whole_consultation.py, shared with the same test by SMS.

Runs against SQLite, and against PostgreSQL when TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import pytest

from bot.stack import Stack
from tests.e2e.exported import answers_of
from tests.e2e.resident import Resident
from tests.e2e.whole_consultation import VICTIM_TESTIMONY, answer_every_part, expected_answers


@pytest.fixture(params=["sqlite_stack", "postgres_stack"])
def stack(request: pytest.FixtureRequest) -> Stack:
    return request.getfixturevalue(request.param)


def test_a_resident_completes_the_whole_consultation(stack: Stack) -> None:
    resident = Resident(stack.rest_webhook)

    resident.say("hello")
    assert "Mayor's Office for Policing and Crime" in resident.text
    assert "We don't ask for your name" in resident.text
    resident.click("Yes")
    assert "Which part of the plan" in resident.text

    resident.click("All of it")
    # The victims comment tells of the resident's own experience: kept, thanked, supported.
    answer_every_part(
        resident.say, resident.click, lambda: resident.text, victims_comment=VICTIM_TESTIMONY
    )

    code = resident.reference_code()
    assert code, resident.texts
    assert "Thank you for taking part" in resident.text

    assert answers_of(stack.env["DATABASE_URL"], code) == expected_answers(
        victims_comment=VICTIM_TESTIMONY
    )
