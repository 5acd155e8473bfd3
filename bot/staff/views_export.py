"""Export page and downloads: answers (CSV, Excel), the codebook, transcripts (JSON).

Downloads are POST forms with the CSRF token rather than links: each one is audit-logged,
and a link could be fetched by a browser's prefetching or from another site.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import get_sessionmaker
from bot.db.queries import export_rows
from bot.staff import audit, exports
from bot.staff.auth import require_role
from bot.staff.rendering import render

if TYPE_CHECKING:
    from bot.staff.routes import StaffRouter

CSV_TYPE = "text/csv"
JSON_TYPE = "application/json"


async def _answers_csv(db: AsyncSession) -> tuple[bytes, str]:
    rows = await export_rows(db)
    return exports.answers_csv(rows), f"{len(rows)} answers"


async def _answers_xlsx(db: AsyncSession) -> tuple[bytes, str]:
    rows = await export_rows(db)
    return exports.answers_xlsx(rows), f"{len(rows)} answers"


async def _codebook_csv(db: AsyncSession) -> tuple[bytes, str]:
    return exports.codebook_csv(), "codebook"


async def _transcripts_json(db: AsyncSession) -> tuple[bytes, str]:
    conversations = await exports.transcripts(db)
    return exports.transcripts_json(conversations), f"{len(conversations)} conversations"


# name -> (file name stem, extension, content type, what the audit log calls it, maker)
DOWNLOADS: dict[str, tuple[str, str, str, str, Callable[[AsyncSession], Awaitable[Any]]]] = {
    "answers_csv": ("answers", "csv", CSV_TYPE, "answers CSV", _answers_csv),
    "answers_xlsx": ("answers", "xlsx", exports.XLSX_TYPE, "answers Excel", _answers_xlsx),
    "codebook_csv": ("codebook", "csv", CSV_TYPE, "codebook CSV", _codebook_csv),
    "transcripts_json": ("transcripts", "json", JSON_TYPE, "transcripts JSON", _transcripts_json),
}


@require_role("reviewer")
async def export_page(request: web.Request) -> web.StreamResponse:
    return await render(request, "staff/export.html")


def _download_view(name: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    stem, extension, content_type, label, make = DOWNLOADS[name]

    @require_role("reviewer")
    async def download(request: web.Request) -> web.StreamResponse:
        async with get_sessionmaker()() as db, db.begin():
            body, summary = await make(db)
            # In the same transaction: no download without its audit entry.
            await audit.record(db, request, "export", detail=f"{label}: {summary}")
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        return web.Response(
            body=body,
            content_type=content_type,
            charset="utf-8" if extension != "xlsx" else None,
            headers={"Content-Disposition": f'attachment; filename="{stem}-{stamp}.{extension}"'},
        )

    download.__name__ = f"download_{name}"
    return download


def setup_routes(router: StaffRouter) -> None:
    router.add_get("/export", export_page, name="export")
    for name, (stem, extension, *_rest) in DOWNLOADS.items():
        router.add_post(f"/export/{stem}.{extension}", _download_view(name), name=name)
