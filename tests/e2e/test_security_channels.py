"""Attacks on the channels, against the real servers (bot.stack): acting as another resident,
replaying a Twilio message, listening in on widget conversations, starting in production
with public secrets, reaching the servers from the network.

Each attack is made as an outsider would make it, over HTTP or socket.io; what it must not
have done is then read from the database.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from twilio.request_validator import RequestValidator

from bot.channels.socketio import widget_sender_id
from bot.pseudonyms import sender_key
from bot.settings import DEVELOPMENT_SECRET, PROJECT_ROOT
from bot.stack import (
    BIN,
    Stack,
    free_port,
    rasa_server_command,
    stack_environment,
    start_rasa_server,
    start_stack,
)
from tests.e2e.exported import answers_of, query
from tests.e2e.resident import REFERENCE, Resident
from tests.e2e.texter import Texter, messages_in
from tests.e2e.widget_socket import WidgetSocket

ACCOUNT_SID = "AC" + "0" * 32  # the account tests/e2e/texter.py signs as


def user_messages(stack: Stack, sender_id: str) -> list[tuple[str, str]]:
    """(text, channel) of each message of this conversation that reached the assistant."""
    sql = (
        "SELECT json_extract(data, '$.text'), json_extract(data, '$.input_channel') "
        "FROM events WHERE sender_id = :sender AND type_name = 'user' ORDER BY id"
    )
    return [(str(text), str(channel)) for text, channel in query(stack, sql, sender=sender_id)]


def finished_by_sms(stack: Stack) -> tuple[Texter, str]:
    """A resident who answered a question by SMS and finished: their receipt's code."""
    texter = Texter(stack)
    texter.say("hello")
    texter.pick("Yes")
    texter.say("victims")
    texter.pick("Agree")
    texter.say("More support for victims of burglary")
    texter.pick("Finish")
    for _ in range(4):  # the questions about you
        if REFERENCE.search(texter.text):
            break
        texter.say("skip")
    found = REFERENCE.search(texter.text)
    assert found, texter.texts
    return texter, found.group(1)


def attack_over_rest(stack: Stack, senders: list[str], code: str) -> None:
    """Ask, as each of `senders` over REST, for the receipt and for the answers to be
    deleted; the reference code `code` must never come back."""
    for sender in senders:
        attacker = Resident(stack.rest_webhook, sender=sender)
        for message in ("hello", "finish", "skip", "skip", "delete my answers", "/affirm"):
            attacker.say(message)
            assert code not in attacker.text, (sender, message)
            # Each attacker talks to a conversation of their own, in the REST namespace.
            recipients = {reply["recipient_id"] for reply in attacker.replies}
            assert recipients == {f"rest:{sender}"}, (sender, message)


# --- one resident cannot act as another (the REST channel's namespace) --------------------


def test_a_rest_client_cannot_read_or_delete_an_sms_residents_answers(
    sqlite_stack: Stack,
) -> None:
    texter, code = finished_by_sms(sqlite_stack)
    database = sqlite_stack.env["DATABASE_URL"]
    answers, said = answers_of(database, code), user_messages(sqlite_stack, texter.sender_id)
    assert answers["victims.agreement"] == "agree" and said

    # Whoever knows the number can compute these with the public development secret (the
    # test stack's): the conversation's id now, the id before namespaces, the number itself.
    assert texter.sender_id.startswith("sms:")
    senders = [
        texter.sender_id,
        texter.sender_id.removeprefix("sms:"),
        sender_key(texter.address, DEVELOPMENT_SECRET),
        texter.address,
    ]
    attack_over_rest(sqlite_stack, senders, code)

    assert answers_of(database, code) == answers
    assert user_messages(sqlite_stack, texter.sender_id) == said  # nothing added over REST


def test_rest_conversations_are_stored_in_their_own_namespace(sqlite_stack: Stack) -> None:
    name = f"integration-{secrets.token_hex(4)}"
    Resident(sqlite_stack.rest_webhook, sender=name).say("hello")
    assert user_messages(sqlite_stack, name) == []
    assert user_messages(sqlite_stack, f"rest:{name}") == [("hello", "rest")]
    # The stored id names the same conversation: an integration can carry on with it.
    Resident(sqlite_stack.rest_webhook, sender=f"rest:{name}").say("hello again")
    assert len(user_messages(sqlite_stack, f"rest:{name}")) == 2


# --- the website widget's sessions ----------------------------------------------------------


@pytest.fixture
def sockets(sqlite_stack: Stack) -> Iterator[list[WidgetSocket]]:
    """Open sockets (WidgetSocket(sqlite_stack) appended here), closed after the test."""
    opened: list[WidgetSocket] = []
    yield opened
    for widget in opened:
        widget.close()


def widget_resident(stack: Stack, sockets: list[WidgetSocket]) -> tuple[WidgetSocket, str]:
    """A resident chatting in the widget who has agreed to take part: socket, session id."""
    victim = WidgetSocket(stack)
    sockets.append(victim)
    session = victim.request_session(secrets.token_hex(16))
    assert any("happy for us to keep your answers" in text for text in victim.say("hello"))
    assert any("Which part of the plan" in text for text in victim.say("/affirm"))
    return victim, session


def test_the_database_holds_no_widget_session_id_and_its_ids_join_nothing(
    sqlite_stack: Stack, sockets: list[WidgetSocket]
) -> None:
    victim, session = widget_resident(sqlite_stack, sockets)
    stored = [row[0] for row in query(sqlite_stack, "SELECT DISTINCT sender_id FROM events")]
    assert not [sender for sender in stored if session in sender]
    sender_id = widget_sender_id(session)
    assert sender_id in stored and sender_id.startswith("web:")
    assert user_messages(sqlite_stack, sender_id)[0] == ("hello", "socketio")

    # Someone who reads the database tries to join the conversation with what it holds.
    digest = sender_id.removeprefix("web:")
    attackers = []
    for candidate in (sender_id, digest, digest[:32], digest[32:]):
        attacker = WidgetSocket(sqlite_stack)
        sockets.append(attacker)
        assert attacker.request_session(candidate) != session
        attackers.append(attacker)
    assert victim.say("knife crime")
    for attacker in attackers:
        assert attacker.replies() == []  # heard nothing of the victim's conversation


def test_one_socket_is_bound_to_one_session(
    sqlite_stack: Stack, sockets: list[WidgetSocket]
) -> None:
    victim, session = widget_resident(sqlite_stack, sockets)
    attacker = WidgetSocket(sqlite_stack)
    sockets.append(attacker)
    own = attacker.request_session(secrets.token_hex(16))
    # Knowing the victim's session id does not add their room to this socket.
    assert attacker.request_session(session) == own
    assert attacker.request_session(None) == own
    assert victim.say("knife crime")
    assert attacker.replies() == []
    # Nor do requests sent all at once, before any is answered.
    burst = WidgetSocket(sqlite_stack)
    sockets.append(burst)
    for session_id in [secrets.token_hex(16) for _ in range(5)]:
        burst.client.emit("session_request", {"session_id": session_id})
    confirmed = {burst.events.get(timeout=30)[1] for _ in range(5)}
    assert len(confirmed) == 1


def test_a_rest_client_cannot_reach_a_widget_conversation(
    sqlite_stack: Stack, sockets: list[WidgetSocket]
) -> None:
    _, session = widget_resident(sqlite_stack, sockets)
    said = user_messages(sqlite_stack, widget_sender_id(session))
    for sender in (session, widget_sender_id(session), widget_sender_id(session)[4:]):
        Resident(sqlite_stack.rest_webhook, sender=sender).say("delete my answers")
    assert user_messages(sqlite_stack, widget_sender_id(session)) == said


# --- Twilio: a replayed message with a field boundary moved ------------------------------


def shifted(form: dict[str, str], field: str, into: str) -> dict[str, str]:
    """The form with `field` run into the value of `into`, the field signed just before it:
    the signature covers name+value pairs run together, so it is still valid."""
    moved = {name: value for name, value in form.items() if name != field}
    moved[into] = form[into] + field + form[field]
    return moved


@pytest.mark.parametrize(
    ("field", "into"), [("NumMedia", "MessageSid"), ("ApiVersion", "AccountSid")]
)
def test_a_replay_with_a_shifted_field_boundary_is_refused(
    sqlite_stack: Stack, field: str, into: str
) -> None:
    texter = Texter(sqlite_stack)
    texter.say("hello")
    form = texter.form("1")  # "Yes, I'm happy"
    signature = texter.signature(form)
    assert texter.send(form)
    assert texter.send(form) == []  # the same delivery again: taken in once
    said = user_messages(sqlite_stack, texter.sender_id)

    replay = shifted(form, field, into)
    assert sorted(replay) == sorted(set(form) - {field})
    validator = RequestValidator(sqlite_stack.env["TWILIO_AUTH_TOKEN"])
    assert validator.validate(texter.webhook, replay, signature)  # the attack is real
    response = texter.post(replay, signature)
    assert response.status_code == 400
    assert f"{into} is not a Twilio" in response.json()["error"]
    assert user_messages(sqlite_stack, texter.sender_id) == said


@pytest.mark.parametrize(
    "fields",
    [
        {"MessageSid": "SM1"},
        {"MessageSid": "SM" + "A" * 32},
        {"AccountSid": "AC1"},
        {"AccountSid": "not-an-account"},
    ],
)
def test_signed_ids_not_in_twilios_format_get_400(sqlite_stack: Stack, fields: dict) -> None:
    texter = Texter(sqlite_stack)
    response = texter.post(texter.form("hello", **fields))
    assert response.status_code == 400
    assert "is not a Twilio" in response.json()["error"]
    assert user_messages(sqlite_stack, texter.sender_id) == []


# --- production: secrets, the REST token, the Twilio account -------------------------------


def strong() -> str:
    return secrets.token_urlsafe(32)


def production_settings(**overrides: str) -> dict[str, str]:
    """The settings of a production server with strong secrets, `overrides` changed."""
    settings = {
        "CONSULT_ENV": "production",
        "SENDER_ID_SECRET": strong(),
        "STAFF_SESSION_SECRET": strong(),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "REST_TOKEN": "",
    }
    settings.update(overrides)
    return settings


def start_refused(command: list[str], env: dict[str, str]) -> str:
    """Start a server that must refuse to: what it said (it must exit, and soon)."""
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode != 0, result.stdout[-2000:]
    return result.stderr


@pytest.mark.parametrize(
    ("secrets_", "named"),
    [
        # SENDER_ID_SECRET unset: the public development default.
        ({"SENDER_ID_SECRET": "", "REST_TOKEN": "short"}, ["SENDER_ID_SECRET", "REST_TOKEN"]),
        ({"SENDER_ID_SECRET": "CHANGE-ME"}, ["SENDER_ID_SECRET"]),  # the old manifest's
        (
            {"TWILIO_AUTH_TOKEN": "abc123", "REST_TOKEN": "change-me-to-a-long-random-string"},
            ["TWILIO_AUTH_TOKEN", "REST_TOKEN"],
        ),
    ],
)
def test_the_rasa_server_refuses_to_start_in_production_with_unsafe_secrets(
    model: Path, tmp_path: Path, secrets_: dict[str, str], named: list[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'consult.db'}"
    env = stack_environment(url, free_port(), **production_settings(**secrets_))
    if not env["SENDER_ID_SECRET"]:
        del env["SENDER_ID_SECRET"]
    said = start_refused(rasa_server_command(model, free_port()), env)
    assert "Traceback" not in said, said[-3000:]
    [refusal] = [line for line in said.splitlines() if "cannot start" in line]
    assert refusal.startswith("The Rasa server cannot start with CONSULT_ENV=production: ")
    for name in ("SENDER_ID_SECRET", "TWILIO_AUTH_TOKEN", "REST_TOKEN"):
        assert (name in refusal) == (name in named), refusal


def test_make_run_refuses_before_touching_anything(tmp_path: Path) -> None:
    database = tmp_path / "consult.db"
    settings = production_settings(STAFF_SESSION_SECRET="development-only-staff-session-secret")
    env = {**os.environ, **settings, "DATABASE_URL": f"sqlite:///{database}"}
    said = start_refused([sys.executable, "-m", "bot.serve"], env)
    assert "The assistant cannot start with CONSULT_ENV=production" in said
    assert "STAFF_SESSION_SECRET is a placeholder or development value" in said
    assert not database.exists()  # refused before migrating, training or starting


@pytest.fixture(scope="module")
def production_stack(
    model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Stack, str, str]]:
    """The stack with CONSULT_ENV=production, strong secrets, a REST token and a Twilio
    account: the stack, the REST token, the Twilio auth token."""
    folder = tmp_path_factory.mktemp("production")
    url = f"sqlite:///{folder / 'consult.db'}"
    rest_token, twilio_token = strong(), secrets.token_hex(16)
    settings = production_settings(
        REST_TOKEN=rest_token,
        TWILIO_AUTH_TOKEN=twilio_token,
        TWILIO_ACCOUNT_SID="AC" + "1" * 32,
        TWILIO_WEBHOOK_URL="",
    )
    upgrade = [str(BIN / "consult"), "db", "upgrade"]
    subprocess.run(upgrade, env={**os.environ, **settings, "DATABASE_URL": url}, check=True)
    with open(folder / "stack.log", "w") as log:
        stack = start_stack(model, url, log=log, **settings)
        try:
            yield stack, rest_token, twilio_token
        finally:
            stack.stop()


def test_in_production_the_rest_channel_needs_its_token(
    production_stack: tuple[Stack, str, str],
) -> None:
    stack, token, _ = production_stack
    body = {"sender": "integration", "message": "hello"}
    for headers in (
        {},
        {"Authorization": f"Bearer {strong()}"},
        {"Authorization": f"Bearer {token[:-1]}"},
        {"Authorization": token},
        {"Authorization": f"Basic {token}"},
    ):
        response = requests.post(stack.rest_webhook, json=body, headers=headers, timeout=60)
        assert response.status_code == 401, headers
        assert "Bearer" in response.json()["error"]
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert user_messages(stack, "rest:integration") == []

    headers = {"Authorization": f"Bearer {token}"}
    response = requests.post(stack.rest_webhook, json=body, headers=headers, timeout=60)
    assert response.status_code == 200
    assert "happy for us to keep your answers" in str(response.json())
    assert user_messages(stack, "rest:integration") == [("hello", "rest")]


def test_in_production_only_the_configured_twilio_account_is_taken(
    production_stack: tuple[Stack, str, str],
) -> None:
    stack, _, twilio_token = production_stack
    texter = Texter(stack)
    for account, status in ((ACCOUNT_SID, 400), ("AC" + "1" * 32, 200)):
        form = texter.form("hello", AccountSid=account)
        signature = RequestValidator(twilio_token).compute_signature(texter.webhook, form)
        response = texter.post(form, signature)
        assert response.status_code == status, response.text
        if status == 400:
            assert "this service's Twilio account" in response.json()["error"]
        else:
            assert "Mayor's Office for Policing and Crime" in "".join(messages_in(response.text))


def test_in_production_without_a_token_the_rest_channel_is_off(model: Path, tmp_path: Path) -> None:
    """Only the Rasa server: the REST channel answers before any action is called."""
    url = f"sqlite:///{tmp_path / 'consult.db'}"
    env = stack_environment(url, free_port(), **production_settings())
    port = free_port()
    with open(tmp_path / "rasa.log", "w") as log:
        server = start_rasa_server(model, port, env, log)
    try:
        webhook = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        for headers in ({}, {"Authorization": f"Bearer {strong()}"}):
            body = {"sender": "someone", "message": "hello"}
            response = requests.post(webhook, json=body, headers=headers, timeout=60)
            assert response.status_code == 404
            assert response.json() == {"error": "The REST channel is off on this server."}
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- where the servers listen -------------------------------------------------------------


def this_machines_network_address() -> str | None:
    """An address of this machine other than loopback, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 9))  # UDP: routing only, nothing is sent
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=5):
            return True
    except OSError:
        return False


def test_the_servers_listen_on_this_machine_only(sqlite_stack: Stack) -> None:
    address = this_machines_network_address()
    if address is None:
        pytest.skip("this machine has no network address but loopback")
    assert sqlite_stack.web_port is not None
    for port in (sqlite_stack.rasa_port, sqlite_stack.actions_port, sqlite_stack.web_port):
        assert reachable("127.0.0.1", port), port
        assert not reachable(address, port), port


def test_make_shell_sends_the_rest_token(
    production_stack: tuple[Stack, str, str], tmp_path: Path
) -> None:
    stack, token, _ = production_stack
    command = [sys.executable, "-m", "bot.terminal_chat", "--url", stack.rasa_url]
    command += ["--chat-id-file", str(tmp_path / "chat-id")]

    def chat(rest_token: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "REST_TOKEN": rest_token}
        return subprocess.run(
            command, input="", env=env, capture_output=True, text=True, timeout=120
        )

    with_token = chat(token)
    assert with_token.returncode == 0, with_token.stdout
    assert "happy for us to keep your answers" in with_token.stdout
    without = chat("")
    assert without.returncode == 1
    assert "Authorization: Bearer <REST_TOKEN>" in without.stdout
