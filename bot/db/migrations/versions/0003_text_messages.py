"""Text messages (SMS and WhatsApp): opt-outs, the options last offered, messages taken in.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_key", sa.String(length=64), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opt_outs")),
        sa.UniqueConstraint("sender_key", name=op.f("uq_opt_outs_sender_key")),
    )
    op.create_table(
        "offered_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_key", sa.String(length=64), nullable=False),
        sa.Column("payloads", sa.Text(), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offered_options")),
        sa.UniqueConstraint("sender_key", name=op.f("uq_offered_options_sender_key")),
    )
    op.create_table(
        "received_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_key", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_messages")),
        sa.UniqueConstraint("message_key", name=op.f("uq_received_messages_message_key")),
    )


def downgrade() -> None:
    op.drop_table("received_messages")
    op.drop_table("offered_options")
    op.drop_table("opt_outs")
