"""The REST channel: POST /webhooks/rest/webhook {"sender": "...", "message": "..."}.

Rasa's own RestInput answers 500 to a body that is JSON but not an object, lets the caller
choose the channel name and metadata stored with the conversation, passes `null` messages
into the dialogue, logs the resident's words when anything fails, and replies with nothing
when the dialogue fails. This one, registered in credentials.yml under the same name:

- answers 415 unless the body is JSON, and 400 (with a plain reason) for malformed JSON, a
  body that is not an object, a missing or unusable `sender`, or a `message` that is not
  text. It never answers 500 to anything a client can send;
- tidies the text (bot.channels.message_text) and answers empty or over-long messages
  itself;
- if handling the message fails (a database fault, say), replies "sorry, please send that
  again in a moment" and logs the kind of fault, never the message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.message_text import pass_to_assistant

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128


class BadRequest(Exception):
    """A request the channel cannot use, with the reason and HTTP status to answer."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def read_payload(content_type: str, body: bytes) -> tuple[str, str]:
    """The (sender, message) of a request body, or BadRequest saying what is wrong."""
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise BadRequest("Send JSON, with the header Content-Type: application/json.", 415)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body is not valid JSON.") from None
    except RecursionError:  # "[[[[..." nested deeper than Python's parser goes
        raise BadRequest("The body is nested too deeply.") from None
    if not isinstance(payload, dict):
        raise BadRequest('The body must be a JSON object: {"sender": "...", "message": "..."}.')
    sender, message = payload.get("sender"), payload.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(f'"sender" must be text of 1 to {MAX_SENDER_CHARS} characters.')
    if not sender.isprintable():
        raise BadRequest('"sender" must not contain control characters.')
    if not isinstance(message, str):
        raise BadRequest('"message" must be text.')
    return sender, message


class ConsultRestInput(RestInput):
    """Rasa's REST channel, made safe to put in front of the public (see module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("consult_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, message = read_payload(
                    request.headers.get("content-type", ""), request.body or b""
                )
            except BadRequest as problem:
                return response.json({"error": problem.reason}, status=problem.status)
            return response.json(await self.handle(on_new_message, sender, message))

        return webhook

    async def handle(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender: str,
        message: str,
    ) -> list[dict[str, Any]]:
        """The assistant's replies to one message, as Rasa's REST channel gives them."""
        collector = CollectingOutputChannel()
        await pass_to_assistant(on_new_message, collector, sender, message, self.name())
        return collector.messages
