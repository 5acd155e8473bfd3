"""Personal data hidden from staff by default: a pure function over one message's text.

Hidden: email addresses, phone numbers (UK and international), full postcodes (the district,
the part before the space, is kept: the assistant uses districts and they identify no one),
a house number with a street ("12 Acacia Road"), and names after "my name is", "I'm called",
"this is" and similar. Each is replaced by a label in square brackets, so staff can see that
something was there and what kind. Over-redacting is preferred to missing something.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# +44 7700 900123, 07700 900123, (020) 7946 0018, 0207-946-0018, +1 (555) 010-0199 ...
PHONE = re.compile(r"(?<![\w+(])(?:\+|00|\()?\d[\d\s().-]{7,}\d(?!\w)")
# A full UK postcode: the outward code (district) and the inward code (sector and unit).
POSTCODE = re.compile(
    r"\b(GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW]?|[A-HK-Y]\d[ABEHMNPRV-Y]?|\d\d?|[A-HK-Y]\d\d?)"
    r")\s*(\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)
STREET_WORDS = (
    "street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|grove|gardens|gdns|place|pl|"
    "crescent|cres|court|ct|terrace|hill|square|sq|row|walk|mews|park|rise|green|parade|"
    "estate|house|mansions|yard|wharf|gate|vale|view|hall|buildings"
)
ADDRESS = re.compile(
    r"\b(?:flat\s+\d+\w?,?\s+)?\d{1,4}[a-z]?,?\s+(?:[A-Za-z'-]+\s+){1,3}(?:"
    + STREET_WORDS
    + r")\b\.?",
    re.IGNORECASE,
)
# After these, whatever follows is taken as a name, capitalised or not.
STRONG_INTRO = re.compile(
    r"(?i:\b(my name is|my name's|my names|name's|i am called|i'm called|im called|"
    r"people call me))\s+([\w'-]+(?:\s+[A-Z][\w'-]+){0,2})"
)
# After these, only a capitalised word is a name: "I'm worried" is not one.
WEAK_INTRO = re.compile(
    r"(?i:\b(this is|i am|i'm|im|it's|its|call me))\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,2})"
)
_NOT_NAMES = {
    "I", "Not", "So", "Very", "Really", "Happy", "Sure", "Worried", "London", "British",
    "English", "Black", "White", "Asian", "Muslim", "Jewish", "Christian", "Disabled", "The",
    "A", "An", "Just", "Also", "Still", "From", "In", "On", "At", "Scared", "Afraid", "Angry",
    "Fine", "Ok", "OK", "Okay", "Good", "Glad", "Sorry", "Unsure", "Against", "For", "All",
    "Mostly", "Totally", "Yes", "No", "Police", "Mayor", "MOPAC",
}  # fmt: skip
MIN_PHONE_DIGITS = 9

LABELS = {
    "email": "[email address]",
    "phone": "[phone number]",
    "address": "[street address]",
    "name": "[name]",
}


POSTCODE_LABEL = "[rest of postcode]"
_DIGITS = tuple("0123456789")
# Each label redaction puts in, and what a text must contain (any of, in any case) for
# redaction to put it there: a search of redacted text for a label's words need only read
# those texts. Kept in step with the patterns above by tests/unit/test_staff_redaction.py.
NEEDED_FOR_LABEL = {
    LABELS["email"]: ("@",),
    LABELS["phone"]: _DIGITS,
    LABELS["address"]: _DIGITS,
    POSTCODE_LABEL: _DIGITS,
    # The introductions (a space after the weak ones: "crime" is no "im").
    LABELS["name"]: ("name", "call", "this is", "i am", "i'm ", "im ", "it's ", "its "),
}
LABEL_TEXTS = tuple(NEEDED_FOR_LABEL)


def _postcode(match: re.Match[str]) -> str:
    return f"{match.group(1).upper()} {POSTCODE_LABEL}"


def _phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return LABELS["phone"] if digits >= MIN_PHONE_DIGITS else match.group(0)


def _name(match: re.Match[str]) -> str:
    if match.group(2).split()[0] in _NOT_NAMES:
        return match.group(0)
    return f"{match.group(1)} {LABELS['name']}"


def redact(text: str) -> str:
    """The text with personal data replaced by labels such as [phone number]."""
    text = EMAIL.sub(LABELS["email"], text)
    text = POSTCODE.sub(_postcode, text)
    text = PHONE.sub(_phone, text)
    text = ADDRESS.sub(LABELS["address"], text)
    text = STRONG_INTRO.sub(_name, text)
    text = WEAK_INTRO.sub(_name, text)
    return text


def was_redacted(text: str) -> bool:
    return redact(text) != text
