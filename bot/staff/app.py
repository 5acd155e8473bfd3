"""`setup_staff(app)`: the staff console under /staff on the website's application."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp_session import session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.db.engine import dispose_engine
from bot.staff.auth import PREFIX, guard
from bot.staff.keys import SIGN_IN_REQUESTS, STAFF_SETTINGS
from bot.staff.rendering import setup_templates
from bot.staff.routes import setup_routes
from bot.staff.settings import StaffSettings
from bot.staff.throttle import sign_in_requests
from bot.staff.views_auth import limit_sign_in_requests

COOKIE_NAME = "consult_staff"
MAX_SESSION_HOURS = 12  # a working day: sign in again the next morning


def cookie_key(secret: str) -> bytes:
    """32 bytes for the Fernet key (aiohttp-session encodes them) from the configured secret."""
    return hashlib.sha256(b"staff-session:" + secret.encode()).digest()


def session_storage(settings: StaffSettings) -> EncryptedCookieStorage:
    return EncryptedCookieStorage(
        cookie_key(settings.session_secret),
        cookie_name=COOKIE_NAME,
        path=PREFIX,  # never sent with the public website's requests
        httponly=True,
        samesite="Strict",
        secure=settings.secure_cookies,
        # auth.guard ends a session idle for settings.idle_minutes (from the time of the last
        # request, kept in the session), saying why; whatever happens, the cookie and the
        # encrypted token inside it are refused after MAX_SESSION_HOURS.
        max_age=max(settings.idle_minutes * 60, MAX_SESSION_HOURS * 3600),
    )


async def _database(_app: web.Application) -> AsyncIterator[None]:
    """The engine is created on first use (bot.db.engine); closed when the website stops."""
    yield
    await dispose_engine()


def setup_staff(app: web.Application, settings: StaffSettings | None = None) -> None:
    """Everything under /staff: sign in, conversations, transcripts, erasure, audit log.

    The session middleware comes before guard: guard reads the session, and the CSRF token
    in it. Both only touch requests under /staff (the session is loaded lazily, and the
    cookie's path is /staff).
    """
    settings = settings or StaffSettings.from_env()
    app[STAFF_SETTINGS] = settings
    app[SIGN_IN_REQUESTS] = sign_in_requests()
    app.middlewares.append(session_middleware(session_storage(settings)))
    # After the session (the page it answers with holds the form's CSRF token), before
    # guard (whose CSRF check reads the form).
    app.middlewares.append(limit_sign_in_requests)
    app.middlewares.append(guard)
    setup_templates(app)
    setup_routes(app)
    app.cleanup_ctx.append(_database)
