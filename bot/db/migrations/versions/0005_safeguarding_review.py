"""Safeguarding review: each flag's tier and situation, the comment it was kept as, the
message it came from, and a reviewer's label.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _columns() -> tuple[sa.Column, ...]:
    return (
        # "clear" (a category reply) or "possible" (a check-in).
        sa.Column("tier", sa.String(length=16), nullable=False, server_default="clear"),
        # "current" (danger, crisis or a report now) or "past" (an experience told as a view).
        sa.Column("situation", sa.String(length=16), nullable=True),
        # The question the message was kept as the answer to (a comment), if it was.
        sa.Column("question_id", sa.String(length=64), nullable=True),
        # Rasa's timestamp of the resident's message, to find it in the transcript for review.
        sa.Column("message_timestamp", sa.Float(), nullable=True),
        # A reviewer's verdict: "disclosure" or "not_disclosure" (audited in audit_log).
        sa.Column("review_label", sa.String(length=16), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    )


def upgrade() -> None:
    with op.batch_alter_table("safeguarding_flags") as batch:
        for column in _columns():
            batch.add_column(column)
    op.create_index(op.f("ix_safeguarding_flags_flagged_at"), "safeguarding_flags", ["flagged_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_safeguarding_flags_flagged_at"), table_name="safeguarding_flags")
    with op.batch_alter_table("safeguarding_flags") as batch:
        for column in reversed(_columns()):
            batch.drop_column(column.name)
