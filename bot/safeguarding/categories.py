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
# happening now. They are kept out of the answers and the conversation pauses. (Danger
# told as long over, "a man pulled a knife on me four years ago", is an experience: the
# classifier needs to be very sure of that, bot.safeguarding.assessment.PAST_CERTAINTY.)
URGENT_WHEN_CURRENT = frozenset({"immediate_danger", "self_harm", "child_at_risk"})


def is_urgent(category: str, tier: str, situation: str) -> bool:
    """Whether a disclosure is danger or a crisis now, never a comment on the plan."""
    return tier == CLEAR_TIER and situation == CURRENT and category in URGENT_WHEN_CURRENT
