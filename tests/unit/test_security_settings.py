"""Secrets in production, where the servers listen, and who may use the REST channel: the
pure parts. tests/e2e/test_security_channels.py attacks the running servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.rest import ConsultRestInput, authorised, rest_sender_id
from bot.pseudonyms import channel_sender_id
from bot.serve import listening, rest_example
from bot.settings import (
    DEVELOPMENT_SECRET,
    Settings,
    UnsafeSecrets,
    get_settings,
    refuse_unsafe_secrets,
    secret_problem,
)
from bot.stack import rasa_server_command
from bot.staff.settings import DEVELOPMENT_SESSION_SECRET

GOOD = "q3Jx9vR2mT8kW5nZ1bY7cH4dF6gL0sPe"  # 32 characters, as from secrets.token_urlsafe
GOOD_TOO = "N7pQ2wE9rT4yU1iO6aS3dF8gH5jK0lZx"


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set variables with monkeypatch; the cached settings are read again before and after."""
    for name in (
        "CONSULT_ENV",
        "SENDER_ID_SECRET",
        "TWILIO_AUTH_TOKEN",
        "REST_TOKEN",
        "ACTION_SERVER_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "is not set"),
        (DEVELOPMENT_SECRET, "placeholder or development value"),
        (DEVELOPMENT_SESSION_SECRET, "placeholder or development value"),
        ("CHANGE-ME", "placeholder or development value"),
        ("change-me-to-a-long-random-string-please", "placeholder or development value"),
        ("<paste the secret here, 32 characters or more>", "placeholder or development value"),
        (GOOD[:31], "too short (31 characters; use 32 or more)"),
        ("ab" * 20, "not random"),
        (GOOD, None),
        ("9f86d081884c7d659a2feaa0c55ad015", None),  # a Twilio auth token's shape
    ],
)
def test_what_a_production_secret_may_not_be(value: str, problem: str | None) -> None:
    found = secret_problem("SENDER_ID_SECRET", value)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith("SENDER_ID_SECRET ") and problem in found


def test_optional_secrets_are_checked_when_they_are_on() -> None:
    settings = Settings("sqlite://", GOOD, None, None)
    assert settings.unsafe_secrets() == []
    assert settings.unsafe_secrets(staff_console=True) == ["STAFF_SESSION_SECRET is not set"]
    on = Settings("sqlite://", GOOD, None, None, twilio_auth_token="abc", rest_token="CHANGE-ME")
    assert [p.split()[0] for p in on.unsafe_secrets()] == ["TWILIO_AUTH_TOKEN", "REST_TOKEN"]


def test_production_refuses_to_start_with_unsafe_secrets(environment: pytest.MonkeyPatch) -> None:
    refuse_unsafe_secrets("Rasa server")  # development: anything goes
    environment.setenv("CONSULT_ENV", "production")
    get_settings.cache_clear()
    with pytest.raises(UnsafeSecrets) as refused:
        refuse_unsafe_secrets("Rasa server")
    message = str(refused.value)
    assert "The Rasa server cannot start with CONSULT_ENV=production" in message
    assert "SENDER_ID_SECRET is a placeholder or development value" in message
    assert "secrets.token_urlsafe" in message

    environment.setenv("SENDER_ID_SECRET", GOOD)
    get_settings.cache_clear()
    refuse_unsafe_secrets("Rasa server")
    with pytest.raises(UnsafeSecrets, match="STAFF_SESSION_SECRET is not set"):
        refuse_unsafe_secrets("assistant", staff_console=True)


def test_the_rest_channel_is_off_in_production_without_a_token(
    environment: pytest.MonkeyPatch,
) -> None:
    assert ConsultRestInput.from_credentials(None).enabled  # development: open
    environment.setenv("CONSULT_ENV", "production")
    environment.setenv("SENDER_ID_SECRET", GOOD)
    environment.setenv("ACTION_SERVER_TOKEN", GOOD[::-1])
    get_settings.cache_clear()
    channel = ConsultRestInput.from_credentials(None)
    assert not channel.enabled and not channel.token
    environment.setenv("REST_TOKEN", GOOD_TOO)
    get_settings.cache_clear()
    channel = ConsultRestInput.from_credentials(None)
    assert channel.enabled and channel.token == GOOD_TOO


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (f"Bearer {GOOD}", True),
        (f"bearer {GOOD}", True),
        (f"Bearer {GOOD} ", True),
        (None, False),
        ("", False),
        (GOOD, False),
        (f"Basic {GOOD}", False),
        (f"Bearer {GOOD_TOO}", False),
        (f"Bearer {GOOD[:-1]}", False),
        ("Bearer ", False),
    ],
)
def test_the_bearer_token(header: str | None, ok: bool) -> None:
    assert authorised(GOOD, header) is ok
    assert not authorised("", header)  # no token configured: nothing is authorised by one


def test_each_channel_has_its_own_namespace_of_sender_ids() -> None:
    number = "+447700900123"
    sms = channel_sender_id("sms", number)
    assert sms.startswith("sms:") and number not in sms
    assert channel_sender_id("wa", "whatsapp:" + number).startswith("wa:")
    # A REST client that knows a resident's SMS conversation id cannot name it.
    assert rest_sender_id(sms) == "rest:" + sms != sms
    assert rest_sender_id("me") == rest_sender_id("rest:me") == "rest:me"


def test_the_rasa_server_listens_on_this_machine_unless_told_otherwise() -> None:
    command = rasa_server_command(Path("models/m.tar.gz"), 5005)
    assert command[command.index("--interface") + 1] == "127.0.0.1"
    command = rasa_server_command(Path("models/m.tar.gz"), 5005, host="0.0.0.0")
    assert command[command.index("--interface") + 1] == "0.0.0.0"


def test_make_run_says_where_it_listens() -> None:
    local = {"RASA_HOST": "127.0.0.1", "ACTIONS_HOST": "127.0.0.1", "WEB_HOST": "127.0.0.1"}
    assert listening(local).startswith("Listening on 127.0.0.1 only")
    assert "RASA_HOST=0.0.0.0" in listening({**local, "RASA_HOST": "0.0.0.0"})
    assert "Bearer $REST_TOKEN" in rest_example(5005, token=True, off=False)
    assert "Bearer" not in rest_example(5005, token=False, off=False)
    assert rest_example(5005, token=False, off=True).startswith("off")


def test_the_rasa_server_needs_a_safe_action_server_token_in_production(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("CONSULT_ENV", "production")
    environment.setenv("SENDER_ID_SECRET", GOOD)
    for token in ("", "change-me-please-to-a-long-random-string", "short"):
        environment.setenv("ACTION_SERVER_TOKEN", token)
        get_settings.cache_clear()
        with pytest.raises(UnsafeSecrets, match="ACTION_SERVER_TOKEN"):
            ConsultRestInput.from_credentials(None)
    environment.setenv("ACTION_SERVER_TOKEN", GOOD_TOO)
    get_settings.cache_clear()
    ConsultRestInput.from_credentials(None)  # starts
