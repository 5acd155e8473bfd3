"""Signing in and out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp_session import get_session
from sqlalchemy import update

from bot.db.engine import get_sessionmaker
from bot.db.models import StaffUser, utcnow
from bot.staff import audit, throttle
from bot.staff.auth import authenticate, public, require_role, start_session
from bot.staff.keys import SIGN_IN_REQUESTS, STAFF, STAFF_SETTINGS
from bot.staff.rendering import render

SIGN_IN_PATH = "/staff/sign-in"


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


async def too_many_attempts(
    request: web.Request, wait: timedelta, name: str, failed: bool = True
) -> web.StreamResponse:
    """429: the sign-in page, saying how long to wait."""
    error = (
        f"There have been too many {'failed ' if failed else ''}attempts to sign in from "
        f"here. Wait {throttle.describe_wait(wait)} and try again."
    )
    response = await render(
        request, "staff/sign_in.html", status=429, message="", error=error, name=name
    )
    response.headers["Retry-After"] = str(throttle.wait_seconds(wait))
    return response


@web.middleware
async def limit_sign_in_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sign-in forms from one address, right or wrong, are limited before anything reads
    the form (the CSRF check does, in bot.staff.auth.guard): a flood costs almost nothing."""
    if request.method != "POST" or request.path != SIGN_IN_PATH:
        return await handler(request)
    settings = request.app[STAFF_SETTINGS]
    wait = request.app[SIGN_IN_REQUESTS].take(throttle.client_address(request, settings))
    if wait:
        response = await too_many_attempts(request, timedelta(seconds=wait), "", failed=False)
        response.headers["Cache-Control"] = "no-store"
        return response
    return await handler(request)


@public
async def sign_in(request: web.Request) -> web.StreamResponse:
    settings = request.app[STAFF_SETTINGS]
    address = throttle.client_address(request, settings)
    form = await request.post()
    name = str(form.get("name", "")).strip()
    password = str(form.get("password", ""))
    keys = throttle.failure_keys(settings, name, address)
    async with get_sessionmaker()() as db, db.begin():
        verdict = await throttle.check(db, settings, keys)
    if verdict.wait is not None:
        return await too_many_attempts(request, verdict.wait, name)
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
