"""Export page and downloads: answers (CSV, Excel), the codebook, transcripts (JSON).

Downloads are POST forms with the CSRF token rather than links: each one is audit-logged,
and a link could be fetched by a browser's prefetching or from another site.

Residents' words are downloaded with personal data hidden, as reviewers read them. An admin
can download them with personal data shown (the form sends personal_data=yes): recorded
as "export_personal_data" rather than "export", as showing a transcript's is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import get_sessionmaker
from bot.db.queries import export_rows
from bot.staff import audit, exports
from bot.staff.auth import require_role
from bot.staff.keys import STAFF
from bot.staff.rendering import render

if TYPE_CHECKING:
    from bot.staff.routes import StaffRouter

CSV_TYPE = "text/csv"
JSON_TYPE = "application/json"


async def _answers(db: AsyncSession, reveal: bool) -> list[dict[str, str]]:
    rows = await export_rows(db)
    return rows if reveal else exports.redacted_rows(rows)


async def _answers_csv(db: AsyncSession, reveal: bool) -> tuple[bytes, str]:
    rows = await _answers(db, reveal)
    return exports.answers_csv(rows), f"{len(rows)} answers"


async def _answers_xlsx(db: AsyncSession, reveal: bool) -> tuple[bytes, str]:
    rows = await _answers(db, reveal)
    return exports.answers_xlsx(rows), f"{len(rows)} answers"


async def _codebook_csv(db: AsyncSession, reveal: bool) -> tuple[bytes, str]:
    return exports.codebook_csv(), "codebook"


async def _transcripts_json(db: AsyncSession, reveal: bool) -> tuple[bytes, str]:
    conversations = await exports.transcripts(db, reveal=reveal)
    body = exports.transcripts_json(conversations, revealed=reveal)
    return body, f"{len(conversations)} conversations"


Maker = Callable[[AsyncSession, bool], Awaitable[tuple[bytes, str]]]
# name -> (file name stem, extension, content type, what the audit log calls it, maker,
# whether it holds residents' words: only those have a version with personal data shown)
DOWNLOADS: dict[str, tuple[str, str, str, str, Maker, bool]] = {
    "answers_csv": ("answers", "csv", CSV_TYPE, "answers CSV", _answers_csv, True),
    "answers_xlsx": ("answers", "xlsx", exports.XLSX_TYPE, "answers Excel", _answers_xlsx, True),
    "codebook_csv": ("codebook", "csv", CSV_TYPE, "codebook CSV", _codebook_csv, False),
    "transcripts_json": (
        "transcripts",
        "json",
        JSON_TYPE,
        "transcripts JSON",
        _transcripts_json,
        True,
    ),
}
PERSONAL_DATA = "personal_data"  # the form field an admin's "with personal data" button sends


@require_role("reviewer")
async def export_page(request: web.Request) -> web.StreamResponse:
    return await render(request, "staff/export.html")


def _download_view(name: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    stem, extension, content_type, label, make, has_words = DOWNLOADS[name]

    @require_role("reviewer")
    async def download(request: web.Request) -> web.StreamResponse:
        form = await request.post()
        reveal = form.get(PERSONAL_DATA) == "yes"
        if reveal and not request[STAFF].is_admin:
            # As on the transcript page: only admins see personal data.
            raise web.HTTPForbidden(text="Only admins can download personal data.")
        if reveal and not has_words:
            raise web.HTTPBadRequest(text="This download holds no personal data.")
        async with get_sessionmaker()() as db, db.begin():
            body, summary = await make(db, reveal)
            # In the same transaction: no download without its audit entry.
            action = "export_personal_data" if reveal else "export"
            await audit.record(db, request, action, detail=f"{label}: {summary}")
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        filename = f"{stem}-{'with-personal-data-' if reveal else ''}{stamp}.{extension}"
        return web.Response(
            body=body,
            content_type=content_type,
            charset="utf-8" if extension != "xlsx" else None,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    download.__name__ = f"download_{name}"
    return download


def setup_routes(router: StaffRouter) -> None:
    router.add_get("/export", export_page, name="export")
    for name, (stem, extension, *_rest) in DOWNLOADS.items():
        router.add_post(f"/export/{stem}.{extension}", _download_view(name), name=name)
