"""The Rasa component, built and run the way Rasa's graph runs it."""

import random
import time
import uuid

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.london_places import LondonPlaceExtractor
from bot.places import lookup

EXTRACTOR = "LondonPlaceExtractor"


def build(model_storage: LocalModelStorage, config: dict | None = None) -> LondonPlaceExtractor:
    return LondonPlaceExtractor.create(
        {**LondonPlaceExtractor.get_default_config(), **(config or {})},
        model_storage,
        Resource("london_places"),
        ExecutionContext(GraphSchema({}), uuid.uuid4().hex),
    )


@pytest.fixture(scope="module")
def model_storage(tmp_path_factory) -> LocalModelStorage:
    return LocalModelStorage.create(tmp_path_factory.mktemp("model_storage"))


@pytest.fixture(scope="module")
def extractor(model_storage) -> LondonPlaceExtractor:
    return build(model_storage)


def entities_of(extractor: LondonPlaceExtractor, text: str) -> list[tuple[str, str, str]]:
    [message] = extractor.process([Message(data={TEXT: text})])
    return [(text[e["start"] : e["end"]], e["entity"], e["value"]) for e in message.get(ENTITIES)]


def test_is_registered_as_an_untrainable_entity_extractor():
    registered = DefaultV1Recipe._from_registry("bot.nlu.london_places.LondonPlaceExtractor")
    assert registered.clazz is LondonPlaceExtractor
    assert registered.types == {DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR}
    assert registered.is_trainable is False


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I live in Brixton", [("Brixton", "borough", "lambeth")]),
        ("Tower Hamlets", [("Tower Hamlets", "borough", "tower_hamlets")]),
        ("LB of Hackney", [("LB of Hackney", "borough", "hackney")]),
        ("Southwork council", [("Southwork", "borough", "southwark")]),
        ("Wandswerth", [("Wandswerth", "borough", "wandsworth")]),
        ("Clapham", [("Clapham", "ambiguous_place", "clapham")]),
        ("SE1 2AA", [("SE1 2AA", "postcode_district", "SE1")]),
        ("E14 5AB", [("E14 5AB", "borough", "tower_hamlets")]),
        ("sw19", [("sw19", "postcode_district", "SW19")]),
        ("I work in the City", [("the City", "borough", "city_of_london")]),
        (
            "Shepherd's Bush and W10",
            [
                ("Shepherd's Bush", "borough", "hammersmith_and_fulham"),
                ("W10", "postcode_district", "W10"),
            ],
        ),
        # Negatives
        ("I'm 34", []),
        ("More police on the streets please", []),
        ("SE10", [("SE10", "borough", "greenwich")]),
        ("W1", [("W1", "postcode_district", "W1")]),
        ("the dogs are barking", []),
    ],
)
def test_process_adds_place_entities(extractor, text, expected):
    assert entities_of(extractor, text) == expected


def test_entities_have_rasa_fields_and_extractor_name(extractor):
    [message] = extractor.process([Message(data={TEXT: "Peckham"})])
    assert message.get(ENTITIES) == [
        {"entity": "borough", "start": 0, "end": 7, "value": "southwark", "extractor": EXTRACTOR}
    ]
    assert ENTITIES in message.output_properties


def test_keeps_entities_other_components_found(extractor):
    other = {"entity": "crime", "start": 0, "end": 5, "value": "knife", "extractor": "DIET"}
    message = Message(data={TEXT: "knife crime in Peckham", ENTITIES: [other]})
    extractor.process([message])
    assert message.get(ENTITIES)[0] == other
    assert [e["value"] for e in message.get(ENTITIES)[1:]] == ["southwark"]


def test_messages_without_text_are_left_alone(extractor):
    empty, no_text = Message(data={TEXT: ""}), Message(data={})
    assert extractor.process([empty, no_text]) == [empty, no_text]
    assert empty.get(ENTITIES) is None and no_text.get(ENTITIES) is None


def test_fuzzy_matching_can_be_turned_off(model_storage):
    strict = build(model_storage, {"fuzzy": False})
    assert entities_of(strict, "Wandswerth") == []
    assert entities_of(strict, "Hackeny") == [("Hackeny", "borough", "hackney")]


def spacy_vs_python_texts() -> list[str]:
    names = [" ".join(p) for p in lookup.phrase_patterns()[::7]]
    rng = random.Random(3)
    texts = [" ".join(rng.sample(names, 5)) for _ in range(50)]
    texts += ["Harrow-on-the-Hill", "St. John’s Wood", "Bromley-by-Bow", "the City Council"]
    return texts


@pytest.mark.parametrize("text", spacy_vs_python_texts())
def test_spacy_matcher_agrees_with_pure_python_lookup(extractor, text):
    via_spacy = lookup.find_places(text, phrase_finder=extractor._finder)
    assert via_spacy == lookup.find_places(text)


def test_unseen_words_do_not_grow_the_spacy_vocabulary(extractor):
    strings = extractor._finder._nlp.vocab.strings
    before = len(strings)
    extractor.process([Message(data={TEXT: f"qwerty{uuid.uuid4().hex} in Brixton"})])
    assert len(strings) == before


@pytest.mark.parametrize("seed", range(20))
def test_arbitrary_unicode_does_not_crash(extractor, seed):
    rng = random.Random(seed)
    text = "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(rng.randint(0, 2000)))
    [message] = extractor.process([Message(data={TEXT: text})])
    for entity in message.get(ENTITIES):
        assert 0 <= entity["start"] < entity["end"] <= len(text)


def test_100k_character_message_is_processed_fast(extractor):
    rng = random.Random(11)
    words = ["Brixton", "se12aa", "Hackeny", "Tower", "Hamlets", "zzqx", "🙂", "İstanbul", "E14"]
    text = " ".join(rng.choice(words) for _ in range(25_000))[:100_000]
    started = time.perf_counter()
    [message] = extractor.process([Message(data={TEXT: text})])
    assert time.perf_counter() - started < 3.0
    assert message.get(ENTITIES)
