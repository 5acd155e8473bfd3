"""CSRF protection for every staff form: a random token kept in the session.

Every form carries it in a hidden `csrf_token` field (`{{ csrf_field() }}` in templates); any
POST (and any other unsafe method) whose token is missing or wrong is refused with 403. The
token is checked by the middleware in bot.staff.auth after the session middleware has loaded
the session, because the token to compare with lives there.
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web
from aiohttp_session import Session
from markupsafe import Markup, escape

FIELD = "csrf_token"
SESSION_KEY = "csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def token(session: Session) -> str:
    """The session's token, created on first use."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


def renew(session: Session) -> str:
    """A new token (on sign-in: a token seen before signing in is not good after)."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)
    return str(session[SESSION_KEY])


def field(session: Session) -> Markup:
    """The hidden input every form carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, escape(token(session))
    )


async def check(request: web.Request, session: Session) -> None:
    """Refuse an unsafe request whose form token does not match the session's."""
    if request.method in SAFE_METHODS:
        return
    expected = session.get(SESSION_KEY)
    form = await request.post()
    given = form.get(FIELD)
    if (
        not isinstance(expected, str)
        or not isinstance(given, str)
        or not hmac.compare_digest(expected.encode(), given.encode())
    ):
        raise web.HTTPForbidden(
            text="This form has expired. Go back, reload the page and try again."
        )
