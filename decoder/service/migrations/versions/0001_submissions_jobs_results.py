"""Submissions, grading jobs, results and releases of hidden tests.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(255), nullable=False, index=True),
        sa.Column("assignment", sa.String(255), nullable=False, index=True),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("folder", sa.String(1024), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False,
                  index=True),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(255)),
        sa.Column("lease_until", sa.DateTime),
        sa.Column("batch", sa.String(64), index=True),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
    )
    op.create_table(
        "results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("jobs.id"), nullable=False, unique=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False,
                  index=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("max_score", sa.Float, nullable=False),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("graded_notebook", sa.String(1024)),
        sa.Column("in_gradebook", sa.Boolean, nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "hidden_releases",
        sa.Column("assignment", sa.String(255), primary_key=True),
        sa.Column("released_at", sa.DateTime, nullable=False),
        sa.Column("released_by", sa.String(255), nullable=False),
    )


def downgrade() -> None:
    for table in ("hidden_releases", "results", "jobs", "submissions"):
        op.drop_table(table)
