"""Which new staff passwords are refused, and why (checked whenever one is set, never at
sign-in, so tightening the rules locks no one out).

Refused: fewer than 12 characters; one of the common passwords in `common_passwords.txt`
(the 20,000 most common, lowercased: the list Django ships, see README); one of them with
only spaces, digits or symbols around it or repeated ("Password2024!", "dragon12345678",
"qwertyqwerty"); and any password containing the user name. Long pass phrases of ordinary
words ("correct horse battery staple") are what we want and pass.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
COMMON_PASSWORDS_PATH = Path(__file__).resolve().parent / "common_passwords.txt"
# A user name this short is inside many good pass phrases ("ed" in "need"), so it is
# not looked for; from three characters it is.
MIN_NAME_LENGTH_CHECKED = 3
_AROUND = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SPACES = re.compile(r"[\s._-]+")
_LETTER = re.compile(r"[^\W\d_]")

TOO_SHORT = f"the password must be at least {MIN_LENGTH} characters"
TOO_COMMON = (
    "the password is too common: it is one of the most used passwords, or one with only "
    "numbers or symbols added, so it would be guessed quickly. Choose another, for example "
    "three or four unrelated words"
)
HAS_NAME = "the password must not contain the user name"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The list, read once (a plain text file in the package, no download)."""
    with COMMON_PASSWORDS_PATH.open(encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _forms(password: str) -> set[str]:
    """The password as compared with the list: lowercased; without spaces or separators;
    without digits and symbols at either end, or at one end only ("123456789" + "012");
    and the unit it repeats, if it does."""
    lowered = password.casefold().strip()
    joined = _SPACES.sub("", lowered)
    forms = {lowered, joined, _AROUND.sub("", joined)}
    for cut in range(1, len(joined)):
        if not _LETTER.search(joined[cut:]):
            forms.add(joined[:cut])
        if not _LETTER.search(joined[:cut]):
            forms.add(joined[cut:])
    for text in list(forms):
        for size in range(1, len(text) // 2 + 1):
            if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
                forms.add(text[:size])
                break
    return {form for form in forms if form}


def is_common(password: str) -> bool:
    forms = _forms(password)
    if any(len(form) == 1 for form in forms):  # "aaaaaaaaaaaa", "111111111111"
        return True
    return not forms.isdisjoint(common_passwords())


def problem(name: str, password: str) -> str | None:
    """Why this password cannot be used by this user, or None if it can."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    squashed_name = _SPACES.sub("", name.strip().casefold())
    if len(squashed_name) >= MIN_NAME_LENGTH_CHECKED and (
        squashed_name in _SPACES.sub("", password.casefold())
    ):
        return HAS_NAME
    if is_common(password):
        return TOO_COMMON
    return None
