"""The pure parts of the SMS and WhatsApp channel: TwiML, splitting, numbered options, STOP
words, reading Twilio's form and checking its signature."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot.channels.numbered_options import as_text, describe, picked
from bot.channels.opt_out import keyword
from bot.channels.rest import BadRequest
from bot.channels.twilio import ConsultTwilioInput, read_form, read_message, signed_by_twilio
from bot.channels.twiml import MAX_MESSAGE_CHARS, length, split_message, twiml

FORM = "application/x-www-form-urlencoded"
URL = "https://consult.example.org/webhooks/twilio/webhook"
TOKEN = "a-test-auth-token"


def messages_in(reply: str) -> list[str]:
    root = ET.fromstring(reply)
    assert root.tag == "Response"
    assert all(child.tag == "Message" for child in root)
    return [child.text or "" for child in root]


# --- TwiML ----------------------------------------------------------------------------------


def test_each_text_is_one_message_escaped_for_xml() -> None:
    texts = ["Hello & welcome", "<b>not markup</b> 'quoted' \"too\"", "Two\nlines"]
    reply = twiml(texts)
    assert reply.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    assert "&lt;b&gt;" in reply and "&amp;" in reply
    assert messages_in(reply) == texts


def test_no_texts_is_an_empty_response() -> None:
    reply = twiml([])
    assert messages_in(reply) == []
    assert reply.endswith("<Response />")


def test_characters_xml_cannot_hold_are_left_out() -> None:
    assert messages_in(twiml(["a\x0bb\ufffec\U0001f44d"])) == ["abc\U0001f44d"]


# --- splitting ------------------------------------------------------------------------------


def test_a_short_text_is_one_message() -> None:
    assert split_message("  Hello.  ") == ["Hello."]
    assert split_message("   ") == []


def test_a_long_text_splits_between_paragraphs_first() -> None:
    first, second = "A" * 1000, "B" * 1000
    assert split_message(f"{first}\n\n{second}") == [first, second]


def test_paragraphs_that_fit_together_stay_together() -> None:
    text = "\n\n".join(["Short paragraph."] * 3 + ["C" * 1590])
    assert split_message(text) == ["\n\n".join(["Short paragraph."] * 3), "C" * 1590]


def test_a_long_paragraph_splits_between_sentences() -> None:
    sentence = "This sentence is about fifty characters long, yes. "
    text = (sentence * 40).strip()  # about 2,000 characters, one paragraph
    messages = split_message(text)
    assert len(messages) == 2
    assert all(m.endswith(".") and length(m) <= MAX_MESSAGE_CHARS for m in messages)
    assert " ".join(messages) == text


def test_a_long_sentence_splits_between_words() -> None:
    text = " ".join(["word"] * 500)  # 2,499 characters, no sentence end
    messages = split_message(text)
    assert [length(m) <= MAX_MESSAGE_CHARS for m in messages] == [True, True]
    assert " ".join(messages) == text
    assert all(m.split() == ["word"] * len(m.split()) for m in messages)


def test_a_single_huge_word_is_cut() -> None:
    assert split_message("x" * 3500) == ["x" * 1600, "x" * 1600, "x" * 300]


def test_emoji_count_as_two_and_are_never_cut_in_half() -> None:
    messages = split_message("\U0001f44d" * 1000)  # 2,000 UTF-16 units
    assert [length(m) for m in messages] == [1600, 400]
    assert "".join(messages) == "\U0001f44d" * 1000


@given(st.text(alphabet=st.sampled_from("ab .!?\n\U0001f44d"), max_size=5000))
def test_every_message_fits_and_no_words_are_lost(text: str) -> None:
    messages = split_message(text, limit=50)
    assert all(0 < length(m) <= 50 for m in messages)
    assert "".join("".join(messages).split()) == "".join(text.split())


def test_a_long_reply_becomes_several_messages_in_the_twiml() -> None:
    assert [len(m) for m in messages_in(twiml(["y" * 2000]))] == [1600, 400]


# --- numbered options -----------------------------------------------------------------------

AGREEMENT = [
    {"title": "Strongly agree", "payload": "/strongly_agree"},
    {"title": "Agree", "payload": "/agree"},
    {"title": "Don't know", "payload": '/inform{"x": "dont_know"}'},
]


def test_options_are_described_in_plain_words() -> None:
    assert describe(["Yes, I'm happy", "No"]) == (
        "Reply with a number:\n1 for Yes, I'm happy\n2 for No"
    )
    assert describe(["Skip"]) == "Reply 1 for Skip."


def test_buttons_become_numbered_options_without_their_payloads() -> None:
    texts, payloads = as_text(
        [
            {"recipient_id": "x", "text": "Some facts."},
            {"recipient_id": "x", "text": "How far do you agree?", "buttons": AGREEMENT},
        ]
    )
    assert texts == [
        "Some facts.",
        "How far do you agree?\n\nReply with a number:\n"
        "1 for Strongly agree\n2 for Agree\n3 for Don't know",
    ]
    assert payloads == [b["payload"] for b in AGREEMENT]
    assert not any("/" in text or "{" in text for text in texts)


def test_only_the_last_buttons_of_a_turn_are_numbered() -> None:
    texts, payloads = as_text(
        [
            {"text": "Earlier?", "buttons": [{"title": "Old", "payload": "/old"}]},
            {"text": "", "buttons": AGREEMENT[:2]},
            {"text": "Afterwards."},
        ]
    )
    assert texts == [
        "Earlier?",
        "Reply with a number:\n1 for Strongly agree\n2 for Agree",
        "Afterwards.",
    ]
    assert payloads == ["/strongly_agree", "/agree"]


def test_a_turn_without_buttons_offers_nothing() -> None:
    assert as_text([{"text": "Thanks."}, {"image": "x.png"}]) == (["Thanks."], [])


@pytest.mark.parametrize("reply", ["2", " 2 ", "2.", "2)", "02", "2 ."])
def test_a_number_picks_that_option(reply: str) -> None:
    assert picked(reply, ["/a", "/b", "/c"]) == "/b"


@pytest.mark.parametrize("reply", ["0", "4", "34", "2 please", "two", "-1", "1.5", "", "#2"])
def test_anything_else_is_the_residents_own_words(reply: str) -> None:
    assert picked(reply, ["/a", "/b", "/c"]) is None


def test_a_number_with_no_options_offered_is_the_residents_own_words() -> None:
    assert picked("1", []) is None


# --- opting out -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["STOP", "stop", " Stop ", "STOPALL", "unsubscribe", "Cancel", "END", "quit\n"]
)
def test_stop_words_opt_out(text: str) -> None:
    assert keyword(text) == "stop"


@pytest.mark.parametrize("text", ["START", "start", " Unstop "])
def test_start_words_opt_back_in(text: str) -> None:
    assert keyword(text) == "start"


@pytest.mark.parametrize("text", ["please stop", "stop.", "the end", "restart", "start again", ""])
def test_other_messages_are_not_keywords(text: str) -> None:
    assert keyword(text) is None


# --- reading and checking Twilio's request --------------------------------------------------


SID = "SM" + "0123456789abcdef" * 2
ACCOUNT = "AC" + "fedcba9876543210" * 2
IDS = f"MessageSid={SID}&AccountSid={ACCOUNT}".encode()


def test_the_form_keeps_blank_fields_twilio_signed() -> None:
    form = read_form(FORM, b"From=%2B447700900123&Body=&NumMedia=1&MessageSid=SM1")
    assert form.get("Body") == "" and form.get("From") == "+447700900123"
    assert read_form("application/json", b'{"From": "x"}') == {}
    assert read_form(FORM, b"\xff\xfe") == {}
    assert read_form(FORM, b"Body=" + b"a" * 70_000) == {}  # not Twilio's: not even parsed


def test_a_message_is_read_from_a_signed_form() -> None:
    form = read_form(FORM, b"From=whatsapp%3A%2B447700900123&Body=hi&NumMedia=0&" + IDS)
    message = read_message(form)
    assert (message.address, message.body, message.channel, message.message_sid) == (
        "whatsapp:+447700900123",
        "hi",
        "whatsapp",
        SID,
    )
    # Rasa's sender id: the channel's namespace and the keyed hash, never the number.
    assert message.sender_id.startswith("wa:") and len(message.sender_id) == len("wa:") + 64
    sms = read_message(read_form(FORM, b"From=%2B447700900123&Body=hi&" + IDS))
    assert sms.channel == "sms" and sms.sender_id.startswith("sms:")
    assert "447700900123" not in sms.sender_id + message.sender_id
    assert sms.sender_id.removeprefix("sms:") != message.sender_id.removeprefix("wa:")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"Body=hi&" + IDS, "From"),
        (b"From=%2B44&" + IDS, "Body"),
        (f"From=%2B44&Body=hi&AccountSid={ACCOUNT}".encode(), "MessageSid"),
        (f"From=%2B44&Body=hi&MessageSid={SID}".encode(), "AccountSid"),
        (b"From=+&Body=hi&" + IDS, "must not be empty"),
        (b"From=%2B44&Body=hi&NumMedia=lots&" + IDS, "NumMedia"),
    ],
)
def test_a_form_without_what_is_needed_says_why(body: bytes, reason: str) -> None:
    with pytest.raises(BadRequest) as raised:
        read_message(read_form(FORM, body))
    assert raised.value.status == 400 and reason in raised.value.reason


@pytest.mark.parametrize(
    ("message_sid", "account_sid"),
    [
        ("SM1", ACCOUNT),
        (SID + "NumMedia0", ACCOUNT),  # the boundary with the next field moved
        (SID.upper(), ACCOUNT),
        (" " + SID, ACCOUNT),
        ("MG" + SID[2:], ACCOUNT),
        (SID, ACCOUNT + "ApiVersion2010-04-01"),
        (SID, "AC1"),
        (SID, "SM" + ACCOUNT[2:]),
    ],
)
def test_ids_not_in_twilios_format_are_refused(message_sid: str, account_sid: str) -> None:
    body = f"From=%2B44&Body=hi&MessageSid={message_sid}&AccountSid={account_sid}"
    with pytest.raises(BadRequest) as raised:
        read_message(read_form(FORM, body.replace(" ", "%20").encode()))
    assert raised.value.status == 400 and "Sid is not a Twilio" in raised.value.reason


def test_only_the_configured_account_is_taken() -> None:
    form = read_form(FORM, b"From=%2B44&Body=hi&" + IDS)
    assert read_message(form, ACCOUNT).message_sid == SID
    assert read_message(form).message_sid == SID  # no account configured: any
    with pytest.raises(BadRequest, match="this service's Twilio account"):
        read_message(form, "AC" + "0" * 32)
    with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID"):
        ConsultTwilioInput(TOKEN, account_sid="AC-not-an-account")
    assert read_message(read_form(FORM, b"From=%2B44&Body=hi&" + IDS.replace(b"SM", b"MM")))


def test_the_signature_must_match_the_url_and_every_field() -> None:
    fields = {"From": "+447700900123", "Body": "hello", "MessageSid": "SM1"}
    signature = RequestValidator(TOKEN).compute_signature(URL, fields)
    form = read_form(FORM, b"From=%2B447700900123&Body=hello&MessageSid=SM1")
    assert signed_by_twilio(TOKEN, URL, form, signature)
    assert not signed_by_twilio(TOKEN, URL + "?x=1", form, signature)
    assert not signed_by_twilio("another-token", URL, form, signature)
    assert not signed_by_twilio(TOKEN, URL, form, None)
    assert not signed_by_twilio(TOKEN, URL, form, "")
    tampered = read_form(FORM, b"From=%2B447700900123&Body=hello!&MessageSid=SM1")
    assert not signed_by_twilio(TOKEN, URL, tampered, signature)


def test_without_an_auth_token_nothing_is_signed_and_the_log_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    signature = RequestValidator("").compute_signature(URL, {})
    assert not signed_by_twilio("", URL, read_form(FORM, b""), signature)
    with caplog.at_level(logging.WARNING):
        ConsultTwilioInput(auth_token="")
    assert [r.getMessage() for r in caplog.records] == [
        "TWILIO_AUTH_TOKEN is not set: the Twilio channel refuses every request (403)."
    ]
    caplog.clear()
    ConsultTwilioInput(auth_token=TOKEN)
    assert caplog.records == []
