"""Signing in and out."""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy import update

from bot.db.engine import get_sessionmaker
from bot.db.models import StaffUser, utcnow
from bot.staff import audit
from bot.staff.auth import (
    authenticate,
    clear_failures,
    client_address,
    failure_keys,
    public,
    record_failure,
    require_role,
    start_session,
    throttled_for,
)
from bot.staff.keys import STAFF, STAFF_SETTINGS
from bot.staff.rendering import render


@require_role("reviewer")
async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(request.app.router["staff.conversations"].url_for())


@public
async def sign_in_page(request: web.Request) -> web.StreamResponse:
    if request.get(STAFF) is not None:
        raise web.HTTPFound(request.app.router["staff.conversations"].url_for())
    message = ""
    if request.query.get("idle"):
        minutes = request.app[STAFF_SETTINGS].idle_minutes
        message = f"You were signed out because you did nothing for {minutes} minutes."
    elif request.query.get("signed_out"):
        message = "You have signed out."
    return await render(request, "staff/sign_in.html", message=message, error="", name="")


@public
async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    name = str(form.get("name", "")).strip()
    password = str(form.get("password", ""))
    settings = request.app[STAFF_SETTINGS]
    keys = failure_keys(settings, name, client_address(request, settings))
    async with get_sessionmaker()() as db, db.begin():
        wait = await throttled_for(db, settings, keys)
        if wait is not None:
            minutes = max(1, round(wait.total_seconds() / 60))
            error = (
                "There have been too many failed attempts to sign in. "
                f"Wait {minutes} minute{'s' if minutes != 1 else ''} and try again."
            )
            return await render(
                request, "staff/sign_in.html", status=429, message="", error=error, name=name
            )
        user = await authenticate(db, name, password) if name and password else None
        if user is None:
            await record_failure(db, keys)
        else:
            await clear_failures(db, keys[0])
            user.last_signed_in_at = utcnow()
            await audit.record(db, request, "sign_in", staff_name=user.name)
    if user is None:
        error = "The user name or password is not right."
        return await render(
            request, "staff/sign_in.html", status=401, message="", error=error, name=name
        )
    await start_session(request, user)
    raise web.HTTPFound(request.app.router["staff.conversations"].url_for())


@require_role("reviewer")
async def sign_out(request: web.Request) -> web.StreamResponse:
    staff = request[STAFF]
    async with get_sessionmaker()() as db, db.begin():
        # Ends every copy of this member of staff's session cookie, not only this browser's.
        await db.execute(
            update(StaffUser)
            .where(StaffUser.name == staff.name)
            .values(sessions_valid_after=utcnow())
        )
        await audit.record(db, request, "sign_out")
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPFound(request.app.router["staff.sign_in"].url_for().with_query(signed_out="1"))
