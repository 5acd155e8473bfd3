"""How the safeguarding rules and classifier see a message's text.

Normalised: Unicode compatibility forms and accents folded, zero-width and bidi control
characters dropped, look-alike Cyrillic/Greek letters mapped to Latin, apostrophes removed
("can't" -> "cant").
"""

from __future__ import annotations

import re
import unicodedata

# Letters that look Latin, used to dodge word filters ("kіll" with a Cyrillic і).
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁһӏьвмткnαεοριτυνκχ",
    "aeopcyxijsdhlbbmtknaeopitvvkx",
)
_APOSTROPHE = re.compile(r"(?<=[a-z])['\u2018\u2019\u02bc`\u00b4](?=[a-z])")
_BANG_AS_I = re.compile(r"(?<=[a-z])!(?=[a-z])")  # "k!ll"
TOKEN = re.compile(r"[a-z0-9@$*]+|[.!?;\n]+")
_LETTERS_AND_STARS = re.compile(r"[a-z*]+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Compatibility forms fold a look-alike into plain letters ("ｋｉｌｌ", "ﬁ"), but some
# expand one character into up to 18 ("\ufdfa"): a 5,000-character message could become
# 90,000 to read. A character whose folded form is longer than this becomes a space.
MAX_FOLDED = 3
_REPEATS = re.compile(r"(.)\1+")
LEET_I = str.maketrans("0134578@$", "oieastbas")
LEET_L = str.maketrans("0134578@$", "oleastbas")


def normalise(text: str) -> str:
    """Lowercase ASCII-ish text with invisible characters gone and apostrophes dropped."""
    if not text.isascii():
        text = "".join(c if c.isascii() else _fold(c) for c in text)
    text = text.lower()
    if not text.isascii():
        text = text.translate(_LOOKALIKES)
    text = _APOSTROPHE.sub("", text)
    return _BANG_AS_I.sub("i", text)


def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKD", char)
    if len(folded) > MAX_FOLDED:
        return " "
    return "".join(_keep(c) for c in folded)


def _keep(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Mn", "Cf"):  # accents; zero-width joiners/spaces, bidi marks, BOM
        return ""
    if category == "Cc":
        return "\n" if char in "\n\r\x0b\x0c\x85" else " "
    return char


def is_masked(token: str) -> bool:
    """Whether a word hides letters behind asterisks ("p***", "f*ggot", "**ck"): letters,
    then asterisks, then letters; or asterisks, then a letter, then letters and asterisks.

    In linear time: the regular expression that said this backtracked quadratically on a
    long word ("*" and 20,000 letters took seconds, stalling the server).
    """
    if "*" not in token or not _LETTERS_AND_STARS.fullmatch(token):
        return False
    if token[0] == "*":
        return token.lstrip("*") != ""
    after_letters = token.lstrip(_LETTERS)  # starts with "*": the token holds one
    return "*" not in after_letters.lstrip("*")


def squeeze(word: str) -> str:
    """`word` with every run of a repeated character cut to one: "hiiitts" -> "hits"."""
    return _REPEATS.sub(r"\1", word)
