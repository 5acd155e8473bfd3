"""Every fact the assistant states about the plan names a source that really says it.

Statements live in bot/content/ (both Easy Read and standard); facts in domain.yml responses
are listed in bot/content/response_sources.yml. References are checked against copies of the
consultation brief and the original consultation page in docs/sources/.
"""

from __future__ import annotations

import re

import pytest
import yaml

from bot import content, sources
from bot.messages import domain_responses
from bot.settings import PROJECT_ROOT

RESPONSE_SOURCES = yaml.safe_load(
    (PROJECT_ROOT / "bot" / "content" / "response_sources.yml").read_text(encoding="utf-8")
)
# A response that says any of these may state a fact about the plan or where to get help.
MENTIONS_THE_PLAN = re.compile(
    r"\b(plan|mayor|mopac|consultation|police|city hall|draft|borough|\d{3})\b", re.IGNORECASE
)
MONTH = "January|February|March|April|May|June|July|August|September|October|November|December"
DATED_OPENING = re.compile(rf"^(In|On|By|From) (\d{{1,2}} )?({MONTH}) (\d{{4}})\b")


def statements():
    for mode in content.MODES:
        for part in content.parts(mode).values():
            for section in ("explain", "more", "what_happened_next"):
                for index, statement in enumerate(getattr(part, section)):
                    yield f"{part.id}.{mode}.{section}[{index}]", section, statement
        for key, items in content.consultation(mode).items():
            for index, statement in enumerate(items):
                yield f"consultation.{mode}.{key}[{index}]", key, statement


STATEMENTS = list(statements())


@pytest.mark.parametrize(
    ("where", "section", "statement"), STATEMENTS, ids=[s[0] for s in STATEMENTS]
)
def test_every_statement_names_a_source_that_resolves(where, section, statement):
    assert statement.source.strip(), f"{where} has no source"
    assert sources.problems(statement.source) == []


@pytest.mark.parametrize("name", sorted(RESPONSE_SOURCES["facts"]))
def test_facts_in_responses_name_sources_that_resolve(name):
    assert name in domain_responses(), f"{name} is not a response in domain.yml"
    assert sources.problems(RESPONSE_SOURCES["facts"][name]) == []


def test_own_words_responses_exist_and_say_why():
    for name, why in RESPONSE_SOURCES["own_words"].items():
        assert name in domain_responses(), f"{name} is not a response in domain.yml"
        assert why.strip()


def test_every_response_that_mentions_the_plan_is_sourced_or_marked_as_own_words():
    listed = set(RESPONSE_SOURCES["facts"]) | set(RESPONSE_SOURCES["own_words"])
    unlisted = [
        name
        for name, variations in domain_responses().items()
        if name not in listed
        and any(MENTIONS_THE_PLAN.search(v.get("text") or "") for v in variations)
    ]
    assert unlisted == [], "add these to bot/content/response_sources.yml"


@pytest.mark.parametrize(
    "reference",
    [
        "brief §1 Flying pigs: a made-up source",
        "brief §42 A section the brief does not have",
        "seed: consultation page (a phrase the page never uses)",
        "Evening Standard, Dec 2016",
        "",
    ],
)
def test_the_check_rejects_references_that_do_not_resolve(reference):
    assert sources.problems(reference)


# --- Nothing from after the consultation is presented as part of the draft ---

YEAR = re.compile(r"\b(19|20)\d{2}\b")


@pytest.mark.parametrize(
    ("where", "section", "statement"), STATEMENTS, ids=[s[0] for s in STATEMENTS]
)
def test_the_draft_is_described_as_it_was_during_the_consultation(where, section, statement):
    if section == "what_happened_next":
        opening = DATED_OPENING.match(statement.text)
        assert opening, f"{where}: later events start with their date, e.g. 'In March 2017, ...'"
        year, month = int(opening.group(4)), opening.group(3)
        assert year > 2016 or month == "December", f"{where} is dated before the draft"
        return
    # The draft and the consultation ran from December 2016 to March 2017; a target date
    # in the draft ("by the end of 2017") is the only later year it may name.
    for match in YEAR.finditer(statement.text):
        year = int(match.group())
        assert year <= 2017, f"{where} names {year}: that belongs in what_happened_next"
        if year == 2017:
            before = statement.text[: match.start()].lower()
            assert re.search(
                r"(by the end of|march|february|january|to 2 march|until)\s*(\d{1,2}\s*)?$",
                before,
            ), f"{where}: '2017' outside the consultation period belongs in what_happened_next"


def test_what_happened_next_is_only_said_after_the_draft():
    for mode in content.MODES:
        for part in content.parts(mode).values():
            for statement in part.explain + part.more:
                assert not re.match(r"^(In|On|By) \w+ 20(1[89]|2\d)", statement.text)
