"""Easy Read through the real Rasa server, action server and database.

A resident can choose Easy Read at the start or ask for it at any point ("simpler please",
"I don't understand"), gets every message in the Easy Read wording (domain.yml's conditional
variations and bot/content/'s Easy Read content), fewer and plainer answer choices, and can
switch back. Answers are stored with the same codes either way.
"""

from __future__ import annotations

from bot import content
from bot.messages import domain_responses, variation_mode
from bot.readability import EASY_READ, STANDARD
from bot.stack import Stack
from tests.e2e.exported import stored_answers
from tests.e2e.resident import KNIFE_CRIME_AGREEMENT, Resident
from tests.e2e.texter import Texter

RESPONSES = domain_responses()


def wording(name: str, mode: str, channel: str | None = None) -> str:
    """The text of a response's variation for a mode (and channel), from domain.yml."""
    for variation in RESPONSES[name]:
        if variation_mode(variation) == mode and variation.get("channel") == channel:
            return variation["text"]
    raise AssertionError(f"{name} has no {mode} variation for channel {channel}")


def titles(resident: Resident) -> list[str]:
    return [b["title"] for b in resident.buttons]


def test_easy_read_chosen_at_the_start_carries_through_and_keeps_the_codes(
    sqlite_stack: Stack,
) -> None:
    resident = Resident(sqlite_stack.rest_webhook)
    resident.say("hello")
    assert resident.texts[0] == wording("utter_intro", STANDARD)
    resident.click("Use easy words")
    assert resident.texts[0] == wording("utter_easy_read_on", EASY_READ)
    assert wording("utter_intro", EASY_READ) in resident.texts
    assert resident.texts[-1] == wording("utter_ask_consent", EASY_READ)
    assert "Normal words" in titles(resident)

    resident.click("Yes")
    assert resident.texts[-1] == wording("utter_menu", EASY_READ)
    easy_parts = content.parts(EASY_READ)
    assert easy_parts["knife_crime"].title + "" in " ".join(titles(resident))

    resident.say("knife crime")
    explained = [s.text for s in easy_parts["knife_crime"].explain]
    assert resident.texts[: len(explained)] == explained
    assert resident.texts[-1] == wording("utter_ask_knife_crime_agreement", EASY_READ)
    assert [b["payload"] for b in resident.buttons] == ["/agree", "/dont_know", "/disagree"]

    resident.click("Not sure")
    assert resident.texts[-1] == wording("utter_ask_knife_crime_comment", EASY_READ)
    resident.say("More youth clubs would help")
    assert stored_answers(sqlite_stack.env["DATABASE_URL"], resident.sender) == {
        "knife_crime.agreement": ("dont_know", None),
        "knife_crime.comment": ("given", "More youth clubs would help"),
    }


def test_asking_mid_question_switches_and_asks_the_same_question_again(
    sqlite_stack: Stack,
) -> None:
    resident = Resident(sqlite_stack.rest_webhook)
    resident.say("hi")
    resident.click("Yes")
    resident.say("knife crime")
    assert resident.texts[-1] == KNIFE_CRIME_AGREEMENT
    assert len(resident.buttons) == 6

    resident.say("I don't understand")
    assert resident.texts[0] == wording("utter_easy_read_on", EASY_READ)
    assert resident.texts[-1] == wording("utter_ask_knife_crime_agreement", EASY_READ)
    assert len(resident.buttons) == 3

    resident.say("simpler please")  # already on: said once, not twice
    assert resident.texts[0] == wording("utter_easy_read_already", EASY_READ)
    assert resident.texts[-1] == wording("utter_ask_knife_crime_agreement", EASY_READ)

    resident.say("normal words please")
    assert resident.texts[0] == wording("utter_standard_words_on", STANDARD)
    assert resident.texts[-1] == KNIFE_CRIME_AGREEMENT
    assert len(resident.buttons) == 6

    resident.click("Strongly agree")  # nothing was stored by the switches
    assert stored_answers(sqlite_stack.env["DATABASE_URL"], resident.sender) == {
        "knife_crime.agreement": ("strongly_agree", None),
    }


def test_by_text_message_easy_read_says_reply_with_a_number(sqlite_stack: Stack) -> None:
    texter = Texter(sqlite_stack)
    texter.say("hello")
    texter.say("easy read")
    replies = texter.say("help")
    assert any(wording("utter_help", EASY_READ, channel="twilio") in r for r in replies)
