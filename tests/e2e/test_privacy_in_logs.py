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


def test_showing_choice_buttons_logs_no_slot_values(sqlite_stack: Stack) -> None:
    # Rasa used to read the braces in payloads such as /inform{"age_band": "under_18"} as
    # slot placeholders and log every slot value (comments included) when they failed.
    resident = Resident(sqlite_stack.rest_webhook)
    words = "Quokka patrols by the canal towpath"
    resident.say("hello")
    resident.click("Yes")
    resident.say("postcode lottery")
    resident.click("Agree")
    resident.say(words)
    resident.say("I'm done")  # on to the questions about you, with age-band buttons
    assert any("/inform{" in b["payload"] for b in resident.buttons), resident.texts
    assert sqlite_stack.log_path is not None
    log = sqlite_stack.log_path.read_text(errors="replace")
    assert "Quokka" not in log
    assert "interpolator" not in log
