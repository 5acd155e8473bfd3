"""Property-based tests of what the public REST channel does with anything a client sends.

`bot.channels.rest.read_payload` stands between the internet and the dialogue: whatever the
body and Content-Type, it must give a (sender, message) pair of text or a `BadRequest` with
400 or 415, never another exception (which Sanic would answer with a 500). Bodies are
random bytes, arbitrary JSON values in several encodings, and well-formed objects whose
`sender` and `message` are odd values.

`bot.channels.message_text.clean` runs on every message before the NLU reads it: it must
never raise, leave no control characters (bar newline and tab) nor any of the invisible
characters it exists to remove, give the same text when run twice, and leave a message that
`reply_instead` either lets through or answers with a non-empty reply. Text comes from every
Unicode category, lone surrogates included (JSON's "\\ud800" escapes produce them), up to
100,000 characters.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.channels.message_text import (
    _INVISIBLE,
    EMPTY_REPLY,
    MAX_MESSAGE_CHARS,
    clean,
    reply_instead,
)
from bot.channels.rest import MAX_SENDER_CHARS, BadRequest, read_payload, rest_sender_id

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every Unicode category, surrogates (Cs), unassigned (Cn) and private use (Co) included.
ANY_CHAR = st.characters(exclude_categories=())
# Characters chosen to be awkward for `clean`: what it removes or replaces, combining marks
# that NFC composes, whitespace it strips, and ordinary letters to hold them together.
TRICKY_CHARS = st.sampled_from(
    list("\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2060\u2066\u2069\ufeff")  # invisible
    + list("\x00\x07\x1b\x7f\x85\r\x0b\x0c\n\t")  # control characters
    + list("\u0301\u0308\u0327\u1161\u11a8")  # combining marks, Hangul jamo
    + list(" \u00a0\u2028\u3000")  # whitespace
    + list("aeAEoc\u1100\uac00\u00e9\u00ad")  # letters, soft hyphen
)
ANY_TEXT = st.text(alphabet=ANY_CHAR) | st.text(alphabet=ANY_CHAR | TRICKY_CHARS)
# Long messages, built by repeating a short piece: up to 100,000 characters, quickly drawn.
LONG_TEXT = st.builds(
    lambda piece, times: (piece * times)[:100_000],
    st.text(alphabet=ANY_CHAR | TRICKY_CHARS, min_size=1, max_size=20),
    st.integers(min_value=1, max_value=100_000),
)
MESSAGE_TEXT = ANY_TEXT | LONG_TEXT

JSON_CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "APPLICATION/JSON",
        "application/json; charset=utf-8",
        "  Application/Json ;charset=UTF-8",
        "application/json;",
    ]
)
OTHER_CONTENT_TYPES = st.sampled_from(
    [
        "",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
        "application/json5",
        "application/ld+json",
        "application json",
        "json",
    ]
)
CONTENT_TYPES = JSON_CONTENT_TYPES | OTHER_CONTENT_TYPES | st.text(alphabet=ANY_CHAR, max_size=40)

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities too: json.dumps writes them and json.loads reads them
    | st.text(alphabet=ANY_CHAR)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(alphabet=ANY_CHAR, max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
# Values for `sender` and `message` near the edges of what is allowed.
ODD_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "\t\n",
        "\u3000",
        "a",
        "user-1",
        "x" * MAX_SENDER_CHARS,
        "x" * (MAX_SENDER_CHARS + 1),
        " " + "x" * MAX_SENDER_CHARS,
        "bad\x00sender",
        "bad\nsender",
        "\u200b",
        "\ud800",
        "null",
        "/inform",
    ]
)
ODD_VALUES = ODD_STRINGS | JSON_VALUES | st.text(alphabet=ANY_CHAR | TRICKY_CHARS)
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32"])
MISSING = object()


def encode_json(value: Any, ensure_ascii: bool, encoding: str) -> bytes:
    """`value` as a client might send it; lone surrogates pass through as json.loads allows."""
    return json.dumps(value, ensure_ascii=ensure_ascii).encode(encoding, "surrogatepass")


def json_content_type(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def outcome(content_type: str, body: bytes) -> tuple[str, str] | BadRequest:
    """What read_payload gives; any exception other than BadRequest fails the test."""
    try:
        result = read_payload(content_type, body)
    except BadRequest as problem:
        assert problem.status in (400, 415)
        assert isinstance(problem.reason, str) and problem.reason
        assert (problem.status == 415) == (not json_content_type(content_type))
        return problem
    assert json_content_type(content_type)
    assert isinstance(result, tuple) and len(result) == 2
    sender, message = result
    assert isinstance(sender, str) and isinstance(message, str)
    assert sender.strip() and len(sender) <= MAX_SENDER_CHARS and sender.isprintable()
    assert rest_sender_id(sender).startswith("rest:")
    return result


# --- read_payload ------------------------------------------------------------------------


@FUZZ
@given(content_type=CONTENT_TYPES, body=st.binary(max_size=2000))
@example(content_type="application/json", body=b"")
@example(content_type="application/json", body=b"\xff\xfe\x00")
@example(content_type="application/json", body=b"\xed\xa0\x80")  # a surrogate in UTF-8
@example(content_type="application/json", body=b'{"sender": "a", "message": "\xff"}')
@example(content_type="text/plain", body=b'{"sender": "a", "message": "hi"}')
def test_random_bytes_give_a_pair_or_bad_request(content_type: str, body: bytes) -> None:
    outcome(content_type, body)


@FUZZ
@given(
    content_type=CONTENT_TYPES,
    value=JSON_VALUES,
    ensure_ascii=st.booleans(),
    encoding=ENCODINGS,
)
def test_any_json_value_gives_a_pair_or_bad_request(
    content_type: str, value: Any, ensure_ascii: bool, encoding: str
) -> None:
    result = outcome(content_type, encode_json(value, ensure_ascii, encoding))
    if not isinstance(value, dict) and json_content_type(content_type):
        assert isinstance(result, BadRequest) and result.status == 400


@FUZZ
@given(
    content_type=JSON_CONTENT_TYPES,
    sender=ODD_VALUES | st.just(MISSING),
    message=ODD_VALUES | MESSAGE_TEXT | st.just(MISSING),
    extra=st.dictionaries(st.text(alphabet=ANY_CHAR, max_size=10), JSON_VALUES, max_size=3),
    ensure_ascii=st.booleans(),
    encoding=ENCODINGS,
)
@example(
    content_type="application/json",
    sender="x" * MAX_SENDER_CHARS,
    message="a" * 100_000,
    extra={},
    ensure_ascii=True,
    encoding="utf-8",
)
@example(
    content_type="application/json",
    sender="\ud800",
    message="\udfff",
    extra={},
    ensure_ascii=False,
    encoding="utf-16",
)
def test_objects_are_accepted_exactly_when_sender_and_message_are_usable(
    content_type: str,
    sender: Any,
    message: Any,
    extra: dict[str, Any],
    ensure_ascii: bool,
    encoding: str,
) -> None:
    payload = {k: v for k, v in extra.items() if k not in ("sender", "message")}
    if sender is not MISSING:
        payload["sender"] = sender
    if message is not MISSING:
        payload["message"] = message
    result = outcome(content_type, encode_json(payload, ensure_ascii, encoding))
    usable = (
        isinstance(sender, str)
        and bool(sender.strip())
        and len(sender) <= MAX_SENDER_CHARS
        and sender.isprintable()
        and isinstance(message, str)
    )
    if usable:
        assert result == (sender, message)
    else:
        assert isinstance(result, BadRequest) and result.status == 400


@settings(max_examples=20, deadline=None)
@given(
    opener=st.sampled_from([b"[", b'{"a":', b'{"sender": "a", "message": [']),
    depth=st.integers(min_value=2_000, max_value=200_000),
)
@example(opener=b"[", depth=2_000)  # a 2 kB body
@example(opener=b'{"a":', depth=100_000)
def test_deeply_nested_json_is_a_bad_request(opener: bytes, depth: int) -> None:
    outcome("application/json", opener * depth)


# --- the REST channel's sender ids --------------------------------------------------------

OTHER_CHANNELS = ("sms:", "wa:", "web:")


@FUZZ
@given(
    prefix=st.sampled_from(["", "rest:", "REST:", *OTHER_CHANNELS, " sms:", "rest:sms:"]),
    rest=st.text(alphabet=ANY_CHAR, max_size=MAX_SENDER_CHARS),
)
def test_a_rest_client_can_name_only_rest_conversations(prefix: str, rest: str) -> None:
    """Whatever a client sends as `sender`, the conversation is in the REST namespace: no
    REST client can name an SMS, WhatsApp or widget conversation (bot.pseudonyms)."""
    sender_id = rest_sender_id(prefix + rest)
    assert sender_id.startswith("rest:")
    assert not sender_id.startswith(OTHER_CHANNELS)
    assert rest_sender_id(sender_id) == sender_id  # the stored id names the same conversation


# --- clean and reply_instead -------------------------------------------------------------


def assert_clean_output(cleaned: str) -> None:
    assert isinstance(cleaned, str)
    assert not _INVISIBLE.search(cleaned)
    assert all(c in "\n\t" or unicodedata.category(c) != "Cc" for c in cleaned)
    assert cleaned == cleaned.strip()


@FUZZ
@given(text=MESSAGE_TEXT)
@example(text="")
@example(text="\u200b\ufeff \x00\t\n")
@example(text="a" * 100_000)
@example(text="\U0001f642\u200d\U0001f642 " * 12_500)
@example(text="\u202eevil\u202c\x1b[31m" * 5_000)
def test_clean_leaves_no_invisible_or_control_characters(text: str) -> None:
    assert_clean_output(clean(text))


@FUZZ
@given(text=MESSAGE_TEXT)
@example(text="e\u200b\u0301")
@example(text="\u1100\u200b\u1161")
@example(text="e\x00\u0301")
@example(text=" \u0301a\u0308\r\n")
@example(text="\u1100\u1161\u11a8" * 30_000)
def test_clean_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean(once) == once


@FUZZ
@given(text=MESSAGE_TEXT)
@example(text="")
@example(text=" \u200b ")
@example(text="a" * MAX_MESSAGE_CHARS)
@example(text="a" * (MAX_MESSAGE_CHARS + 1))
@example(text="a" * 100_000)
def test_reply_instead_is_none_or_a_reply(text: str) -> None:
    cleaned = clean(text)
    reply = reply_instead(cleaned)
    if reply is None:
        assert 0 < len(cleaned) <= MAX_MESSAGE_CHARS
    else:
        assert isinstance(reply, str) and reply.strip()
        assert (reply == EMPTY_REPLY) == (not cleaned)
