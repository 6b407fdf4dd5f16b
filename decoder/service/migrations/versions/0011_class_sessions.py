"""Class sessions: a group of learners taught together at a time, in a run.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_table(
        "class_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run", sa.String(64), nullable=False, index=True),
        sa.Column("group_name", sa.String(255), nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("prestarted_at", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("class_sessions")
