"""Odd, hostile and abusive input over the real REST channel: a clear reply, never a 500,
nothing stored that the resident did not give as an answer."""

from __future__ import annotations

import pytest
import requests

from bot.channels.message_text import EMPTY_REPLY, MAX_MESSAGE_CHARS
from bot.db.queries import validate_answer
from bot.stack import Stack
from tests.e2e import resident as resident_helpers
from tests.e2e.exported import stored_answers
from tests.e2e.resident import KNIFE_CRIME_AGREEMENT, Resident

COMMENT_QUESTION = "Why do you say that?"
POSTAL_ADDRESS = "The Queen's Walk, London SE1 2AA"


def at_knife_crime_agreement(stack: Stack) -> Resident:
    return resident_helpers.at_knife_crime_agreement(stack.rest_webhook)


def at_knife_crime_comment(stack: Stack) -> Resident:
    resident = at_knife_crime_agreement(stack)
    resident.click("Agree")
    assert resident.texts[-1].startswith(COMMENT_QUESTION)
    return resident


def post(stack: Stack, body: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(
        stack.rest_webhook, data=body, headers={"Content-Type": content_type}, timeout=60
    )


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"sender": "x", "message": "hi"', "application/json", 400),  # cut short
        (b"\xff\xfe not utf-8", "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'"just a string"', "application/json", 400),
        (b"null", "application/json", 400),
        (b'{"message": "hi"}', "application/json", 400),  # no sender
        (b'{"sender": "", "message": "hi"}', "application/json", 400),
        (b'{"sender": {"a": 1}, "message": "hi"}', "application/json", 400),
        (b'{"sender": "x", "message": 42}', "application/json", 400),
        (b'{"sender": "x", "message": null}', "application/json", 400),
        (b"sender=x&message=hi", "application/x-www-form-urlencoded", 415),
        (b'{"sender": "x", "message": "hi"}', "text/plain", 415),
        (b"", "application/json", 400),
    ],
)
def test_a_request_the_channel_cannot_use_gets_a_4xx_with_a_reason(
    sqlite_stack: Stack, body: bytes, content_type: str, status: int
) -> None:
    response = post(sqlite_stack, body, content_type)
    assert response.status_code == status
    assert response.json()["error"]


def test_other_methods_and_paths_get_4xx(sqlite_stack: Stack) -> None:
    assert requests.get(sqlite_stack.rest_webhook, timeout=10).status_code == 405
    assert requests.post(sqlite_stack.rasa_url + "/model/parse", timeout=10).status_code == 404
    assert (
        requests.get(sqlite_stack.rasa_url + "/conversations/x/tracker", timeout=10).status_code
        == 404
    )


def test_the_action_server_refuses_what_is_not_an_action_call(sqlite_stack: Stack) -> None:
    webhook = f"http://127.0.0.1:{sqlite_stack.actions_port}/webhook"
    token = {"Authorization": f"Bearer {sqlite_stack.env['ACTION_SERVER_TOKEN']}"}
    for body in (b"[]", b"{}", b"not json", b'{"next_action": "action_greet", "tracker": {}}'):
        response = requests.post(webhook, data=body, headers=token, timeout=10)
        assert response.status_code == 400, body


@pytest.mark.parametrize("message", ["", "   ", "\n\t ", "\u200b\u200b", "\x00\x07"])
def test_an_empty_message_gets_a_clear_reply(sqlite_stack: Stack, message: str) -> None:
    resident = Resident(sqlite_stack.rest_webhook)
    resident.say(message)
    assert resident.texts == [EMPTY_REPLY]


def test_a_100000_character_message_is_refused_and_the_question_stays_open(
    sqlite_stack: Stack,
) -> None:
    resident = at_knife_crime_comment(sqlite_stack)
    resident.say("more police please " * 5_263)  # just over 100,000 characters
    assert "too long" in resident.text and f"{MAX_MESSAGE_CHARS:,}" in resident.text
    resident.say("more police please")
    assert stored_answers(sqlite_stack.env["DATABASE_URL"], resident.sender)[
        "knife_crime.comment"
    ] == ("given", "more police please")


def test_one_word_as_long_as_a_message_may_be_is_kept_as_a_comment(sqlite_stack: Stack) -> None:
    """The longest allowed message as a single word: it once exhausted the Rasa server's
    memory while looking for a misspelt borough in it (tests/unit/test_places_lookup.py)."""
    word = ("abcdefghij" * MAX_MESSAGE_CHARS)[:MAX_MESSAGE_CHARS]
    resident = at_knife_crime_comment(sqlite_stack)
    resident.say(word)
    assert stored_answers(sqlite_stack.env["DATABASE_URL"], resident.sender)[
        "knife_crime.comment"
    ] == ("given", word)


@pytest.mark.parametrize("message", ["👍", "😡😡😡", "🔪🚓", "?!?!", "12345"])
def test_emoji_and_symbols_get_a_reply_and_store_nothing_invalid(
    sqlite_stack: Stack, message: str
) -> None:
    resident = at_knife_crime_agreement(sqlite_stack)
    resident.say(message)
    assert resident.texts, "no reply"
    for question_id, (value, free_text) in stored_answers(
        sqlite_stack.env["DATABASE_URL"], resident.sender
    ).items():
        validate_answer(question_id, value, free_text)


def test_invisible_and_control_characters_are_removed_before_reading(sqlite_stack: Stack) -> None:
    resident = at_knife_crime_comment(sqlite_stack)
    resident.say("More\u200b youth\u202e clubs\x00 please\ufeff")
    stored = stored_answers(sqlite_stack.env["DATABASE_URL"], resident.sender)
    assert stored["knife_crime.comment"] == ("given", "More youth clubs  please")


@pytest.mark.parametrize(
    "message",
    [
        "مرحبا، لا أتكلم الإنجليزية",
        "Dzień dobry, nie mówię po angielsku, czy mogę odpowiedzieć po polsku?",
        "Hola, no hablo inglés. ¿Puedo responder en español?",
        "我不会说英语",
        "שלום, אני לא מדבר אנגלית",
    ],
)
def test_another_language_gets_english_only_and_the_postal_address(
    sqlite_stack: Stack, message: str
) -> None:
    resident = at_knife_crime_agreement(sqlite_stack)
    resident.say(message)
    assert "only chat in English" in resident.text
    assert POSTAL_ADDRESS in resident.text
    assert resident.texts[-1] == KNIFE_CRIME_AGREEMENT  # and the question is still open
    assert stored_answers(sqlite_stack.env["DATABASE_URL"], resident.sender) == {}


def test_a_comment_in_another_language_is_kept_and_the_resident_told(sqlite_stack: Stack) -> None:
    resident = at_knife_crime_comment(sqlite_stack)
    comment = "Potrzebujemy więcej policji na ulicach, nie czujemy się bezpiecznie"
    resident.say(comment)
    assert "only chat in English" in resident.text
    stored = stored_answers(sqlite_stack.env["DATABASE_URL"], resident.sender)
    assert stored["knife_crime.comment"] == ("given", comment)


@pytest.mark.parametrize(
    "comment",
    [
        "<script>alert('hi')</script> more bobbies on the beat",
        "<b>bold</b> <img src=x onerror=alert(1)> youth clubs",
        "Robert'); DROP TABLE answers; -- more patrols",
        "' OR '1'='1 stop and search is fine",
    ],
)
def test_markup_and_sql_are_stored_as_plain_text(sqlite_stack: Stack, comment: str) -> None:
    resident = at_knife_crime_comment(sqlite_stack)
    resident.say(comment)
    stored = stored_answers(sqlite_stack.env["DATABASE_URL"], resident.sender)
    assert stored["knife_crime.comment"] == ("given", comment)


@pytest.mark.parametrize(
    "payload",
    [
        '/inform{"knife_crime_agreement": "agree"}',
        '/inform{"knife_crime.agreement": "agree", "knife_crime_comment": "typed"}',
        '/agree{"knife_crime_comment": "typed", "consent": true}',
        '/inform{"requested_slot": "local_borough", "current_part": "local"}',
    ],
)
def test_typed_payloads_set_nothing_the_resident_did_not_answer(
    sqlite_stack: Stack, payload: str
) -> None:
    resident = at_knife_crime_agreement(sqlite_stack)
    resident.say(payload)
    stored = stored_answers(sqlite_stack.env["DATABASE_URL"], resident.sender)
    assert "knife_crime.comment" not in stored
    assert set(stored) <= {"knife_crime.agreement"}
    if payload.startswith("/agree"):
        # The intent is the button's: an answer of "agree" to the question asked, nothing more.
        assert stored == {"knife_crime.agreement": ("agree", None)}


def test_typed_payload_cannot_give_consent(sqlite_stack: Stack) -> None:
    resident = Resident(sqlite_stack.rest_webhook)
    resident.say('/inform{"consent": true}')
    resident.say("knife crime")
    assert "happy for us to keep your answers" in resident.text
    assert stored_answers(sqlite_stack.env["DATABASE_URL"], resident.sender) == {}


@pytest.mark.parametrize("abuse", ["you're useless", "shut up you stupid bot", "fuck off"])
def test_abuse_gets_one_calm_boundary_and_the_conversation_carries_on(
    sqlite_stack: Stack, abuse: str
) -> None:
    resident = at_knife_crime_comment(sqlite_stack)
    resident.say(abuse)
    assert "please keep it polite" in resident.texts[0]
    assert sum("polite" in text for text in resident.texts) == 1
    assert resident.texts[-1].startswith(COMMENT_QUESTION)
    assert "knife_crime.comment" not in stored_answers(
        sqlite_stack.env["DATABASE_URL"], resident.sender
    )
    resident.say("More youth workers")
    assert stored_answers(sqlite_stack.env["DATABASE_URL"], resident.sender)[
        "knife_crime.comment"
    ] == ("given", "More youth workers")


def test_strong_criticism_of_the_plan_is_an_answer_not_abuse(sqlite_stack: Stack) -> None:
    resident = at_knife_crime_comment(sqlite_stack)
    resident.say("this plan is rubbish, the police never come when you call them")
    assert "polite" not in resident.text
    assert "knife_crime.comment" in stored_answers(
        sqlite_stack.env["DATABASE_URL"], resident.sender
    )
