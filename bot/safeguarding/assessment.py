"""One verdict per message from the two readers: the rules and the classifier.

- The rules (`patterns.yml`) name why they fired and are reviewable; a rule match is a
  clear disclosure (unless, outside danger and self-harm, the classifier all but rules it
  out: RULE_VETO).
- The classifier (`classifier.py`) generalises to wording nobody wrote a rule for. Above
  `CLEAR` it is a clear disclosure; between `POSSIBLE` and `CLEAR`, a possible one, which
  gets a short check-in rather than a full reply.

The thresholds were chosen by cross-validation on the training corpus (`make
safeguarding-thresholds` prints the curve), never on the blind set: at POSSIBLE, 5-fold
cross-validation flags about 7% of the corpus's hard negatives and misses about 2% of its
disclosures (the corpus holds many deliberately hard cases).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.safeguarding.categories import CLEAR_TIER, CURRENT, PAST, POSSIBLE_TIER
from bot.safeguarding.classifier import ADULT, CHILD, Reading, classifier
from bot.safeguarding.detector import Detection, detect

# P(disclosure) from the classifier at or above which a message is a clear disclosure...
CLEAR = 0.6
# ...and a possible one: a check-in with the most relevant contacts.
POSSIBLE = 0.45
# A missed crisis costs a life: where the likeliest reading is danger now or self-harm, a
# check-in comes sooner, at the price of more check-ins on idioms ("my mum will kill me").
POSSIBLE_CRISIS = 0.3
CRISIS = frozenset({"immediate_danger", "self_harm"})
# A crisis read as a past experience would be thanked rather than helped, so "past" needs
# more certainty where the harm may still be going on. From 5-fold cross-validation on the
# corpus (make safeguarding-thresholds): at 0.85, no current danger message of 549 reads as
# past and 100 of 129 danger experiences are kept as comments; self-harm stays at 0.8, where
# 3 of 1,551 current messages read as past (6 at 0.7: kept experiences are not worth that).
PAST_CERTAINTY = {"immediate_danger": 0.85, "self_harm": 0.8, "child_at_risk": 0.7}
DEFAULT_PAST_CERTAINTY = 0.4
# Categories the rules do not tell apart from a general crime report: the classifier's more
# specific reading gives the better contacts (Action Fraud rather than 101).
SPECIFIC = frozenset({"forced_marriage", "exploitation", "fraud", "stalking_harassment"})
# When the next category is nearly as likely, its contacts are offered too: forced marriage
# and domestic abuse, or exploitation and a child at risk, often read alike.
ALSO_SHARE = 0.5
# In the parts about harm (children and young people, violence against women and girls,
# hate, victims) a comment is more often the resident's own story, so there a lower reading
# gets a check-in. Only the actions know the part: `hint` passes the reading on.
SENSITIVE_PART_HINT = 0.3
# A rule match outside danger and self-harm gives way when the classifier is all but sure
# the message is not a disclosure: in 5-fold cross-validation on the corpus, 19 of the 83
# hard negatives the rules flagged were read below this, and no disclosure was.
RULE_VETO = 0.05
# DIET has a `disclosure` intent of its own (trained on the NLU data). When neither reader
# takes a message for a disclosure, DIET's reading counts only with at least this from the
# classifier: on the safeguarding corpus, which DIET never saw, DIET alone flagged 4.3% of
# the hard negatives (mostly idioms the classifier reads at under 0.15), while each
# disclosure it caught that cross-validated readers missed had a reading of 0.19 or more.
DIET_CORROBORATION = 0.15
# "Danger now" from the classifier alone, in a message that reads as long past, is the
# next category told as an experience ("I was stabbed outside a bar three years ago").
PAST_NOT_DANGER = 0.85


@dataclass(frozen=True)
class Assessment:
    """A message read as a disclosure."""

    category: str  # one of CATEGORIES
    tier: str  # CLEAR_TIER or POSSIBLE_TIER
    situation: str  # CURRENT or PAST
    speaker: str  # CHILD or ADULT
    rule: str | None  # the id of the rule that fired, if one did
    also: str | None = None  # a second category nearly as likely: its contacts are offered too


def assess(text: str) -> Assessment | None:
    """What `text` discloses, or None for anything else."""
    return read(text)[0]


def read(text: str) -> tuple[Assessment | None, Reading | None]:
    """What `text` discloses (or None), and the classifier's reading it rests on, so that
    the uses below the check-in threshold (SENSITIVE_PART_HINT, DIET_CORROBORATION) need no
    second reading. At so low a reading the category itself is often wrong."""
    if not isinstance(text, str) or not text.strip():
        return None, None
    found = detect(text)
    reading = classifier().read(text)
    return _verdict(found, reading), reading


def _verdict(found: Detection | None, reading: Reading) -> Assessment | None:
    if found is not None and found.category not in CRISIS and reading.p_disclosure < RULE_VETO:
        found = None  # an idiom the rules' exceptions do not list yet (see RULE_VETO)
    if found is not None:
        category, tier = found.category, CLEAR_TIER
        if category == "crime_report" and reading.category in SPECIFIC:
            category = reading.category
    elif reading.p_disclosure >= CLEAR:
        category, tier = reading.category, CLEAR_TIER
    elif reading.p_disclosure >= (POSSIBLE_CRISIS if reading.category in CRISIS else POSSIBLE):
        category, tier = reading.category, POSSIBLE_TIER
    else:
        return None
    also = reading.second if reading.second_share >= ALSO_SHARE else None
    if found is not None and reading.p_disclosure >= POSSIBLE and reading.category != category:
        also = reading.category  # the rule and the classifier disagree: offer both
    if found is None and category == "immediate_danger" and reading.p_past >= PAST_NOT_DANGER:
        category, also = reading.second, None
    if also == category:
        also = None
    needed = PAST_CERTAINTY.get(category, DEFAULT_PAST_CERTAINTY)
    situation = PAST if reading.p_past >= needed else CURRENT
    return Assessment(
        category=category,
        tier=tier,
        situation=situation,
        speaker=CHILD if reading.speaker == CHILD else ADULT,
        rule=found.rule if found else None,
        also=also,
    )


def hint(text: str) -> str | None:
    """The likeliest category when the classifier gives the message at least
    SENSITIVE_PART_HINT, for a check-in in a part about harm; else None."""
    reading = read(text)[1]
    return reading.category if reading and reading.p_disclosure >= SENSITIVE_PART_HINT else None


__all__ = ["Assessment", "assess", "hint", "read"]
