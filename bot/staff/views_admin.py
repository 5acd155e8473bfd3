"""Admins only: erasing a respondent, and the audit log."""

from __future__ import annotations

import math

from aiohttp import web

from bot.db.engine import get_sessionmaker
from bot.staff import audit
from bot.staff.auth import require_role
from bot.staff.erasure import erase_by_reference
from bot.staff.rendering import render

AUDIT_PAGE_SIZE = 50


@require_role("admin")
async def erase_page(request: web.Request) -> web.StreamResponse:
    return await render(request, "staff/erase.html", error="", done=None, code="")


@require_role("admin")
async def erase(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    code = str(form.get("reference_code", "")).strip()[:16]
    if form.get("confirm") != "yes":
        error = "Tick the box to confirm that you want to erase everything of this respondent."
        return await render(
            request, "staff/erase.html", status=400, error=error, done=None, code=code
        )
    async with get_sessionmaker()() as db, db.begin():
        erased = await erase_by_reference(db, code) if code else None
        if erased is not None:
            await audit.record(
                db,
                request,
                "erase",
                detail=f"{erased.answers} answers, {erased.events} transcript events",
            )
    if erased is None:
        error = "There is no respondent with that reference code. Check it and try again."
        return await render(
            request, "staff/erase.html", status=404, error=error, done=None, code=code
        )
    return await render(request, "staff/erase.html", error="", done=erased, code="")


@require_role("admin")
async def audit_log(request: web.Request) -> web.StreamResponse:
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    async with get_sessionmaker()() as db, db.begin():
        entries, total = await audit.entries(db, (page - 1) * AUDIT_PAGE_SIZE, AUDIT_PAGE_SIZE)
        await audit.record(db, request, "view_audit")
    return await render(
        request,
        "staff/audit.html",
        entries=entries,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / AUDIT_PAGE_SIZE)),
        actions=audit.ACTIONS,
    )
