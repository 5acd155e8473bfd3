"""A simulated resident talking to the real Rasa server over the REST channel."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

import requests

REFERENCE = re.compile(r"reference code is ([0-9A-Z]{4}-[0-9A-Z]{4})")


@dataclass
class Resident:
    webhook: str
    # As the REST channel names the conversation ("rest:" and what the client sends), so
    # that tests can find it in the database by this id (bot/channels/rest.py).
    sender: str = field(default_factory=lambda: f"rest:test-{secrets.token_hex(6)}")
    replies: list[dict] = field(default_factory=list)

    def say(self, message: str) -> list[dict]:
        response = requests.post(
            self.webhook, json={"sender": self.sender, "message": message}, timeout=60
        )
        response.raise_for_status()
        self.replies = response.json()
        return self.replies

    @property
    def texts(self) -> list[str]:
        return [reply.get("text", "") for reply in self.replies]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def buttons(self) -> list[dict]:
        found: list[dict] = []
        for reply in self.replies:
            found = reply.get("buttons") or found
        return found

    def click(self, title_start: str) -> list[dict]:
        """Press the last offered button whose title starts with `title_start`."""
        for button in self.buttons:
            if button["title"].startswith(title_start):
                return self.say(button["payload"])
        offered = [b["title"] for b in self.buttons]
        raise AssertionError(f"No button {title_start!r}; offered: {offered}; said: {self.texts}")

    def reference_code(self) -> str | None:
        """The reference code from the receipt in the latest replies, if there is one."""
        found = REFERENCE.search(self.text)
        return found.group(1) if found else None


KNIFE_CRIME_AGREEMENT = "How far do you agree with the plan's approach to knife crime?"


def at_knife_crime_agreement(webhook: str) -> Resident:
    """A new resident who has agreed to take part and been asked the knife crime question."""
    resident = Resident(webhook)
    resident.say("hi")
    resident.click("Yes")
    resident.say("knife crime")
    assert resident.texts[-1] == KNIFE_CRIME_AGREEMENT, resident.texts
    return resident
