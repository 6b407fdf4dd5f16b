"""Review rooms: each room's state (free, starting, ready, lent to a reviewer for a review).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "review_rooms",
        sa.Column("account", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("review_id", sa.Integer),
        sa.Column("reviewer", sa.String(255)),
        sa.Column("since", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("review_rooms")
