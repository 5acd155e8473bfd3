"""The website widget's channel: Rasa's socket.io channel with the REST channel's checks.

The widget (web/src/) opens a socket.io connection, asks for a session ("session_request",
answered by "session_confirm"), sends each message as "user_uttered" and gets each reply as
"bot_uttered". With `session_persistence: true` (credentials.yml) the conversation is keyed
by the session id, which the widget keeps in localStorage, so a page reload carries on the
same conversation.

Rasa 3.6's SocketIOInput is changed here:

- Origins. Rasa switches python-socketio's CORS handling off (`cors_allowed_origins=[]`), so
  any website could open a socket (browsers do not apply CORS to WebSockets). Here only the
  origins in WIDGET_ALLOWED_ORIGINS (bot.web.settings) may connect: python-socketio answers
  400 to any other Origin, on every transport, and sends CORS headers to the allowed ones.
- Sessions. Rasa calls python-socketio's `enter_room` without awaiting it (it became a
  coroutine in python-socketio 5), so with session persistence the socket never joins its
  session's room and no reply reaches the widget. Here it is awaited. The sender id is that
  of the session this socket asked for, kept on the server, not whatever each message
  claims; and a session id sent back by a browser must look like one we issued (32 hex
  digits).
- The session id is a secret: whoever has it can join the conversation. So Rasa never sees
  it: the sender id, and so the room and everything stored, is "web:" and its keyed hash
  (bot.pseudonyms.channel_sender_id), and someone who reads the database cannot join an
  open conversation. No widget can name another channel's conversation either.
- One socket, one session. Rasa lets a socket send "session_request" again and again,
  joining one room more each time, so one connection could listen to any number of
  conversations. Here a socket is bound to the first session it asks for: asking again for
  that session is answered again; asking for any other is refused, by confirming the
  session the socket already has (the widget opens a new socket for a new session).
- Messages. Each message is tidied and checked like the REST channel's
  (bot.channels.message_text): empty and over-long messages get the channel's own reply.
  Metadata sent by the browser is ignored, as on the REST channel.
- Limits. A socket that sends too fast, from an address that does, or past the
  conversation's messages for the day gets a plain reply instead (bot.channels.limits).
- Faults. If handling a message fails, the resident is told "sorry, send it again" and the
  log names the kind of fault only, never the message or the session id.

JWT authentication (`jwt_key` in credentials.yml) is not carried over: the widget is public.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.limits import channel_limits
from bot.channels.message_text import pass_to_assistant
from bot.pseudonyms import WIDGET, channel_sender_id
from bot.rasa_edge import MAX_BODY_BYTES
from bot.settings import refuse_unsafe_secrets
from bot.web.settings import WebSettings

logger = logging.getLogger(__name__)

# What uuid4().hex gives: the only session ids this channel issues.
SESSION_ID = re.compile(r"[0-9a-f]{32}")


def session_id_for(request: Any, persistent: bool) -> str:
    """The session a "session_request" continues: the one the browser kept, if it is one we
    could have issued (and sessions persist), else a new one."""
    if persistent and isinstance(request, dict):
        kept = request.get("session_id")
        if isinstance(kept, str) and SESSION_ID.fullmatch(kept):
            return kept
    return uuid.uuid4().hex


def widget_sender_id(session_id: str) -> str:
    """The Rasa sender id of a widget session: "web:" and the session id's keyed hash."""
    return channel_sender_id(WIDGET, session_id)


def message_text(data: Any) -> str | None:
    """The text of a "user_uttered" event, or None if it has none."""
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"]
    return None


class ConsultSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel for the website widget (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SocketIOInput:
        refuse_unsafe_secrets("Rasa server", action_server=True)
        channel = super().from_credentials(credentials)
        assert isinstance(channel, SocketIOInput)
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if self.jwt_key:
            raise ValueError("The website widget's channel does not support jwt_key.")
        namespace = self.namespace
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=list(WebSettings.from_env().allowed_origins),
            # The Rasa server's cap on any request (bot.rasa_edge), not python-engineio's 1 MB.
            max_http_buffer_size=MAX_BODY_BYTES,
        )
        # Rasa's output channel for events from outside a conversation (get_output_channel).
        self.sio = sio
        webhook = SocketBlueprint(sio, self.socketio_path, "consult_socketio_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: Any = None) -> None:
            # The address the socket came from, for the per-address limit (bot.channels.limits).
            request = environ.get("sanic.request")
            address = str(request.remote_addr or request.ip or "") if request else ""
            await sio.save_session(sid, {"address": address}, namespace=namespace)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any) -> None:
            # python-socketio keeps sessions in memory: nothing between reading this socket's
            # session and saving it waits, so requests sent at once cannot both bind one.
            bound = await sio.get_session(sid, namespace=namespace)
            if "session_id" in bound:  # one socket, one session (see the module docstring)
                session_id = bound["session_id"]
            else:
                session_id = session_id_for(data, self.session_persistence)
                sender_id = widget_sender_id(session_id)
                # The session id stays in this server's memory; only its hash goes further.
                bound.update(session_id=session_id, sender_id=sender_id)
                await sio.save_session(sid, bound, namespace=namespace)
                # Replies go to the conversation's room, so every tab of it gets them.
                await sio.enter_room(sid, sender_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def user_message(sid: str, data: Any) -> None:
            session = await sio.get_session(sid, namespace=namespace)
            sender_id, text = session.get("sender_id"), message_text(data)
            if sender_id is None or text is None:
                logger.warning("Ignored a socket.io message without a session or text.")
                return
            output = SocketIOOutput(sio, self.bot_message_evt)
            refusal = channel_limits().admit(sender_id, session.get("address"))
            if refusal is not None:
                await output.send_text_message(sender_id, refusal.reply)
                return
            await self.handle(on_new_message, output, sender_id, text)

        return webhook

    async def handle(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        output: SocketIOOutput,
        sender_id: str,
        message: str,
    ) -> None:
        """Pass one message to the assistant, or answer it here if it cannot be read."""
        await pass_to_assistant(on_new_message, output, sender_id, message, self.name())
