"""The safeguarding classifier and the blind set that measures it.

The blind set (tests/safeguarding/blind/) was written separately from the rules and the
training corpus and is never trained or tuned on; these tests keep it that way and check it
is big and varied enough to mean something. The recall targets themselves are checked over
the running assistant in tests/e2e/test_safeguarding.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.safeguarding import CATEGORIES, assess, is_urgent
from bot.safeguarding.classifier import (
    CORPUS_DIR,
    Example,
    SafeguardingClassifier,
    fingerprint,
    load_examples,
    training_files,
)
from bot.safeguarding.text import normalise

ROOT = Path(__file__).resolve().parents[2]
BLIND = sorted((ROOT / "tests" / "safeguarding" / "blind").glob("*.yml"))


def blind_messages() -> list[dict]:
    return [m for path in BLIND for m in yaml.safe_load(path.read_text())["messages"]]


def key(text: str) -> str:
    return " ".join(normalise(text).split())


def test_no_blind_message_is_in_the_training_data() -> None:
    trained = {key(e.text) for e in load_examples()}
    leaked = [m["text"] for m in blind_messages() if key(m["text"]) in trained]
    assert leaked == []


def test_the_classifier_reads_only_the_corpus_and_the_first_labelled_set() -> None:
    blind = ROOT / "tests" / "safeguarding" / "blind"
    files = training_files()
    assert files and not any(blind in path.parents for path in files)
    assert {path.parent for path in files} == {CORPUS_DIR, ROOT / "tests" / "safeguarding"}


def test_the_blind_set_is_big_and_varied_enough() -> None:
    messages = blind_messages()
    disclosures = [m for m in messages if m["label"] == "disclosure"]
    negatives = [m for m in messages if m["label"] == "none"]
    assert len(disclosures) >= 600
    assert len(negatives) >= 400
    assert sum(1 for m in disclosures if m.get("situation") == "past") >= 100
    by_category = Counter(m["category"] for m in disclosures)
    assert set(by_category) == set(CATEGORIES)
    assert min(by_category.values()) >= 40, by_category
    voices = Counter(m.get("voice") for m in disclosures)
    for voice in ("adult", "older", "teen", "sms", "esl", "long", "third_party"):
        assert voices[voice] >= 20, (voice, voices)


def test_the_training_corpus_is_much_larger_than_the_blind_set() -> None:
    examples = load_examples()
    disclosures = [e for e in examples if e.category != "none"]
    assert len(examples) >= 4000
    assert {e.category for e in disclosures} == set(CATEGORIES)
    assert sum(1 for e in disclosures if e.situation == "past") >= 500


def test_a_model_trained_on_a_few_examples_reads_their_kind() -> None:
    examples = [
        Example("he hits me every night", "domestic_abuse", "current", "adult"),
        Example("my husband beat me for years until I left", "domestic_abuse", "past", "adult"),
        Example("my boyfriend threatens me", "domestic_abuse", "current", "adult"),
        Example("my ex used to control all my money", "domestic_abuse", "past", "adult"),
        Example("i want to die", "self_harm", "current", "child"),
        Example("i tried to kill myself years ago", "self_harm", "past", "adult"),
        Example("knife crime is awful", "none"),
        Example("more police on the streets please", "none"),
        Example("the survey is too long", "none"),
        Example("youth clubs matter", "none"),
    ] * 3
    model = SafeguardingClassifier.train(examples)
    reading = model.read("he hits me")
    assert reading.category == "domestic_abuse"
    assert 0.0 <= reading.p_disclosure <= 1.0 and 0.0 <= reading.p_past <= 1.0
    assert model.read("more police please").p_disclosure < reading.p_disclosure


def test_the_model_cache_key_changes_with_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "extra.yml"
    corpus.write_text("messages:\n  - {text: a, label: none}\n")
    before = fingerprint([corpus])
    corpus.write_text("messages:\n  - {text: b, label: none}\n")
    assert fingerprint([corpus]) != before


@pytest.mark.parametrize(
    "text, category, situation",
    [
        ("there is a man outside my flat with a machete right now", "immediate_danger", "current"),
        ("my bf hits me when hes drunk", "domestic_abuse", "current"),
    ],
)
def test_clear_disclosures(text: str, category: str, situation: str) -> None:
    found = assess(text)
    assert found is not None
    assert (found.category, found.tier, found.situation) == (category, "clear", situation)


def test_danger_long_over_is_an_experience_and_danger_now_is_urgent() -> None:
    told = assess(
        "Years ago, when I was nineteen, a lad held a knife to my throat on the towpath at "
        "Hackney Wick and took my phone. I still think about it. More patrols on the canal "
        "paths please."
    )
    assert told is not None and told.situation == "past"
    assert not is_urgent(told.category, told.tier, told.situation)  # kept as their comment
    now = assess("there's a man with a knife outside my door right now")
    assert now is not None and now.category == "immediate_danger"
    assert is_urgent(now.category, now.tier, now.situation)


@pytest.mark.parametrize("text", ["knife crime is out of control", "more bobbies on the beat", ""])
def test_opinions_are_not_disclosures(text: str) -> None:
    assert assess(text) is None


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_read_without_error(text: str) -> None:
    found = assess(text)
    assert found is None or found.category in CATEGORIES
