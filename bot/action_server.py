"""The action server: rasa-sdk's, with the checks a server on a network needs.

    python -m bot.action_server --port 5055

rasa-sdk's server answers 500 to a request body that is JSON but not an action call (a
list, say, or an object without `next_action`), and to a body marked deflate that is not;
and it allows cross-origin requests from any web page. This entry point builds the same
server from `rasa_sdk.endpoint.create_app`, refuses anything that is not an action call
with a 4xx answer before rasa-sdk sees it, allows no cross-origin requests (only the Rasa
server calls it), and listens on 127.0.0.1 unless ACTIONS_HOST says otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import zlib
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

DEFAULT_PORT = 5055


def problem_with_action_call(content_encoding: str | None, body: bytes) -> tuple[int, str] | None:
    """Why a /webhook request body is not an action call (status, reason), or None if it is."""
    if content_encoding == "deflate":
        try:
            body = zlib.decompress(body)
        except zlib.error:
            return 400, "The body is marked deflate but is not."
    try:
        call = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return 400, "The body is not valid JSON."
    if not isinstance(call, dict):
        return 400, "The body must be a JSON object."
    if not isinstance(call.get("next_action"), str):
        return 400, '"next_action" must be the name of an action.'
    if not isinstance(call.get("tracker"), dict):
        return 400, '"tracker" must be an object.'
    from rasa_sdk import Tracker

    try:
        Tracker.from_dict(call["tracker"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return 400, '"tracker" is not a conversation tracker.'
    if not isinstance(call.get("domain", {}), dict):
        return 400, '"domain" must be an object.'
    return None


def create_app() -> Any:
    from rasa_sdk.endpoint import create_app as create_sdk_app

    app = create_sdk_app("actions", cors_origins=None)

    @app.middleware("request")
    async def refuse_what_is_not_an_action_call(request: Request) -> HTTPResponse | None:
        if request.path != "/webhook" or request.method != "POST":
            return None
        problem = problem_with_action_call(
            request.headers.get("content-encoding"), request.body or b""
        )
        if problem is None:
            return None
        status, reason = problem
        return response.json({"error": reason}, status=status)

    return app


def main() -> None:
    from rasa_sdk import utils

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args()
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    host = os.environ.get("ACTIONS_HOST", "127.0.0.1")
    create_app().run(host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
