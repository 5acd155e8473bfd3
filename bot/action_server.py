"""The action server: rasa-sdk's, with the checks a server on a network needs.

    python -m bot.action_server --port 5055

rasa-sdk's server answers 500 to a request body that is JSON but not an action call (a
list, say, or an object without `next_action`); inflates a body marked deflate with no
bound (a few kilobytes can become gigabytes); takes bodies up to Sanic's 100 MB; takes calls
from anyone who can reach it; and allows cross-origin requests from any web page. This
entry point builds the same server from `rasa_sdk.endpoint.create_app` and, before rasa-sdk
sees a request:

- refuses calls to /webhook and /actions without `Authorization: Bearer
  <ACTION_SERVER_TOKEN>` (401), the token the Rasa server sends (endpoints.yml), so no other
  process on the machine or network can run actions (with CONSULT_ENV=production it will
  not start without a safe token; in development, without one it takes any call);
- refuses any Content-Encoding (415): Rasa 3.6 never compresses its calls;
- caps a body at `MAX_BODY_BYTES` (413): the whole conversation goes with each call;
- refuses anything that is not an action call with a 4xx answer;
- allows no cross-origin requests (only the Rasa server calls it), and listens on
  127.0.0.1 unless ACTIONS_HOST says otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.http_checks import authorised, is_compressed
from bot.settings import get_settings, refuse_unsafe_secrets

logger = logging.getLogger(__name__)

DEFAULT_PORT = 5055
# A call carries the conversation since its session started (Rasa sends the whole tracker):
# a long conversation is a few megabytes, far from Sanic's default of 100 MB.
MAX_BODY_BYTES = 16 * 1024 * 1024
# Routes that run or list actions; /health stays open for the orchestrator's probes.
GUARDED_PATHS = ("/webhook", "/actions")


def problem_with_request(
    token: str,
    authorization: str | None,
    content_encoding: str | None,
    content_length: str | None = None,
) -> tuple[int, str] | None:
    """Why a call to a guarded route is refused before its body is used (status, reason)."""
    if token and not authorised(token, authorization):
        return 401, "Send the action server's token: Authorization: Bearer <ACTION_SERVER_TOKEN>."
    # Sanic refuses such a body too, but then runs this middleware on the error's way out,
    # where the body it never read would look like bad JSON: say what is really wrong.
    if content_length and content_length.isdigit() and int(content_length) > MAX_BODY_BYTES:
        return 413, f"The body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB."
    if is_compressed(content_encoding):
        return 415, "Send the body uncompressed: this server takes no Content-Encoding."
    return None


def problem_with_action_call(body: bytes) -> tuple[int, str] | None:
    """Why a /webhook request body is not an action call (status, reason), or None if it is."""
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


def create_app(token: str | None = None) -> Any:
    """The action server; it takes calls only with `token` (default: ACTION_SERVER_TOKEN)."""
    from rasa_sdk.endpoint import create_app as create_sdk_app

    token = get_settings().action_server_token if token is None else token
    if not token:
        logger.warning("ACTION_SERVER_TOKEN is not set: the action server takes any call.")
    app = create_sdk_app("actions", cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES

    @app.middleware("request")
    async def refuse_what_is_not_an_action_call(request: Request) -> HTTPResponse | None:
        if request.path not in GUARDED_PATHS:
            return None
        headers = request.headers
        problem = problem_with_request(
            token,
            headers.get("authorization"),
            headers.get("content-encoding"),
            headers.get("content-length"),
        )
        if problem is None and request.path == "/webhook" and request.method == "POST":
            problem = problem_with_action_call(request.body or b"")
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
    refuse_unsafe_secrets("action server", action_server=True)
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    host = os.environ.get("ACTIONS_HOST", "127.0.0.1")
    create_app().run(host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
