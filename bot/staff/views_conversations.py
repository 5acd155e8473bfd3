"""Conversations: the list, a transcript, revealing personal data, tags, review and notes."""

from __future__ import annotations

import math

from aiohttp import web

from bot import content
from bot.db.engine import get_sessionmaker
from bot.db.queries import answers_of, get_respondent
from bot.questions import BY_ID, GIVEN, value_label
from bot.staff import audit, reviews
from bot.staff.auth import require_role
from bot.staff.conversations import STATUSES, Filters, filtered, find, transcript
from bot.staff.keys import STAFF, STAFF_SETTINGS
from bot.staff.redaction import redact
from bot.staff.rendering import render


def _parts() -> dict[str, str]:
    return {key: part.title for key, part in content.parts().items()}


@require_role("reviewer")
async def listing(request: web.Request) -> web.StreamResponse:
    filters = Filters.from_query(request.query)
    size = request.app[STAFF_SETTINGS].page_size
    staff = request[STAFF]
    async with get_sessionmaker()() as db, db.begin():
        # Reviewers search the messages as they read them, with personal data hidden.
        found = await filtered(db, filters, redacted=not staff.is_admin)
        channels = sorted(
            {c.channel for c in found if c.channel} | {"rest", "socketio", "sms", "whatsapp"}
        )
        tags = await reviews.all_tags(db)
        await audit.record(db, request, "list_conversations", detail=filters.describe())
        if filters.search:
            # The words can be personal data (a name, a number): who looked for them is kept.
            await audit.record(db, request, "search", detail=f"words: {filters.search}")
    pages = max(1, math.ceil(len(found) / size))
    page = min(filters.page, pages)
    shown = found[(page - 1) * size : page * size]
    return await render(
        request,
        "staff/conversations.html",
        filters=filters,
        conversations=shown,
        total=len(found),
        completed=sum(1 for c in found if c.completed),
        flagged=sum(1 for c in found if c.flags),
        page=page,
        pages=pages,
        first_shown=(page - 1) * size + 1 if shown else 0,
        last_shown=(page - 1) * size + len(shown),
        channels=channels,
        tags=tags,
        parts=_parts(),
        statuses=STATUSES,
    )


async def _conversation_page(request: web.Request, reveal: bool) -> web.Response:
    key = request.match_info["key"]
    async with get_sessionmaker()() as db, db.begin():
        found = await find(db, key)
        if found is None:
            raise web.HTTPNotFound()
        sender_id, conversation = found
        turns = await transcript(db, sender_id)
        respondent = await get_respondent(db, sender_id)
        answers = []
        if respondent is not None:
            for answer in await answers_of(db, respondent):
                question = BY_ID.get(answer.question_id)
                shown = (
                    answer.free_text
                    if answer.value == GIVEN and answer.free_text is not None
                    else (value_label(question, answer.value) if question else answer.value)
                )
                answers.append(
                    {
                        "question": question.wording if question else answer.question_id,
                        "id": answer.question_id,
                        "answer": shown if reveal else redact(shown),
                        "at": answer.updated_at,
                    }
                )
        review = await reviews.review_of(db, key)
        await audit.record(
            db, request, "reveal" if reveal else "view_transcript", target=conversation.label
        )
    shown_turns = [
        {"speaker": t.speaker, "at": t.at, "text": t.text if reveal else redact(t.text)}
        for t in turns
    ]
    return await render(
        request,
        "staff/transcript.html",
        conversation=conversation,
        turns=shown_turns,
        answers=answers,
        review=review,
        statuses=STATUSES,
        revealed=reveal,
        parts=_parts(),
        message=request.query.get("done", ""),
    )


@require_role("reviewer")
async def transcript_page(request: web.Request) -> web.StreamResponse:
    return await _conversation_page(request, reveal=False)


@require_role("admin")
async def reveal(request: web.Request) -> web.StreamResponse:
    return await _conversation_page(request, reveal=True)


def _back(request: web.Request, done: str) -> web.HTTPFound:
    url = request.app.router["staff.transcript"].url_for(key=request.match_info["key"])
    return web.HTTPFound(url.with_query(done=done))


async def _label(db: object, key: str) -> str:
    found = await find(db, key)  # type: ignore[arg-type]
    if found is None:
        raise web.HTTPNotFound()
    return found[1].label


@require_role("reviewer")
async def add_tag(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    key = request.match_info["key"]
    try:
        tag = reviews.clean_tag(str(form.get("tag", "")))
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from None
    async with get_sessionmaker()() as db, db.begin():
        label = await _label(db, key)
        await reviews.add_tag(db, key, tag, request[STAFF].name)
        await audit.record(db, request, "tag", target=label, detail=f"tag: {tag}")
    raise _back(request, "tag")


@require_role("reviewer")
async def remove_tag(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    key = request.match_info["key"]
    tag = str(form.get("tag", ""))[:40]
    async with get_sessionmaker()() as db, db.begin():
        label = await _label(db, key)
        await reviews.remove_tag(db, key, tag)
        await audit.record(db, request, "untag", target=label, detail=f"tag: {tag}")
    raise _back(request, "untag")


@require_role("reviewer")
async def review(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    key = request.match_info["key"]
    status = str(form.get("status", ""))
    notes = str(form.get("notes", "")).replace("\r\n", "\n").strip()
    if status not in STATUSES:
        raise web.HTTPBadRequest(text="Choose a review status.")
    async with get_sessionmaker()() as db, db.begin():
        label = await _label(db, key)
        before = await reviews.review_of(db, key)
        try:
            await reviews.save_review(db, key, request[STAFF].name, status=status, notes=notes)
        except ValueError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        if before is None or before.status != status:
            await audit.record(db, request, "review", target=label, detail=f"status: {status}")
        if (before.notes if before else "") != notes:
            await audit.record(db, request, "note", target=label)
    raise _back(request, "review")
