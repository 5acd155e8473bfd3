"""`make run`: migrate the database, train if needed, start the servers, wait for Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from bot.settings import get_settings
from bot.stack import BIN, start_stack
from bot.training import ensure_model

HOW_TO_TALK = """
The assistant is running.

  Chat on the website:     http://localhost:{web_port}/
  Chat in this terminal:   make shell      (in another terminal)
  Talk over HTTP:          curl -s -XPOST http://localhost:{rasa_port}/webhooks/rest/webhook \\
                             -H 'Content-Type: application/json' \\
                             -d '{{"sender": "me", "message": "hello"}}'
  Export the answers:      .venv/bin/consult export --format csv
  Staff console:           http://localhost:{web_port}/staff
                           (account: .venv/bin/consult staff add-user NAME --role admin)

Press Ctrl-C to stop.
"""


def main() -> int:
    settings = get_settings()
    subprocess.run([str(BIN / "consult"), "db", "upgrade"], check=True)
    model = ensure_model()
    stack = start_stack(
        model,
        settings.database_url,
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        actions_port=int(os.environ.get("ACTIONS_PORT", "5055")),
        web_port=int(os.environ.get("WEB_PORT", "8080")),
    )
    print(HOW_TO_TALK.format(rasa_port=stack.rasa_port, web_port=stack.web_port), flush=True)
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
