"""The kinds of disclosure, in priority order (docs/safeguarding-categories.md).

When a message fits several, the first listed wins: danger now before everything else.
"""

CATEGORIES = (
    "immediate_danger",
    "self_harm",
    "child_at_risk",
    "sexual_violence",
    "domestic_abuse",
    "forced_marriage",
    "exploitation",
    "fraud",
    "stalking_harassment",
    "hate_crime",
    "crime_report",
)

# How sure: a clear disclosure gets a category reply, a possible one a short check-in.
CLEAR_TIER, POSSIBLE_TIER = "clear", "possible"
# Whether it is going on now (or being reported) or told as a past experience.
CURRENT, PAST = "current", "past"

# Typed at a comment question, most disclosures are the resident's view and are kept as
# their comment. These are not: danger now, and a crisis of self-harm or a child at risk
# happening now. They are kept out of the answers and the conversation pauses.
URGENT_WHEN_CURRENT = frozenset({"self_harm", "child_at_risk"})


def is_urgent(category: str, tier: str, situation: str) -> bool:
    """Whether a disclosure is danger or a crisis now, never a comment on the plan."""
    if tier != CLEAR_TIER:
        return False
    return category == "immediate_danger" or (
        situation == CURRENT and category in URGENT_WHEN_CURRENT
    )
