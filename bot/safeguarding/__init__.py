"""Safeguarding: find disclosures of crime, abuse or danger in what residents type.

`detect(text)` is the whole API (pure Python, no Rasa); `patterns.yml` beside it holds
the rules. The Rasa component that uses it is `bot.nlu.safeguarding`.
"""

from bot.safeguarding.detector import CATEGORIES, Detection, detect

__all__ = ["CATEGORIES", "Detection", "detect"]
