"""Peer review: reviews held and given, ratings and flags, withdrawals, staff actions, and one
lock row per assignment for allocation.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "peer_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assignment", sa.String(255), nullable=False, index=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False,
                  index=True),
        sa.Column("reviewer", sa.String(255), nullable=False, index=True),
        sa.Column("counted", sa.Boolean, nullable=False),
        sa.Column("staff", sa.Boolean, nullable=False),
        sa.Column("held_until", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("done_at", sa.DateTime),
        sa.Column("points", sa.Text),
        sa.Column("comment", sa.Text),
        sa.Column("cell_comments", sa.Text),
        sa.Column("hidden", sa.Boolean, nullable=False),
    )
    op.create_table(
        "peer_ratings",
        sa.Column("review_id", sa.Integer, sa.ForeignKey("peer_reviews.id"), primary_key=True),
        sa.Column("helpful", sa.Boolean),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("flag_reason", sa.Text),
        sa.Column("rated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "peer_withdrawals",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"),
                  primary_key=True),
        sa.Column("by", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_table(
        "staff_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assignment", sa.String(255), nullable=False, index=True),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.Integer, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "peer_locks",
        sa.Column("assignment", sa.String(255), primary_key=True),
        sa.Column("turn", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("peer_locks", "staff_actions", "peer_withdrawals", "peer_ratings",
                  "peer_reviews"):
        op.drop_table(table)
