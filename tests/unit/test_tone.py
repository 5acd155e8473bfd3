"""Respectful, jargon-free, gender-neutral wording, with no assumptions about the resident.

Checks every message the assistant can send (bot/messages.py) and, for plan content, that a
policy term or acronym is explained the first time a part uses it (bot/content/glossary.yml).
"""

from __future__ import annotations

import re

import pytest
import yaml

from bot import content
from bot.messages import domain_responses, every_message, variation_mode
from bot.settings import PROJECT_ROOT

GLOSSARY = yaml.safe_load(
    (PROJECT_ROOT / "bot" / "content" / "glossary.yml").read_text(encoding="utf-8")
)
MESSAGES = list(every_message())
IDS = [f"{m.mode}:{m.origin}" for m in MESSAGES]


def _acronym(word: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(word)}\b")  # case-sensitive: "Met", not "met"


def _term(word: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(word)}s?\b", re.IGNORECASE)


def _explained(explanation: str, text: str) -> bool:
    return re.search(explanation, text, re.IGNORECASE) is not None


# --- Acronyms in responses: explained in the same message (MOPAC: by the first message) ---


def test_the_first_message_explains_mopac_in_both_modes():
    for variation in domain_responses()["utter_intro"]:
        assert _explained(GLOSSARY["acronyms"]["MOPAC"], variation["text"]), variation


RESPONSE_TEXTS = [
    (f"{name}[{i}]", v["text"])
    for name, variations in domain_responses().items()
    for i, v in enumerate(variations)
    if v.get("text")
]


@pytest.mark.parametrize(("where", "text"), RESPONSE_TEXTS, ids=[w for w, _ in RESPONSE_TEXTS])
def test_responses_explain_any_acronym_they_use(where, text):
    for acronym, explanation in GLOSSARY["acronyms"].items():
        if acronym == "MOPAC":
            continue  # utter_intro, the first message of every conversation, explains it
        if _acronym(acronym).search(text):
            assert _explained(explanation, text), f"{where} uses {acronym} unexplained"


# --- Plan content: each part explains a term the first time it uses it ---


def sequences():
    """Each part's messages in the order a resident can meet them, per mode."""
    for mode in content.MODES:
        general = content.consultation(mode)
        for part in content.parts(mode).values():
            explain = list(part.explain)
            if part.id == "local":
                explain += list(general.get("local_priorities_intro", ()))
            yield f"{part.id}.{mode}", explain + list(part.more) + list(part.what_happened_next)
        for key, statements in general.items():
            yield f"consultation.{mode}.{key}", list(statements)


SEQUENCES = list(sequences())


@pytest.mark.parametrize(("where", "statements"), SEQUENCES, ids=[w for w, _ in SEQUENCES])
def test_content_explains_each_term_the_first_time_it_is_used(where, statements):
    # MOPAC is explained by the first message of every conversation (tested above).
    words = [(_acronym(a), e, a) for a, e in GLOSSARY["acronyms"].items() if a != "MOPAC"]
    words += [(_term(t), e, t) for t, e in GLOSSARY["terms"].items()]
    for pattern, explanation, word in words:
        first = next((s.text for s in statements if pattern.search(s.text)), None)
        if first is not None:
            assert _explained(explanation, first), f"{where}: first use of {word!r}: {first}"


def test_the_term_check_can_fail():
    unexplained = [content.Statement(text="The VAWG strategy was new.", source="seed")]
    pattern, explanation = _acronym("VAWG"), GLOSSARY["acronyms"]["VAWG"]
    first = next(s.text for s in unexplained if pattern.search(s.text))
    assert not _explained(explanation, first)


# --- Inclusive, non-judgemental, no assumptions about the resident ---

GENDERED = re.compile(
    r"\b(he or she|she or he|his or her|her or his|him or her|s/he|he/she|his/her|chairman|"
    r"policem[ae]n|mankind|manpower|guys|ladies and gentlemen|sir|madam)\b",
    re.IGNORECASE,
)
ASSUMING = re.compile(
    r"\b(your experience (of|with) the police|when you (were|reported|called)|your attacker|"
    r"as a victim, you|you must|you should have|obviously|simply|just tell)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("message", MESSAGES, ids=IDS)
def test_wording_is_gender_neutral(message):
    assert not GENDERED.search(message.text), message.text


@pytest.mark.parametrize("message", MESSAGES, ids=IDS)
def test_wording_assumes_nothing_about_the_resident_and_does_not_judge(message):
    assert not ASSUMING.search(message.text), message.text


def test_easy_read_variations_are_marked_by_the_slot_condition():
    modes = {variation_mode(v) for vs in domain_responses().values() for v in vs}
    assert modes == {"standard", "easy_read"}
