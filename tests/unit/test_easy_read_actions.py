"""Easy Read in the actions: the switch, the plan content, the receipt. The wording of
responses is chosen by Rasa from domain.yml (tested end to end in tests/e2e/test_easy_read.py)."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.easy_read import (
    ActionAfterWordingChange,
    ActionUseEasyRead,
    ActionUseStandardWords,
    easy_read_before_latest_message,
)
from actions.parts import ActionChoosePart
from actions.receipt import receipt_lines
from bot import content
from bot.readability import BARS, score
from tests.unit.test_actions import DOMAIN, responses, slot_events, tracker


async def test_the_switches_only_set_the_slot() -> None:
    dispatcher = CollectingDispatcher()
    on = await ActionUseEasyRead().run(dispatcher, tracker(), DOMAIN)
    off = await ActionUseStandardWords().run(dispatcher, tracker(), DOMAIN)
    assert slot_events(on) == {"easy_read": True}
    assert slot_events(off) == {"easy_read": False}
    assert dispatcher.messages == []  # said by the next action, in the new wording


def _events(*, before: bool, after: bool) -> list[dict]:
    return [
        {"event": "slot", "name": "easy_read", "value": before},
        {"event": "user", "text": "simpler please"},
        {"event": "slot", "name": "easy_read", "value": after},
    ]


def test_it_knows_whether_easy_read_was_already_on() -> None:
    assert easy_read_before_latest_message(_events(before=True, after=True)) is True
    assert easy_read_before_latest_message(_events(before=False, after=True)) is False
    assert easy_read_before_latest_message([]) is False


async def test_before_consent_the_introduction_is_given_again_in_the_new_wording(
    app_engine: None,
) -> None:
    dispatcher = CollectingDispatcher()
    state = tracker({"consent": None, "easy_read": True, "requested_slot": None})
    state.active_loop = {}
    events = await ActionAfterWordingChange().run(dispatcher, state, DOMAIN)
    assert responses(dispatcher) == [
        "utter_easy_read_on",
        "utter_intro",
        "utter_how_it_works",
        "utter_privacy_notice",
        "utter_ask_consent",
    ]
    assert slot_events(events)["awaiting"] == "consent"


async def test_during_the_questions_the_form_asks_again(app_engine: None) -> None:
    dispatcher = CollectingDispatcher()
    state = tracker({"consent": True, "easy_read": False})
    state.active_loop = {"name": "consultation_form"}
    await ActionAfterWordingChange().run(dispatcher, state, DOMAIN)
    assert responses(dispatcher) == ["utter_standard_words_on"]


async def test_a_part_is_explained_in_easy_read_when_the_slot_is_set(app_engine: None) -> None:
    texts = {}
    for easy in (False, True):
        choose = tracker(
            {"requested_slot": None, "easy_read": easy},
            {
                "text": "knife crime",
                "intent": {"name": "choose_part"},
                "entities": [{"entity": "part", "value": "knife_crime"}],
            },
        )
        dispatcher = CollectingDispatcher()
        await ActionChoosePart().run(dispatcher, choose, DOMAIN)
        texts[easy] = [m["text"] for m in dispatcher.messages if m.get("text")]
    mode = {False: content.STANDARD, True: content.EASY_READ}
    for easy in (False, True):
        explained = [s.text for s in content.parts(mode[easy])["knife_crime"].explain]
        assert texts[easy][: len(explained)] == explained
    assert texts[True] != texts[False]


class _Answer:
    def __init__(self, question_id: str, value: str, free_text: str | None = None):
        self.question_id, self.value, self.free_text = question_id, value, free_text


def test_the_receipt_quotes_a_long_comment_in_full_in_a_message_of_its_own() -> None:
    comment = "The police should be seen more often in my area, and " * 20 + "that is all."
    answers = [
        _Answer("knife_crime.agreement", "agree"),
        _Answer("knife_crime.comment", "given", comment),
    ]
    lines = receipt_lines(answers)
    assert " ".join(comment.split()) in lines[-1]  # every word, so it can be checked
    assert "You chose: Agree." in lines[0] and comment[:40] not in lines[0]


def test_the_receipt_splits_a_part_rather_than_miss_the_bars() -> None:
    answers = [
        _Answer("local.borough", "hammersmith_and_fulham"),
        _Answer("local.priorities", "violence_with_injury;theft_from_person"),
        _Answer("local.priorities_other", "given", "Speeding cars near the school gates."),
        _Answer("local.agreement", "strongly_disagree"),
        _Answer("local.comment", "given", "Every area is different, so this makes sense."),
    ]
    for mode in content.MODES:
        lines = receipt_lines(answers, mode)
        assert len(lines) > 1
        assert all(score(line).failures(BARS[mode]) == [] for line in lines), lines
        assert lines[0].startswith(content.parts(mode)["local"].title)


def test_easy_read_receipts_show_plainer_names_for_the_same_codes() -> None:
    answer = [_Answer("knife_crime.agreement", "neutral")]
    assert "Neither agree nor disagree" in receipt_lines(answer)[0]
    assert "In the middle" in receipt_lines(answer, content.EASY_READ)[0]
