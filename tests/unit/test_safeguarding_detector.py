"""Safeguarding: the rule-based detector, and the Rasa component that runs it after DIET.

The tables are our own development examples. The labelled set another engineer keeps in
tests/safeguarding/labelled_messages.yml is the yardstick and is not copied here.
"""

import random
import re
import time
import uuid

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.safeguarding import SafeguardingDetector
from bot.safeguarding import CATEGORIES, DIET_CORROBORATION, Detection, detect, read
from bot.safeguarding.assessment import POSSIBLE_CRISIS
from bot.safeguarding.detector import _rules

DISCLOSURES = {
    "immediate_danger": [
        "there's a man outside with a knife",
        "hes got a knife and hes shouting",
        "someone is trying to break in right now",
        "my ex is outside my house",
        "he is banging on my door and wont stop",
        "im hiding in the bathroom",
        "he said hed kill me tonight",
        "he held a knife to my throat",
        "im being followed rn",
        "please call the police now",
        "im scared for my life",
        "he wont let me leave the flat",
        "my son is missing since last night",
        "someones outside my window",
        "i think im in danger",
        "they are coming to get me, help help",
        "he's going to stab me",
        "someone is following me",
    ],
    "self_harm": [
        "I want to end it",
        "i just want to kill myself",
        "kms",
        "thinking about ending my life",
        "i wanna die",
        "cant go on",
        "I can't go on like this",
        "i self harm when it gets bad",
        "been cutting my arms again",
        "i want to unalive",
        "everyone would be better off without me",
        "i dont want to be alive anymore",
        "i am suicidal",
        "gonna end it all tonight",
        "k1ll mys3lf",
        "i took a load of pills",
        "no reason to live",
        "i wish i was dead",
    ],
    "child_at_risk": [
        "older boys make me carry stuff for them",
        "i think my daughter is being groomed",
        "my son is doing county lines",
        "they got me selling drugs for them",
        "my son keeps going missing and comes back with cash",
        "a man online asked my daughter for nudes",
        "my stepdad touches my little sister",
        "im 13 and my boyfriend is 25",
        "theres no food at home and mum leaves us alone for days",
        "my son has got into a gang",
        "my daughter is being bullied at school every day",
        "my son carries a knife for protection",
        "he told me not to tell anyone, its our secret",
        "they make me hold packages at my house",
    ],
    "sexual_violence": [
        "a man touched me on the bus",
        "i was raped last year",
        "i think my drink was spiked",
        "someone spiked my drink at the club",
        "he groped me at work",
        "i was sexually assaulted",
        "he forced me to have sex",
        "a man exposed himself to me in the park",
        "my ex is sharing my nudes",
        "a guy on the tube kept sending me dick pics",
        "he tried to kiss me and wouldnt stop",
    ],
    "domestic_abuse": [
        "my boyfriend hits me",
        "my bf hitz me when hes drunk",
        "beats me",
        "my husband controls all my money",
        "my ex keeps following me",
        "my ex wont leave me alone",
        "im scared of my partner",
        "he hit me again last night",
        "hubby beat me up",
        "I'm in an abusive relationship",
        "my dad beats my mum",
        "she won't let me see my friends",
        "i don't feel safe at home",
        "my ex keeps turning up at my work",
        "my husband tracks my phone",
        "my family are forcing me to marry",
    ],
    "hate_crime": [
        "they called me a p***",
        "someone pulled off my hijab",
        "a man spat at me because im muslim",
        "i get racist abuse from my neighbours",
        "they shouted go back to your own country",
        "i was attacked for being gay",
        "they called me the n word",
        "someone shouted paki at me",
        "i was the victim of a hate crime",
    ],
    "crime_report": [
        "i was mugged last week",
        "my car was broken into",
        "someone stole my bike",
        "I've been burgled twice this year",
        "i saw two lads stab someone",
        "a man followed me home",
        "they deal drugs outside my house every night",
        "how do i report a crime",
        "my phone got nicked on the bus",
        "i got jumped on the way home",
        "someone keyed my car",
        "i want to report my neighbour",
        "i think ive been scammed",
        "my neighbour threatened me",
        "a gang robbed me for my phone",
        "my son was stabbed last month",
    ],
}

OPINIONS = [
    "knife crime is terrible round here",
    "more should be done about domestic abuse",
    "stop and search is unfair",
    "I could murder a cup of tea",
    "there should be more police on the streets",
    "youth clubs stop kids getting into gangs",
    "county lines is destroying our communities",
    "grooming gangs need to be stopped",
    "I think hate crime is getting worse",
    "violence against women and girls must end",
    "the police should take burglary more seriously",
    "drug dealing is a big problem in the park",
    "I feel unsafe walking home at night",
    "knife crime has gone up in my borough",
    "my biggest concern is antisocial behaviour",
    "women should be able to walk home safely",
    "people who are mugged should get more support",
    "we need better street lighting",
    "the mayor should fund more youth workers",
    "I saw on the news that stabbings are up",
    "domestic abuse victims need more refuges",
    "sexual harassment on the tube is a problem",
    "drink spiking is on the rise",
    "stalking should be taken more seriously",
    "racist abuse at football matches is disgusting",
    "too many young people carry knives",
    "the police never do anything about bike theft",
    "my feet are killing me",
    "I'd kill for a coffee right now",
    "my mum will kill me if I'm late",
    "this survey is killing me lol",
    "you're killing it",
    "reporting a crime online is too hard",
    "I think police response times are too slow",
    "Theft from cars is common in my area",
    "it's hard to report hate crime",
    "victims of crime should be kept informed",
    "child exploitation is a growing issue",
    "we need more CCTV in our estate",
    "scams targeting older people are increasing",
    "I don't trust the Met",
    "police should focus on violent crime not cannabis",
    "suicide prevention needs more funding",
    "self harm services for young people are underfunded",
    "the war on drugs has failed",
    "I've never been a victim of crime but I worry",
    "my son loves football and goes to a youth club",
    "my kids go to a private school",
    "my daughter wants to be a police officer",
    "my husband and I think the plan is good",
    "please help me understand this question",
    "I was touched by the kindness of the officers",
    "the officer was very helpful",
    "burglaries on our street have gone down",
    "fraud is the most common crime now",
    "more women police officers would help",
    "gangs are recruiting children online",
    "we should end it once and for all",
    "online grooming is a worry for parents",
    "rape convictions are far too low",
    "I'm not sure what to say",
    "I'd like to give feedback on the plan",
    "hi",
    "Lambeth",
]

EDGE_CASES_WITH_NOTHING = [
    "",
    " ",
    "🙂🙂🙂",
    "\u200b\u200b",
    "مرحبا كيف حالك",
    "שלום",
    "....",
    "\n\n",
]


def table(categories: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(text, category) for category, texts in categories.items() for text in texts]


def test_tables_are_big_enough_and_cover_every_category():
    # The rules cover the first categories; the classifier also reads the newer ones.
    assert set(DISCLOSURES) <= set(CATEGORIES)
    assert len(table(DISCLOSURES)) >= 60
    assert len(OPINIONS) >= 60


@pytest.mark.parametrize("text, category", table(DISCLOSURES))
def test_disclosures_are_detected_in_their_category(text, category):
    found = detect(text)
    assert found is not None, text
    assert found.category == category, (text, found)


@pytest.mark.parametrize("text", OPINIONS)
def test_opinions_about_crime_are_not_disclosures(text):
    assert detect(text) is None


@pytest.mark.parametrize(
    "text, category",
    [
        ("MY BOYFRIEND HITS ME", "domestic_abuse"),
        ("my bf hiiiiiits me", "domestic_abuse"),
        ("my b\u200bf hits m\u200de", "domestic_abuse"),  # zero-width characters
        ("i want to k!ll myself", "self_harm"),
        ("i w4nt t0 k1ll mys3lf", "self_harm"),
        ("kіll myself", "self_harm"),  # Cyrillic і
        ("Ｉ ｗａｎｔ ｔｏ ｄｉｅ", "self_harm"),  # full-width
        ("I can’t go on", "self_harm"),  # curly apostrophe
        ("they called me a p***", "hate_crime"),
        ("👊 my bf hits me 😢", "domestic_abuse"),
        ("مرحبا my husband beats me", "domestic_abuse"),
        ("\u202emy bf hits me\u202c", "domestic_abuse"),  # bidi override characters
        ("ok.\nmy ex is outside my house\nhelp", "immediate_danger"),
    ],
)
def test_normalisation(text, category):
    found = detect(text)
    assert found is not None and found.category == category


@pytest.mark.parametrize("text", EDGE_CASES_WITH_NOTHING)
def test_edge_cases_without_words_are_not_disclosures(text):
    assert detect(text) is None


def test_not_a_string_is_not_a_disclosure():
    assert detect(None) is None  # type: ignore[arg-type]


def test_priority_when_several_categories_match():
    # Self-harm and domestic abuse both match; self_harm comes first in CATEGORIES.
    assert detect("my husband beats me and i want to kill myself") == Detection(
        "self_harm", "kill_myself"
    )


def test_detection_names_the_rule_and_never_holds_the_text():
    found = detect("my boyfriend hits me")
    assert found == Detection(category="domestic_abuse", rule="partner_hurts_me")
    assert set(vars(found)) == {"category", "rule"}
    with pytest.raises(AttributeError):
        found.category = "other"  # type: ignore[misc]


def test_gaps_do_not_cross_sentence_breaks():
    assert detect("my boyfriend is lovely. the kids hit me up later") is None


def test_100k_characters_in_well_under_a_second():
    detect("warm up")
    rng = random.Random(5)
    words = [
        "knife",
        "crime",
        "my",
        "area",
        "🙂",
        "police",
        "the",
        "stop",
        "zzqx",
        "عربي",
        "\u200b",
    ]
    text = " ".join(rng.choice(words) for _ in range(30_000))[:100_000]
    for message, expected in [
        (text, None),
        (text + " my bf hits me", Detection("domestic_abuse", "partner_hurts_me")),
    ]:
        started = time.perf_counter()
        assert detect(message) == expected
        assert time.perf_counter() - started < 1.0  # about 0.25 s on a 2-core machine


@pytest.mark.parametrize("seed", range(10))
def test_arbitrary_unicode_does_not_crash(seed):
    rng = random.Random(seed)
    text = "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(rng.randint(0, 3000)))
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    found = detect(text)
    assert found is None or found.category in CATEGORIES


def test_unseen_words_do_not_grow_the_spacy_vocabulary():
    strings = _rules()._nlp.vocab.strings
    before = len(strings)
    detect(f"qwerty{uuid.uuid4().hex} my bf hits me")
    assert len(strings) == before


# --- the Rasa component -------------------------------------------------------------

EXTRACTOR = "SafeguardingDetector"


@pytest.fixture(scope="module")
def component(tmp_path_factory) -> SafeguardingDetector:
    return SafeguardingDetector.create(
        SafeguardingDetector.get_default_config(),
        LocalModelStorage.create(tmp_path_factory.mktemp("model_storage")),
        Resource("safeguarding"),
        ExecutionContext(GraphSchema({}), uuid.uuid4().hex),
    )


def classified(text: str, intent: str, confidence: float = 0.8) -> Message:
    """A message as DIET and the entity extractors leave it."""
    ranking = [
        {"name": intent, "confidence": confidence},
        {"name": "other", "confidence": 1 - confidence},
    ]
    place = {"entity": "borough", "start": 0, "end": 1, "value": "x", "extractor": "Other"}
    return Message(
        data={TEXT: text, INTENT: dict(ranking[0]), INTENT_RANKING_KEY: ranking, ENTITIES: [place]}
    )


def entity(message: Message, name: str) -> dict:
    [found] = [e for e in message.get(ENTITIES) or [] if e["entity"] == name]
    return found


def test_is_registered_as_an_untrainable_intent_classifier():
    registered = DefaultV1Recipe._from_registry("bot.nlu.safeguarding.SafeguardingDetector")
    assert registered.clazz is SafeguardingDetector
    assert registered.types == {DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER}
    assert registered.is_trainable is False


def test_disclosure_rewrites_intent_and_adds_category_entity(component):
    text = "there's a man outside with a knife"
    [message] = component.process([classified(text, "give_opinion", 0.9)])
    assert message.get(INTENT) == {"name": "disclosure", "confidence": 1.0}
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0] == {"name": "disclosure", "confidence": 1.0}
    assert [r["name"] for r in ranking[1:]] == ["give_opinion", "other"]
    assert entity(message, "safeguarding_category") == {
        "entity": "safeguarding_category",
        "value": "immediate_danger",
        "start": 0,
        "end": len(text),
        "extractor": EXTRACTOR,
    }
    assert entity(message, "safeguarding_tier")["value"] == "clear"
    assert entity(message, "safeguarding_situation")["value"] == "current"
    assert message.get(ENTITIES)[0]["extractor"] == "Other"  # others' entities are kept
    assert {INTENT, INTENT_RANKING_KEY, ENTITIES} <= set(message.output_properties)


def test_disclosure_already_ranked_by_diet_is_not_listed_twice(component):
    [message] = component.process([classified("my bf hits me", "disclosure", 0.6)])
    names = [r["name"] for r in message.get(INTENT_RANKING_KEY)]
    assert names == ["disclosure", "other"]
    assert entity(message, "safeguarding_category")["value"] == "domestic_abuse"


def in_the_corroboration_band(*candidates: str) -> str:
    """The first message read below every check-in threshold but at or above
    DIET_CORROBORATION, with no rule matching: which messages those are moves a little
    each time the classifier is retrained, so the test picks one rather than fix it."""
    for text in candidates:
        p = read(text)[1].p_disclosure
        if detect(text) is None and DIET_CORROBORATION <= p < POSSIBLE_CRISIS:
            return text
    raise AssertionError("no candidate is in the band: add one the classifier reads so")


def test_a_sure_diet_disclosure_without_a_rule_match_gets_unspecified(component):
    # Neither reader flags it, but the classifier gives it enough to back DIET's guess.
    text = in_the_corroboration_band(
        "the lads on the corner looked at me funny",
        "my friend has been quiet lately",
        "the number 38 bus was late again this morning",
    )
    [message] = component.process([classified(text, "disclosure", 0.95)])
    assert message.get(INTENT) == {"name": "disclosure", "confidence": 0.95}
    assert entity(message, "safeguarding_category") == {
        "entity": "safeguarding_category",
        "value": "unspecified",
        "start": 0,
        "end": len(text),
        "extractor": EXTRACTOR,
    }
    assert entity(message, "safeguarding_tier")["value"] == "possible"


def test_an_unsure_diet_disclosure_without_a_rule_match_gives_way(component):
    text = "this survey is killing me"
    [message] = component.process([classified(text, "disclosure", 0.7)])
    assert message.get(INTENT)["name"] != "disclosure"
    assert not any(e["entity"] == "safeguarding_category" for e in message.get(ENTITIES) or [])


def test_opinion_is_left_alone(component):
    message = classified("knife crime is terrible round here", "give_opinion", 0.9)
    before = {key: value for key, value in message.data.items()}
    [after] = component.process([message])
    assert after.data == before


def test_messages_without_text_or_intent_are_left_alone(component):
    empty, no_text, no_intent = (
        Message(data={TEXT: ""}),
        Message(data={}),
        Message(data={TEXT: "hi"}),
    )
    assert component.process([empty, no_text, no_intent]) == [empty, no_text, no_intent]
    assert empty.get(INTENT) is None and no_text.get(ENTITIES) is None


def test_disclosure_without_a_prior_intent_still_gets_one(component):
    [message] = component.process([Message(data={TEXT: "kms"})])
    assert message.get(INTENT) == {"name": "disclosure", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY) == [{"name": "disclosure", "confidence": 1.0}]
    assert entity(message, "safeguarding_category")["value"] == "self_harm"


def test_masked_words_are_read_as_the_old_pattern_read_them() -> None:
    from bot.safeguarding.text import is_masked

    old = re.compile(r"[a-z]+\*+[a-z]*|\*+[a-z]+[a-z*]*")
    rng = random.Random(3)
    for _ in range(20_000):
        token = "".join(rng.choice("ab*") for _ in range(rng.randint(1, 9)))
        assert is_masked(token) == bool(old.fullmatch(token)), token


def test_a_long_masked_word_that_expands_is_read_in_linear_time() -> None:
    """Security review finding 1: "*" + "\\u3389" * 4998 + "0" took about 2 s in detect()
    (a quadratic regular expression over the NFKD-expanded word). Now no character folds
    into more than three and the masked-word check is linear."""
    from bot.safeguarding.text import MAX_FOLDED, normalise

    crafted = "*" + "\u3389" * 4998 + "0"
    assert len(normalise(crafted)) <= MAX_FOLDED * len(crafted)
    assert len(normalise("\ufdfa" * 5000)) == 5000  # 18 characters each, unfolded
    detect("warm up")
    started = time.perf_counter()
    for _ in range(50):
        assert detect(crafted) is None
    assert time.perf_counter() - started < 5.0


@pytest.mark.parametrize(
    "text, intent, confidence",
    [("children", "choose_part", 0.95), ("I'm done", "finish", 0.97)],
)
def test_a_sure_command_is_not_taken_for_a_disclosure(component, text, intent, confidence):
    [message] = component.process([classified(text, intent, confidence)])
    assert message.get(INTENT)["name"] == intent


def test_a_rule_match_is_a_disclosure_whatever_diet_thought(component):
    [message] = component.process([classified("kms", "finish", 0.99)])
    assert message.get(INTENT)["name"] == "disclosure"
