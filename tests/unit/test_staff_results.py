"""Staff results: exact counts and percentages, and the small-number rule, on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import sessionmaker

from bot.db.queries import erase_respondent, save_answer, start_respondent
from bot.questions import ABOUT, BY_ID, PARTS
from bot.staff.results import (
    BY_AGE_BAND,
    BY_BOROUGH,
    NOT_GIVEN,
    SUPPRESSED_TEXT,
    THRESHOLD,
    breakdown,
    distribution,
    load_answers,
    load_results,
    suppressed_groups,
)

KNIFE = BY_ID["knife_crime.agreement"]
AGE = BY_ID["about.age_band"]


async def seed(session_factory: sessionmaker, answers: dict[str, dict[str, str]]) -> None:
    async with session_factory() as session, session.begin():
        for sender, theirs in answers.items():
            respondent = await start_respondent(session, sender, "rest")
            for question_id, value in theirs.items():
                await save_answer(session, respondent, question_id, value)


def people(n: int, start: int = 0, **answers: str) -> dict[int, dict[str, str]]:
    """n respondents with the same answers (question ids written with __ for .)."""
    theirs = {k.replace("__", "."): v for k, v in answers.items()}
    return {start + i: dict(theirs) for i in range(n)}


async def test_counts_and_percentages_are_exact_and_erased_respondents_vanish(
    session_factory: sessionmaker,
) -> None:
    answers = {
        **{f"a{i}": {"knife_crime.agreement": "agree"} for i in range(3)},
        "d0": {"knife_crime.agreement": "disagree", "local.priorities": "robbery;burglary"},
        "s0": {"knife_crime.agreement": "skipped", "local.priorities": "robbery"},
        "gone": {"knife_crime.agreement": "strongly_agree", "local.priorities": "burglary"},
    }
    await seed(session_factory, answers)
    async with session_factory() as session, session.begin():
        assert await erase_respondent(session, "gone")
    async with session_factory() as session:
        parts = await load_results(session)
    knife = next(p for p in parts if p.part == "knife_crime")
    dist = knife.questions[0].distribution
    assert dist.question.id == "knife_crime.agreement" and dist.respondents == 5
    cells = {c.value: (c.count, c.percent) for c in dist.cells}
    assert cells["agree"] == (3, 60.0)
    assert cells["disagree"] == (1, 20.0)
    assert cells["skipped"] == (1, 20.0)
    assert cells["strongly_agree"] == (0, 0.0)  # the erased respondent's answer is gone
    assert not dist.suppressed_any  # opinions over all respondents are shown exactly
    local = next(p for p in parts if p.part == "local")
    priorities = next(q for q in local.questions if q.distribution.question.kind == "priorities")
    cells = {c.value: (c.count, c.percent) for c in priorities.distribution.cells}
    assert priorities.distribution.respondents == 2
    assert cells["robbery"] == (2, 100.0) and cells["burglary"] == (1, 50.0)
    # In the order the consultation takes the parts, the questions about the resident last.
    assert [p.part for p in parts] == [*PARTS, ABOUT]


async def test_results_read_fresh_each_time(session_factory: sessionmaker) -> None:
    await seed(session_factory, {"x": {"hate.agreement": "agree"}})
    async with session_factory() as session:
        assert len(await load_answers(session)) == 1
    async with session_factory() as session, session.begin():
        await erase_respondent(session, "x")
    async with session_factory() as session:
        assert await load_answers(session) == {}


def test_age_band_distribution_hides_groups_of_nine_and_shows_ten() -> None:
    answers = {
        **people(9, 0, about__age_band="18_24"),
        **people(10, 100, about__age_band="25_34"),
        **people(12, 200, about__age_band="35_44"),
    }
    dist = distribution(AGE, answers)
    cells = {c.value: c for c in dist.cells}
    assert cells["18_24"].count is None and cells["18_24"].shown == SUPPRESSED_TEXT
    assert cells["18_24"].percent is None
    # 9 hidden alone could be recovered as 31 - 10 - 12: the smallest shown group is hidden too.
    assert cells["25_34"].count is None
    assert (cells["35_44"].count, cells["35_44"].percent) == (12, round(1200 / 31, 1))
    assert dist.respondents == 31 and dist.suppressed_any


def test_ten_is_shown() -> None:
    answers = {
        **people(10, 0, about__age_band="18_24"),
        **people(10, 100, about__age_band="25_34"),
    }
    cells = {c.value: c for c in distribution(AGE, answers).cells}
    assert cells["18_24"].count == 10 and cells["25_34"].count == 10
    assert cells["18_24"].shown == "10"
    assert cells["75_plus"].shown == SUPPRESSED_TEXT  # empty reads the same as small


@pytest.mark.parametrize(
    "sizes, hidden",
    [
        ({"a": 9, "b": 10, "c": 30}, {"a", "b"}),  # 9 alone recoverable: hide the next
        ({"a": 10, "b": 30}, set()),
        ({"a": 5, "b": 6, "c": 30}, {"a", "b"}),  # 11 combined: no more needed
        ({"a": 0, "b": 0, "c": 30}, {"a", "b"}),  # only zeros recoverable: nobody disclosed
        ({"a": 3, "b": 0, "c": 12, "d": 40}, {"a", "b", "c"}),
        ({"a": 4}, {"a"}),
        ({"a": 4, "b": 20}, {"a", "b"}),
    ],
)
def test_suppressed_groups(sizes: dict[str, int], hidden: set[str]) -> None:
    assert suppressed_groups(sizes) == hidden


def test_no_hidden_group_can_be_recovered_by_subtraction() -> None:
    for sizes in (
        {"a": 9, "b": 10, "c": 11},
        {"a": 1, "b": 1, "c": 15, "d": 16},
        {"a": 2, "b": 50},
        {"a": 9, "b": 9, "c": 9},
    ):
        hidden = suppressed_groups(sizes)
        combined = sum(sizes[g] for g in hidden)
        assert combined == 0 or combined >= THRESHOLD
        assert all(sizes[g] >= THRESHOLD for g in sizes if g not in hidden)


def test_borough_breakdown_uses_the_same_respondents_borough_and_hides_small_groups() -> None:
    answers = {
        # 9 in Hackney: hidden, and Camden's 10 with them, so that the total cannot
        # give Hackney away; Lambeth shown.
        **people(9, 0, knife_crime__agreement="agree", local__borough="hackney"),
        **people(10, 100, knife_crime__agreement="disagree", local__borough="camden"),
        **people(6, 200, knife_crime__agreement="agree", local__borough="lambeth"),
        **people(6, 300, knife_crime__agreement="disagree", about__borough="lambeth"),
        # No borough: a group of its own ("Not given"), 12 of them.
        **people(12, 400, knife_crime__agreement="neutral", local__borough="skipped"),
        # A borough but no answer to this question: not counted.
        **people(20, 500, local__borough="croydon"),
    }
    table = breakdown(KNIFE, answers, *BY_BOROUGH)
    groups = {g.value: g for g in table.groups}
    assert groups["hackney"].suppressed and groups["hackney"].shown == SUPPRESSED_TEXT
    assert groups["hackney"].cells == ()
    assert groups["camden"].suppressed
    assert groups["croydon"].suppressed  # nobody: reads as small
    lambeth = groups["lambeth"]
    assert lambeth.respondents == 12
    assert {c.value: (c.count, c.percent) for c in lambeth.cells if c.count} == {
        "agree": (6, 50.0),
        "disagree": (6, 50.0),
    }
    assert groups[NOT_GIVEN].respondents == 12
    assert table.groups[-1].value == NOT_GIVEN
    hidden_total = sum(1 for r in answers.values() if "knife_crime.agreement" in r) - sum(
        g.respondents or 0 for g in table.groups
    )
    assert hidden_total == 19  # what subtraction gives: Hackney and Camden together


def test_age_band_cross_tab_hides_a_group_of_nine_and_shows_ten() -> None:
    answers = {
        **people(9, 0, hate__agreement="agree", about__age_band="18_24"),
        **people(10, 100, hate__agreement="agree", about__age_band="65_74"),
        **people(10, 200, hate__agreement="agree", about__age_band="25_34"),
        **people(10, 300, hate__agreement="agree", about__age_band="35_44"),
    }
    groups = {g.value: g for g in breakdown(BY_ID["hate.agreement"], answers, *BY_AGE_BAND).groups}
    assert groups["18_24"].suppressed
    # Exactly one of the tens is hidden with it (the first of the smallest).
    assert sum(groups[v].suppressed for v in ("65_74", "25_34", "35_44")) == 1
    assert sum(1 for g in groups.values() if g.respondents == 10) == 2
    assert groups[NOT_GIVEN].suppressed  # empty
