"""Theme tags for comments: the rule matcher, the YAML checks, and comments by part."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from bot.db.queries import erase_respondent, save_answer, start_respondent
from bot.staff.themes import (
    THEMES_PATH,
    Theme,
    ThemeListError,
    ThemeMatcher,
    default_matcher,
    load_part_themes,
    load_themes,
    parse_themes,
    tag_comments,
    word_variants,
)

THEMES = (
    Theme("police_visibility", "More police on the street", ("more police on the street",)),
    Theme("stop_and_search", "Stop and search", ("stop and search",)),
    Theme("youth_services", "Youth services", ("youth services", "youth club")),
    Theme("street_lighting", "Street lighting", ("street lighting", "street light")),
    Theme("online_abuse", "Online abuse", ("online abuse",)),
    Theme("knife_crime", "Knife crime", ("knife crime", "knife")),
    Theme("crime", "Crime in general", ("crime",)),
    Theme("drugs", "Drugs", ("drug",)),
    Theme("cctv", "CCTV", ("CCTV",)),
)


@pytest.fixture(scope="module")
def matcher() -> ThemeMatcher:
    return ThemeMatcher(THEMES)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("We need MORE POLICE ON THE STREET.", ["police_visibility"]),
        ("more police on the streets, please", ["police_visibility"]),  # plural
        ("Stop and search works", ["stop_and_search"]),
        ("The youth clubs closed", ["youth_services"]),
        ("street lights are broken", ["street_lighting"]),
        ("Online Abuse of teenagers", ["online_abuse"]),
        ("Knives everywhere", ["knife_crime"]),  # f -> ves
        ("knife crime is up", ["knife_crime", "crime"]),  # overlapping themes both count
        ("drugs and cctv cameras", ["drugs", "cctv"]),
        ("The drugstore shut", []),  # not inside another word
        ("<b>street lights</b> and knife/gun crime", ["street_lighting", "knife_crime", "crime"]),
        ("a knifed tyre", []),
        ("the police were more on the street", []),  # words, but not the phrase
        ("streetlighting", []),
        ("", []),
    ],
)
def test_theme_matching(matcher: ThemeMatcher, text: str, expected: list[str]) -> None:
    assert matcher.theme_ids(text) == expected


def test_word_variants() -> None:
    assert word_variants("light") >= {"light", "lights"}
    assert word_variants("Knife") >= {"knife", "knives"}
    assert word_variants("services") >= {"service", "services"}
    assert word_variants("body") >= {"body", "bodies"}
    assert word_variants("search") >= {"search", "searches"}
    assert word_variants("101") == {"101"}


def test_the_shipped_theme_list_is_valid_and_covers_the_plan() -> None:
    themes = load_themes()
    ids = {t.id for t in themes}
    assert {
        "police_visibility",
        "stop_and_search",
        "youth_services",
        "street_lighting",
        "online_abuse",
        "knife_crime",
        "victims_services",
        "cctv",
        "drugs",
        "anti_social_behaviour",
        "response_times",
        "hate_crime",
        "vawg",
        "schools",
        "mental_health",
    } <= ids
    m = default_matcher()
    assert m.theme_ids("More police on the street and better street lighting") == [
        "police_visibility",
        "street_lighting",
    ]
    assert default_matcher() is m  # built once while the file is unchanged


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("- id: x\n", "expected one key, 'themes:'"),
        ("themes: []\n", "non-empty list"),
        ("themes:\n  - just a string\n", "theme 1: expected id, label and patterns"),
        ("themes:\n  - id: a\n    label: A\n", "theme 1 (a): missing patterns"),
        (
            "themes:\n  - id: Bad-Id\n    label: A\n    patterns: [x]\n",
            "id must be lowercase letters",
        ),
        (
            "themes:\n  - {id: a, label: A, patterns: [x]}\n  - {id: a, label: B, patterns: [y]}\n",
            "theme 2 (a): the id 'a' is used twice",
        ),
        ("themes:\n  - {id: a, label: '', patterns: [x]}\n", "label must be some text"),
        ("themes:\n  - {id: a, label: A, patterns: []}\n", "patterns must be a non-empty list"),
        ("themes:\n  - {id: a, label: A, patterns: [101]}\n", "put numbers in quotes"),
        ("themes:\n  - {id: a, label: A, patterns: [x], colour: red}\n", "unknown key colour"),
        ("themes:\n  - id: a\n   label: A\n", "not valid YAML at line"),
    ],
)
def test_invalid_theme_lists_are_refused_with_a_clear_message(
    tmp_path: Path, yaml_text: str, message: str
) -> None:
    path = tmp_path / "themes.yml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ThemeListError) as error:
        load_themes(path)
    assert message in str(error.value)
    assert "themes.yml" in str(error.value)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ThemeListError, match="cannot read"):
        default_matcher(tmp_path / "nope.yml")


def test_edits_apply_without_a_restart(tmp_path: Path) -> None:
    import os

    path = tmp_path / "themes.yml"
    path.write_text(THEMES_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    assert "bins" not in {t.id for t in default_matcher(path).themes}
    path.write_text("themes:\n  - {id: bins, label: Bins, patterns: [bin]}\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert default_matcher(path).theme_ids("Empty the bins") == ["bins"]


def test_parse_themes_strips_text() -> None:
    (theme,) = parse_themes({"themes": [{"id": "a", "label": " A ", "patterns": [" x y "]}]})
    assert theme == Theme("a", "A", ("x y",))


def test_tag_comments_counts_each_comment_once_per_theme(matcher: ThemeMatcher) -> None:
    result = tag_comments(
        matcher,
        "knife_crime",
        [
            ("AAAA-1111", "knife_crime.comment", "Knife crime, knife crime, knives"),
            ("BBBB-2222", "knife_crime.comment", "More youth clubs"),
            ("CCCC-3333", "knife_crime.comment", "No idea"),
        ],
    )
    counts = {t.theme.id: t.count for t in result.themes}
    assert counts == {"knife_crime": 1, "crime": 1, "youth_services": 1}
    # Ties keep the theme list's order.
    assert [t.theme.id for t in result.themes] == ["youth_services", "knife_crime", "crime"]
    assert [c.reference_code for c in result.untagged] == ["CCCC-3333"]


async def test_comments_by_part_from_the_database(session_factory: sessionmaker) -> None:
    async with session_factory() as session, session.begin():
        one = await start_respondent(session, "one", "rest")
        await save_answer(
            session, one, "knife_crime.comment", "given", "Knife arches <script>x</script>"
        )
        await save_answer(session, one, "local.priorities_other", "given", "Street lights")
        await save_answer(session, one, "hate.comment", "skipped")
        gone = await start_respondent(session, "gone", "rest")
        await save_answer(session, gone, "knife_crime.comment", "given", "knives again")
    async with session_factory() as session, session.begin():
        await erase_respondent(session, "gone")
    async with session_factory() as session:
        parts = {p.part: p for p in await load_part_themes(session, ThemeMatcher(THEMES))}
    knife = parts["knife_crime"]
    assert [(c.reference_code, c.text) for c in knife.comments] == [
        (one.reference_code, "Knife arches <script>x</script>")
    ]
    assert [(t.theme.id, t.count) for t in knife.themes] == [("knife_crime", 1)]
    assert [c.question_id for c in parts["local"].comments] == ["local.priorities_other"]
    assert parts["hate"].comments == ()
