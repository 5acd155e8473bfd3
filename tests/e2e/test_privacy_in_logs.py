"""The servers' logs hold no resident's words and no sender id (the default INFO level)."""

from __future__ import annotations

from bot.stack import Stack
from tests.e2e.resident import Resident


def test_logs_hold_no_message_text_or_sender_id(sqlite_stack: Stack) -> None:
    resident = Resident(sqlite_stack.rest_webhook, sender="resident-7a1f3c9e")
    words = "Zebra crossings near Tottingham school feel unsafe"
    resident.say("hello")
    resident.click("Yes")
    resident.say("knife crime")
    resident.click("Agree")
    resident.say(words)
    assert sqlite_stack.log_path is not None
    log = sqlite_stack.log_path.read_text(errors="replace")
    assert "Zebra crossings" not in log
    assert resident.sender not in log
