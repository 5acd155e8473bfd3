"""Check that a source reference points at something real.

Content statements name their sources as `brief §N <phrase>: <public source>` (a section of
the consultation brief, docs/sources/consultation-brief.md, and a phrase that occurs in it)
or `seed: consultation page (<phrase>)` (the original consultation page,
docs/sources/consultation-page.txt). Several references are separated by "; "; pieces that
start with neither are details of the reference before them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.settings import PROJECT_ROOT

SOURCES = PROJECT_ROOT / "docs" / "sources"
_BRIEF_SECTION = re.compile(r"^## (\d+)\. ", re.MULTILINE)
_BRIEF_REF = re.compile(r"^brief §(\d+)(?:\s+([^:]+?))?\s*(?::.*)?$")
_SEED_REF = re.compile(r"^seed(?::\s*consultation page)?\s*(?:\((.+)\))?\s*$")
_TRAILING_NOTE = re.compile(r"\s*\([^)]*\)$")


def _fold(text: str) -> str:
    """Lower case, one kind of quote and dash, single spaces: how phrases are compared."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    text = text.replace("&", "and").replace('"', "'").replace("*", "")
    return re.sub(r"\s+", " ", text).lower()


@lru_cache(maxsize=1)
def brief_sections() -> dict[int, str]:
    """Section number to its text (folded), from the consultation brief."""
    text = (SOURCES / "consultation-brief.md").read_text(encoding="utf-8")
    matches = list(_BRIEF_SECTION.finditer(text))
    sections = {}
    for match, following in zip(matches, matches[1:] + [None], strict=True):
        end = following.start() if following else len(text)
        sections[int(match.group(1))] = _fold(text[match.start() : end])
    return sections


@lru_cache(maxsize=1)
def consultation_page() -> str:
    return _fold((SOURCES / "consultation-page.txt").read_text(encoding="utf-8"))


def problems(source: str) -> list[str]:
    """What is wrong with a source reference (empty: every reference in it resolves)."""
    found: list[str] = []
    references = 0
    for piece in (p.strip() for p in source.split(";")):
        if piece.startswith("brief"):
            references += 1
            found += _brief_problems(piece)
        elif piece.startswith("seed"):
            references += 1
            found += _seed_problems(piece)
    if not references:
        found.append(f"no 'brief §N' or 'seed' reference in {source!r}")
    return found


def _brief_problems(piece: str) -> list[str]:
    match = _BRIEF_REF.match(piece)
    if not match:
        return [f"cannot read {piece!r} (expected 'brief §N <phrase>: <source>')"]
    number, phrase = int(match.group(1)), match.group(2)
    section = brief_sections().get(number)
    if section is None:
        return [f"the brief has no section §{number} ({piece!r})"]
    if phrase:
        phrase = _TRAILING_NOTE.sub("", phrase).strip()
        if phrase and _fold(phrase) not in section:
            return [f"{phrase!r} does not occur in brief §{number}"]
    return []


def _seed_problems(piece: str) -> list[str]:
    match = _SEED_REF.match(piece)
    if not match:
        return [f"cannot read {piece!r} (expected 'seed: consultation page (<phrase>)')"]
    phrase = (match.group(1) or "").strip().strip("'\"")
    if phrase and _fold(phrase) not in consultation_page():
        return [f"{phrase!r} does not occur on the consultation page"]
    return []
