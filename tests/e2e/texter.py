"""A simulated resident texting the real Rasa server through the Twilio channel, each request
signed as Twilio signs it (twilio's RequestValidator, over the exact URL and form)."""

from __future__ import annotations

import random
import re
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import ClassVar

import requests
from twilio.request_validator import RequestValidator

from bot.channels.twilio import TextMessage
from bot.channels.twiml import MAX_MESSAGE_CHARS, length
from bot.stack import Stack

# Every test stack's TWILIO_AUTH_TOKEN (tests/e2e/conftest.py).
TWILIO_AUTH_TOKEN = "e2e-test-twilio-auth-token"
# Ofcom's range for drama, 07700 900000 to 900999: never a real phone. Shuffled once, so each
# texter in a test session has a number of its own.
_NUMBERS = iter(random.sample(range(900000, 901000), 1000))
_OPTION = re.compile(r"^(\d+) for (.+)$", re.MULTILINE)
_SINGLE_OPTION = re.compile(r"^Reply 1 for (.+)\.$", re.MULTILINE)


def messages_in(twiml: str) -> list[str]:
    """The texts of a TwiML reply's <Message> elements (checking it is <Response>...)."""
    root = ET.fromstring(twiml)
    assert root.tag == "Response", twiml
    assert all(child.tag == "Message" for child in root), twiml
    return [child.text or "" for child in root]


@dataclass
class Texter:
    stack: Stack
    whatsapp: bool = False
    number: str = field(default_factory=lambda: f"+447700{next(_NUMBERS)}")
    texts: list[str] = field(default_factory=list)
    # Every number used in this session, so a test can check none of them was stored.
    numbers_used: ClassVar[list[str]] = []

    def __post_init__(self) -> None:
        self.numbers_used.append(self.number)

    @property
    def webhook(self) -> str:
        return f"{self.stack.rasa_url}/webhooks/twilio/webhook"

    @property
    def address(self) -> str:
        return f"whatsapp:{self.number}" if self.whatsapp else self.number

    @property
    def sender_id(self) -> str:
        """The conversation's id in Rasa: "sms:" or "wa:" and the keyed hash of the address."""
        return TextMessage(self.address, "", "", 0).sender_id

    def form(self, body: str, message_sid: str | None = None, **fields: str) -> dict[str, str]:
        """The form Twilio posts for a message from this texter (`fields` added or replaced)."""
        message_sid = message_sid or f"SM{secrets.token_hex(16)}"
        return {
            "ToCountry": "GB",
            "SmsMessageSid": message_sid,
            "MessageSid": message_sid,
            "NumMedia": "0",
            "Body": body,
            "From": self.address,
            "To": "whatsapp:+447700900000" if self.whatsapp else "+447700900000",
            "AccountSid": "AC" + "0" * 32,
            "ApiVersion": "2010-04-01",
            **fields,
        }

    def signature(self, form: dict[str, str], url: str | None = None) -> str:
        return RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(url or self.webhook, form)

    def post(self, form: dict[str, str], signature: str | None = None) -> requests.Response:
        """Post a form, signed correctly unless another signature is given."""
        headers = {"X-Twilio-Signature": signature or self.signature(form)}
        return requests.post(self.webhook, data=form, headers=headers, timeout=60)

    def send(self, form: dict[str, str]) -> list[str]:
        """Post a signed form; the texts of the TwiML reply."""
        response = self.post(form)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        self.texts = messages_in(response.text)
        assert all(length(text) <= MAX_MESSAGE_CHARS for text in self.texts)
        return self.texts

    def say(self, body: str) -> list[str]:
        return self.send(self.form(body))

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def options(self) -> list[str]:
        """The titles of the options the latest replies offer, in number order."""
        single = _SINGLE_OPTION.findall(self.text)
        return single or [title for _, title in _OPTION.findall(self.text)]

    def pick(self, title_start: str) -> list[str]:
        """Reply with the number of the offered option whose title starts with `title_start`."""
        for number, title in enumerate(self.options, start=1):
            if title.startswith(title_start):
                return self.say(str(number))
        raise AssertionError(f"No option {title_start!r}; offered: {self.options}; {self.texts}")
