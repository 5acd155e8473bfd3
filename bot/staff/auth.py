"""Who may see what: staff accounts, passwords, sign-in throttling, and the guard on routes.

Every staff route is refused unless its view says who may use it: `@require_role("reviewer")`
(any signed-in member of staff), `@require_role("admin")`, or `@public` (the sign-in page).
The middleware `guard` enforces it, so a view without a decorator is refused to everyone.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp_session import Session, get_session, new_session
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import get_sessionmaker
from bot.db.models import SignInFailure, StaffUser, utcnow
from bot.staff import csrf
from bot.staff.keys import ROLES, STAFF, STAFF_SETTINGS, Staff
from bot.staff.settings import StaffSettings

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


async def add_user(session: AsyncSession, name: str, role: str, password: str) -> StaffUser:
    """Create an account; ValueError if the name is taken or the role or password unusable."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValueError("the user name must be 1 to 64 characters")
    if role not in ROLES:
        raise ValueError(f"the role must be one of {', '.join(ROLES)}")
    if len(password) < 12:
        raise ValueError("the password must be at least 12 characters")
    existing = await session.execute(select(StaffUser).where(StaffUser.name == name))
    if existing.scalar_one_or_none() is not None:
        raise ValueError(f"there is already a user called {name!r}")
    user = StaffUser(name=name, role=role, password_hash=hash_password(password))
    session.add(user)
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


# --- throttling ---------------------------------------------------------------------------


def failure_keys(settings: StaffSettings, name: str, address: str) -> list[str]:
    """Keyed hashes, so the table keeps neither names tried nor client addresses."""
    secret = settings.session_secret.encode()
    return [
        hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        for kind, value in (("name", name.strip().lower()), ("address", address))
    ]


def client_address(request: web.Request, settings: StaffSettings) -> str:
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.remote or "unknown"


async def throttled_for(
    session: AsyncSession, settings: StaffSettings, keys: list[str]
) -> timedelta | None:
    """How long to wait before trying again, or None if sign-in may be tried now."""
    window = timedelta(minutes=settings.failure_window_minutes)
    now = utcnow()
    await session.execute(delete(SignInFailure).where(SignInFailure.failed_at < now - window))
    for key in keys:
        count, first = (
            await session.execute(
                select(func.count(SignInFailure.id), func.min(SignInFailure.failed_at)).where(
                    SignInFailure.key == key
                )
            )
        ).one()
        if count >= settings.max_failures and first is not None:
            first = first if first.tzinfo else first.replace(tzinfo=timezone.utc)
            return max(first + window - now, timedelta(seconds=1))
    return None


async def record_failure(session: AsyncSession, keys: list[str]) -> None:
    for key in keys:
        session.add(SignInFailure(key=key, failed_at=utcnow()))
    await session.flush()


async def clear_failures(session: AsyncSession, key: str) -> None:
    await session.execute(delete(SignInFailure).where(SignInFailure.key == key))


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
