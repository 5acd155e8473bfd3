"""Input checks shared by the channels, and telling other languages from English."""

from __future__ import annotations

import pytest

from bot.channels.message_text import EMPTY_REPLY, MAX_MESSAGE_CHARS, clean, reply_instead
from bot.channels.rest import BadRequest, read_payload
from bot.languages import is_other_language

JSON = "application/json"


def test_a_good_request_gives_sender_and_message() -> None:
    body = b'{"sender": "abc", "message": "hello", "metadata": {"x": 1}}'
    assert read_payload("application/json; charset=utf-8", body) == ("abc", "hello")


@pytest.mark.parametrize(
    ("content_type", "body", "status", "reason"),
    [
        ("text/plain", b'{"sender": "a", "message": "b"}', 415, "Content-Type"),
        ("", b'{"sender": "a", "message": "b"}', 415, "Content-Type"),
        (JSON, b"{", 400, "not valid JSON"),
        (JSON, b"[" * 100_000, 400, "nested too deeply"),
        (JSON, b"[]", 400, "JSON object"),
        (JSON, b'{"message": "b"}', 400, '"sender"'),
        (JSON, b'{"sender": "  ", "message": "b"}', 400, '"sender"'),
        (JSON, b'{"sender": "' + b"a" * 129 + b'", "message": "b"}', 400, '"sender"'),
        (JSON, b'{"sender": "a\\nb", "message": "b"}', 400, "control characters"),
        (JSON, b'{"sender": "a", "message": ["b"]}', 400, '"message"'),
    ],
)
def test_a_request_the_channel_cannot_use_says_why(
    content_type: str, body: bytes, status: int, reason: str
) -> None:
    with pytest.raises(BadRequest) as raised:
        read_payload(content_type, body)
    assert raised.value.status == status
    assert reason in raised.value.reason


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("  more police  ", "more police"),
        ("k\u200bnife", "knife"),  # a zero-width space hiding a word
        ("\u202eevil\u202c text", "evil text"),  # a right-to-left override
        ("bell\x07 and null\x00", "bell  and null"),
        ("line one\nline two\tend", "line one\nline two\tend"),
        ("cafe\u0301", "caf\u00e9"),  # NFC
        ("مرحبا", "مرحبا"),  # right-to-left text itself is kept
        ("👍🏽", "👍🏽"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # kept as plain text
    ],
)
def test_clean(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned


def test_reply_instead() -> None:
    assert reply_instead("") == EMPTY_REPLY
    assert reply_instead("a" * MAX_MESSAGE_CHARS) is None
    too_long = reply_instead("a" * 100_000)
    assert too_long is not None and "100,000" in too_long and "5,000" in too_long


@pytest.mark.parametrize(
    "text",
    [
        "Dzień dobry, nie mówię po angielsku",
        "Bună ziua, nu vorbesc engleză",
        "Hola, quiero dar mi opinión sobre la policía",
        "Je voudrais répondre en français s'il vous plaît",
        "Não falo inglês, obrigado",
        "Merhaba, ingilizce bilmiyorum",
        "Waxaan rabaa inaan ka hadlo af soomaali, mahadsanid",
        "مرحبا، لا أتكلم الإنجليزية",
        "我不会说英语",
        "Здравствуйте, я не говорю по-английски",
        "আমি ইংরেজি বলতে পারি না",
    ],
)
def test_other_languages_are_recognised(text: str) -> None:
    assert is_other_language(text)


@pytest.mark.parametrize(
    "text",
    [
        "more police on the streets please",
        "I agree",
        "no",
        "ok",
        "Hola! I think the plan is good",
        "merci for asking, the police do a good job",
        "my café in Peckham was burgled twice",
        "Croydon",
        "SE1",
        "👍",
        "12345",
        "the Polish community in Ealing needs more support",
        "I speak Hindi and English",
        "",
    ],
)
def test_english_and_non_words_are_not_another_language(text: str) -> None:
    assert not is_other_language(text)
