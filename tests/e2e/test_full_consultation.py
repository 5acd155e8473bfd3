"""A whole consultation over the REST channel, then every stored answer checked.

Runs against SQLite, and against PostgreSQL when TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import pytest

from bot.stack import Stack
from tests.e2e.exported import answers_of
from tests.e2e.resident import Resident


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
    assert "neighbourhood policing" in resident.texts[-1]
    resident.click("Agree")  # a button
    resident.say("More officers I can actually talk to")  # typed comment

    assert "children and young people" in resident.texts[-1]
    resident.say("totally")  # typed in their own words
    resident.click("Skip")

    assert "women and girls" in resident.texts[-1]
    resident.click("Strongly agree")
    resident.say("Better lighting on the way home")

    assert "extremism" in resident.texts[-1]
    resident.say("not sure")
    resident.say("skip")

    assert "knife crime" in resident.texts[-1]
    resident.say("no way")
    resident.say("Stop and search is not the answer, youth clubs are")

    assert "victims" in resident.texts[-1]
    resident.click("Disagree")
    resident.say("no")

    assert "borough" in resident.texts[-1]
    resident.say("I live in Brixton")
    resident.click("Burglary")
    resident.say("yeah mostly")
    resident.click("Skip")

    assert "about you" in resident.text.lower()
    resident.say("I'm 34")
    resident.click("No")  # victim of crime in the last 12 months

    code = resident.reference_code()
    assert code, resident.texts
    assert "Thank you for taking part" in resident.text

    assert answers_of(stack.env["DATABASE_URL"], code) == {
        "neighbourhood.agreement": "agree",
        "neighbourhood.comment": "More officers I can actually talk to",
        "children.agreement": "strongly_agree",
        "children.comment": "skipped",
        "vawg.agreement": "strongly_agree",
        "vawg.comment": "Better lighting on the way home",
        "hate.agreement": "dont_know",
        "hate.comment": "skipped",
        "knife_crime.agreement": "strongly_disagree",
        "knife_crime.comment": "Stop and search is not the answer, youth clubs are",
        "victims.agreement": "disagree",
        "victims.comment": "skipped",
        "local.borough": "lambeth",
        "local.priorities": "burglary",
        "local.agreement": "agree",
        "local.comment": "skipped",
        "about.age_band": "25_34",
        "about.victim_last_12_months": "no",
    }
