"""Signing in and out."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy import update

from bot.db.engine import get_sessionmaker
from bot.db.models import StaffUser, utcnow
from bot.staff import audit, throttle
from bot.staff.auth import authenticate, public, require_role, start_session
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
    keys = throttle.failure_keys(settings, name, throttle.client_address(request, settings))
    async with get_sessionmaker()() as db, db.begin():
        verdict = await throttle.check(db, settings, keys)
    if verdict.wait is not None:
        wait = throttle.describe_wait(verdict.wait)
        error = (
            "There have been too many failed attempts to sign in from here. "
            f"Wait {wait} and try again."
        )
        response = await render(
            request, "staff/sign_in.html", status=429, message="", error=error, name=name
        )
        response.headers["Retry-After"] = str(throttle.wait_seconds(verdict.wait))
        return response
    if verdict.pause:
        # This user name is being guessed from many addresses: every try for it is slowed
        # a little. One from an address that has not failed may well be the member of
        # staff, so it is never refused.
        await asyncio.sleep(verdict.pause)
    async with get_sessionmaker()() as db, db.begin():
        user = await authenticate(db, name, password) if name and password else None
        if user is None:
            await throttle.record_failure(db, keys)
        else:
            await throttle.record_success(db, keys)
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
