"""Hints opened: how many of an exercise's hints each learner opened.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table(
        "hints_opened",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run", sa.String(64), nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("assignment", sa.String(255), nullable=False),
        sa.Column("opened", sa.Integer, nullable=False),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("run", "username", "assignment"),
    )


def downgrade() -> None:
    op.drop_table("hints_opened")
