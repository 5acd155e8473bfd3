"""Theme tags for residents' comments: spaCy rules over the editable list in themes.yml.

A comment has a theme when it contains one of the theme's patterns as whole words (spaCy's
tokenizer decides what a word is, so "drug" never matches inside "drugstore"), in any case,
with the last word singular or plural. No statistical model is involved: `spacy.blank("en")`
and a PhraseMatcher, so the tags are predictable and staff can change them by editing the
YAML file. A comment may have several themes (they may even overlap: "knife crime near the
school" has two), or none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Answer, Respondent
from bot.questions import BY_ID, GIVEN, PARTS, QUESTIONS
from bot.staff.redaction import redact

THEMES_PATH = Path(__file__).resolve().parent / "themes.yml"
_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
# Characters that spaCy's English tokenizer leaves stuck to a word ("lights</b" is one token):
# read as spaces, so "<b>street lights</b>" and "knife/gun" still match.
_SEPARATORS = re.compile(r"[<>/\\|\[\]{}*_#~^=+]")


def _normalise(text: str) -> str:
    return _SEPARATORS.sub(" ", text)


class ThemeListError(ValueError):
    """themes.yml is not a valid theme list; the message says where and why."""


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    patterns: tuple[str, ...]


# --- loading and checking ---------------------------------------------------------------


def parse_themes(data: Any, source: str = "themes.yml") -> tuple[Theme, ...]:
    """Themes from the YAML's parsed data; ThemeListError names the first problem."""
    if not isinstance(data, dict) or set(data) != {"themes"}:
        raise ThemeListError(f"{source}: expected one key, 'themes:', holding a list of themes")
    entries = data["themes"]
    if not isinstance(entries, list) or not entries:
        raise ThemeListError(f"{source}: 'themes:' must be a non-empty list")
    themes: list[Theme] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: theme {number}"
        if not isinstance(entry, dict):
            raise ThemeListError(f"{where}: expected id, label and patterns")
        if isinstance(entry.get("id"), str):
            where += f" ({entry['id']})"
        unknown = set(entry) - {"id", "label", "patterns"}
        missing = {"id", "label", "patterns"} - set(entry)
        if missing:
            raise ThemeListError(f"{where}: missing {', '.join(sorted(missing))}")
        if unknown:
            raise ThemeListError(f"{where}: unknown key {', '.join(sorted(map(str, unknown)))}")
        theme_id, label, patterns = entry["id"], entry["label"], entry["patterns"]
        if not isinstance(theme_id, str) or not _ID.match(theme_id):
            raise ThemeListError(
                f"{where}: id must be lowercase letters, digits and underscores, "
                f"starting with a letter, not {theme_id!r}"
            )
        if theme_id in seen:
            raise ThemeListError(f"{where}: the id {theme_id!r} is used twice")
        seen.add(theme_id)
        if not isinstance(label, str) or not label.strip():
            raise ThemeListError(f"{where}: label must be some text")
        if not isinstance(patterns, list) or not patterns:
            raise ThemeListError(f"{where}: patterns must be a non-empty list")
        for pattern in patterns:
            if not isinstance(pattern, str) or not pattern.strip():
                raise ThemeListError(
                    f"{where}: pattern {pattern!r} must be text (put numbers in quotes)"
                )
        themes.append(Theme(theme_id, label.strip(), tuple(p.strip() for p in patterns)))
    return tuple(themes)


def load_themes(path: Path = THEMES_PATH) -> tuple[Theme, ...]:
    """Read and check a theme list; ThemeListError says what is wrong and where."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ThemeListError(f"cannot read {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ThemeListError(f"{path.name}: not valid YAML{at}: {error}") from None
    return parse_themes(data, path.name)


# --- matching ---------------------------------------------------------------------------


def word_variants(word: str) -> set[str]:
    """The word with its plural or singular, by English spelling rules (lowercase)."""
    word = word.lower()
    variants = {word}
    if not word.isalpha() or len(word) < 3:
        return variants
    if word.endswith("ies"):
        variants.add(word[:-3] + "y")
    elif word.endswith("ves"):
        variants |= {word[:-3] + "f", word[:-3] + "fe"}
    elif word.endswith(("ses", "xes", "zes", "ches", "shes")):
        variants.add(word[:-2])
    elif word.endswith("s") and not word.endswith("ss"):
        variants.add(word[:-1])
    if word.endswith("y") and word[-2] not in "aeiou":
        variants.add(word[:-1] + "ies")
    elif word.endswith(("s", "x", "z", "ch", "sh")):
        variants.add(word + "es")
    elif word.endswith("fe"):
        variants.add(word[:-2] + "ves")
    elif word.endswith("f"):
        variants.add(word[:-1] + "ves")
    if not word.endswith("s"):
        variants.add(word + "s")
    return variants


class ThemeMatcher:
    """Finds the themes of a text. Build once: making the patterns takes a moment."""

    def __init__(self, themes: Sequence[Theme]) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        self.themes = tuple(themes)
        self._nlp = spacy.blank("en")
        # LOWER: case does not matter; every pattern is a whole run of tokens.
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        for theme in self.themes:
            docs = []
            for pattern in theme.patterns:
                words = [t.text for t in self._nlp.make_doc(_normalise(pattern))]
                for last in word_variants(words[-1]):
                    docs.append(self._nlp.make_doc(" ".join([*words[:-1], last])))
            self._matcher.add(theme.id, docs)

    def theme_ids(self, text: str) -> list[str]:
        """The ids of the themes found in the text, in the theme list's order."""
        doc = self._nlp.make_doc(_normalise(text))
        found = {self._nlp.vocab.strings[match_id] for match_id, _, _ in self._matcher(doc)}
        return [theme.id for theme in self.themes if theme.id in found]


@lru_cache(maxsize=4)
def _matcher_for(path: Path, modified: float) -> ThemeMatcher:
    return ThemeMatcher(load_themes(path))


def default_matcher(path: Path = THEMES_PATH) -> ThemeMatcher:
    """The matcher for the file, rebuilt when the file changes (so edits apply at once)."""
    try:
        modified = path.stat().st_mtime
    except OSError as error:
        raise ThemeListError(f"cannot read {path}: {error.strerror or error}") from None
    return _matcher_for(path, modified)


# --- comments by part ---------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    reference_code: str
    question_id: str
    text: str
    theme_ids: tuple[str, ...]


@dataclass(frozen=True)
class ThemeCount:
    theme: Theme
    comments: tuple[Comment, ...]

    @property
    def count(self) -> int:
        return len(self.comments)


@dataclass(frozen=True)
class PartThemes:
    """A part's comments, with each theme's count and comments (most common first)."""

    part: str
    comments: tuple[Comment, ...]
    themes: tuple[ThemeCount, ...]

    @property
    def untagged(self) -> tuple[Comment, ...]:
        return tuple(c for c in self.comments if not c.theme_ids)


def tag_comments(
    matcher: ThemeMatcher,
    part: str,
    comments: Iterable[tuple[str, str, str]],
    shown: Callable[[str], str] = str,
) -> PartThemes:
    """Tag (reference code, question id, text) comments of one part and count each theme.

    Themes are found in the text as written; each comment keeps `shown(text)`, e.g. the text
    with personal data hidden (a theme names no one, so finding it in the full text is safe).
    """
    tagged = tuple(
        Comment(code, question_id, shown(text), tuple(matcher.theme_ids(text)))
        for code, question_id, text in comments
    )
    counts = [
        ThemeCount(theme, tuple(c for c in tagged if theme.id in c.theme_ids))
        for theme in matcher.themes
    ]
    counts = [c for c in counts if c.count]
    counts.sort(key=lambda c: -c.count)  # stable: ties keep the list's order
    return PartThemes(part, tagged, tuple(counts))


async def load_comments(session: AsyncSession) -> dict[str, list[tuple[str, str, str]]]:
    """Every written answer, read now, by part: (reference code, question id, text)."""
    free_text = [q.id for q in QUESTIONS if q.is_free_text]
    result = await session.execute(
        select(Respondent.reference_code, Answer.question_id, Answer.free_text)
        .join(Answer, Answer.respondent_id == Respondent.id)
        .where(Answer.question_id.in_(free_text), Answer.value == GIVEN)
        .order_by(Answer.answered_at, Answer.id)
    )
    by_part: dict[str, list[tuple[str, str, str]]] = {part: [] for part in PARTS}
    for code, question_id, text in result:
        if text:
            by_part[BY_ID[question_id].part].append((code, question_id, text))
    return by_part


async def load_part_themes(
    session: AsyncSession, matcher: ThemeMatcher | None = None, reveal: bool = False
) -> list[PartThemes]:
    """Each part's comments, tagged (with themes.yml unless another matcher is given), with
    personal data hidden (bot/staff/redaction.py) unless `reveal`."""
    matcher = matcher or default_matcher()
    comments = await load_comments(session)
    shown = str if reveal else redact
    return [tag_comments(matcher, part, comments[part], shown) for part in PARTS]
