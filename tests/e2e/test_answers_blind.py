"""Typed answers over the real servers, on the blind answer sets (issue 15's gate).

The sets in tests/answers/blind/ were written from docs/answer-kinds.md alone, by writers
who never saw how the assistant reads answers, and are never tuned on; `make
answers-report` prints the same table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.answers_report import blind_set, measure, table
from bot.stack import Stack

NLU_DATA = Path(__file__).resolve().parents[2] / "nlu_data"


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def test_no_blind_answer_is_in_the_nlu_training_data() -> None:
    trained = set()
    for path in NLU_DATA.glob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                trained.add(_key(line.lstrip("- ")))
    # One-word answers ("yes", "agree") are everyone's words, not a leak.
    leaked = [i.text for i in blind_set() if len(i.text.split()) > 2 and _key(i.text) in trained]
    assert leaked == []


def test_the_blind_sets_are_big_enough() -> None:
    kinds: dict[str, int] = {}
    for item in blind_set():
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    assert kinds.get("agreement", 0) >= 300
    for kind in ("consent", "yes_no", "age", "borough", "priorities"):
        assert kinds.get(kind, 0) >= 100, kind


@pytest.mark.blind
def test_typed_answers_hold_their_floor(sqlite_stack: Stack) -> None:
    """Issue 15's targets: no answer stored wrong, consent included; at least 90% stored
    right without a confirmation. Measured on 7 December 2026 (806 answers): 46% stored
    right without asking, 8% confirmed with one tap, 44% asked again, 18 stored wrong
    (2.2%; consent 2 of 101). Neither target is met yet, so this gate holds the measured
    level as a floor, with a few messages' slack for a model trained afresh elsewhere
    (DIET's readings move a little between trainings): no change may make it worse."""
    scores = measure(sqlite_stack.rasa_url, blind_set(), sqlite_stack.env["DATABASE_URL"])
    print("\n" + table(scores))
    for item, value in scores.wrong:
        print(f"stored wrong: {item.kind}: expected {item.expect!r}, stored {value!r}")
    total = scores.total()
    assert scores.total("wrong") <= 0.025 * total  # target: none; NOT met yet
    assert scores.outcomes["consent"]["wrong"] <= 3  # target: none; NOT met yet
    assert scores.total("right") >= 0.455 * total  # target: 90%; NOT met yet
