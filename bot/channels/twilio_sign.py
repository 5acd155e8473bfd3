"""Sign a pretend Twilio message, to try the SMS and WhatsApp channel without Twilio.

Prints a curl command that posts the message to the Twilio webhook with a correct
X-Twilio-Signature, made with TWILIO_AUTH_TOKEN (which must be the running server's):

    .venv/bin/python -m bot.channels.twilio_sign hello           # print the command
    .venv/bin/python -m bot.channels.twilio_sign hello | sh      # and run it: TwiML comes back
    .venv/bin/python -m bot.channels.twilio_sign --from whatsapp:+447700900123 1 | sh

The signature covers the exact URL and every field, so change neither after signing. The
default phone number is one of Ofcom's numbers reserved for drama, never a real phone.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import sys

from twilio.request_validator import RequestValidator

from bot.settings import get_settings

EXAMPLE_NUMBER = "+447700900123"


def signed_request(
    auth_token: str,
    url: str,
    body: str,
    address: str,
    message_sid: str | None = None,
    account_sid: str = "",
) -> tuple[dict[str, str], str]:
    """The form Twilio would post for this message, and its X-Twilio-Signature."""
    form = {
        "MessageSid": message_sid or f"SM{secrets.token_hex(16)}",
        "AccountSid": account_sid or "AC" + "0" * 32,
        "From": address,
        "To": address.partition("+")[0] + "+447700900000",  # whatsapp: to whatsapp:
        "Body": body,
        "NumMedia": "0",
    }
    return form, RequestValidator(auth_token).compute_signature(url, form)


def curl_command(url: str, form: dict[str, str], signature: str) -> str:
    words = ["curl", "-sS", "-X", "POST", url, "-H", f"X-Twilio-Signature: {signature}"]
    for name, value in form.items():
        words += ["--data-urlencode", f"{name}={value}"]
    return shlex.join(words)


def main(argv: list[str] | None = None) -> int:
    port = os.environ.get("RASA_PORT", "5005")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("body", help="the message text")
    parser.add_argument("--from", dest="address", default=EXAMPLE_NUMBER, help="the sender")
    parser.add_argument(
        "--url",
        default=get_settings().twilio_webhook_url
        or f"http://localhost:{port}/webhooks/twilio/webhook",
        help="the webhook URL, exactly as requested (default: TWILIO_WEBHOOK_URL, or local)",
    )
    parser.add_argument(
        "--sid", help="the MessageSid: SM and 32 hex digits (default: a new random one)"
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    if not settings.twilio_auth_token:
        print("Set TWILIO_AUTH_TOKEN to the running server's value.", file=sys.stderr)
        return 1
    form, signature = signed_request(
        settings.twilio_auth_token,
        args.url,
        args.body,
        args.address,
        args.sid,
        settings.twilio_account_sid,
    )
    print(curl_command(args.url, form, signature))
    return 0


if __name__ == "__main__":
    sys.exit(main())
