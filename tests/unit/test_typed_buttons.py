"""Typing a button's title reads as pressing it (bot/typed_buttons.py)."""

from __future__ import annotations

from rasa.shared.core.events import BotUttered, UserUttered

from bot.typed_buttons import offered_buttons, payload_for

MENU = [
    {"title": "The postcode lottery", "payload": '/choose_part{"part": "neighbourhood"}'},
    {"title": "Knife crime (done)", "payload": '/choose_part{"part": "knife_crime"}'},
    {"title": "Local police priorities", "payload": '/choose_part{"part": "local"}'},
    {"title": "Don't know", "payload": "/dont_know"},
]


def test_a_typed_title_is_its_button() -> None:
    assert payload_for("Local police priorities", MENU) == '/choose_part{"part": "local"}'
    assert payload_for("  local POLICE priorities! ", MENU) == '/choose_part{"part": "local"}'
    assert payload_for("dont know", MENU) == "/dont_know"
    assert payload_for("knife crime", MENU) == '/choose_part{"part": "knife_crime"}'


def test_other_words_are_read_as_words() -> None:
    assert payload_for("local police priorities matter most to me", MENU) is None
    assert payload_for("police", MENU) is None
    assert payload_for("", MENU) is None
    assert payload_for("/stop", MENU) is None  # already a payload


def test_only_the_latest_replys_buttons_count() -> None:
    earlier = BotUttered("Pick one", data={"buttons": [{"title": "Stop", "payload": "/stop"}]})
    latest = BotUttered("Which part?", data={"buttons": MENU})
    assert offered_buttons([earlier, UserUttered("hi"), latest, BotUttered("Or type")]) == MENU
    # Once the resident has replied, those buttons are no longer on offer.
    assert offered_buttons([latest, UserUttered("hello")]) == []
