"""Safeguarding: find disclosures of crime, abuse or danger in what residents type.

`assess(text)` is the API (pure Python, no Rasa): the rules (`detector.py`, with
`patterns.yml`) and the classifier (`classifier.py`, trained on `corpus/`) read every
message. The Rasa component that uses it is `bot.nlu.safeguarding`.
"""

from bot.safeguarding.assessment import (
    DIET_CORROBORATION,
    SENSITIVE_PART_HINT,
    Assessment,
    assess,
    read,
)
from bot.safeguarding.categories import (
    CATEGORIES,
    CLEAR_TIER,
    CURRENT,
    PAST,
    POSSIBLE_TIER,
    is_urgent,
)
from bot.safeguarding.detector import Detection, detect

__all__ = [
    "DIET_CORROBORATION",
    "SENSITIVE_PART_HINT",
    "read",
    "CATEGORIES",
    "CLEAR_TIER",
    "CURRENT",
    "PAST",
    "POSSIBLE_TIER",
    "Assessment",
    "Detection",
    "assess",
    "detect",
    "is_urgent",
]
