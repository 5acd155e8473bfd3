"""Staff's review of a conversation: status, notes and tags, all by sender key."""

from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ConversationReview, ConversationTag, utcnow
from bot.staff.conversations import STATUSES

TAG_PATTERN = re.compile(r"^[\w][\w ,'&()/.-]{0,39}$")
MAX_NOTES = 5000


def clean_tag(raw: str) -> str:
    """A tag as stored: trimmed, single spaces, lower case; ValueError if unusable."""
    tag = " ".join(raw.split()).lower()
    if not TAG_PATTERN.match(tag):
        raise ValueError("A tag is 1 to 40 letters, numbers, spaces or simple punctuation.")
    return tag


async def review_of(session: AsyncSession, key: str) -> ConversationReview | None:
    result = await session.execute(
        select(ConversationReview).where(ConversationReview.sender_key == key)
    )
    return result.scalar_one_or_none()


async def save_review(
    session: AsyncSession, key: str, by: str, status: str | None = None, notes: str | None = None
) -> ConversationReview:
    if status is not None and status not in STATUSES:
        raise ValueError("unknown review status")
    if notes is not None and len(notes) > MAX_NOTES:
        raise ValueError(f"Notes can be at most {MAX_NOTES} characters.")
    review = await review_of(session, key)
    if review is None:
        review = ConversationReview(sender_key=key, status="unreviewed", notes="")
        session.add(review)
    if status is not None:
        review.status = status
    if notes is not None:
        review.notes = notes
    review.updated_by = by
    review.updated_at = utcnow()
    await session.flush()
    return review


async def tags_of(session: AsyncSession, key: str) -> list[str]:
    result = await session.execute(
        select(ConversationTag.tag)
        .where(ConversationTag.sender_key == key)
        .order_by(ConversationTag.tag)
    )
    return list(result.scalars())


async def add_tag(session: AsyncSession, key: str, tag: str, by: str) -> bool:
    """Tag the conversation; False if it already had the tag."""
    if tag in await tags_of(session, key):
        return False
    session.add(ConversationTag(sender_key=key, tag=tag, tagged_by=by, tagged_at=utcnow()))
    await session.flush()
    return True


async def remove_tag(session: AsyncSession, key: str, tag: str) -> None:
    await session.execute(
        delete(ConversationTag).where(ConversationTag.sender_key == key, ConversationTag.tag == tag)
    )


async def all_tags(session: AsyncSession) -> list[str]:
    result = await session.execute(
        select(ConversationTag.tag).distinct().order_by(ConversationTag.tag)
    )
    return list(result.scalars())


async def forget(session: AsyncSession, key: str) -> None:
    """Delete the review (its notes may hold personal data) and tags of a conversation."""
    await session.execute(delete(ConversationReview).where(ConversationReview.sender_key == key))
    await session.execute(delete(ConversationTag).where(ConversationTag.sender_key == key))
