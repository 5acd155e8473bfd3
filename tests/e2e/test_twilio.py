"""SMS and WhatsApp through the Twilio channel, against the real servers: requests signed as
Twilio signs them, replies read from the TwiML, what is stored read from the database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from bot.channels.message_text import EMPTY_REPLY
from bot.channels.opt_out import OPTED_IN_REPLY
from bot.channels.twilio import MEDIA_ONLY_REPLY
from bot.db.engine import make_sync_engine
from bot.pseudonyms import sender_key
from bot.stack import Stack
from tests.e2e.exported import answers_of, export, query, transcript_length
from tests.e2e.resident import REFERENCE
from tests.e2e.texter import Texter, messages_in
from tests.e2e.whole_consultation import VICTIM_TESTIMONY, answer_every_part, expected_answers

CONSENT_OPTIONS = ["Yes, I'm happy", "No", "Use easy words"]


def messages_taken_in(stack: Stack, texter: Texter) -> int:
    """How many of this texter's messages reached the assistant."""
    return len(
        query(
            stack,
            "SELECT id FROM events WHERE sender_id = :sender AND type_name = 'user'",
            sender=texter.sender_id,
        )
    )


def channel_of(stack: Stack, texter: Texter) -> str | None:
    rows = query(
        stack,
        "SELECT channel FROM respondents WHERE sender_key = :key",
        key=sender_key(texter.sender_id),
    )
    return rows[0][0] if rows else None


def was_received(stack: Stack, message_sid: str) -> bool:
    sql = "SELECT id FROM received_messages WHERE message_key = :key"
    return bool(query(stack, sql, key=sender_key(message_sid)))


# --- requests the channel refuses ---------------------------------------------------------


def test_unsigned_and_wrongly_signed_requests_get_403_and_reach_nothing(
    sqlite_stack: Stack,
) -> None:
    texter = Texter(sqlite_stack)
    form = texter.form("hello")
    forged = {
        "no signature": None,
        "another auth token": RequestValidator("not-the-token").compute_signature(
            texter.webhook, form
        ),
        "another URL": texter.signature(form, url=texter.webhook + "?x=1"),
        "another message": texter.signature({**form, "Body": "goodbye"}),
        "garbage": "not a signature",
    }
    for what, signature in forged.items():
        headers = {"X-Twilio-Signature": signature} if signature is not None else {}
        response = requests.post(texter.webhook, data=form, headers=headers, timeout=60)
        assert response.status_code == 403, what
        assert "signed" in response.json()["error"], what
    assert transcript_length(sqlite_stack.env["DATABASE_URL"], texter.sender_id) == 0
    assert not was_received(sqlite_stack, form["MessageSid"])
    assert channel_of(sqlite_stack, texter) is None


def test_only_post_is_served(sqlite_stack: Stack) -> None:
    texter = Texter(sqlite_stack)
    assert requests.get(texter.webhook, timeout=10).status_code == 405
    assert requests.get(texter.webhook.removesuffix("webhook"), timeout=10).json() == {
        "status": "ok"
    }


@pytest.mark.parametrize("field", ["From", "Body", "MessageSid", "AccountSid"])
def test_a_signed_request_without_a_field_gets_400_with_the_reason(
    sqlite_stack: Stack, field: str
) -> None:
    texter = Texter(sqlite_stack)
    form = texter.form("hello")
    del form[field]
    response = texter.post(form)
    assert response.status_code == 400
    assert field in response.json()["error"]
    assert transcript_length(sqlite_stack.env["DATABASE_URL"], texter.sender_id) == 0


def test_a_picture_without_words_gets_a_plain_reply(sqlite_stack: Stack) -> None:
    texter = Texter(sqlite_stack)
    picture = {
        "NumMedia": "1",
        "MediaContentType0": "image/jpeg",
        "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0",
    }
    assert texter.send(texter.form("", **picture)) == [MEDIA_ONLY_REPLY]
    assert texter.say("   ") == [EMPTY_REPLY]
    assert transcript_length(sqlite_stack.env["DATABASE_URL"], texter.sender_id) == 0
    texter.send(texter.form("hello", **picture))  # words with a picture are read
    assert "Mayor's Office for Policing and Crime" in texter.text


# --- conversations ------------------------------------------------------------------------


@pytest.mark.parametrize(("whatsapp", "channel"), [(False, "sms"), (True, "whatsapp")])
def test_sms_and_whatsapp_conversations_are_stored_with_their_channel(
    sqlite_stack: Stack, whatsapp: bool, channel: str
) -> None:
    texter = Texter(sqlite_stack, whatsapp=whatsapp)
    texter.say("hello")
    assert "Are you happy for us to keep your answers?" in texter.text
    texter.pick("Yes")
    assert "Which part of the plan" in texter.text
    assert channel_of(sqlite_stack, texter) == channel
    channels = query(
        sqlite_stack,
        "SELECT DISTINCT json_extract(data, '$.input_channel') FROM events "
        "WHERE sender_id = :sender AND type_name = 'user'",
        sender=texter.sender_id,
    )
    assert channels == [(channel,)]


@pytest.mark.parametrize("reply", ["1", " 1 ", "1.", "1)"])
def test_a_number_picks_the_option_and_the_payload_is_never_shown(
    sqlite_stack: Stack, reply: str
) -> None:
    texter = Texter(sqlite_stack)
    texter.say("hello")
    assert texter.texts[-1].endswith(
        "Are you happy for us to keep your answers?\n\n"
        "Reply with a number:\n1 for Yes, I'm happy\n2 for No\n3 for Use easy words"
    )
    assert texter.options == CONSENT_OPTIONS
    texter.say(reply)
    assert "Which part of the plan" in texter.text
    assert "Cracking down on knife crime" in texter.options
    for text in texter.texts:
        assert "/affirm" not in text and "/inform" not in text and "{" not in text


def test_a_number_with_no_such_option_is_read_as_words(sqlite_stack: Stack) -> None:
    texter = Texter(sqlite_stack)
    texter.say("hello")
    texter.say("7")
    assert texter.options == CONSENT_OPTIONS  # still asking for consent
    assert channel_of(sqlite_stack, texter) is None


def test_options_are_remembered_across_requests_per_sender(sqlite_stack: Stack) -> None:
    first, second = Texter(sqlite_stack), Texter(sqlite_stack)
    first.say("hello")
    second.say("hello")
    second.pick("Yes")
    first.say("2")  # "No", from the options *first* was offered
    assert "haven't kept anything" in first.text
    assert channel_of(sqlite_stack, first) is None
    assert channel_of(sqlite_stack, second) == "sms"


# --- opting out -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stop", "start"),
    [("STOP", "START"), (" stop ", "unstop"), ("StopAll", "Start"), ("UNSUBSCRIBE", "START")]
    + [(word, "START") for word in ("cancel", "End", "QUIT")],
)
def test_stop_opts_out_until_start(sqlite_stack: Stack, stop: str, start: str) -> None:
    texter = Texter(sqlite_stack)
    texter.say("hello")
    taken_in = messages_taken_in(sqlite_stack, texter)

    assert texter.say(stop) == []
    assert texter.say("hello") == []
    assert texter.say("1") == []
    assert messages_taken_in(sqlite_stack, texter) == taken_in
    opt_outs = query(
        sqlite_stack,
        "SELECT opted_out_at FROM opt_outs WHERE sender_key = :key",
        key=sender_key(texter.sender_id),
    )
    assert len(opt_outs) == 1 and opt_outs[0][0]

    assert texter.say(start) == [OPTED_IN_REPLY]
    texter.say("hello")
    assert texter.options == CONSENT_OPTIONS
    assert messages_taken_in(sqlite_stack, texter) == taken_in + 1


# --- repeated deliveries ------------------------------------------------------------------


def test_a_message_delivered_twice_is_processed_once(sqlite_stack: Stack) -> None:
    texter = Texter(sqlite_stack)
    form = texter.form("hello")
    assert texter.send(form)
    assert texter.send(form) == []
    assert messages_taken_in(sqlite_stack, texter) == 1


def test_two_concurrent_deliveries_of_a_message_are_processed_once(sqlite_stack: Stack) -> None:
    texter = Texter(sqlite_stack)
    texter.say("hello")
    form = texter.form("1")
    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(lambda _: texter.post(form), range(4)))
    assert [r.status_code for r in responses] == [200] * 4
    replies = [messages_in(r.text) for r in responses]
    assert sum(1 for texts in replies if texts) == 1, replies
    assert messages_taken_in(sqlite_stack, texter) == 2
    assert channel_of(sqlite_stack, texter) == "sms"


# --- a whole consultation -----------------------------------------------------------------


@pytest.fixture(params=["sqlite_stack", "postgres_stack"])
def stack(request: pytest.FixtureRequest) -> Stack:
    return request.getfixturevalue(request.param)


VAWG_COMMENT = "Better lighting & safer buses <at night>"


def test_a_resident_completes_the_whole_consultation_by_sms(stack: Stack) -> None:
    texter = Texter(stack)

    texter.say("hello")
    texter.pick("Yes")
    texter.pick("All of it")
    # Markup in a comment is sent and stored as plain text.
    # The victims comment tells of the resident's own experience: kept, thanked, supported.
    answer_every_part(
        texter.say,
        texter.pick,
        lambda: texter.text,
        vawg_comment=VAWG_COMMENT,
        victims_comment=VICTIM_TESTIMONY,
    )

    found = REFERENCE.search(texter.text)
    assert found, texter.texts
    assert "Thank you for taking part" in texter.text
    database_url = stack.env["DATABASE_URL"]
    assert answers_of(database_url, found.group(1)) == expected_answers(
        VAWG_COMMENT, VICTIM_TESTIMONY
    )
    rows = [row for row in export(database_url) if row["respondent"] == found.group(1)]
    assert {row["channel"] for row in rows} == {"sms"}


# --- privacy --------------------------------------------------------------------------------


def test_no_phone_number_is_stored_or_logged(sqlite_stack: Stack) -> None:
    """Runs last in this module: every number used by the tests above is looked for too."""
    texter = Texter(sqlite_stack, whatsapp=True)
    words = "Quokka patrols on Tottingham high street please"
    texter.say("hello")
    texter.pick("Yes")
    texter.say("knife crime")
    texter.pick("Agree")
    texter.say(words)
    texter.say("STOP")
    texter.say("START")

    engine = make_sync_engine(sqlite_stack.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
            stored = "\n".join(
                str(tuple(row))
                for table in tables
                for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))
            )
    finally:
        engine.dispose()
    assert sqlite_stack.log_path is not None
    log = sqlite_stack.log_path.read_text(errors="replace")
    assert {"events", "respondents", "opt_outs", "offered_options"} <= set(tables)
    assert words in stored  # the comment is stored, as it should be...
    assert words not in log  # ...and never logged
    for number in Texter.numbers_used:
        national = number.removeprefix("+44")  # "7700900123", however it were written
        assert national not in stored, number
        assert national not in log, number
