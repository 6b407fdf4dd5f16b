"""Fetches: when a learner first and last fetched an exercise (« started », on the dashboard);
badges: the Open Badges credentials issued, each once.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "fetches",
        sa.Column("username", sa.String(255), primary_key=True),
        sa.Column("assignment", sa.String(255), primary_key=True),
        sa.Column("first_at", sa.DateTime, nullable=False),
        sa.Column("last_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "badges",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(255), nullable=False, index=True),
        sa.Column("achievement", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("token", sa.Text, nullable=False),
        sa.UniqueConstraint("username", "achievement"),
    )


def downgrade() -> None:
    op.drop_table("badges")
    op.drop_table("fetches")
