"""The REST channel: POST /webhooks/rest/webhook {"sender": "...", "message": "..."}.

For development and integration (the tests, the benchmark, `make shell`), not for residents:

- with REST_TOKEN set, every request must carry `Authorization: Bearer <REST_TOKEN>`, or it
  gets 401 and a JSON reason; without it the channel is open in development and off in
  production (CONSULT_ENV=production: 404 to everything);
- the conversation is "rest:" + the client's `sender` (bot.pseudonyms): a REST client can
  name only REST conversations, never a resident's SMS, WhatsApp or widget conversation.
  A `sender` that already starts with "rest:" is taken as it is, so the id the database
  shows can be used to carry on a conversation.

Rasa's own RestInput answers 500 to a body that is JSON but not an object, lets the caller
choose the channel name and metadata stored with the conversation, passes `null` messages
into the dialogue, logs the resident's words when anything fails, and replies with nothing
when the dialogue fails. This one, registered in credentials.yml under the same name:

- answers 415 unless the body is JSON, and 400 (with a plain reason) for malformed JSON, a
  body that is not an object, a missing or unusable `sender`, or a `message` that is not
  text. It never answers 500 to anything a client can send;
- answers 429 with Retry-After and a plain reason when the conversation or the address
  sends too fast, or the conversation has sent its day's messages (bot.channels.limits);
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

from bot.channels.limits import Refusal, channel_limits
from bot.channels.message_text import pass_to_assistant
from bot.http_checks import authorised
from bot.pseudonyms import REST
from bot.settings import get_settings, refuse_unsafe_secrets

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
NOT_AUTHORISED = "Send the REST channel's token: Authorization: Bearer <REST_TOKEN>."
TURNED_OFF = "The REST channel is off on this server."


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


def rest_sender_id(sender: str) -> str:
    """The Rasa sender id of a REST client's `sender`: always in the REST namespace."""
    return f"{REST}:{sender.removeprefix(f'{REST}:')}"


def client_address(request: Request) -> str:
    """The client's address: Sanic's `remote_addr` when a proxy is configured to be trusted
    (SANIC_PROXIES_COUNT, SANIC_REAL_IP_HEADER), else the connection's own address."""
    return str(request.remote_addr or request.ip or "")


def too_many(refusal: Refusal) -> HTTPResponse:
    """HTTP 429 with the plain reply and Retry-After (bot.channels.limits)."""
    return response.json(
        {"error": refusal.reply},
        status=429,
        headers={"Retry-After": str(refusal.retry_after)},
    )


class ConsultRestInput(RestInput):
    """Rasa's REST channel, made safe to put in front of the public (see module docstring)."""

    def __init__(self, token: str = "", enabled: bool = True) -> None:
        self.token = token
        self.enabled = enabled or bool(token)

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ConsultRestInput:
        # The first channel in credentials.yml: the Rasa server refuses here to start in
        # production with unsafe secrets (the other channels check again).
        refuse_unsafe_secrets("Rasa server", action_server=True)
        settings = get_settings()
        if settings.is_production and not settings.rest_token:
            logger.info("The REST channel is off: CONSULT_ENV=production and no REST_TOKEN.")
        return cls(settings.rest_token, enabled=not settings.is_production)

    def refusal(self, request: Request) -> HTTPResponse | None:
        """The answer to a request this server does not take over REST, or None to take it."""
        if not self.enabled:
            return response.json({"error": TURNED_OFF}, status=404)
        if self.token and not authorised(self.token, request.headers.get("authorization")):
            return response.json(
                {"error": NOT_AUTHORISED}, status=401, headers={"WWW-Authenticate": "Bearer"}
            )
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("consult_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return self.refusal(request) or response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = self.refusal(request)
            if refused is not None:
                return refused
            try:
                sender, message = read_payload(
                    request.headers.get("content-type", ""), request.body or b""
                )
            except BadRequest as problem:
                return response.json({"error": problem.reason}, status=problem.status)
            refusal = channel_limits().admit(rest_sender_id(sender), client_address(request))
            if refusal is not None:
                return too_many(refusal)
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
        sender_id = rest_sender_id(sender)
        await pass_to_assistant(on_new_message, collector, sender_id, message, self.name())
        return collector.messages
