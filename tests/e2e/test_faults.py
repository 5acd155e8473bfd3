"""Faults in the real stack: the action server stopped, frozen or restarted, the Rasa server
restarted, the answers database unreachable. The resident always hears something honest,
nothing they answered is lost, and every answer reaches the database in the end.

These tests stop and start servers, so they have a stack of their own.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.message_text import SOMETHING_WENT_WRONG_REPLY
from bot.stack import BIN, Stack
from tests.e2e import resident as resident_helpers
from tests.e2e.conftest import _stack
from tests.e2e.exported import stored_answers
from tests.e2e.resident import Resident

COMMENT_QUESTION = "Why do you say that?"
# Nothing listens on port 9: a real connection failure.
UNREACHABLE_DATABASE = "postgresql://nobody@127.0.0.1:9/none"


@pytest.fixture(scope="module")
def stack(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    url = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'consult.db'}"
    log = tmp_path_factory.mktemp("logs") / "faults.log"
    # A short timeout, so the "slow action server" test does not wait for long.
    yield from _stack(model, url, log, ACTION_TIMEOUT_SECONDS="3")


def at_knife_crime_agreement(stack: Stack) -> Resident:
    return resident_helpers.at_knife_crime_agreement(stack.rest_webhook)


def answers(stack: Stack, resident: Resident) -> dict[str, tuple[str, str | None]]:
    return stored_answers(stack.env["DATABASE_URL"], resident.sender)


def test_action_server_down_then_back(stack: Stack) -> None:
    resident = at_knife_crime_agreement(stack)
    stack.action_server.terminate()
    stack.action_server.wait(timeout=20)
    try:
        resident.click("Agree")
        assert resident.texts == [SOMETHING_WENT_WRONG_REPLY]
        resident.say("/agree")  # the same button again: still down, still told
        assert resident.texts == [SOMETHING_WENT_WRONG_REPLY]
    finally:
        stack.restart_action_server()
    resident.say("/agree")  # sent again, as asked
    assert resident.texts[-1].startswith(COMMENT_QUESTION)
    assert answers(stack, resident) == {"knife_crime.agreement": ("agree", None)}
    resident.say("More youth workers")
    assert answers(stack, resident)["knife_crime.comment"] == ("given", "More youth workers")


def test_action_server_too_slow_then_answering(stack: Stack) -> None:
    resident = at_knife_crime_agreement(stack)
    os.kill(stack.action_server.pid, signal.SIGSTOP)  # frozen: connections wait, no answer
    try:
        resident.click("Disagree")
        assert resident.texts == [SOMETHING_WENT_WRONG_REPLY]
    finally:
        os.kill(stack.action_server.pid, signal.SIGCONT)
    resident.say("/disagree")  # the same button again
    assert resident.texts[-1].startswith(COMMENT_QUESTION)
    assert answers(stack, resident)["knife_crime.agreement"] == ("disagree", None)


def test_rasa_server_restarted_mid_conversation(stack: Stack) -> None:
    resident = at_knife_crime_agreement(stack)
    resident.click("Strongly agree")
    assert resident.texts[-1].startswith(COMMENT_QUESTION)
    stack.restart_rasa_server()
    resident.say("Stop and search near schools works")
    assert answers(stack, resident) == {
        "knife_crime.agreement": ("strongly_agree", None),
        "knife_crime.comment": ("given", "Stop and search near schools works"),
    }


def test_answers_database_unreachable_then_rebuilt(stack: Stack) -> None:
    resident = at_knife_crime_agreement(stack)
    # The action server loses the database; the transcripts (Rasa's tracker store) do not.
    stack.restart_action_server(DATABASE_URL=UNREACHABLE_DATABASE)
    try:
        resident.click("Neither")
        assert "couldn't save that answer" in resident.text
        assert resident.texts[-1].startswith(COMMENT_QUESTION)  # carries on
        resident.say("Knife arches at stations")
        assert "couldn't save that answer" in resident.text
        assert answers(stack, resident) == {}
    finally:
        stack.restart_action_server()
    rebuilt = subprocess.run(
        [str(BIN / "consult"), "rebuild"],
        env={**os.environ, "DATABASE_URL": stack.env["DATABASE_URL"]},
        check=True,
        capture_output=True,
        text=True,
    )
    assert "saved" in rebuilt.stdout
    expected = {
        "knife_crime.agreement": ("neutral", None),
        "knife_crime.comment": ("given", "Knife arches at stations"),
    }
    assert answers(stack, resident) == expected
    # Safe to rerun: the same answers, once each.
    subprocess.run(
        [str(BIN / "consult"), "rebuild"],
        env={**os.environ, "DATABASE_URL": stack.env["DATABASE_URL"]},
        check=True,
        capture_output=True,
    )
    assert answers(stack, resident) == expected


def test_answers_kept_while_the_database_was_down_are_saved_with_the_next_answer(
    stack: Stack,
) -> None:
    resident = at_knife_crime_agreement(stack)
    stack.restart_action_server(DATABASE_URL=UNREACHABLE_DATABASE)
    try:
        resident.click("Agree")
        assert "couldn't save that answer" in resident.text
    finally:
        stack.restart_action_server()
    resident.say("Better lighting on estates")
    assert "couldn't save" not in resident.text
    assert answers(stack, resident) == {
        "knife_crime.agreement": ("agree", None),
        "knife_crime.comment": ("given", "Better lighting on estates"),
    }
