"""The website: its settings, the demo page, security headers and error pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import content
from bot.web.app import create_app
from bot.web.settings import WebSettings, parse_origins


@pytest.mark.parametrize(
    ("raw", "origins"),
    [
        ("https://consult.example", ("https://consult.example",)),
        (
            "https://Consult.Example/, http://a.example:8080",
            ("https://consult.example", "http://a.example:8080"),
        ),
        ("https://a.example:443 http://b.example:80", ("https://a.example", "http://b.example")),
        ("https://a.example,https://a.example", ("https://a.example",)),
    ],
)
def test_origins_are_written_as_browsers_send_them(raw: str, origins: tuple[str, ...]) -> None:
    assert parse_origins(raw) == origins


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("*", "any website"),
        ("consult.example", "not an http(s) origin"),
        ("ftp://consult.example", "not an http(s) origin"),
        ("https://consult.example/chat", "has a path"),
    ],
)
def test_unusable_origins_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_origins(raw)


def test_defaults_serve_the_demo_page_on_this_machine() -> None:
    settings = WebSettings.from_env({})
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.widget_server_url == "http://localhost:5005"
    assert settings.allowed_origins == ("http://localhost:8080", "http://127.0.0.1:8080")


def test_settings_follow_the_environment() -> None:
    settings = WebSettings.from_env(
        {
            "WEB_PORT": "9000",
            "RASA_PORT": "6000",
            "WIDGET_ALLOWED_ORIGINS": "https://consult.example",
        }
    )
    assert settings.widget_server_url == "http://localhost:6000"
    assert settings.allowed_origins == ("https://consult.example",)
    assert (
        WebSettings.from_env({"WIDGET_SERVER_URL": "https://chat.example"}).widget_server_url
        == "https://chat.example"
    )


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    settings = WebSettings.from_env({"WIDGET_SERVER_URL": "https://chat.example/rasa"})
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def test_the_page_embeds_the_widget_and_lists_the_parts(client: TestClient) -> None:
    response = await client.get("/")
    assert response.status == 200
    page = await response.text()
    assert '<script src="/static/widget.js" data-server-url="https://chat.example/rasa"' in page
    assert '<html lang="en-GB">' in page
    for part in content.parts().values():
        assert part.summary.replace("'", "&#39;") in page


async def test_the_page_allows_only_its_own_files_and_the_chat_server(client: TestClient) -> None:
    response = await client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "connect-src 'self' https://chat.example wss://chat.example" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_static_files_are_served(client: TestClient) -> None:
    response = await client.get("/static/page.css")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-cache"


async def test_a_missing_page_gets_a_plain_page(client: TestClient) -> None:
    response = await client.get("/no-such-page")
    assert response.status == 404
    assert "Page not found" in await response.text()
    assert "Content-Security-Policy" in response.headers


async def test_other_refusals_carry_the_headers_too(client: TestClient) -> None:
    response = await client.post("/")
    assert response.status == 405
    assert "Content-Security-Policy" in response.headers
