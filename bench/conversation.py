"""What a simulated resident says in a whole consultation, and what each turn must store.

Two scripts, alternated between residents, so the load mixes button payloads (sent as the
widget sends them, looked up by the button's title in the previous reply) with answers
typed in the resident's own words. Each comment carries the resident's number, so the
answer check can tell one resident's stored text from another's.

The first script is tests/e2e/test_full_consultation.py's conversation (every part, via
"All of it"); the second picks parts by typing their names. If the assistant's wording
changes, the `expect` phrases here may need to follow.
"""

from __future__ import annotations

from dataclasses import dataclass

# (question id, stored value, stored free text): what the `answers` table should hold.
StoredAnswer = tuple[str, str, "str | None"]

# Replies that mean the turn went wrong even if the expected phrase is there too.
TROUBLE = (
    "couldn't save",
    "send it again",
    "didn't catch",
    "didn't understand",
)


@dataclass(frozen=True)
class Turn:
    """One message a resident sends, and how to tell that the reply is the right one."""

    message: str
    # True: press the button whose title starts with `message` (its payload is sent).
    button: bool = False
    # A phrase the reply must contain (case-insensitive); "" accepts any non-empty reply.
    expect: str = ""
    # What this turn stores, once the reply has come.
    stores: tuple[StoredAnswer, ...] = ()


def _ask(part: str, value: str) -> StoredAnswer:
    return (f"{part}.agreement", value, None)


def _comment(part: str, text: str | None) -> StoredAnswer:
    return (f"{part}.comment", "given", text) if text else (f"{part}.comment", "skipped", None)


def all_of_it(number: int) -> list[Turn]:
    """Every part in order through "All of it": mostly buttons, some typed answers."""
    neighbourhood = f"More officers I can actually talk to, says resident {number}"
    vawg = f"Better lighting on the way home from the station ({number})"
    knife = f"Stop and search is not the answer, youth clubs are. Resident {number}"
    return [
        Turn("hello", expect="Are you happy for us to keep your answers?"),
        Turn("Yes", button=True, expect="Which part of the plan"),
        Turn("All of it", button=True, expect="neighbourhood policing"),
        Turn("Agree", button=True, expect="Why do you say that?", stores=(
            _ask("neighbourhood", "agree"),)),
        Turn(neighbourhood, expect="children and young people", stores=(
            _comment("neighbourhood", neighbourhood),)),
        Turn("totally", expect="Why do you say that?", stores=(
            _ask("children", "strongly_agree"),)),
        Turn("Skip", button=True, expect="women and girls", stores=(
            _comment("children", None),)),
        Turn("Strongly agree", button=True, expect="Why do you say that?", stores=(
            _ask("vawg", "strongly_agree"),)),
        Turn(vawg, expect="extremism", stores=(_comment("vawg", vawg),)),
        Turn("not sure", expect="Why do you say that?", stores=(_ask("hate", "dont_know"),)),
        Turn("skip", expect="knife crime", stores=(_comment("hate", None),)),
        Turn("no way", expect="Why do you say that?", stores=(
            _ask("knife_crime", "strongly_disagree"),)),
        Turn(knife, expect="victims", stores=(_comment("knife_crime", knife),)),
        Turn("Disagree", button=True, expect="Why do you say that?", stores=(
            _ask("victims", "disagree"),)),
        Turn("no", expect="borough", stores=(_comment("victims", None),)),
        Turn("I live in Brixton", expect="Which crimes", stores=(
            ("local.borough", "lambeth", None),)),
        Turn("Burglary", button=True, expect="How far do you agree", stores=(
            ("local.priorities", "burglary", None),)),
        Turn("yeah mostly", expect="Why do you say that?", stores=(_ask("local", "agree"),)),
        Turn("Skip", button=True, expect="How old are you?", stores=(_comment("local", None),)),
        Turn("I'm 34", expect="victim of crime", stores=(
            ("about.age_band", "25_34", None),)),
        Turn("No", button=True, expect="reference code", stores=(
            ("about.victim_last_12_months", "no", None),)),
    ]  # fmt: skip


def chosen_parts(number: int) -> list[Turn]:
    """Three parts picked by typing their names, answered in the resident's own words."""
    knife = f"Knife crime near schools worries me most, resident {number}"
    victims = f"Victims wait too long to hear back from the police ({number})"
    local = f"Our high street needs more patrols at night, says resident {number}"
    return [
        Turn("hi", expect="Are you happy for us to keep your answers?"),
        Turn("yes I'm happy", expect="Which part of the plan"),
        Turn("knife crime", expect="How far do you agree with the plan's approach to knife"),
        Turn("I agree", expect="Why do you say that?", stores=(_ask("knife_crime", "agree"),)),
        Turn(knife, expect="Which part", stores=(_comment("knife_crime", knife),)),
        Turn("services for victims", expect="services for victims"),
        Turn("strongly disagree", expect="Why do you say that?", stores=(
            _ask("victims", "strongly_disagree"),)),
        Turn(victims, expect="Which part", stores=(_comment("victims", victims),)),
        Turn("local priorities", expect="borough"),
        Turn("Hackney", expect="Which crimes", stores=(("local.borough", "hackney", None),)),
        Turn("burglary and robbery", expect="How far do you agree", stores=(
            ("local.priorities", "burglary;robbery", None),)),
        Turn("I agree", expect="Why do you say that?", stores=(_ask("local", "agree"),)),
        Turn(local, expect="Which part", stores=(_comment("local", local),)),
        Turn("Finish", button=True, expect="How old are you?"),
        Turn("prefer not to say", expect="victim of crime", stores=(
            ("about.age_band", "prefer_not_to_say", None),)),
        Turn("skip", expect="reference code", stores=(
            ("about.victim_last_12_months", "skipped", None),)),
    ]  # fmt: skip


SCRIPTS = (all_of_it, chosen_parts)


def script_for(number: int) -> list[Turn]:
    """The script of resident `number`: the two scripts alternate."""
    return SCRIPTS[number % len(SCRIPTS)](number)


def expected_answers(turns: list[Turn]) -> dict[str, tuple[str, str | None]]:
    """What these turns store: {question id: (value, free text)}; a later turn wins."""
    return {question: (value, text) for turn in turns for question, value, text in turn.stores}
