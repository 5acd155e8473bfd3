"""Reference codes: what a resident sees on their receipt, e.g. "K7Q4-9XZ2".

A code is random (from `secrets`), never derived from the sender id, phone number or anything
else about the resident, so it cannot be traced back to them. The alphabet leaves out 0/O and
1/I so a code read aloud or copied by hand comes back intact.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8  # 32**8 = 2**40 codes: collisions are rare, and start_respondent retries on one
GROUP = 4
PATTERN = re.compile(rf"^[{ALPHABET}]{{{GROUP}}}-[{ALPHABET}]{{{LENGTH - GROUP}}}$")


def new_reference_code() -> str:
    """A fresh random reference code in display form, e.g. "K7Q4-9XZ2"."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:GROUP]}-{raw[GROUP:]}"


def normalise_reference_code(text: str) -> str | None:
    """The display form of a code as someone typed it ("k7q4 9xz2"), or None if it is not one."""
    raw = re.sub(r"[\s\-]", "", text).upper()
    code = f"{raw[:GROUP]}-{raw[GROUP:]}"
    return code if PATTERN.match(code) else None
