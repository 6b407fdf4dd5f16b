"""Earlier marks: the instructors' points and comments on a submission a newer one replaced.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "earlier_marks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("assignment", sa.String(255), nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("cell", sa.String(255), nullable=False),
        sa.Column("points", sa.Float),
        sa.Column("auto_points", sa.Float),
        sa.Column("max_points", sa.Float),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("kept_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("username", "assignment", "submitted_at", "cell"),
    )


def downgrade() -> None:
    op.drop_table("earlier_marks")
