"""Plain-language content about the draft plan, each statement with its source.

The YAML files next to this module are the only place the assistant's facts about the plan
come from; every message names the part of shared/consultation-brief.md (or the original
consultation page) that supports it.
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


def _load(name: str) -> dict[str, Any]:
    with open(CONTENT_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=1)
def parts() -> dict[str, PartContent]:
    """Content for each part of the plan, keyed by part id (see bot.questions.PARTS)."""
    raw = _load("parts.yml")["parts"]
    return {
        part_id: PartContent(
            id=part_id,
            title=body["title"],
            summary=body.get("summary", ""),
            explain=_statements(body.get("explain")),
            more=_statements(body.get("more")),
            what_happened_next=_statements(body.get("what_happened_next")),
        )
        for part_id, body in raw.items()
    }


@lru_cache(maxsize=1)
def consultation() -> dict[str, tuple[Statement, ...]]:
    """General content: about the consultation, dates, what happens next, and so on."""
    return {key: _statements(value) for key, value in _load("consultation.yml").items()}
