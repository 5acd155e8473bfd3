"""The audit log: every staff action that views or changes residents' data.

    await audit.record(session, request, "view_transcript", target="GLCG-6BUK")

`target` is a reference code or a short pseudonymous id, never a raw sender id; `detail` is
short and never holds residents' words (filters and counts are fine; the words a member of
staff searched for are kept, under "search", as they may be personal data someone looked
for). The caller's transaction commits the entry with the action it records.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry, utcnow
from bot.staff.keys import STAFF, Staff

ACTIONS = {
    "sign_in": "Signed in",
    "sign_out": "Signed out",
    "list_conversations": "Listed conversations",
    "search": "Searched conversations for words",
    "view_transcript": "Read a transcript",
    "reveal": "Revealed personal data in a transcript",
    "reveal_comments": "Revealed personal data in the comments",
    "tag": "Tagged a conversation",
    "untag": "Removed a tag",
    "review": "Changed a review status",
    "note": "Changed review notes",
    "view_safeguarding": "Read the safeguarding queue",
    "label_flag": "Labelled a safeguarding message",
    "erase": "Erased a respondent",
    "view_results": "Viewed results",
    "export": "Exported answers",
    "export_personal_data": "Exported with personal data shown",
    "export_labelled": "Exported reviewed safeguarding messages",
    "view_audit": "Read the audit log",
}
ERASED = "(erased)"


async def record(
    session: AsyncSession,
    request: web.Request | None,
    action: str,
    target: str = "",
    detail: str = "",
    staff_name: str | None = None,
) -> None:
    """Add one entry for the signed-in member of staff (or `staff_name`)."""
    if staff_name is None:
        staff = request.get(STAFF) if request is not None else None
        staff_name = staff.name if isinstance(staff, Staff) else "(unknown)"
    session.add(
        AuditEntry(
            at=utcnow(),
            staff_name=staff_name[:64],
            action=action[:32],
            target=target[:64],
            detail=detail[:255],
        )
    )
    await session.flush()


async def entries(
    session: AsyncSession, offset: int = 0, limit: int = 50
) -> tuple[list[AuditEntry], int]:
    """A page of entries, newest first, and the number of entries in all."""
    from sqlalchemy import func

    total = (await session.execute(select(func.count(AuditEntry.id)))).scalar_one()
    rows = await session.execute(
        select(AuditEntry).order_by(AuditEntry.id.desc()).offset(offset).limit(limit)
    )
    return list(rows.scalars()), int(total)


async def forget_target(session: AsyncSession, targets: list[str]) -> None:
    """After an erasure: keep what was done, by whom and when, not to whose conversation."""
    from sqlalchemy import update

    targets = [t for t in targets if t]
    if targets:
        await session.execute(
            update(AuditEntry).where(AuditEntry.target.in_(targets)).values(target=ERASED)
        )
