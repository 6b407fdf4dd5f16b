"""Badge subjects: a random identifier per learner, named in their badges instead of one
derived from their username (which anyone knowing the username could link to them).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "badge_subjects",
        sa.Column("username", sa.String(255), primary_key=True),
        sa.Column("subject_id", sa.String(64), nullable=False, unique=True),
    )


def downgrade() -> None:
    op.drop_table("badge_subjects")
