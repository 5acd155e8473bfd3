"""`make run`: migrate the database, train if needed, start the servers, wait for Ctrl-C."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys

from bot.settings import get_settings, refuse_unsafe_secrets
from bot.stack import BIN, LOOPBACK, start_stack
from bot.training import ensure_model

HOW_TO_TALK = """
The assistant is running.

  Chat on the website:     http://localhost:{web_port}/
  Chat in this terminal:   make shell      (in another terminal)
  Talk over HTTP:          {rest}
  Export the answers:      .venv/bin/consult export --format csv
  Staff console:           http://localhost:{web_port}/staff
                           (account: .venv/bin/consult staff add-user NAME --role admin)

{listening}

Press Ctrl-C to stop.
"""
INDENT = "\n" + " " * 29


def rest_example(rasa_port: int, token: bool, off: bool) -> str:
    """How to talk over the REST channel (bot.channels.rest), or that it is off."""
    if off:
        return "off (CONSULT_ENV=production and no REST_TOKEN)"
    lines = [
        f"curl -s -XPOST http://localhost:{rasa_port}/webhooks/rest/webhook \\",
        "  -H 'Content-Type: application/json' \\",
        *(['  -H "Authorization: Bearer $REST_TOKEN" \\'] if token else []),
        """  -d '{"sender": "me", "message": "hello"}'""",
    ]
    return INDENT.join(lines)


def listening(hosts: dict[str, str]) -> str:
    """Where the servers listen, in words: this machine only, unless configured otherwise."""
    if all(host in {LOOPBACK, "localhost"} for host in hosts.values()):
        return (
            f"Listening on {LOOPBACK} only: nothing else on the network can reach it.\n"
            "In a container, set RASA_HOST=0.0.0.0 (and WEB_HOST=0.0.0.0 for the website)."
        )
    shown = ", ".join(f"{name}={host}" for name, host in hosts.items())
    return f"Listening beyond this machine ({shown}): whoever can reach it can use it."


def main() -> int:
    # The Rasa server and the action server share a token; unless one is configured, each
    # start makes its own (bot.stack), so no default exists to be known.
    if not os.environ.get("ACTION_SERVER_TOKEN", "").strip():
        os.environ["ACTION_SERVER_TOKEN"] = secrets.token_urlsafe(32)
    # Before anything else: a production start with public secrets must not get far.
    refuse_unsafe_secrets("assistant", staff_console=True, action_server=True)
    settings = get_settings()
    hosts = {
        name: os.environ.get(name) or LOOPBACK for name in ("RASA_HOST", "ACTIONS_HOST", "WEB_HOST")
    }
    subprocess.run([str(BIN / "consult"), "db", "upgrade"], check=True)
    model = ensure_model()
    stack = start_stack(
        model,
        settings.database_url,
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        actions_port=int(os.environ.get("ACTIONS_PORT", "5055")),
        web_port=int(os.environ.get("WEB_PORT", "8080")),
    )
    print(
        HOW_TO_TALK.format(
            rasa_port=stack.rasa_port,
            web_port=stack.web_port,
            rest=rest_example(
                stack.rasa_port,
                token=bool(settings.rest_token),
                off=settings.is_production and not settings.rest_token,
            ),
            listening=listening(hosts),
        ),
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while all(process.poll() is None for process in stack.processes):
            signal.pause()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        print("Stopping...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
