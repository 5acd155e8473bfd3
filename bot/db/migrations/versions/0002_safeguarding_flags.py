"""Safeguarding flags: which conversations had a disclosure, of what kind, and when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safeguarding_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_key", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safeguarding_flags")),
    )
    op.create_index(op.f("ix_safeguarding_flags_sender_key"), "safeguarding_flags", ["sender_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_safeguarding_flags_sender_key"), table_name="safeguarding_flags")
    op.drop_table("safeguarding_flags")
