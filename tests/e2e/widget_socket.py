"""A socket.io connection to the real Rasa server, opened as the website widget opens one."""

from __future__ import annotations

import queue
from typing import Any

import socketio

from bot.stack import Stack


class WidgetSocket:
    """A socket.io connection to the Rasa server, as the widget opens one (long-polling)."""

    def __init__(self, stack: Stack) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        for event in ("session_confirm", "bot_uttered"):
            self.client.on(event, lambda data, event=event: self.events.put((event, data)))
        self.client.connect(
            stack.rasa_url,
            headers={"Origin": stack.web_url},  # the demo page, an allowed origin
            transports=["polling"],
            wait_timeout=30,
        )

    def request_session(self, session_id: str | None = None) -> str:
        self.client.emit("session_request", {"session_id": session_id})
        event, data = self.events.get(timeout=30)
        assert event == "session_confirm", (event, data)
        return str(data)

    def say(self, text: str) -> list[str]:
        """Send a message; the texts of the replies (until none comes for two seconds)."""
        self.client.emit("user_uttered", {"message": text})
        return [reply.get("text", "") for reply in self.replies(first_within=60)]

    def replies(self, first_within: float = 2.0) -> list[dict]:
        """The replies that arrive: the first within `first_within` seconds, the rest
        each within two seconds of the one before."""
        got: list[dict] = []
        try:
            while True:
                event, data = self.events.get(timeout=first_within if not got else 2.0)
                assert event == "bot_uttered", (event, data)
                got.append(data)
        except queue.Empty:
            return got

    def close(self) -> None:
        # Without waiting for the long-poll under way to end (up to 25 seconds): the server
        # closes the socket on the close packet.
        self.client.eio.disconnect(abort=True)
