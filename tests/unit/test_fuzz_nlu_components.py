"""Property-based tests of the custom Rasa NLU components on any text a resident can send.

Every message goes through LondonPlaceExtractor, OtherLanguageDetector and
SafeguardingDetector, so a crash in any of them on odd text (emoji, zero-width and bidi
characters, right-to-left scripts, control characters, lone surrogates from JSON escapes,
very long or empty messages) would lose the resident's message, and a malformed entity or
intent would break the dialogue further on. The components are built the way Rasa's graph
builds them and run on real `Message`s, after Rasa's WhitespaceTokenizer as in config.yml.

Properties: `process` never raises and returns the messages it was given; every entity has
str type and value and 0 <= start <= end <= len(text) (other components' entities are kept
as they were); the intent, if set, has a str name and a confidence in [0, 1], and leads
the ranking; the components agree with the pure rules they wrap, `bot.languages.
is_other_language` (a bool) and `bot.safeguarding.detect` (None or a Detection), which
never raise either.
"""

from __future__ import annotations

import math
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.languages import is_other_language
from bot.nlu.london_places import LondonPlaceExtractor
from bot.nlu.other_languages import OTHER_LANGUAGE_INTENT, OtherLanguageDetector
from bot.nlu.safeguarding import (
    CATEGORY_ENTITY,
    DISCLOSURE_INTENT,
    SafeguardingDetector,
    _a_sure_command,
)
from bot.safeguarding import CATEGORIES, Detection, assess, detect

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW_LONG = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"
INTENTS: list[str] = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["intents"]

# Pieces that make the rules fire, or nearly: places, postcodes, disclosures and idioms,
# other languages and scripts, and the characters used to hide words from filters.
FRAGMENTS = [
    "Brixton",
    "Tower Hamlets",
    "LB of Hackney",
    "Wandswerth",
    "Clapham",
    "SE1 2AA",
    "sw19",
    "E14",
    "Shepherd's Bush",
    "Harrow-on-the-Hill",
    "St. John\u2019s Wood",
    "the City",
    "my bf hits me",
    "there's a man outside with a knife",
    "k1ll mys3lf",
    "kms",
    "i want to end it",
    "this survey is killing me",
    "I could murder a cup of tea",
    "k\u0456ll",  # Cyrillic i
    "k\u200bill",
    "p***",
    "hola hablo inglés",
    "nie mówię po angielsku",
    "merci",
    "مرحبا أريد أن أجيب",
    "שלום",
    "Привет",
    "你好",
    "\u202eevil\u202c",
    "\u200f\u200e\u2066\u2069",
    "\ufeff",
    "\U0001f642\u200d\U0001f642",
    "\U0001f1ec\U0001f1e7",
    "\x00\x1b[31m\x7f",
    "\r\n\t",
    "\ud800",
    "\udfff",
    "e\u0301",
    "\u0130stanbul",
    "\u212a",  # Kelvin sign: lowercases to ASCII k
    "\ufb01",
    "...",
    "!?",
    "",
]
ANY_CHAR = st.characters(exclude_categories=())
WEIRD_CHAR = st.sampled_from(
    list("\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2060\u2066\u2069\ufeff\u00ad")
    + list("\x00\x07\x0b\x0c\x1b\x7f\x85\r\n\t \u00a0\u2028\u3000")
    + list("\u0301\u0308\u0327\u05d0\u0627\u4e2d\U0001f642\U0001f3fd\ud800\udc00")
)
WORDISH = (
    st.sampled_from(FRAGMENTS)
    | st.text(alphabet=ANY_CHAR, max_size=8)
    | st.text(alphabet=WEIRD_CHAR, max_size=4)
)
SEPARATOR = st.sampled_from([" ", "", "\n", ", ", ". ", "\u200b", "\u00a0", "\t"])
MIXED_TEXT = st.builds(
    lambda parts, sep: sep.join(parts), st.lists(WORDISH, max_size=12), SEPARATOR
)
TEXT_STRATEGY = MIXED_TEXT | st.text(alphabet=ANY_CHAR) | st.text(alphabet=WEIRD_CHAR)
LONG_TEXT = st.builds(
    lambda piece, times: (piece * times)[:100_000],
    MIXED_TEXT.filter(bool),
    st.integers(min_value=100, max_value=20_000),
)
LONG_EXAMPLE = (
    "Brixton se12aa Hackeny kms \u200b\U0001f642 k1ll \u202eمرحبا\u202c hola hablo inglés "
) * 1_700
assert len(LONG_EXAMPLE) > 100_000

CONFIDENCE = st.floats(min_value=0.0, max_value=1.0)
PRIOR_ENTITY = {"entity": "priority", "start": 0, "end": 0, "value": "x", "extractor": "Other"}


@st.composite
def classifier_outputs(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """An intent and ranking as DIET and the FallbackClassifier might leave them, or None."""
    if draw(st.booleans()):
        return None
    names = draw(
        st.lists(st.sampled_from([*INTENTS, "nlu_fallback"]), unique=True, max_size=6).filter(bool)
    )
    confidences = sorted(draw(st.lists(CONFIDENCE, min_size=len(names), max_size=len(names))))
    ranking = [
        {"name": name, "confidence": c}
        for name, c in zip(names, reversed(confidences), strict=True)
    ]
    return dict(ranking[0]), ranking


def make_message(text: str, prior: tuple[dict[str, Any], list[dict[str, Any]]] | None) -> Message:
    data: dict[str, Any] = {TEXT: text, ENTITIES: [dict(PRIOR_ENTITY)]}
    if prior is not None:
        intent, ranking = prior
        data[INTENT] = dict(intent)
        data[INTENT_RANKING_KEY] = [dict(r) for r in ranking]
    return Message(data=data)


@pytest.fixture(scope="module")
def model_storage(tmp_path_factory: pytest.TempPathFactory) -> LocalModelStorage:
    return LocalModelStorage.create(tmp_path_factory.mktemp("fuzz_model_storage"))


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), uuid.uuid4().hex)


@pytest.fixture(scope="module")
def tokenizer(model_storage: LocalModelStorage) -> WhitespaceTokenizer:
    return WhitespaceTokenizer.create(
        WhitespaceTokenizer.get_default_config(), model_storage, Resource("tok"), context()
    )


@pytest.fixture(scope="module")
def places(model_storage: LocalModelStorage) -> LondonPlaceExtractor:
    return LondonPlaceExtractor.create(
        LondonPlaceExtractor.get_default_config(), model_storage, Resource("places"), context()
    )


@pytest.fixture(scope="module")
def languages(model_storage: LocalModelStorage) -> OtherLanguageDetector:
    return OtherLanguageDetector.create(
        OtherLanguageDetector.get_default_config(), model_storage, Resource("lang"), context()
    )


@pytest.fixture(scope="module")
def safeguarding(model_storage: LocalModelStorage) -> SafeguardingDetector:
    return SafeguardingDetector.create(
        SafeguardingDetector.get_default_config(), model_storage, Resource("safe"), context()
    )


# --- checks ------------------------------------------------------------------------------


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_entities(message: Message, text: str) -> list[dict[str, Any]]:
    """The entities added after the one the message started with, checked."""
    entities = message.get(ENTITIES)
    assert isinstance(entities, list)
    assert entities[0] == PRIOR_ENTITY  # other components' entities are kept, first
    for entity in entities:
        assert isinstance(entity["entity"], str) and entity["entity"]
        assert isinstance(entity["value"], str) and entity["value"]
        assert isinstance(entity["extractor"], str)
        assert is_int(entity["start"]) and is_int(entity["end"])
        assert 0 <= entity["start"] <= entity["end"] <= len(text)
    return entities[1:]


def check_confidence(confidence: Any) -> None:
    assert isinstance(confidence, float) or is_int(confidence)
    assert not math.isnan(confidence) and 0.0 <= confidence <= 1.0


def check_intent(message: Message) -> None:
    intent = message.get(INTENT)
    ranking = message.get(INTENT_RANKING_KEY)
    if intent is None:
        assert not ranking
        return
    assert isinstance(intent["name"], str) and intent["name"]
    check_confidence(intent["confidence"])
    assert isinstance(ranking, list)
    for entry in ranking:
        assert isinstance(entry["name"], str)
        check_confidence(entry["confidence"])
    names = [entry["name"] for entry in ranking]
    assert len(names) == len(set(names))
    if ranking:
        assert ranking[0] == intent


def run(component: Any, message: Message) -> Message:
    result = component.process([message])
    assert isinstance(result, list) and len(result) == 1 and result[0] is message
    return message


# --- the components, one at a time ---------------------------------------------------------


EDGE_TEXTS = ["", " ", "\u200b", "\x00", "\ud800", "\U0001f642", "a", "SE1", "kms"]


@FUZZ
@given(text=TEXT_STRATEGY, prior=classifier_outputs())
@example(text="", prior=None)
@example(text="\u202eBrixton\u202c SE1 2AA \U0001f642", prior=None)
@example(text="Brixton\ud800Clapham", prior=None)
def test_place_extractor(places: LondonPlaceExtractor, text: str, prior: Any) -> None:
    message = run(places, make_message(text, prior))
    for entity in check_entities(message, text):
        assert entity["start"] < entity["end"]
        assert entity["entity"] in {"borough", "postcode_district", "ambiguous_place"}
        assert entity["extractor"] == "LondonPlaceExtractor"
    check_intent(message)


@FUZZ
@given(text=TEXT_STRATEGY, prior=classifier_outputs())
@example(text="", prior=({"name": OTHER_LANGUAGE_INTENT, "confidence": 0.1}, []))
@example(text="مرحبا", prior=None)
@example(text="\u202eمرحبا\u202c hello", prior=None)
def test_other_language_detector(languages: OtherLanguageDetector, text: str, prior: Any) -> None:
    message = run(languages, make_message(text, prior))
    assert check_entities(message, text) == []
    check_intent(message)
    if text and is_other_language(text):
        assert message.get(INTENT) == {"name": OTHER_LANGUAGE_INTENT, "confidence": 1.0}


@FUZZ
@given(text=TEXT_STRATEGY, prior=classifier_outputs())
@example(text="", prior=({"name": DISCLOSURE_INTENT, "confidence": 0.95}, []))
@example(text="k\u200bill mys\u0435lf \U0001f642", prior=None)
@example(text="\ud800my bf hits me\udfff", prior=None)
@example(text="\x00", prior=({"name": DISCLOSURE_INTENT, "confidence": 0.5}, []))
def test_safeguarding_detector(safeguarding: SafeguardingDetector, text: str, prior: Any) -> None:
    message = run(safeguarding, make_message(text, prior))
    added = check_entities(message, text)
    check_intent(message)
    found = assess(text)
    # A reading of the classifier's alone gives way to a command DIET is sure of.
    if found is not None and _a_sure_command(make_message(text, prior), found):
        found = None
    if text and found is not None:
        assert message.get(INTENT) == {"name": DISCLOSURE_INTENT, "confidence": 1.0}
        values = {e["entity"]: e["value"] for e in added}
        assert values[CATEGORY_ENTITY] == found.category
        assert values["safeguarding_tier"] == found.tier
    for entity in added:
        assert entity["entity"].startswith("safeguarding_")
        assert (entity["start"], entity["end"]) == (0, len(text))


# --- the rule part of the pipeline, in config.yml's order -----------------------------------


def run_pipeline(components: list[Any], text: str, prior: Any) -> Message:
    message = make_message(text, prior)
    for component in components:
        run(component, message)
    check_entities(message, text)
    check_intent(message)
    return message


@FUZZ
@given(text=TEXT_STRATEGY, prior=classifier_outputs())
@example(text=" ", prior=None)
@example(text="\t\n\u3000", prior=None)
def test_pipeline(
    tokenizer: WhitespaceTokenizer,
    places: LondonPlaceExtractor,
    languages: OtherLanguageDetector,
    safeguarding: SafeguardingDetector,
    text: str,
    prior: Any,
) -> None:
    run_pipeline([tokenizer, places, languages, safeguarding], text, prior)


@FEW_LONG
@given(text=LONG_TEXT, prior=classifier_outputs())
@example(text=LONG_EXAMPLE[:100_000], prior=None)
@example(text="\u200b" * 100_000, prior=None)
@example(text="\U0001f642" * 100_000, prior=None)
def test_pipeline_on_long_messages(
    tokenizer: WhitespaceTokenizer,
    places: LondonPlaceExtractor,
    languages: OtherLanguageDetector,
    safeguarding: SafeguardingDetector,
    text: str,
    prior: Any,
) -> None:
    run_pipeline([tokenizer, places, languages, safeguarding], text, prior)


# --- the pure rules ------------------------------------------------------------------------


@FUZZ
@given(text=TEXT_STRATEGY | st.sampled_from(EDGE_TEXTS))
@example(text=LONG_EXAMPLE)
def test_is_other_language_is_a_bool(text: str) -> None:
    assert type(is_other_language(text)) is bool


@FUZZ
@given(text=TEXT_STRATEGY | st.sampled_from(EDGE_TEXTS))
@example(text=LONG_EXAMPLE)
def test_detect_is_none_or_a_detection(text: str) -> None:
    found = detect(text)
    if found is not None:
        assert isinstance(found, Detection)
        assert found.category in CATEGORIES
        assert isinstance(found.rule, str) and found.rule
