"""Who may see what: staff accounts, passwords, and the guard on routes.

Sign-in throttling is in throttle.py, the rules for new passwords in passwords.py.

Every staff route is refused unless its view says who may use it: `@require_role("reviewer")`
(any signed-in member of staff), `@require_role("admin")`, or `@public` (the sign-in page).
The middleware `guard` enforces it, so a view without a decorator is refused to everyone.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp_session import Session, get_session, new_session
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import get_sessionmaker
from bot.db.models import StaffUser, utcnow
from bot.staff import csrf, passwords
from bot.staff.keys import ROLES, STAFF, STAFF_SETTINGS, Staff

View = Callable[[web.Request], Awaitable[web.StreamResponse]]
PREFIX = "/staff"
ACCESS = "staff_access"  # the attribute require_role and public set on a view
PUBLIC = "public"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Compared against when the user name does not exist, so both cases take as long.
_DUMMY_HASH = _hasher.hash("not a real password")

STAFF_CSP = "; ".join(
    [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# --- decorators ---------------------------------------------------------------------------


def require_role(role: str) -> Callable[[View], View]:
    """Only signed-in staff with this role (or admin, who may do everything) may use the view."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def mark(view: View) -> View:
        setattr(view, ACCESS, role)
        return view

    return mark


def public(view: View) -> View:
    """Anyone may use the view (only the sign-in page)."""
    setattr(view, ACCESS, PUBLIC)
    return view


def allowed(staff: Staff | None, access: str | None) -> bool:
    if access == PUBLIC:
        return True
    if staff is None or access not in ROLES:
        return False
    return staff.is_admin or access == staff.role


# --- accounts -----------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_new_password(name: str, password: str) -> None:
    """ValueError saying why, if this password may not be set for this user (passwords.py)."""
    reason = passwords.problem(name, password)
    if reason is not None:
        raise ValueError(reason)


async def add_user(session: AsyncSession, name: str, role: str, password: str) -> StaffUser:
    """Create an account; ValueError if the name is taken or the role or password unusable."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValueError("the user name must be 1 to 64 characters")
    if role not in ROLES:
        raise ValueError(f"the role must be one of {', '.join(ROLES)}")
    check_new_password(name, password)
    existing = await session.execute(select(StaffUser).where(StaffUser.name == name))
    if existing.scalar_one_or_none() is not None:
        raise ValueError(f"there is already a user called {name!r}")
    user = StaffUser(name=name, role=role, password_hash=hash_password(password))
    session.add(user)
    await session.flush()
    return user


async def set_password(session: AsyncSession, name: str, password: str) -> StaffUser:
    """Change a password (checked as a new one) and end the user's other sessions;
    ValueError if there is no such user or the password is unusable."""
    user = await find_user(session, name.strip())
    if user is None:
        raise ValueError(f"there is no user called {name.strip()!r}")
    check_new_password(user.name, password)
    user.password_hash = hash_password(password)
    # Whoever knew the old password must not stay signed in with it.
    user.sessions_valid_after = utcnow()
    await session.flush()
    return user


async def find_user(session: AsyncSession, name: str) -> StaffUser | None:
    result = await session.execute(select(StaffUser).where(StaffUser.name == name))
    return result.scalar_one_or_none()


async def authenticate(session: AsyncSession, name: str, password: str) -> StaffUser | None:
    user = await find_user(session, name.strip())
    if user is None:
        check_password(_DUMMY_HASH, password)
        return None
    return user if check_password(user.password_hash, password) else None


# --- sessions -----------------------------------------------------------------------------


async def start_session(request: web.Request, user: StaffUser) -> None:
    """A fresh session for this user (nothing carried over from before signing in)."""
    session = await new_session(request)
    session["user"] = user.name
    session["signed_in_at"] = time.time()
    session["seen"] = time.time()
    csrf.renew(session)


def _valid_after(user: StaffUser) -> float:
    moment: datetime | None = user.sessions_valid_after
    return moment.timestamp() if moment is not None else 0.0


async def _signed_in(request: web.Request, session: Session) -> Staff | None:
    name = session.get("user")
    if not isinstance(name, str):
        return None
    settings = request.app[STAFF_SETTINGS]
    seen = session.get("seen")
    if not isinstance(seen, (int, float)) or time.time() - seen > settings.idle_minutes * 60:
        session.invalidate()
        request["signed_out_idle"] = True
        return None
    async with get_sessionmaker()() as db:
        user = await find_user(db, name)
    signed_in_at = session.get("signed_in_at")
    if (
        user is None
        or not isinstance(signed_in_at, (int, float))
        or signed_in_at < _valid_after(user)
    ):
        session.invalidate()
        return None
    session["seen"] = time.time()
    return Staff(name=user.name, role=user.role)


def is_staff_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under /staff: signed in, allowed, and (for forms) the right CSRF token; staff pages'
    own headers. Other paths (the public website) pass straight through.

    Runs after aiohttp_session's middleware: the session, and the CSRF token in it, must be
    loaded before either can be checked.
    """
    if not is_staff_path(request.path):
        return await handler(request)
    try:
        response = await _guarded(request, handler)
    except web.HTTPException as answer:
        _staff_headers(answer)
        raise
    _staff_headers(response)
    return response


def _staff_headers(response: Any) -> None:
    # Residents' words are on these pages: never kept in caches or shown in other frames.
    response.headers["Content-Security-Policy"] = STAFF_CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    session = await get_session(request)
    staff = await _signed_in(request, session)
    if staff is not None:
        request[STAFF] = staff
    not_found = request.match_info.http_exception
    access = None if not_found else getattr(request.match_info.handler, ACCESS, None)
    if not allowed(staff, access):
        if staff is None and request.method in csrf.SAFE_METHODS:
            location = request.app.router["staff.sign_in"].url_for()
            if request.get("signed_out_idle"):
                location = location.with_query(idle="1")
            raise web.HTTPFound(location)
        if staff is not None and not_found is not None:
            raise not_found
        raise web.HTTPForbidden(text="You do not have permission to do this.")
    await csrf.check(request, session)
    return await handler(request)
