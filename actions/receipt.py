"""The receipt's summary of a resident's answers: short messages in plain words.

Each part gets its title, then one short sentence per answer. Sentences are packed into as
few messages as the readability bars of the resident's mode allow (bot/readability.py), so a
part with long borough or crime names is split rather than made hard to read. A written
answer is quoted back in full, so the resident can check every word was kept; the packing
gives a long one a message of its own, so it never makes the assistant's own words harder
to read.
"""

from __future__ import annotations

from typing import Any

from bot import content
from bot.questions import ABOUT, BY_ID, GIVEN, PARTS, SKIPPED, Question, value_label
from bot.readability import BARS, score

NO_ANSWERS = {
    content.STANDARD: "You did not answer any questions.",
    content.EASY_READ: "You did not answer any questions.",
}
# What each kind of answer is called on the receipt, per mode.
LABELS = {
    content.STANDARD: {
        "agreement": "You chose",
        "free_text": "Your comment",
        "borough": "Where you live",
        "priorities": "Crimes to focus on",
        "age_band": "Age",
        "yes_no": "Victim of crime in the last 12 months",
    },
    content.EASY_READ: {
        "agreement": "You chose",
        "free_text": "Your words",
        "borough": "Where you live",
        "priorities": "Crimes you chose",
        "age_band": "Your age",
        "yes_no": "Crime against you in the last 12 months",
    },
}


def _quote(text: str) -> str:
    return "\u201c" + " ".join(text.split()) + "\u201d"


# Short names for the crimes, in both modes: the codebook's fuller labels ("Theft from a
# person, like pickpocketing") make a summary hard to read. The codes stay the same.
CRIME_LABELS = {
    "violence_with_injury": "Attacks that hurt people",
    "robbery": "Robbery",
    "burglary": "Break-ins",
    "vehicle_crime": "Car crime",
    "theft_from_person": "Things stolen from people",
    "criminal_damage": "Damage to things",
    "anti_social_behaviour": "Noise, mess and nuisance",
}
# Easy Read also shows plainer names for the agreement scale and for not answering.
EASY_VALUE_LABELS = {
    "strongly_agree": "Agree a lot",
    "neutral": "In the middle",
    "strongly_disagree": "Disagree a lot",
    "dont_know": "Not sure",
    "prefer_not_to_say": "You did not say",
    "skipped": "Skipped",
}


def _value(question: Question, value: str, mode: str) -> str:
    if question.kind == "priorities" and value in CRIME_LABELS:
        return CRIME_LABELS[value]
    if mode == content.EASY_READ and value in EASY_VALUE_LABELS:
        return EASY_VALUE_LABELS[value]
    return value_label(question, value)


def answer_sentence(question: Question, answer: Any, mode: str) -> str:
    label = LABELS[mode][question.kind]
    if question.is_free_text and answer.value == GIVEN and answer.free_text:
        return f"{label}: {_quote(answer.free_text)}"
    if question.kind == "priorities" and answer.value not in (SKIPPED,):
        shown = ", ".join(_value(question, v, mode) for v in answer.value.split(";"))
    else:
        shown = _value(question, answer.value, mode)
    return f"{label}: {shown}."


def receipt_lines(answers: list[Any], mode: str = content.STANDARD) -> list[str]:
    """The summary messages, part by part, in the order the parts are listed."""
    by_part: dict[str, list[str]] = {}
    for answer in answers:
        question = BY_ID[answer.question_id]
        by_part.setdefault(question.part, []).append(answer_sentence(question, answer, mode))
    titles = content.parts(mode)
    lines = []
    for part in PARTS + (ABOUT,):
        if part not in by_part:
            continue
        title = "About you" if part == ABOUT else titles[part].title
        # The title never stands alone: a few long words make a message hard to read.
        first, *rest = by_part[part]
        lines += _pack([f"{title}. {first}"] + rest, mode)
    return lines or [NO_ANSWERS[mode]]


def _pack(sentences: list[str], mode: str) -> list[str]:
    """The sentences in order, joined into as few messages as the bars allow.

    A part has at most six sentences, so every way of cutting them (at most 32) is tried:
    fewest characters in messages that miss a bar, then fewest messages.
    """
    bars = BARS[mode]
    best: tuple[int, int] | None = None
    best_messages = sentences
    for cuts in range(2 ** (len(sentences) - 1)):
        messages, current = [], [sentences[0]]
        for index, sentence in enumerate(sentences[1:]):
            if cuts >> index & 1:
                messages.append(" ".join(current))
                current = [sentence]
            else:
                current.append(sentence)
        messages.append(" ".join(current))
        failing = sum(len(m) for m in messages if score(m).failures(bars))
        rank = (failing, len(messages))
        if best is None or rank < best:
            best, best_messages = rank, messages
    return best_messages
