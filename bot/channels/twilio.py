"""SMS and WhatsApp through Twilio: POST /webhooks/twilio/webhook, answered with TwiML.

One webhook serves a Twilio phone number and a WhatsApp sender alike: WhatsApp messages come
from `whatsapp:+44...` addresses. Twilio posts each message as a signed form, and the
assistant's replies go back in the response body as TwiML (bot.channels.twiml), so replying
needs no outbound API call and no credentials beyond the auth token.

What happens to a request, in order:

1. Unless its X-Twilio-Signature is right for the webhook's public URL and the form, signed
   with TWILIO_AUTH_TOKEN, it gets 403: only Twilio and we hold the token, so nobody else
   can talk to the assistant as someone's phone. Without a token, every request gets 403.
2. Without From, Body, MessageSid or AccountSid it gets 400 and a reason; so does a
   MessageSid or AccountSid not in Twilio's format (SM or MM, or AC, then 32 hex digits), or
   another account than TWILIO_ACCOUNT_SID when that is set. The format matters because the
   signature covers the fields run together (name, value, name, value...): moving the
   boundary between two fields ("MessageSid=SM...", "NumMedia=0" posted as one
   "MessageSid=SM...NumMedia0") keeps the signature valid but makes a new MessageSid, which
   would replay a resident's message past the duplicate check.
3. A MessageSid taken in before gets an empty reply: Twilio may deliver a webhook twice.
4. STOP and the like opt out, START opts back in (bot.channels.opt_out). While opted out,
   messages get no reply and never reach the assistant.
5. A phone that texts faster than anyone types, or past its day's messages, is told so
   and the message goes no further (bot.channels.limits).
6. A message with only a picture (or other media), an empty one or a too-long one is answered
   by the channel itself (bot.channels.message_text). Words sent with a picture are read.
7. Anything else goes to the assistant; a reply of just a number picks that option
   (bot.channels.numbered_options). If handling fails, the resident is asked to send it again.

Phone numbers are never stored or logged: the sender id Rasa gets, and so everything it and
the actions store, is "sms:" or "wa:" and the keyed hash of the From address
(bot.pseudonyms.channel_sender_id, with SENDER_ID_SECRET). SMS and WhatsApp from one phone
are separate conversations, each recorded with its channel, "sms" or "whatsapp".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.channels import numbered_options, opt_out
from bot.channels.limits import channel_limits
from bot.channels.message_text import SOMETHING_WENT_WRONG_REPLY, clean, reply_instead
from bot.channels.rest import BadRequest
from bot.channels.twiml import twiml
from bot.db import text_messages
from bot.pseudonyms import SMS, WHATSAPP, channel_sender_id
from bot.settings import get_settings, refuse_unsafe_secrets

logger = logging.getLogger(__name__)

MEDIA_ONLY_REPLY = (
    "Sorry, I can only read text, so I couldn't see what you sent. "
    "Please type your answer in words."
)
NOT_SIGNED = "The request is not signed by Twilio (X-Twilio-Signature)."
# Twilio's forms are a few kilobytes (a body of at most 1,600 characters, some media links).
# A bigger body is not Twilio's, so it is not even parsed: its signature check fails.
MAX_FORM_BYTES = 64 * 1024
# Twilio's ids: a message (SM, or MM with media) and an account, each with 32 hex digits.
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")
ACCOUNT_SID = re.compile(r"AC[0-9a-f]{32}")


@dataclass(frozen=True)
class TextMessage:
    """One incoming text message. `address` is a phone number: never log or store it."""

    address: str  # "+447700900123", or "whatsapp:+447700900123"
    body: str
    message_sid: str
    media_count: int

    @property
    def channel(self) -> str:
        return "whatsapp" if self.address.lower().startswith("whatsapp:") else "sms"

    @property
    def sender_id(self) -> str:
        """The conversation's Rasa sender id: "sms:" or "wa:" and the keyed hash of the
        address."""
        namespace = WHATSAPP if self.channel == "whatsapp" else SMS
        return channel_sender_id(namespace, self.address)


def read_form(content_type: str, body: bytes) -> RequestParameters:
    """The posted form's fields (none if it is not a form Twilio could have sent). Blank values
    are kept, because Twilio signs them too (an empty Body beside a picture); Sanic's
    request.form would drop them."""
    is_form = content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"
    if not is_form or len(body) > MAX_FORM_BYTES:
        return RequestParameters()
    try:
        return RequestParameters(parse_qs(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:  # Twilio sends UTF-8; this request is not Twilio's
        return RequestParameters()


def signed_by_twilio(
    auth_token: str, url: str, form: RequestParameters, signature: str | None
) -> bool:
    """Whether Twilio signed this URL and form (RequestValidator compares in constant time)."""
    if not auth_token or not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, form, signature))


def read_message(form: RequestParameters, account_sid: str = "") -> TextMessage:
    """The message in a signed form, or BadRequest saying which field is missing or wrong.
    With `account_sid`, only that account's messages are taken."""
    fields = {name: form.get(name) for name in ("From", "Body", "MessageSid", "AccountSid")}
    missing = [name for name, value in fields.items() if value is None]
    if missing:
        raise BadRequest(f"Missing field(s): {', '.join(missing)}.")
    address, body, message_sid, account = (str(value) for value in fields.values())
    if not address.strip():
        raise BadRequest("From must not be empty.")
    if not MESSAGE_SID.fullmatch(message_sid):
        raise BadRequest("MessageSid is not a Twilio message id (SM or MM and 32 hex digits).")
    if not ACCOUNT_SID.fullmatch(account):
        raise BadRequest("AccountSid is not a Twilio account id (AC and 32 hex digits).")
    if account_sid and account != account_sid:
        raise BadRequest("AccountSid is not this service's Twilio account.")
    try:
        media_count = int(form.get("NumMedia") or "0")
    except ValueError:
        raise BadRequest("NumMedia must be a whole number.") from None
    return TextMessage(address.strip(), body, message_sid, media_count)


class TextMessageCollector(CollectingOutputChannel):
    """Collects the replies to one text message. Named "twilio" so that Rasa picks the
    responses' `channel: twilio` variations ("reply with a number" instead of "use the
    buttons"); Rasa chooses variations by the output channel's name."""

    @classmethod
    def name(cls) -> str:
        return "twilio"


class ConsultTwilioInput(InputChannel):
    """SMS and WhatsApp through Twilio (see module docstring); registered in credentials.yml.

    The auth token, account and public URL come from the environment (bot.settings), not from
    credentials.yml, so that the server still starts, refusing Twilio's requests, without them.
    """

    def __init__(self, auth_token: str, webhook_url: str = "", account_sid: str = "") -> None:
        if account_sid and not ACCOUNT_SID.fullmatch(account_sid):
            raise ValueError("TWILIO_ACCOUNT_SID is not a Twilio account id (AC, 32 hex digits).")
        self.auth_token = auth_token
        self.webhook_url = webhook_url
        self.account_sid = account_sid
        if not auth_token:
            logger.warning(
                "TWILIO_AUTH_TOKEN is not set: the Twilio channel refuses every request (403)."
            )

    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        refuse_unsafe_secrets("Rasa server", action_server=True)
        settings = get_settings()
        try:
            return cls(
                settings.twilio_auth_token,
                settings.twilio_webhook_url,
                settings.twilio_account_sid,
            )
        except ValueError as error:
            raise SystemExit(f"The Rasa server cannot start: {error}") from None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("consult_twilio_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            form = read_form(request.headers.get("content-type", ""), request.body or b"")
            # Behind a proxy, the URL Twilio signed is not the one the request arrives at.
            url = self.webhook_url or request.url
            signature = request.headers.get("x-twilio-signature")
            if not signed_by_twilio(self.auth_token, url, form, signature):
                return response.json({"error": NOT_SIGNED}, status=403)
            try:
                message = read_message(form, self.account_sid)
            except BadRequest as problem:
                return response.json({"error": problem.reason}, status=problem.status)
            try:
                texts = await self.answer(on_new_message, message)
            except Exception as error:  # any fault: the resident must hear something honest
                logger.error("Could not handle a text message: %s", type(error).__name__)
                texts = [SOMETHING_WENT_WRONG_REPLY]
            return response.text(twiml(texts), content_type="text/xml; charset=utf-8")

        return webhook

    async def answer(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: TextMessage
    ) -> list[str]:
        """The texts to send back for one message (none: send nothing)."""
        sender_id = message.sender_id
        text = clean(message.body)
        keyword = opt_out.keyword(text)
        # Each statement commits at once, so the message is taken in before the assistant
        # sees it (see text_messages.take_in and text_messages.sessions).
        async with text_messages.sessions()() as session:
            if not await text_messages.take_in(session, message.message_sid):
                return []
            if keyword == "stop":
                await text_messages.opt_out(session, sender_id)
                return []
            if keyword == "start":
                await text_messages.opt_in(session, sender_id)
                return [opt_out.OPTED_IN_REPLY]
            if await text_messages.is_opted_out(session, sender_id):
                return []
            offered = await text_messages.offered_payloads(session, sender_id)
        # After STOP and START: opting out always works, however fast someone texts. Only
        # per phone: every SMS and WhatsApp message arrives from Twilio's addresses.
        refusal = channel_limits().admit(sender_id)
        if refusal is not None:
            return [refusal.reply]
        if message.media_count and not text:
            return [MEDIA_ONLY_REPLY]
        instead = reply_instead(text)
        if instead is not None:
            return [instead]
        said = numbered_options.picked(text, offered) or text
        collector = TextMessageCollector()
        await on_new_message(UserMessage(said, collector, sender_id, input_channel=message.channel))
        texts, payloads = numbered_options.as_text(collector.messages)
        async with text_messages.sessions()() as session:
            await text_messages.remember_payloads(session, sender_id, payloads)
        return texts
