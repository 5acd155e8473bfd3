"""bot.staff.redaction: personal data hidden from staff by default."""

from __future__ import annotations

import pytest

from bot.staff.redaction import LABEL_TEXTS, NEEDED_FOR_LABEL, redact, was_redacted

HIDDEN = pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Email addresses
        ("email me at jane.doe+pcp@example.co.uk please", "email me at [email address] please"),
        ("J_O'Neill@mail.example.org", "[email address]"),
        # Phone numbers
        ("call 07700 900123", "call [phone number]"),
        ("ring +44 7700 900123 after 6", "ring [phone number] after 6"),
        ("(020) 7946 0018", "[phone number]"),
        ("0207-946-0018 or 0044 20 7946 0018", "[phone number] or [phone number]"),
        ("07700900123", "[phone number]"),
        # Full postcodes keep their district
        ("I live in SE15 4QT", "I live in SE15 [rest of postcode]"),
        ("e1 6an", "E1 [rest of postcode]"),
        ("SW1A1AA is where", "SW1A [rest of postcode] is where"),
        ("EC1A 1BB.", "EC1A [rest of postcode]."),
        # Street addresses
        ("I live at 12 Acacia Road, Peckham", "I live at [street address], Peckham"),
        ("flat 3, 45 high street", "[street address]"),
        ("at 221b Baker St.", "at [street address]"),
        ("7 Old Kent Rd", "[street address]"),
        # Names after an introduction
        ("my name is Jane Doe", "my name is [name]"),
        ("My name is john and I think", "My name is [name] and I think"),
        ("Hi, I'm called Sam", "Hi, I'm called [name]"),
        ("this is Priya speaking", "this is [name] speaking"),
        ("I'm Dave from Hackney", "I'm [name] from Hackney"),
        ("I am Aisha Khan", "I am [name]"),
        ("call me Bex", "call me [name]"),
    ],
)


@HIDDEN
def test_personal_data_is_hidden(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert was_redacted(text)


@pytest.mark.parametrize(
    "text",
    [
        "I am worried about knife crime",
        "I'm not sure about this plan",
        "This is a good plan",
        "In 2016 there were 300 more officers",
        "The plan for 2016-2017 says 1,000 PCSOs",
        "I live in SE15",  # a district alone identifies no one
        "Brixton needs more youth clubs",
        "I'm Black and I'm stopped a lot",
        "Call 999 or 101",
        "It is 10 minutes to the station",
        "",
    ],
)
def test_ordinary_opinions_are_left_alone(text: str) -> None:
    assert redact(text) == text
    assert not was_redacted(text)


def test_several_kinds_in_one_message() -> None:
    text = (
        "My name is Jane Doe, call me on 07700 900123 or jane@example.org, 12 Acacia Road SE15 4QT"
    )
    redacted = redact(text)
    for secret in ("Jane", "Doe", "07700", "jane@", "Acacia", "4QT"):
        assert secret not in redacted
    assert redacted.count("[") == 5


def test_markup_is_left_as_text_for_the_template_to_escape() -> None:
    assert redact("<b>hello</b>") == "<b>hello</b>"


@HIDDEN
def test_a_label_is_only_put_where_the_search_looks_for_it(text: str, expected: str) -> None:
    """A reviewer's search for "[phone number]" reads only the messages that contain what
    NEEDED_FOR_LABEL says each label needs (bot/staff/conversations.keys_mentioning)."""
    for label in LABEL_TEXTS:
        if label in redact(text):
            assert any(need in text.casefold() for need in NEEDED_FOR_LABEL[label]), label
