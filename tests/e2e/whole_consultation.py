"""One whole consultation ("All of it"), the same over every channel, and what it must store.

Used by the REST test (test_full_consultation.py) and the SMS test (test_twilio.py): each
channel presses buttons its own way (a payload over REST, a number by text), so the script
takes the resident's `say` and `press`, and reads the latest reply with `reply_text`.
"""

from __future__ import annotations

from collections.abc import Callable

DEFAULT_VAWG_COMMENT = "Better lighting on the way home"
# A victim's testimony typed as their comment: kept as their view, and thanked with support.
VICTIM_TESTIMONY = (
    "I was mugged outside Seven Sisters station last year. The police never called me back "
    "and Victim Support rang once. Victims need to hear back."
)

# (what the latest reply must mention first or None, "say" or "press", the words or button)
Step = tuple[str | None, str, str]


def steps(vawg_comment: str, victims_comment: str | None = None) -> list[Step]:
    victims: list[Step] = [(None, "say", "no")]
    if victims_comment is not None:
        victims = [(None, "say", victims_comment)]
    return [
        ("neighbourhood policing", "press", "Agree"),  # a button
        (None, "say", "More officers I can actually talk to"),  # a typed comment
        ("children and young people", "say", "totally"),  # agreement in their own words
        (None, "press", "Skip"),
        ("women and girls", "press", "Strongly agree"),
        (None, "say", vawg_comment),
        ("extremism", "say", "not sure"),
        (None, "say", "skip"),
        ("knife crime", "say", "no way"),
        (None, "say", "Stop and search is not the answer, youth clubs are"),
        ("victims", "press", "Disagree"),
        *victims,
        ("borough", "say", "I live in Brixton"),
        (None, "press", "Burglary"),
        (None, "say", "yeah mostly"),
        (None, "press", "Skip"),
        ("about you", "say", "I'm 34"),
        (None, "press", "No"),  # not a victim of crime in the last 12 months
    ]


def answer_every_part(
    say: Callable[[str], object],
    press: Callable[[str], object],
    reply_text: Callable[[], str],
    vawg_comment: str = DEFAULT_VAWG_COMMENT,
    victims_comment: str | None = None,
) -> None:
    """From the first part's question (after "All of it") to the receipt. A victims comment
    that tells of the resident's experience must be thanked, with Victim Support's number,
    and the questions must go straight on."""
    for expected, how, words in steps(vawg_comment, victims_comment):
        if expected:
            assert expected in reply_text().lower(), (expected, reply_text())
        (say if how == "say" else press)(words)
        if victims_comment is not None and words == victims_comment:
            after = reply_text()
            assert "Thank you for telling me" in after, after
            assert "08 08 16 89 111" in after, after


def expected_answers(
    vawg_comment: str = DEFAULT_VAWG_COMMENT, victims_comment: str | None = None
) -> dict[str, str]:
    return {
        "neighbourhood.agreement": "agree",
        "neighbourhood.comment": "More officers I can actually talk to",
        "children.agreement": "strongly_agree",
        "children.comment": "skipped",
        "vawg.agreement": "strongly_agree",
        "vawg.comment": vawg_comment,
        "hate.agreement": "dont_know",
        "hate.comment": "skipped",
        "knife_crime.agreement": "strongly_disagree",
        "knife_crime.comment": "Stop and search is not the answer, youth clubs are",
        "victims.agreement": "disagree",
        "victims.comment": victims_comment or "skipped",
        "local.borough": "lambeth",
        "local.priorities": "burglary",
        "local.agreement": "agree",
        "local.comment": "skipped",
        "about.age_band": "25_34",
        "about.victim_last_12_months": "no",
    }
