"""Staff console: signing in and out, sessions, CSRF, throttling, roles, headers."""

from __future__ import annotations

import time

import pytest
from aiohttp.test_utils import TestClient

from bot.staff.settings import DEVELOPMENT_SESSION_SECRET, StaffSettings, UnsafeConfiguration
from tests.staff_fixtures import PASSWORD, add_staff_user, csrf_from, sign_in


async def test_sign_in_page_and_redirect(staff_client: TestClient) -> None:
    response = await staff_client.get("/staff/conversations", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/staff/sign-in"
    response = await staff_client.get("/staff/sign-in")
    assert response.status == 200
    assert "<h1>Sign in</h1>" in await response.text()


async def test_reviewer_signs_in_and_out(staff_client: TestClient) -> None:
    await add_staff_user("rita", "reviewer")
    page = await sign_in(staff_client, "rita")
    assert "<h1>Conversations</h1>" in page
    assert "Audit log" not in page  # admins only
    response = await staff_client.post("/staff/sign-out", data={"csrf_token": csrf_from(page)})
    assert "You have signed out" in await response.text()
    response = await staff_client.get("/staff/conversations", allow_redirects=False)
    assert response.status == 302


def staff_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, example path) for every route under /staff, from the app's router."""
    found = []
    for route in client.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter", "")
        if not path.startswith("/staff") or route.method == "HEAD":
            continue
        found.append((route.method, path.replace("{key}", "a" * 64).replace("{flag}", "1")))
    return found


async def test_every_staff_url_is_refused_without_a_session(staff_client: TestClient) -> None:
    routes = staff_routes(staff_client)
    assert len(routes) >= 12
    for method, path in routes:
        response = await staff_client.request(method, path, allow_redirects=False)
        if path == "/staff/sign-in":
            # The sign-in form itself: shown, and a POST without a token is refused.
            assert response.status == (200 if method == "GET" else 403), path
        elif method == "GET":
            assert response.status == 302, path
            assert response.headers["Location"] == "/staff/sign-in", path
        else:
            assert response.status == 403, (method, path)
        assert response.headers["Cache-Control"] == "no-store"


def test_every_staff_view_says_who_may_use_it(staff_client: TestClient) -> None:
    from bot.staff.auth import ACCESS

    for route in staff_client.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter", "")
        if path.startswith("/staff") and route.method != "HEAD":
            assert getattr(route.handler, ACCESS, None) in {"public", "reviewer", "admin"}, path


async def test_cookie_flags(staff_client: TestClient) -> None:
    response = await staff_client.get("/staff/sign-in")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("consult_staff=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
    assert "Secure" not in cookie  # plain http in development
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    # The public website sets no staff cookie.
    assert "Set-Cookie" not in (await staff_client.get("/")).headers


async def test_secure_cookies_when_configured(migrated_url: str) -> None:
    from aiohttp.test_utils import TestServer

    from bot.db.engine import dispose_engine
    from bot.web.app import create_app
    from bot.web.settings import WebSettings

    settings = StaffSettings(session_secret="x" * 32, secure_cookies=True)
    async with TestClient(TestServer(create_app(WebSettings.from_env({}), settings))) as client:
        cookie = (await client.get("/staff/sign-in")).headers["Set-Cookie"]
    await dispose_engine()
    assert "Secure" in cookie


async def test_forged_and_missing_csrf_tokens_are_refused(staff_client: TestClient) -> None:
    await add_staff_user("rita", "reviewer")
    await staff_client.get("/staff/sign-in")
    for data in (
        {"name": "rita", "password": PASSWORD},
        {"name": "rita", "password": PASSWORD, "csrf_token": "forged"},
    ):
        response = await staff_client.post("/staff/sign-in", data=data, allow_redirects=False)
        assert response.status == 403
    page = await sign_in(staff_client, "rita")
    for token in ("", "forged", csrf_from(page)[:-1]):
        response = await staff_client.post("/staff/sign-out", data={"csrf_token": token})
        assert response.status == 403
    # Still signed in.
    assert (await staff_client.get("/staff/conversations", allow_redirects=False)).status == 200


async def test_wrong_passwords_slow_down_that_name_from_that_address(
    staff_client: TestClient,
) -> None:
    """More in test_staff_throttling.py (other addresses, forged headers, an office)."""
    await add_staff_user("rita", "reviewer")
    page = await (await staff_client.get("/staff/sign-in")).text()
    token = csrf_from(page)
    for _ in range(5):
        response = await staff_client.post(
            "/staff/sign-in", data={"name": "rita", "password": "wrong", "csrf_token": token}
        )
        assert response.status == 401
        assert "The user name or password is not right" in await response.text()
    # The right password now waits too: the failures are stored in the database.
    response = await staff_client.post(
        "/staff/sign-in", data={"name": "rita", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status == 429
    assert response.headers["Retry-After"] in {"14", "15"}
    assert "too many failed attempts to sign in from here" in await response.text()
    # Someone else at the same address (an office shares one) is not held up.
    await add_staff_user("sam", "reviewer")
    await sign_in(staff_client, "sam")


async def test_failures_expire_after_the_window(staff_client: TestClient) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from bot.db.engine import get_sessionmaker
    from bot.db.models import SignInFailure, utcnow

    await add_staff_user("rita", "reviewer")
    token = csrf_from(await (await staff_client.get("/staff/sign-in")).text())
    for _ in range(5):
        await staff_client.post(
            "/staff/sign-in", data={"name": "rita", "password": "x", "csrf_token": token}
        )
    async with get_sessionmaker()() as db, db.begin():
        await db.execute(update(SignInFailure).values(failed_at=utcnow() - timedelta(minutes=16)))
    await sign_in(staff_client, "rita")


async def test_idle_sessions_end(reviewer: TestClient, monkeypatch) -> None:
    later = time.time() + 31 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = await reviewer.get("/staff/conversations", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/staff/sign-in?idle=1"
    page = await (await reviewer.get(response.headers["Location"])).text()
    assert "signed out because you did nothing for 30 minutes" in page


async def test_a_copied_cookie_stops_working_after_sign_out(reviewer: TestClient) -> None:
    page = await (await reviewer.get("/staff/conversations")).text()
    cookie = reviewer.session.cookie_jar.filter_cookies(reviewer.make_url("/staff/"))[
        "consult_staff"
    ]
    await reviewer.post("/staff/sign-out", data={"csrf_token": csrf_from(page)})
    response = await reviewer.get(
        "/staff/conversations",
        allow_redirects=False,
        headers={"Cookie": f"consult_staff={cookie.value}"},
    )
    assert response.status == 302


async def test_a_tampered_cookie_is_ignored(staff_client: TestClient) -> None:
    response = await staff_client.get(
        "/staff/conversations", allow_redirects=False, headers={"Cookie": "consult_staff=garbage"}
    )
    assert response.status == 302


async def test_unknown_staff_pages(reviewer: TestClient, staff_client: TestClient) -> None:
    assert (await reviewer.get("/staff/no-such-page")).status == 404
    assert (await reviewer.get("/staff/conversations/" + "0" * 64)).status == 404


def test_the_development_secret_is_refused_where_others_can_reach_the_console() -> None:
    assert StaffSettings.from_env({}).session_secret == DEVELOPMENT_SESSION_SECRET
    for environ in (
        {"CONSULT_ENV": "production"},
        {"WEB_HOST": "0.0.0.0"},
        {"WEB_HOST": "0.0.0.0", "STAFF_SESSION_SECRET": DEVELOPMENT_SESSION_SECRET},
        {"STAFF_SESSION_SECRET": "short"},
    ):
        with pytest.raises(UnsafeConfiguration):
            StaffSettings.from_env(environ)
    settings = StaffSettings.from_env(
        {"CONSULT_ENV": "production", "STAFF_SESSION_SECRET": "s" * 40, "STAFF_IDLE_MINUTES": "10"}
    )
    assert settings.secure_cookies and settings.idle_minutes == 10


def test_client_address_behind_a_proxy() -> None:
    from aiohttp.test_utils import make_mocked_request

    from bot.staff.throttle import client_address

    request = make_mocked_request(
        "POST", "/staff/sign-in", headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    )
    trusting = StaffSettings(session_secret="x" * 32, trust_forwarded_for=True)
    assert client_address(request, trusting) == "203.0.113.9"
    assert client_address(request, StaffSettings(session_secret="x" * 32)) != "203.0.113.9"


async def test_a_flood_of_sign_in_requests_is_refused_before_the_form_is_read(
    staff_client: TestClient,
) -> None:
    """30 sign-in forms at once from one address (an office signing in at nine), then 20 a
    minute: the 31st is refused at once, even one without a CSRF token or with a form too
    big to read."""
    statuses = []
    for _ in range(31):
        response = await staff_client.post("/staff/sign-in", data={"name": "x", "password": "y"})
        statuses.append(response.status)
    assert statuses[:30] == [403] * 30  # no CSRF token: read, and refused by the CSRF check
    assert statuses[30] == 429
    assert "too many attempts to sign in from here" in await response.text()
    assert int(response.headers["Retry-After"]) >= 1
    huge = await staff_client.post("/staff/sign-in", data={"name": "x" * 1_000_000})
    assert huge.status == 429  # not 413: the body was never read
