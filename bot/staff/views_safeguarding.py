"""The safeguarding queue: every flagged message, and reviewers' disclosure labels."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from aiohttp import web

from bot.db.engine import get_sessionmaker
from bot.staff import audit
from bot.staff.auth import require_role
from bot.staff.keys import STAFF, STAFF_SETTINGS
from bot.staff.rendering import render
from bot.staff.safeguarding_review import (
    LABELS,
    SITUATIONS,
    TIERS,
    conversation_label,
    count_flags,
    label_flag,
    queue,
)

if TYPE_CHECKING:
    from bot.staff.routes import StaffRouter

UNREVIEWED = "unreviewed"


def _page(raw: object) -> int:
    try:
        return max(1, int(str(raw)))
    except ValueError:
        return 1


def _query(show: str, page: int) -> dict[str, str]:
    query = {"show": show} if show == UNREVIEWED else {}
    if page > 1:
        query["page"] = str(page)
    return query


@require_role("reviewer")
async def safeguarding(request: web.Request) -> web.StreamResponse:
    show = UNREVIEWED if request.query.get("show") == UNREVIEWED else ""
    size = request.app[STAFF_SETTINGS].page_size
    async with get_sessionmaker()() as db, db.begin():
        total = await count_flags(db, unreviewed_only=bool(show))
        unreviewed = await count_flags(db, unreviewed_only=True) if not show else total
        pages = max(1, math.ceil(total / size))
        page = min(_page(request.query.get("page", "1")), pages)
        flagged = await queue(db, unreviewed_only=bool(show), offset=(page - 1) * size, limit=size)
        await audit.record(
            db,
            request,
            "view_safeguarding",
            detail="filters: not reviewed" if show else "filters: none",
        )
    done = request.query.get("labelled", "")
    return await render(
        request,
        "staff/safeguarding.html",
        flagged=flagged,
        show=show,
        total=total,
        unreviewed=unreviewed,
        page=page,
        pages=pages,
        query=_query,
        labels=LABELS,
        tiers=TIERS,
        situations=SITUATIONS,
        done_label=LABELS.get(done, ""),
        done_flag=_page(request.query.get("flag", "0")) if done in LABELS else None,
    )


@require_role("reviewer")
async def label(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    chosen = str(form.get("label", ""))
    if chosen not in LABELS:
        raise web.HTTPBadRequest(text="Choose Disclosure or Not a disclosure.")
    flag_id = int(request.match_info["flag"])
    async with get_sessionmaker()() as db, db.begin():
        flag = await label_flag(db, flag_id, chosen, request[STAFF].name)
        if flag is None:
            raise web.HTTPNotFound()
        # The flag's id and the label, never the message: the log holds no residents' words.
        await audit.record(
            db,
            request,
            "label_flag",
            target=await conversation_label(db, flag.sender_key),
            detail=f"flag {flag_id}: {chosen}",
        )
    show = UNREVIEWED if form.get("show") == UNREVIEWED else ""
    query = {**_query(show, _page(form.get("page", "1"))), "labelled": chosen, "flag": str(flag_id)}
    location = request.app.router["staff.safeguarding"].url_for().with_query(query)
    # Back to the row just labelled; in "not reviewed yet" it has gone, so to the top.
    raise web.HTTPFound(f"{location}#flag-{flag_id}" if not show else str(location))


def setup_routes(router: StaffRouter) -> None:
    router.add_get("/safeguarding", safeguarding, name="safeguarding")
    router.add_post(r"/safeguarding/{flag:\d{1,12}}/label", label, name="safeguarding_label")
