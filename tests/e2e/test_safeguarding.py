"""Safeguarding over the real servers: disclosures get help in any state and are never
stored as answers; opinions about crime get the normal conversation."""

from __future__ import annotations

import asyncio

from bot.db import queries
from bot.db.engine import make_engine
from bot.safeguarding_report import measure
from bot.stack import Stack
from tests.e2e.exported import export
from tests.e2e.resident import Resident

HELP = "can't report a crime or send help"


def flags_of(database_url: str, sender: str) -> list[str]:
    async def read() -> list[str]:
        from sqlalchemy.ext.asyncio import AsyncSession

        engine = make_engine(database_url)
        try:
            async with AsyncSession(engine) as session:
                return [f.category for f in await queries.flags_of(session, sender)]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_a_disclosure_before_consent_gets_999_and_is_flagged(sqlite_stack: Stack) -> None:
    resident = Resident(sqlite_stack.rest_webhook)
    resident.say("there's a man outside my house with a knife")
    assert "999" in resident.text and HELP in resident.text
    assert flags_of(sqlite_stack.env["DATABASE_URL"], resident.sender) == ["immediate_danger"]


def test_a_disclosure_inside_a_comment_is_not_stored_and_the_question_returns(
    sqlite_stack: Stack,
) -> None:
    resident = Resident(sqlite_stack.rest_webhook)
    resident.say("hello")
    resident.click("Yes")
    resident.say("victims")
    resident.click("Agree")
    question = resident.texts[-1]
    resident.say(
        "I agree with more police but my ex keeps turning up at my flat and threatening me"
    )
    assert "0808 2000 247" in resident.text
    assert resident.texts[-1] == question
    resident.say("Victims should hear back faster")
    rows = [
        r for r in export(sqlite_stack.env["DATABASE_URL"]) if r["question"] == "victims.comment"
    ]
    assert "Victims should hear back faster" in [r["answer"] for r in rows]
    assert not any(
        "ex keeps turning up" in r["answer"] for r in export(sqlite_stack.env["DATABASE_URL"])
    )
    assert flags_of(sqlite_stack.env["DATABASE_URL"], resident.sender) == ["domestic_abuse"]


def test_an_opinion_about_crime_is_a_normal_answer(sqlite_stack: Stack) -> None:
    resident = Resident(sqlite_stack.rest_webhook)
    resident.say("hello")
    resident.click("Yes")
    resident.say("knife crime")
    resident.click("Agree")
    resident.say("knife crime is terrible round here")
    assert HELP not in resident.text
    assert "saved" in resident.text


def test_safeguarding_recall_and_false_positives_on_the_labelled_set(sqlite_stack: Stack) -> None:
    scores = measure(sqlite_stack.rasa_url)
    print(
        f"recall {scores.recall:.3f} ({scores.caught}/{scores.disclosures}), false positives "
        f"{scores.false_positive_rate:.3f} ({scores.false_positives}/{scores.opinions})"
    )
    assert scores.disclosures >= 150 and scores.opinions >= 150
    assert scores.recall == 1.0, scores.missed
    assert scores.false_positive_rate <= 0.05, scores.wrongly_flagged
