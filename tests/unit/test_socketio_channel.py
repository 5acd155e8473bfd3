"""The website widget's socket.io channel: origins, sessions and the shared input checks."""

from __future__ import annotations

import logging
from typing import Any
from unittest.mock import AsyncMock

import pytest
from rasa.core.channels.channel import UserMessage

from bot.channels.message_text import EMPTY_REPLY, SOMETHING_WENT_WRONG_REPLY
from bot.channels.socketio import (
    ConsultSocketIOInput,
    message_text,
    session_id_for,
    widget_sender_id,
)

KEPT = "0123456789abcdef0123456789abcdef"


class Output:
    """Stands in for Rasa's SocketIOOutput: collects what would be sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_text_message(self, recipient_id: str, text: str, **_: Any) -> None:
        self.sent.append((recipient_id, text))


def test_a_kept_session_is_continued() -> None:
    assert session_id_for({"session_id": KEPT}, persistent=True) == KEPT


@pytest.mark.parametrize(
    "request_",
    [
        None,
        {},
        {"session_id": None},
        {"session_id": "+447700900123"},  # a phone number: another channel's conversation
        {"session_id": KEPT.upper()},
        {"session_id": KEPT + "0"},
        {"session_id": ["x"]},
        "not an object",
    ],
)
def test_anything_else_gets_a_new_session(request_: Any) -> None:
    new = session_id_for(request_, persistent=True)
    assert new != KEPT and len(new) == 32 and new == new.lower()


def test_without_persistence_every_connection_is_a_new_session() -> None:
    assert session_id_for({"session_id": KEPT}, persistent=False) != KEPT


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"message": "hello", "session_id": KEPT}, "hello"),
        ({"message": 5}, None),
        ({}, None),
        ("hello", None),
        (None, None),
    ],
)
def test_message_text(data: Any, text: str | None) -> None:
    assert message_text(data) == text


async def test_a_message_reaches_the_assistant_tidied() -> None:
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    await ConsultSocketIOInput().handle(on_new_message, Output(), KEPT, " k\u200bnife crime ")
    [message] = received
    assert (message.text, message.sender_id, message.input_channel) == (
        "knife crime",
        KEPT,
        "socketio",
    )
    assert message.metadata is None  # whatever the browser sent is not stored


async def test_an_empty_message_is_answered_by_the_channel() -> None:
    on_new_message = AsyncMock()
    output = Output()
    await ConsultSocketIOInput().handle(on_new_message, output, KEPT, "\u200b  ")
    on_new_message.assert_not_called()
    assert output.sent == [(KEPT, EMPTY_REPLY)]


async def test_a_fault_is_answered_and_logged_by_its_kind_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    output = Output()
    words = "my private view about Brixton"
    on_new_message = AsyncMock(side_effect=ConnectionError(f"db down while saving {words}"))
    with caplog.at_level(logging.INFO):
        await ConsultSocketIOInput().handle(on_new_message, output, KEPT, words)
    assert output.sent == [(KEPT, SOMETHING_WENT_WRONG_REPLY)]
    assert "ConnectionError" in caplog.text
    assert words not in caplog.text and KEPT not in caplog.text


def test_only_the_configured_origins_may_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://consult.example, https://www.example")
    channel = ConsultSocketIOInput.from_credentials({"session_persistence": True})
    channel.blueprint(AsyncMock())
    assert channel.sio is not None
    assert channel.sio.eio.cors_allowed_origins == [
        "https://consult.example",
        "https://www.example",
    ]


def test_by_default_the_demo_page_may_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIDGET_ALLOWED_ORIGINS", raising=False)
    monkeypatch.setenv("WEB_PORT", "8080")
    channel = ConsultSocketIOInput.from_credentials({})
    channel.blueprint(AsyncMock())
    assert channel.sio is not None
    assert channel.sio.eio.cors_allowed_origins == [
        "http://localhost:8080",
        "http://127.0.0.1:8080",
    ]


def fake_server(channel: ConsultSocketIOInput) -> Any:
    """The channel's socket.io server with its sessions, rooms and emits kept in memory."""
    sio = channel.sio
    assert sio is not None
    sessions: dict[str, dict] = {}
    sio.save_session = AsyncMock(
        side_effect=lambda sid, s, namespace=None: sessions.update({sid: s})
    )
    sio.get_session = AsyncMock(side_effect=lambda sid, namespace=None: sessions.get(sid, {}))
    sio.enter_room = AsyncMock()
    sio.emit = AsyncMock()
    return sio


async def test_a_session_request_joins_the_session_and_messages_use_it() -> None:
    channel = ConsultSocketIOInput.from_credentials({"session_persistence": True})
    on_new_message = AsyncMock()
    channel.blueprint(on_new_message)
    sio = fake_server(channel)
    handlers = sio.handlers["/"]

    await handlers["user_uttered"]("socket-1", {"message": "hello", "session_id": KEPT})
    on_new_message.assert_not_called()  # no session asked for yet: ignored

    await handlers["session_request"]("socket-1", {"session_id": KEPT})
    # The room, and the sender id Rasa stores, is the session's keyed hash, not the session.
    sender_id = widget_sender_id(KEPT)
    assert sender_id.startswith("web:") and KEPT not in sender_id
    sio.enter_room.assert_awaited_once_with("socket-1", sender_id, namespace=None)
    sio.emit.assert_awaited_once_with("session_confirm", KEPT, room="socket-1", namespace=None)

    # The session is the one this socket asked for, whatever the message claims.
    await handlers["user_uttered"]("socket-1", {"message": "hello", "session_id": "other"})
    [call] = on_new_message.await_args_list
    assert call.args[0].sender_id == sender_id


@pytest.mark.parametrize("again", [{"session_id": "f" * 32}, {}, None, {"session_id": KEPT}])
async def test_a_socket_stays_bound_to_its_first_session(again: Any) -> None:
    channel = ConsultSocketIOInput.from_credentials({"session_persistence": True})
    on_new_message = AsyncMock()
    channel.blueprint(on_new_message)
    sio = fake_server(channel)
    handlers = sio.handlers["/"]

    await handlers["session_request"]("socket-1", {"session_id": KEPT})
    await handlers["session_request"]("socket-1", again)
    # One room only; the second request is answered with the session the socket has.
    sio.enter_room.assert_awaited_once_with("socket-1", widget_sender_id(KEPT), namespace=None)
    assert [c.args[:2] for c in sio.emit.await_args_list] == [("session_confirm", KEPT)] * 2
    await handlers["user_uttered"]("socket-1", {"message": "hello"})
    assert on_new_message.await_args.args[0].sender_id == widget_sender_id(KEPT)


def test_widget_sender_ids_are_keyed_and_namespaced() -> None:
    other = "f" * 32
    assert widget_sender_id(KEPT) == widget_sender_id(KEPT) != widget_sender_id(other)
    assert len(widget_sender_id(KEPT)) == len("web:") + 64


def test_jwt_is_refused_rather_than_ignored() -> None:
    channel = ConsultSocketIOInput.from_credentials({"jwt_key": "secret"})
    with pytest.raises(ValueError, match="jwt_key"):
        channel.blueprint(AsyncMock())
