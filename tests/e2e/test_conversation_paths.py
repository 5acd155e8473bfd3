"""The ways through a conversation, over the REST channel of the real servers (SQLite)."""

from __future__ import annotations

import pytest

from bot.stack import Stack
from tests.e2e.exported import answers_of, export, query, stored_answers, transcript_length
from tests.e2e.resident import Resident


@pytest.fixture
def stack(sqlite_stack: Stack) -> Stack:
    return sqlite_stack


def consented(stack: Stack) -> Resident:
    resident = Resident(stack.rest_webhook)
    resident.say("hi")
    resident.click("Yes")
    return resident


def finish(resident: Resident) -> str:
    """Finish now, skipping the questions about you; return the reference code."""
    resident.say("I'm done")
    for _ in range(3):
        if resident.reference_code():
            break
        resident.say("skip")
    code = resident.reference_code()
    assert code, resident.texts
    return code


def test_no_consent_stores_nothing_and_gives_the_postal_address(stack: Stack) -> None:
    resident = Resident(stack.rest_webhook)
    resident.say("hello")
    resident.click("No")
    assert "City Hall" in resident.text
    assert transcript_length(stack.env["DATABASE_URL"], resident.sender) == 0
    # Trying to answer anyway just asks for consent again.
    resident.say("knife crime")
    assert "happy for us to keep your answers" in resident.text


@pytest.mark.parametrize("typed", ["then no", "yes, no, not if the police can see it"])
def test_a_typed_no_at_the_consent_question_is_never_taken_as_yes(stack: Stack, typed: str) -> None:
    resident = Resident(stack.rest_webhook)
    resident.say("hello")
    resident.say(typed)
    assert "Which part of the plan" not in resident.text  # the menu comes only after a yes
    if "not sure if that was a yes" in resident.text:  # asked, with the two buttons
        resident.click("No")
    elif "haven't kept anything" not in resident.text:  # not understood: asked again
        resident.say("no")
    assert "haven't kept anything" in resident.text
    assert transcript_length(stack.env["DATABASE_URL"], resident.sender) == 0


@pytest.mark.parametrize("typed", ["stop", "bye"])
def test_leaving_before_consent_says_truthfully_that_nothing_was_kept(
    stack: Stack, typed: str
) -> None:
    resident = Resident(stack.rest_webhook)
    resident.say("hello")
    resident.say(typed)
    assert "saved" not in resident.text
    assert "haven't kept anything" in resident.text
    assert transcript_length(stack.env["DATABASE_URL"], resident.sender) == 0


def test_an_agreement_with_its_reason_stores_both(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("tell me about knife crime")
    resident.say("I agree but we need more bobbies")
    assert "kept what you wrote as your comment" in resident.text
    assert "Why do you say that?" not in resident.text  # not asked for what was just said
    code = finish(resident)
    answers = answers_of(stack.env["DATABASE_URL"], code)
    assert answers["knife_crime.agreement"] == "agree"
    assert answers["knife_crime.comment"] == "I agree but we need more bobbies"


@pytest.mark.parametrize(
    "typed, reply, stored",
    [
        ("completely wrong approach", "yes", None),  # None: whatever the guess was, confirmed
        ("it doesn't go far enough", "Disagree", "disagree"),
        ("yeah right", "Disagree", "disagree"),
    ],
)
def test_a_typed_answer_that_only_suggests_one_is_checked_before_it_is_stored(
    stack: Stack, typed: str, reply: str, stored: str | None
) -> None:
    resident = consented(stack)
    resident.say("tell me about knife crime")
    resident.say(typed)
    assert "did you mean" in resident.text  # asked, not stored
    offered = resident.buttons[0]["payload"].lstrip("/")
    assert resident.buttons[0]["title"].startswith("Yes, ")
    if reply == "yes":
        resident.say("yes")
    else:
        resident.click(reply)
    assert "Why do you say that?" in resident.text
    resident.say("skip")
    code = finish(resident)
    expected = stored or offered
    assert answers_of(stack.env["DATABASE_URL"], code)["knife_crime.agreement"] == expected


def test_typing_a_buttons_title_does_what_the_button_does(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("Local police priorities")  # the menu button's title, typed
    assert "borough" in resident.text, resident.texts
    resident.say("Hackney")
    resident.say("skip")
    resident.say("strongly agree!")  # an agreement button's title, typed loosely
    assert "Why do you say that?" in resident.text
    code = finish(resident)
    assert answers_of(stack.env["DATABASE_URL"], code)["local.agreement"] == "strongly_agree"
    # The transcript keeps what the resident typed, not the button's payload.
    said = query(
        stack,
        "SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user'",
        sender=resident.sender,
    )
    assert any('"text": "Local police priorities"' in row[0] for row in said)


def test_a_correction_at_the_comment_question_changes_the_rating_not_the_comment(
    stack: Stack,
) -> None:
    resident = consented(stack)
    resident.say("tell me about knife crime")
    resident.click("Agree")
    resident.say("actually no, make that disagree")
    assert "changed your answer to 'Disagree'" in resident.text
    assert "Why do you say that?" in resident.text  # the comment question, still open
    resident.say("Stop and search is not the answer")
    code = finish(resident)
    answers = answers_of(stack.env["DATABASE_URL"], code)
    assert answers["knife_crime.agreement"] == "disagree"
    assert answers["knife_crime.comment"] == "Stop and search is not the answer"


def test_how_do_i_finish_is_explained_not_done(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("tell me about knife crime")
    resident.say("how do I finish?")
    assert "'finish' when you" in resident.text
    assert not resident.reference_code()


def test_a_priority_it_cannot_place_is_named_back_not_dropped(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("Local police priorities")
    resident.say("Hackney")
    resident.say("burglary and drug dealing")
    assert "recognise 'drug dealing'" in resident.text
    assert "local.priorities" not in stored_answers(stack.env["DATABASE_URL"], resident.sender)
    resident.click("Burglary")
    assert (
        stored_answers(stack.env["DATABASE_URL"], resident.sender)["local.priorities"][0]
        == "burglary"
    )


def test_choosing_one_part_then_finishing(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("tell me about knife crime")
    assert "knife crime" in resident.texts[-1]
    resident.say("I agree")
    resident.say("More police near schools at home time")
    assert "saved" in resident.text
    code = finish(resident)
    assert answers_of(stack.env["DATABASE_URL"], code) == {
        "knife_crime.agreement": "agree",
        "knife_crime.comment": "More police near schools at home time",
        "about.age_band": "skipped",
        "about.borough": "skipped",
        "about.victim_last_12_months": "skipped",
    }


def test_tell_me_more_and_help_keep_the_question_open(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("victims")
    question = resident.texts[-1]
    resident.say("tell me more")
    assert resident.texts[-1] == question
    assert len(resident.texts) > 1
    resident.say("help")
    assert "'skip'" in resident.text and resident.texts[-1] == question
    resident.say("what's the weather like tomorrow")
    assert resident.texts[-1] == question


def test_changing_an_earlier_answer_updates_it(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("knife crime")
    resident.click("Agree")
    resident.click("Skip")
    resident.say("I want to change my knife crime answer")
    assert "knife crime" in resident.texts[-1]
    resident.click("Strongly disagree")
    resident.say("Actually the plan goes too far on this")
    code = finish(resident)
    answers = answers_of(stack.env["DATABASE_URL"], code)
    assert answers["knife_crime.agreement"] == "strongly_disagree"
    assert answers["knife_crime.comment"] == "Actually the plan goes too far on this"
    rows = [r for r in export(stack.env["DATABASE_URL"]) if r["respondent"] == code]
    assert len(rows) == len({r["question"] for r in rows})  # no duplicates


def test_going_back_asks_the_previous_question_again(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("hate crime")
    resident.click("Agree")
    assert "Why do you say that" in resident.texts[-1]
    resident.say("go back")
    assert "extremism" in resident.texts[-1]
    resident.click("Disagree")
    assert "Why do you say that" in resident.texts[-1]


def test_a_command_where_a_comment_is_expected_is_not_stored(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("children")
    resident.click("Agree")
    resident.say("stop")
    assert "carry on" in resident.text
    resident.say("hello")  # coming back later, in the same chat
    assert "Welcome back" in resident.text
    resident.click("Carry on")
    assert "Why do you say that" in resident.texts[-1]
    resident.say("Schools need more support")
    code = finish(resident)
    answers = answers_of(stack.env["DATABASE_URL"], code)
    assert answers["children.agreement"] == "agree"
    assert answers["children.comment"] == "Schools need more support"


def test_deleting_answers_erases_answers_and_transcript(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("victims")
    resident.click("Agree")
    resident.say("delete my answers")
    assert "can't be undone" in resident.text
    resident.click("Yes")
    assert "deleted" in resident.text
    database = stack.env["DATABASE_URL"]
    assert transcript_length(database, resident.sender) == 0
    # Starting again is a fresh start, asking for consent.
    resident.say("hi")
    assert "happy for us to keep your answers" in resident.text


def test_not_confirming_delete_keeps_everything(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("victims")
    resident.click("Agree")
    resident.say("delete my answers")
    resident.click("No")
    assert "nothing has been deleted" in resident.text
    assert "Why do you say that" in resident.texts[-1]


def test_out_of_scope_gets_an_honest_answer(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("can you book me a taxi")
    assert "only help with the consultation" in resident.text


def test_closed_window_stores_nothing(closed_window_stack: Stack) -> None:
    resident = Resident(closed_window_stack.rest_webhook)
    resident.say("hello")
    assert "not open" in resident.text
    resident.say("yes")
    resident.say("knife crime")
    assert "not open" in resident.text
    assert transcript_length(closed_window_stack.env["DATABASE_URL"], resident.sender) == 0
    assert export(closed_window_stack.env["DATABASE_URL"]) == []


def test_repeat_says_the_last_messages_again(stack: Stack) -> None:
    resident = consented(stack)
    menu = resident.texts
    resident.say("sorry, can you say that again?")
    assert resident.texts == menu


def test_starting_again_clears_stored_answers(stack: Stack) -> None:
    resident = consented(stack)
    resident.say("victims")
    resident.click("Agree")
    resident.click("Skip")
    resident.say("start again")
    assert "clears the answers" in resident.text
    resident.click("Yes")
    assert "Let's start again" in resident.text
    code = finish(resident)
    answers = answers_of(stack.env["DATABASE_URL"], code)
    assert "victims.agreement" not in answers
