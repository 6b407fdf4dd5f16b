"""Self-check answers: the lessons' questions as the class answered them (shared by consent).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "self_check_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run", sa.String(64), nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("question", sa.String(80), nullable=False),
        sa.Column("tries", sa.Integer, nullable=False),
        sa.Column("right", sa.Boolean, nullable=False),
        sa.Column("answered_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("run", "username", "question"),
    )


def downgrade() -> None:
    op.drop_table("self_check_answers")
