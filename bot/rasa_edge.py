"""What the Rasa server refuses before any channel reads a request: oversized and compressed bodies.

Sanic's own cap on a request body is 100 MB, and a WebSocket message's 16 MB; the largest
thing a channel here reads is a 5,000-character message (a REST or Twilio body of a few
kilobytes). So the Rasa server takes at most `MAX_BODY_BYTES` (413 beyond, answered by Sanic
from the Content-Length before the body is read) and WebSocket messages of the same size.
That is well above 5,000 characters on purpose: a resident who pastes a long essay (up to
about 250,000 characters) is still told plainly that it is too long, by the channel.

No client of ours compresses what it sends (browsers, socket.io, Twilio, the tests), and a
compressed body is where decompression bombs live (docs/dependencies.md, E1): any request
with a Content-Encoding other than "identity" gets 415 before it is read.

Installed by bot.rasa_offline, like Rasa's other changes; nginx does the same in front of it
(deploy/nginx.conf).
"""

from __future__ import annotations

from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.http_checks import is_compressed

MAX_BODY_BYTES = 256 * 1024
COMPRESSED = "Send the body uncompressed: this server takes no Content-Encoding."


def refuse_compressed(request: Request) -> HTTPResponse | None:
    """415 for a request with a Content-Encoding, else None."""
    if is_compressed(request.headers.get("content-encoding")):
        return response.json({"error": COMPRESSED}, status=415)
    return None


def guard(app: Any) -> Any:
    """Cap the body and WebSocket message sizes of a Sanic app and refuse compressed bodies."""
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.WEBSOCKET_MAX_SIZE = MAX_BODY_BYTES

    @app.middleware("request")
    async def refuse_compressed_bodies(request: Request) -> HTTPResponse | None:
        return refuse_compressed(request)

    return app


def install() -> None:
    import rasa.core.run

    configure_app = rasa.core.run.configure_app

    def configure_guarded_app(*args: Any, **kwargs: Any) -> Any:
        return guard(configure_app(*args, **kwargs))

    rasa.core.run.configure_app = configure_guarded_app  # type: ignore[assignment]
