"""Whether every answer the simulated residents gave reached the `answers` table.

Each resident's expected answers come from the turns that got the right reply
(bench.conversation says what each turn stores); the stored ones are read through the
project's models, by the reference code on the resident's receipt, or else by their sender
id (whose key needs the deployment's SENDER_ID_SECRET).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.conversation import expected_answers
from bench.load import Resident

# {question id: (value, free text)}
Answers = dict[str, tuple[str, "str | None"]]


@dataclass
class AnswerCheck:
    """Expected and stored answers compared, over all residents of a scenario."""

    expected: int = 0
    stored_as_expected: int = 0
    # (resident, question id): expected but not stored.
    missing: list[tuple[str, str]] = field(default_factory=list)
    # (resident, question id, expected, stored): stored with another value or text.
    different: list[tuple[str, str, str, str]] = field(default_factory=list)
    # (resident, question id): stored but never answered by that resident.
    unexpected: list[tuple[str, str]] = field(default_factory=list)

    @property
    def all_stored(self) -> bool:
        return not self.missing and not self.different


def compare(expected: Mapping[str, Answers], stored: Mapping[str, Answers]) -> AnswerCheck:
    """Compare each resident's expected answers with what is stored for them."""
    check = AnswerCheck()
    for resident, answers in expected.items():
        theirs = stored.get(resident, {})
        for question, want in answers.items():
            check.expected += 1
            if question not in theirs:
                check.missing.append((resident, question))
            elif theirs[question] != want:
                check.different.append((resident, question, repr(want), repr(theirs[question])))
            else:
                check.stored_as_expected += 1
        check.unexpected += [(resident, q) for q in theirs if q not in answers]
    return check


async def _stored_for(session: AsyncSession, resident: Resident) -> Answers:
    from bot.db import queries
    from bot.db.models import Respondent

    if resident.reference_code:
        found = await session.execute(
            select(Respondent).where(Respondent.reference_code == resident.reference_code)
        )
        respondent = found.scalar_one_or_none()
    else:
        respondent = await queries.get_respondent(session, resident.sender)
    if respondent is None:
        return {}
    return {
        a.question_id: (a.value, a.free_text) for a in await queries.answers_of(session, respondent)
    }


async def read_stored(database_url: str, residents: list[Resident]) -> dict[str, Answers]:
    """Every resident's stored answers, by sender id."""
    from bot.db.engine import make_engine

    engine = make_engine(database_url)
    try:
        async with AsyncSession(engine) as session:
            return {r.sender: await _stored_for(session, r) for r in residents}
    finally:
        await engine.dispose()


async def check_answers(database_url: str, residents: list[Resident]) -> AnswerCheck:
    """Read what is stored for these residents and compare it with what they answered."""
    expected = {r.sender: expected_answers(r.answered_turns) for r in residents}
    return compare(expected, await read_stored(database_url, residents))
