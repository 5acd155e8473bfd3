"""`make shell`: chat with the running assistant in a terminal, over its REST channel
(sending REST_TOKEN when it is set).

Buttons are shown as numbered options; typing the number picks one. The chat id is kept in
var/terminal-chat-id, so coming back later carries on the same conversation.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import urllib.error
import urllib.request
from pathlib import Path

from bot.settings import PROJECT_ROOT, get_settings

CHAT_ID_FILE = PROJECT_ROOT / "var" / "terminal-chat-id"


def chat_id(path: Path = CHAT_ID_FILE) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    new_id = f"terminal-{secrets.token_hex(8)}"
    path.write_text(new_id)
    return new_id


def headers(rest_token: str) -> dict[str, str]:
    """The REST channel's headers: its bearer token when REST_TOKEN is set (bot.channels.rest)."""
    sent = {"Content-Type": "application/json"}
    if rest_token:
        sent["Authorization"] = f"Bearer {rest_token}"
    return sent


def send(url: str, sender: str, message: str) -> list[dict]:
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers=headers(get_settings().rest_token),
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def refusal_reason(refused: urllib.error.HTTPError) -> str:
    """The reason the REST channel gave for refusing a message (its JSON "error")."""
    try:
        return str(json.load(refused)["error"])
    except (ValueError, KeyError, TypeError):
        return f"The assistant refused the message (HTTP {refused.code})."


def show(replies: list[dict]) -> list[dict]:
    """Print the assistant's replies; return the buttons offered last."""
    buttons: list[dict] = []
    for reply in replies:
        if reply.get("text"):
            print(f"Assistant: {reply['text']}")
        if reply.get("buttons"):
            buttons = reply["buttons"]
            for number, button in enumerate(buttons, start=1):
                print(f"    {number}. {button['title']}")
    return buttons


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--chat-id-file", type=Path, default=CHAT_ID_FILE)
    args = parser.parse_args()
    sender = chat_id(args.chat_id_file)
    print("Type your message and press Enter. Type a number to pick an option. Ctrl-D to leave.")
    buttons: list[dict] = []
    message = "hello"
    print(f"You: {message}")
    while True:
        try:
            buttons = show(send(args.url, sender, message)) or buttons
        except urllib.error.HTTPError as refused:  # 401 without the token, 429 too fast
            print(f"Assistant: {refusal_reason(refused)}")
            if refused.code == 401:
                return 1
        except urllib.error.URLError:
            print(f"Can't reach the assistant at {args.url}. Is `make run` running?")
            return 1
        try:
            typed = input("You: ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if typed.isdigit() and 1 <= int(typed) <= len(buttons):
            message = buttons[int(typed) - 1]["payload"]
        else:
            message = typed


if __name__ == "__main__":
    sys.exit(main())
