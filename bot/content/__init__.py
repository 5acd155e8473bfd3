"""Plain-language content about the draft plan, each statement with its source.

The YAML files next to this module are the only place the assistant's facts about the plan
come from; every message names the part of shared/consultation-brief.md (or the original
consultation page) that supports it.

Each part and each general section is written twice: in standard plain language, and in
Easy Read (shorter sentences, everyday words) under an `easy_read:` key. Both versions carry
their own sources. Which one a resident gets follows the `easy_read` slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Statement:
    """One message the assistant may send, and where its facts come from."""

    text: str
    source: str


@dataclass(frozen=True)
class PartContent:
    """What the assistant says about one part of the plan."""

    id: str
    title: str
    summary: str
    explain: tuple[Statement, ...]
    more: tuple[Statement, ...]
    what_happened_next: tuple[Statement, ...]


def _statements(raw: Any) -> tuple[Statement, ...]:
    if raw is None:
        return ()
    if isinstance(raw, dict):  # a single statement
        raw = [raw]
    return tuple(Statement(text=item["text"].strip(), source=item["source"]) for item in raw)


STANDARD = "standard"
EASY_READ = "easy_read"
MODES = (STANDARD, EASY_READ)


def mode_for(easy_read: Any) -> str:
    """The content mode for the value of the `easy_read` slot."""
    return EASY_READ if easy_read is True else STANDARD


def _load(name: str) -> dict[str, Any]:
    with open(CONTENT_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _part(part_id: str, body: dict[str, Any], mode: str) -> PartContent:
    # Easy Read keeps the standard title unless it gives its own (menu buttons use it).
    text = body.get("easy_read", {}) if mode == EASY_READ else body
    return PartContent(
        id=part_id,
        title=text.get("title", body["title"]),
        summary=text.get("summary", body.get("summary", "")),
        explain=_statements(text.get("explain")),
        more=_statements(text.get("more")),
        what_happened_next=_statements(text.get("what_happened_next")),
    )


@lru_cache(maxsize=2)
def parts(mode: str = STANDARD) -> dict[str, PartContent]:
    """Content for each part of the plan, keyed by part id (see bot.questions.PARTS)."""
    raw = _load("parts.yml")["parts"]
    return {part_id: _part(part_id, body, mode) for part_id, body in raw.items()}


@lru_cache(maxsize=2)
def consultation(mode: str = STANDARD) -> dict[str, tuple[Statement, ...]]:
    """General content: about the consultation, dates, what happens next, and so on."""
    raw = _load("consultation.yml")
    easy = raw.pop("easy_read", {})
    chosen = easy if mode == EASY_READ else raw
    return {key: _statements(value) for key, value in chosen.items()}
