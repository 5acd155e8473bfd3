"""The codebook: every question the assistant asks, its slot, and the values it may store.

This is the single source of truth for question ids (used in the database and the export),
slot names (used by Rasa) and allowed values (used by form validation and `consult codebook`).
The wording is the assistant's own, not MOPAC's survey wording, which was never found
(consultation brief, section 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.places.boroughs import BOROUGHS

# The parts of the draft plan a resident can talk about, in the order "all of it" takes them.
PARTS: tuple[str, ...] = (
    "neighbourhood",
    "children",
    "vawg",
    "hate",
    "knife_crime",
    "victims",
    "local",
)
ABOUT = "about"

# Values shared by several questions.
SKIPPED = "skipped"
PREFER_NOT_TO_SAY = "prefer_not_to_say"
NOT_APPLICABLE = "not_applicable"
GIVEN = "given"  # a free-text answer: the text itself is kept in `free_text`

AGREEMENT_VALUES: tuple[str, ...] = (
    "strongly_agree",
    "agree",
    "neutral",
    "disagree",
    "strongly_disagree",
    "dont_know",
)
AGREEMENT_LABELS: dict[str, str] = {
    "strongly_agree": "Strongly agree",
    "agree": "Agree",
    "neutral": "Neither agree nor disagree",
    "disagree": "Disagree",
    "strongly_disagree": "Strongly disagree",
    "dont_know": "Don't know",
}

# Local priorities: the old London-wide neighbourhood crime set, grouped in plain words,
# plus anti-social behaviour and "something else" (consultation brief, section 7).
PRIORITY_LABELS: dict[str, str] = {
    "violence_with_injury": "Violence that injures people",
    "robbery": "Robbery (taking things by force or threats)",
    "burglary": "Burglary (break-ins)",
    "vehicle_crime": "Vehicle crime (cars stolen or broken into)",
    "theft_from_person": "Theft from a person, like pickpocketing",
    "criminal_damage": "Criminal damage, like vandalism",
    "anti_social_behaviour": "Anti-social behaviour",
    "something_else": "Something else",
}
MAX_PRIORITIES = 2

AGE_BAND_LABELS: dict[str, str] = {
    "under_18": "Under 18",
    "18_24": "18 to 24",
    "25_34": "25 to 34",
    "35_44": "35 to 44",
    "45_54": "45 to 54",
    "55_64": "55 to 64",
    "65_74": "65 to 74",
    "75_plus": "75 or over",
}

YES_NO_LABELS: dict[str, str] = {"yes": "Yes", "no": "No"}


@dataclass(frozen=True)
class Question:
    """One question: how it is stored, asked and answered."""

    id: str  # stored in answers.question_id, e.g. "knife_crime.agreement"
    slot: str  # the Rasa slot, e.g. "knife_crime_agreement"
    part: str  # one of PARTS, or ABOUT
    kind: str  # agreement | free_text | borough | priorities | age_band | yes_no
    wording: str  # the assistant's own wording
    values: tuple[str, ...]  # allowed stored values

    @property
    def is_free_text(self) -> bool:
        return self.kind == "free_text"

    def stored_answer(self, slot_value: Any) -> tuple[str, str | None]:
        """The (value, free_text) stored for an answer held in this question's slot."""
        if isinstance(slot_value, list):
            return ";".join(slot_value), None  # up to MAX_PRIORITIES codes
        if self.is_free_text and (slot_value == GIVEN or slot_value not in self.values):
            return GIVEN, str(slot_value)  # the resident's own words
        return str(slot_value), None


def _agreement(part: str) -> Question:
    return Question(
        id=f"{part}.agreement",
        slot=f"{part}_agreement",
        part=part,
        kind="agreement",
        wording="How far do you agree with this approach?",
        values=AGREEMENT_VALUES + (SKIPPED,),
    )


def _comment(part: str) -> Question:
    return Question(
        id=f"{part}.comment",
        slot=f"{part}_comment",
        part=part,
        kind="free_text",
        wording="Why do you say that? Is there anything the plan has missed?",
        values=(GIVEN, SKIPPED),
    )


def _build() -> tuple[Question, ...]:
    questions: list[Question] = []
    for part in PARTS:
        if part == "local":
            questions += [
                Question(
                    id="local.borough",
                    slot="local_borough",
                    part="local",
                    kind="borough",
                    wording="Which London borough do you live in?",
                    values=tuple(BOROUGHS) + (SKIPPED,),
                ),
                Question(
                    id="local.priorities",
                    slot="local_priorities",
                    part="local",
                    kind="priorities",
                    wording="Which crimes should the police focus on where you live? "
                    "Choose up to two.",
                    values=tuple(PRIORITY_LABELS) + (SKIPPED, NOT_APPLICABLE),
                ),
                Question(
                    id="local.priorities_other",
                    slot="local_priorities_other",
                    part="local",
                    kind="free_text",
                    wording="What else should be a priority where you live?",
                    values=(GIVEN, SKIPPED, NOT_APPLICABLE),
                ),
            ]
        questions += [_agreement(part), _comment(part)]
    questions += [
        Question(
            id="about.age_band",
            slot="about_age_band",
            part=ABOUT,
            kind="age_band",
            wording="How old are you?",
            values=tuple(AGE_BAND_LABELS) + (PREFER_NOT_TO_SAY, SKIPPED),
        ),
        Question(
            id="about.borough",
            slot="about_borough",
            part=ABOUT,
            kind="borough",
            wording="Which London borough do you live in?",
            values=tuple(BOROUGHS) + (PREFER_NOT_TO_SAY, SKIPPED),
        ),
        Question(
            id="about.victim_last_12_months",
            slot="about_victim_last_12_months",
            part=ABOUT,
            kind="yes_no",
            wording="Have you been a victim of crime in the last 12 months?",
            values=tuple(YES_NO_LABELS) + (PREFER_NOT_TO_SAY, SKIPPED),
        ),
    ]
    return tuple(questions)


QUESTIONS: tuple[Question, ...] = _build()
BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}
BY_SLOT: dict[str, Question] = {q.slot: q for q in QUESTIONS}


def questions_for(part: str) -> tuple[Question, ...]:
    """The questions of one part, in the order they are asked."""
    return tuple(q for q in QUESTIONS if q.part == part)


def value_label(question: Question, value: str) -> str:
    """A resident-facing label for a stored value (used in the receipt and the codebook)."""
    labels = {
        "agreement": AGREEMENT_LABELS,
        "priorities": PRIORITY_LABELS,
        "age_band": AGE_BAND_LABELS,
        "yes_no": YES_NO_LABELS,
        "borough": BOROUGHS,
    }.get(question.kind, {})
    common = {
        SKIPPED: "Skipped",
        PREFER_NOT_TO_SAY: "Prefer not to say",
        NOT_APPLICABLE: "Does not apply",
        GIVEN: "Written answer",
    }
    return labels.get(value) or common.get(value, value)
