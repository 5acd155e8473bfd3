"""Results for staff: counts and percentages of every closed question, by part of the plan.

Read fresh from the answers table on every request (nothing is cached), so an erased
resident, whose rows are deleted, never appears.

Small-number rule (for every demographic breakdown: the distribution of an attribute of the
respondent, such as age band or borough, and every cross-tab of a question by one):

1. A group with fewer than 10 respondents (`THRESHOLD`) is not shown: it reads
   "fewer than 10", with no count and no percentage. Empty groups read the same, so an empty
   group cannot be told from a small one.
2. Totals are shown, so the hidden groups' combined size could be worked out by subtraction.
   If that combined size is between 1 and 9, the smallest shown groups are hidden as well,
   one at a time, until it is 10 or more. So what subtraction recovers is only ever the sum
   of two or more groups with at least 10 respondents between them (or zero): never one
   small group. Within a cross-tab the rule hides whole groups (rows), so the same holds for
   every column.

The distributions of opinion questions over all respondents (how many agree) are not
breakdowns by a respondent attribute, so they are shown exactly.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Answer
from bot.places.boroughs import BOROUGHS
from bot.questions import (
    ABOUT,
    BY_ID,
    PARTS,
    PREFER_NOT_TO_SAY,
    SKIPPED,
    Question,
    questions_for,
    value_label,
)

THRESHOLD = 10
SUPPRESSED_TEXT = "fewer than 10"
CLOSED_KINDS = ("agreement", "yes_no", "age_band", "borough", "priorities")
# Questions whose answers describe the respondent rather than their view of the plan.
DEMOGRAPHIC_KINDS = ("age_band", "borough")
DEMOGRAPHIC_IDS = ("about.victim_last_12_months",)
NOT_GIVEN = "not_given"
NOT_GIVEN_LABEL = "Not given"
PART_TITLES = {
    "neighbourhood": "Ending the 'postcode lottery' (neighbourhood policing)",
    "children": "Keeping children and young people safe",
    "vawg": "Violence against women and girls",
    "hate": "Extremism, hatred and intolerance",
    "knife_crime": "Knife crime",
    "victims": "Services for victims",
    "local": "Local priorities",
    ABOUT: "About the respondents",
}

# respondent id -> question id -> stored value
AnswerTable = Mapping[int, Mapping[str, str]]


def is_demographic(question: Question) -> bool:
    return question.kind in DEMOGRAPHIC_KINDS or question.id in DEMOGRAPHIC_IDS


@dataclass(frozen=True)
class Cell:
    """One value's count; `count` and `percent` are None when the rule hides them."""

    value: str
    label: str
    count: int | None
    percent: float | None

    @property
    def suppressed(self) -> bool:
        return self.count is None

    @property
    def shown(self) -> str:
        return SUPPRESSED_TEXT if self.count is None else str(self.count)


@dataclass(frozen=True)
class Distribution:
    """How the respondents who answered a question answered it."""

    question: Question
    respondents: int  # respondents who answered (percentages are of these)
    cells: tuple[Cell, ...]
    suppressed_any: bool = False


@dataclass(frozen=True)
class Group:
    """One group of a cross-tab (a borough, an age band): its size and its answers."""

    value: str
    label: str
    respondents: int | None  # None when hidden
    cells: tuple[Cell, ...]

    @property
    def suppressed(self) -> bool:
        return self.respondents is None

    @property
    def shown(self) -> str:
        return SUPPRESSED_TEXT if self.respondents is None else str(self.respondents)


@dataclass(frozen=True)
class Breakdown:
    """A question's answers cross-tabulated by a respondent attribute."""

    question: Question
    by: str  # what groups the respondents, e.g. "Borough"
    values: tuple[tuple[str, str], ...]  # the question's (value, label) columns
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class QuestionResult:
    distribution: Distribution
    breakdowns: tuple[Breakdown, ...] = ()


@dataclass(frozen=True)
class PartResult:
    part: str
    title: str
    questions: tuple[QuestionResult, ...] = field(default_factory=tuple)


# --- the small-number rule --------------------------------------------------------------


def suppressed_groups(sizes: Mapping[str, int], threshold: int = THRESHOLD) -> set[str]:
    """The groups to hide under the module's rule, given every group's size."""
    hidden = {group for group, size in sizes.items() if size < threshold}
    shown = sorted((size, group) for group, size in sizes.items() if group not in hidden)
    while shown and 0 < sum(sizes[g] for g in hidden) < threshold:
        hidden.add(shown.pop(0)[1])
    return hidden


def _percent(count: int, of: int) -> float | None:
    return round(100 * count / of, 1) if of else None


# --- reading ------------------------------------------------------------------------------


async def load_answers(session: AsyncSession) -> dict[int, dict[str, str]]:
    """Every respondent's closed answers (free text left out), read now."""
    closed = [q.id for q in BY_ID.values() if q.kind in CLOSED_KINDS]
    result = await session.execute(
        select(Answer.respondent_id, Answer.question_id, Answer.value).where(
            Answer.question_id.in_(closed)
        )
    )
    table: dict[int, dict[str, str]] = defaultdict(dict)
    for respondent_id, question_id, value in result:
        table[respondent_id][question_id] = value
    return dict(table)


def _codes(question: Question, value: str) -> list[str]:
    return value.split(";") if question.kind == "priorities" else [value]


def _columns(question: Question) -> tuple[tuple[str, str], ...]:
    return tuple((v, value_label(question, v)) for v in question.values)


# --- distributions ------------------------------------------------------------------------


def distribution(question: Question, answers: AnswerTable) -> Distribution:
    """Counts and percentages of each allowed value among those who answered.

    For priorities (up to two each) a value's percentage is of respondents, so they can add
    up to more than 100.
    """
    counts: Counter[str] = Counter()
    respondents = 0
    for theirs in answers.values():
        value = theirs.get(question.id)
        if value is None:
            continue
        respondents += 1
        counts.update(_codes(question, value))
    hidden: set[str] = set()
    if is_demographic(question):
        hidden = suppressed_groups({v: counts[v] for v in question.values})
    cells = tuple(
        Cell(v, label, None, None)
        if v in hidden
        else Cell(v, label, counts[v], _percent(counts[v], respondents))
        for v, label in _columns(question)
    )
    return Distribution(question, respondents, cells, bool(hidden))


# --- cross-tabs ---------------------------------------------------------------------------


def borough_of(theirs: Mapping[str, str]) -> str:
    """The respondent's borough: from the local part, or else from the questions about them."""
    for question_id in ("local.borough", "about.borough"):
        value = theirs.get(question_id)
        if value in BOROUGHS:
            return value
    return NOT_GIVEN


def age_band_of(theirs: Mapping[str, str]) -> str:
    value = theirs.get("about.age_band")
    return NOT_GIVEN if value in (None, SKIPPED, PREFER_NOT_TO_SAY) else value


GroupBy = tuple[str, Callable[[Mapping[str, str]], str], tuple[tuple[str, str], ...]]
BY_BOROUGH: GroupBy = ("Borough", borough_of, tuple(BOROUGHS.items()))
BY_AGE_BAND: GroupBy = (
    "Age band",
    age_band_of,
    tuple(
        (v, value_label(BY_ID["about.age_band"], v))
        for v in BY_ID["about.age_band"].values
        if v not in (SKIPPED, PREFER_NOT_TO_SAY)
    ),
)


def breakdown(
    question: Question,
    answers: AnswerTable,
    by: str,
    group_of: Callable[[Mapping[str, str]], str],
    groups: Sequence[tuple[str, str]],
) -> Breakdown:
    """The question's answers by group (every group listed; "Not given" last)."""
    sizes: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for theirs in answers.values():
        value = theirs.get(question.id)
        if value is None:
            continue
        group = group_of(theirs)
        sizes[group] += 1
        counts[group].update(_codes(question, value))
    listed = [*groups, (NOT_GIVEN, NOT_GIVEN_LABEL)]
    hidden = suppressed_groups({g: sizes[g] for g, _ in listed})
    columns = _columns(question)
    rows = []
    for group, label in listed:
        if group in hidden:
            rows.append(Group(group, label, None, ()))
            continue
        size = sizes[group]
        cells = tuple(
            Cell(v, vlabel, counts[group][v], _percent(counts[group][v], size))
            for v, vlabel in columns
        )
        rows.append(Group(group, label, size, cells))
    return Breakdown(question, by, columns, tuple(rows))


def question_result(question: Question, answers: AnswerTable) -> QuestionResult:
    breakdowns = []
    if question.kind != "borough":
        breakdowns.append(breakdown(question, answers, *BY_BOROUGH))
    if question.kind != "age_band":
        breakdowns.append(breakdown(question, answers, *BY_AGE_BAND))
    return QuestionResult(distribution(question, answers), tuple(breakdowns))


def results_by_part(
    answers: AnswerTable, parts: Iterable[str] = (*PARTS, ABOUT)
) -> list[PartResult]:
    """Every closed question's results, grouped by part of the plan in the plan's order."""
    return [
        PartResult(
            part,
            PART_TITLES.get(part, part),
            tuple(
                question_result(q, answers) for q in questions_for(part) if q.kind in CLOSED_KINDS
            ),
        )
        for part in parts
    ]


async def load_results(session: AsyncSession) -> list[PartResult]:
    return results_by_part(await load_answers(session))
