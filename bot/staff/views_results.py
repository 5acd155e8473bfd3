"""Results pages: closed questions' counts and charts, and comments with their themes."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.db.engine import get_sessionmaker
from bot.staff import audit
from bot.staff.auth import require_role
from bot.staff.rendering import render
from bot.staff.results import PART_TITLES, SUPPRESSED_TEXT, THRESHOLD, load_results
from bot.staff.themes import ThemeListError, default_matcher, load_part_themes

if TYPE_CHECKING:
    from bot.staff.routes import StaffRouter

logger = logging.getLogger(__name__)


@require_role("reviewer")
async def results(request: web.Request) -> web.StreamResponse:
    """Every closed question's counts, percentages and chart, by part of the plan."""
    async with get_sessionmaker()() as db, db.begin():
        parts = await load_results(db)
        await audit.record(db, request, "view_results", detail="closed questions")
    return await render(
        request,
        "staff/results.html",
        parts=parts,
        threshold=THRESHOLD,
        suppressed_text=SUPPRESSED_TEXT,
    )


async def _comments_page(request: web.Request, reveal: bool) -> web.StreamResponse:
    try:
        # In a thread: the first time, importing spaCy and building the patterns takes
        # seconds, which must not hold up the website's event loop.
        matcher = await asyncio.get_running_loop().run_in_executor(None, default_matcher)
    except ThemeListError as error:
        # A mistake in an edited themes.yml: say what it is, so staff can fix the file.
        logger.error("The theme list is not valid: %s", error)
        return await render(request, "staff/results_themes_error.html", status=500, error=error)
    async with get_sessionmaker()() as db, db.begin():
        parts = await load_part_themes(db, matcher, reveal=reveal)
        if reveal:
            await audit.record(db, request, "reveal_comments", detail="comments and themes")
        else:
            await audit.record(db, request, "view_results", detail="comments and themes")
    return await render(
        request,
        "staff/results_comments.html",
        parts=parts,
        part_titles=PART_TITLES,
        revealed=reveal,
    )


@require_role("reviewer")
async def comments(request: web.Request) -> web.StreamResponse:
    """Each part's written comments, with the themes found in them, personal data hidden."""
    return await _comments_page(request, reveal=False)


@require_role("admin")
async def reveal_comments(request: web.Request) -> web.StreamResponse:
    """The comments with personal data shown: admins only, recorded in the audit log."""
    return await _comments_page(request, reveal=True)


def setup_routes(router: StaffRouter) -> None:
    router.add_get("/results", results, name="results")
    router.add_get("/results/comments", comments, name="results_comments")
    router.add_post("/results/comments/reveal", reveal_comments, name="reveal_comments")
