"""How a resident's message is read as an answer to the question being asked."""

from __future__ import annotations

import pytest

from actions.answers import (
    Answer,
    Confirm,
    Correction,
    ParsedMessage,
    Retry,
    age_band_for,
    interpret,
)
from bot.questions import BY_ID


def message(
    intent: str | None, text: str = "", confidence: float = 0.95, **entities: str | list[str]
) -> ParsedMessage:
    found = []
    for entity, values in entities.items():
        for value in [values] if isinstance(values, str) else values:
            found.append({"entity": entity, "value": value})
    return ParsedMessage(
        intent=intent, text=text or (intent or ""), entities=tuple(found), confidence=confidence
    )


ANSWERS = [
    # (question, message, stored value, free text)
    ("knife_crime.agreement", message("strongly_agree", "totally"), "strongly_agree", None),
    ("knife_crime.agreement", message("agree", "yeah mostly"), "agree", None),
    ("knife_crime.agreement", message("affirm", "yes"), "agree", None),
    ("knife_crime.agreement", message("deny", "no"), "disagree", None),
    ("knife_crime.agreement", message("strongly_disagree", "no way"), "strongly_disagree", None),
    ("knife_crime.agreement", message("dont_know", "not sure"), "dont_know", None),
    ("knife_crime.agreement", message("neutral", "meh"), "neutral", None),
    # Plain words are sure whatever the classifier made of them.
    ("knife_crime.agreement", message("give_opinion", "I don't agree", 0.4), "disagree", None),
    ("knife_crime.agreement", message(None, "Strongly agree", 0.0), "strongly_agree", None),
    ("knife_crime.agreement", message("skip"), "skipped", None),
    (
        "victims.comment",
        message("give_opinion", "More support after court"),
        "given",
        "More support after court",
    ),
    ("victims.comment", message("skip", "skip"), "skipped", None),
    ("victims.comment", message("deny", "no thanks"), "skipped", None),
    # A long comment that the classifier mistook for a command is still a comment.
    (
        "knife_crime.comment",
        message("stop", "you need to stop the gangs recruiting kids outside schools"),
        "given",
        "you need to stop the gangs recruiting kids outside schools",
    ),
    # A short comment the classifier is unsure about is a comment, not a command.
    (
        "neighbourhood.comment",
        message("tell_me_more", "More officers I can talk to", confidence=0.37),
        "given",
        "More officers I can talk to",
    ),
    (
        "knife_crime.comment",
        message("tell_me_more", "More police near schools", confidence=0.9),
        "given",
        "More police near schools",
    ),
    ("local.borough", message("inform", "Brixton", borough="lambeth"), "lambeth", None),
    ("local.borough", message("inform", "E14", postcode_district="E14"), "tower_hamlets", None),
    ("local.borough", message("dont_know", "no idea"), "skipped", None),
    ("local.priorities", message("inform", "burglary", priority="burglary"), "burglary", None),
    (
        "local.priorities",
        message("inform", "burglary and robbery", priority=["burglary", "robbery"]),
        "burglary;robbery",
        None,
    ),
    ("about.age_band", message("inform", "I'm 34"), "25_34", None),
    ("about.age_band", message("inform", "/inform", age_band="75_plus"), "75_plus", None),
    ("about.age_band", message("prefer_not_to_say"), "prefer_not_to_say", None),
    ("about.borough", message("prefer_not_to_say"), "prefer_not_to_say", None),
    ("about.victim_last_12_months", message("affirm", "yes"), "yes", None),
    ("about.victim_last_12_months", message("deny", "nope"), "no", None),
    # "prefer not to say" is not a choice on plan questions: it counts as a skip.
    ("hate.agreement", message("prefer_not_to_say"), "skipped", None),
]


@pytest.mark.parametrize("question_id, parsed, value, free_text", ANSWERS)
def test_answers_are_read_from_intents_entities_and_text(
    question_id: str, parsed: ParsedMessage, value: str, free_text: str | None
) -> None:
    result = interpret(BY_ID[question_id], parsed)
    assert isinstance(result, Answer)
    assert (result.value, result.free_text) == (value, free_text)


RETRIES = [
    (
        "knife_crime.agreement",
        message("give_opinion", "the police should do more"),
        "utter_choose_agreement",
    ),
    (
        "knife_crime.agreement",
        message("inform", "Croydon", borough="croydon"),
        "utter_choose_agreement",
    ),
    ("knife_crime.comment", message("affirm", "yes"), "utter_type_your_comment"),
    ("knife_crime.comment", message("agree", "/agree"), "utter_type_your_comment"),
    ("local.borough", message("inform", "Narnia"), "utter_borough_not_found"),
    ("local.borough", message("inform", "SE1", postcode_district="SE1"), "utter_pick_borough"),
    ("local.priorities", message("inform", "cats"), "utter_priority_not_found"),
    (
        "local.priorities",
        message("inform", "x", priority=["burglary", "robbery", "criminal_damage"]),
        "utter_too_many_priorities",
    ),
    ("about.age_band", message("inform", "old enough"), "utter_age_not_understood"),
    (
        "about.victim_last_12_months",
        message("give_opinion", "the police never came"),
        "utter_choose_an_option",
    ),
]


# Typed agreement answers that only suggest a point on the scale: the classifier's guess
# is offered ("Did you mean ...?"), never stored on its own (issue 15's examples).
GUESSES = [
    ("not bad", "disagree", "disagree"),
    ("yeah right", "agree", "agree"),
    ("sure, totally", "agree", "agree"),
    ("it doesn't go far enough", "agree", "agree"),
    ("depends", "agree", "agree"),
    ("completely wrong approach", "strongly_agree", "strongly_agree"),
    ("I guess so", "agree", "agree"),
]


@pytest.mark.parametrize("text, intent, offered", GUESSES)
def test_a_typed_answer_that_only_suggests_one_is_confirmed_first(
    text: str, intent: str, offered: str
) -> None:
    result = interpret(BY_ID["knife_crime.agreement"], message(intent, text, confidence=0.97))
    assert result == Confirm(offered)


def test_a_typed_yes_stores_the_answer_offered_and_a_no_asks_again() -> None:
    question = BY_ID["knife_crime.agreement"]
    yes = interpret(question, message("affirm", "yes that's right"), to_confirm="disagree")
    assert isinstance(yes, Answer) and yes.value == "disagree"
    no = interpret(question, message("deny", "no"), to_confirm="agree")
    assert isinstance(no, Retry) and no.response == "utter_choose_agreement"
    # A button says what it says, whatever was offered.
    pressed = interpret(question, message("neutral", "/neutral"), to_confirm="agree")
    assert isinstance(pressed, Answer) and pressed.value == "neutral"


@pytest.mark.parametrize(
    "text, value",
    [
        ("I agree but we need more bobbies", "agree"),
        ("disagree, because nothing ever changes round here", "disagree"),
        ("strongly agree, though it needs money behind it", "strongly_agree"),
    ],
)
def test_an_answer_with_its_reason_keeps_both(text: str, value: str) -> None:
    result = interpret(BY_ID["knife_crime.agreement"], message("give_opinion", text, 0.6))
    assert isinstance(result, Answer)
    assert (result.value, result.comment) == (value, text)


@pytest.mark.parametrize(
    "text, intent, value",
    [
        ("I was being sarcastic, obviously I disagree", "give_opinion", "disagree"),
        ("actually no, make that disagree", "change_answer", "disagree"),
        ("i mean yes sorry, i pressed wrong", "affirm", "agree"),
        ("Oops wrong button, I strongly agree", "strongly_agree", "strongly_agree"),
    ],
)
def test_a_correction_at_the_comment_question_changes_the_rating(
    text: str, intent: str, value: str
) -> None:
    result = interpret(BY_ID["knife_crime.comment"], message(intent, text))
    assert result == Correction(value)


@pytest.mark.parametrize(
    "text",
    [
        "More police, I mean real ones, that I agree with",
        "Actually I agree with more stop and search near schools",
        "I meant to say earlier that youth clubs matter more than anything else in this plan",
    ],
)
def test_a_comment_that_holds_correction_words_is_still_a_comment(text: str) -> None:
    result = interpret(BY_ID["knife_crime.comment"], message("give_opinion", text))
    assert isinstance(result, Answer) and result.free_text == text


@pytest.mark.parametrize("question_id, parsed, response", RETRIES)
def test_unusable_answers_ask_again_with_a_reason(
    question_id: str, parsed: ParsedMessage, response: str
) -> None:
    result = interpret(BY_ID[question_id], parsed)
    assert isinstance(result, Retry)
    assert result.response == response


def test_a_district_in_two_boroughs_offers_both_as_buttons() -> None:
    result = interpret(BY_ID["local.borough"], message("inform", "SE1", postcode_district="SE1"))
    assert isinstance(result, Retry)
    payloads = [button["payload"] for button in result.buttons]
    assert '/inform{"borough": "southwark"}' in payloads
    assert '/inform{"borough": "lambeth"}' in payloads


@pytest.mark.parametrize(
    "question_id",
    ["knife_crime.agreement", "knife_crime.comment", "local.borough", "about.age_band"],
)
@pytest.mark.parametrize(
    "intent", ["help", "stop", "go_back", "menu", "delete_answers", "change_answer"]
)
def test_commands_are_never_answers(question_id: str, intent: str) -> None:
    assert interpret(BY_ID[question_id], message(intent, "help me")) is None


def test_a_longer_command_in_a_comment_still_acts_as_a_command() -> None:
    change = message("change_answer", "I want to change my knife crime answer", part="knife_crime")
    assert interpret(BY_ID["victims.comment"], change) is None


@pytest.mark.parametrize(
    "age, band",
    [
        (5, "under_18"),
        (17, "under_18"),
        (18, "18_24"),
        (34, "25_34"),
        (64, "55_64"),
        (75, "75_plus"),
    ],
)
def test_age_bands(age: int, band: str) -> None:
    assert age_band_for(age) == band


def test_a_typed_command_read_without_certainty_at_a_choice_question_is_not_obeyed() -> None:
    question = BY_ID["knife_crime.agreement"]
    unsure = interpret(question, message("easy_read", "depends", confidence=0.33))
    assert isinstance(unsure, Retry) and unsure.response == "utter_choose_agreement"
    assert interpret(question, message("easy_read", "easy words please", confidence=0.9)) is None
    assert interpret(question, message("easy_read", "/easy_read", confidence=1.0)) is None


@pytest.mark.parametrize(
    "text, intent, confidence",
    [
        ("not sure, does a stolen parcel count?", "affirm", 0.95),
        ("yeah right, as if they'd care", "affirm", 0.95),
        ("sort of", "affirm", 0.95),
        ("hmm", "deny", 0.5),
    ],
)
def test_a_yes_or_no_that_is_not_sure_is_asked_again(
    text: str, intent: str, confidence: float
) -> None:
    result = interpret(BY_ID["about.victim_last_12_months"], message(intent, text, confidence))
    assert isinstance(result, Retry)


def test_an_age_given_with_another_number_in_another_band_is_asked_again() -> None:
    question = BY_ID["about.age_band"]
    assert isinstance(interpret(question, message("inform", "between 40 and 50")), Retry)
    same = interpret(question, message("inform", "I'm 36, 37 next week"))
    assert isinstance(same, Answer) and same.value == "35_44"


def _typed_priorities(text: str, *found: tuple[str, str]) -> ParsedMessage:
    """A typed list with the crimes the NLU found in it (value, the words it found)."""
    entities = tuple(
        {
            "entity": "priority",
            "value": value,
            "start": text.index(words),
            "end": text.index(words) + len(words),
        }
        for value, words in found
    )
    return ParsedMessage(intent="inform", text=text, entities=entities, confidence=1.0)


@pytest.mark.parametrize(
    "parsed, unplaced",
    [
        (_typed_priorities("burglary and drug dealing", ("burglary", "burglary")), "drug dealing"),
        (
            _typed_priorities(
                "not burglary, muggings", ("burglary", "burglary"), ("robbery", "muggings")
            ),
            "not burglary",
        ),
    ],
)
def test_a_list_with_something_unplaced_names_it_back_and_stores_nothing(
    parsed: ParsedMessage, unplaced: str
) -> None:
    result = interpret(BY_ID["local.priorities"], parsed)
    assert isinstance(result, Retry) and result.response == "utter_priority_unplaced"
    assert unplaced in result.fill["unplaced"]


def test_a_list_whose_every_part_is_placed_is_stored() -> None:
    parsed = _typed_priorities(
        "mainly the break ins and muggings round here",
        ("burglary", "break ins"),
        ("robbery", "muggings"),
    )
    result = interpret(BY_ID["local.priorities"], parsed)
    assert isinstance(result, Answer) and result.value == "burglary;robbery"
